//! An export run: which days (a range, or since the last run with a lookback), each day's
//! partition written by one task (`jobs` at a time), and the state advanced as the days before
//! it are done, so that a run killed anywhere is finished by `--since-last-run` with nothing
//! missing and nothing duplicated.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::PathBuf,
    time::{Duration, Instant},
};

use cake_client::Client;
use cake_spec::Document;
use chrono::{Days, NaiveDate};
use futures::{StreamExt, TryStreamExt};

use crate::{
    schema::RowSchema,
    sink::{commit, staging_dir, write_whole, Durability, Format, Partitions, Staged},
    state::{State, StreamState},
    stream::Stream,
    Error,
};

/// How often, at most, the days written are committed (made durable and moved into place as one
/// group, [`commit`]) and the state written: a run killed between two commits re-exports at most
/// the days since the last one, which replace their partitions with the same files.
pub const STATE_EVERY: Duration = Duration::from_millis(500);

/// Which days to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayRange {
    /// From `start` to `end`, both included.
    Range {
        /// The first day.
        start: NaiveDate,
        /// The last day.
        end: NaiveDate,
    },
    /// From the day after the stream's last exported day, less `lookback` days (re-exported and
    /// replaced whole), to `end`.
    SinceLastRun {
        /// Days before the last exported one to export again (conversions change afterwards).
        lookback: u32,
        /// The last day.
        end: NaiveDate,
    },
}

/// An export to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The stream.
    pub stream: Stream,
    /// The output directory.
    pub out: PathBuf,
    /// Which days.
    pub days: DayRange,
    /// The files' format.
    pub format: Format,
    /// Days exported at once (each by one task).
    pub jobs: usize,
    /// How each group of days is made durable before the state claims it.
    pub durability: Durability,
    /// The run's parameters, as given, for the state file.
    pub parameters: BTreeMap<String, String>,
}

/// How far a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// Days written.
    pub days_done: usize,
    /// Days to write.
    pub days: usize,
    /// Rows written.
    pub rows: u64,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The days exported (none when there was nothing new).
    pub range: Option<(NaiveDate, NaiveDate)>,
    /// Days written.
    pub days: usize,
    /// Rows written.
    pub rows: u64,
}

impl Summary {
    /// A run that had no day to export.
    pub const NOTHING: Summary = Summary {
        range: None,
        days: 0,
        rows: 0,
    };
}

/// The row schema of `stream`, from the spec the SDK was built from, checked against the SDK's
/// columns.
pub fn row_schema(stream: Stream) -> Result<RowSchema, Error> {
    let doc = Document::from_yaml(cake_client::spec::SPEC_YAML).map_err(Error::new)?;
    let schema = RowSchema::of(&doc, stream.operation_id())?;
    schema.check_columns(stream.sdk_columns())?;
    Ok(schema)
}

/// Runs `plan` through `client`, telling `progress` after each day.
pub async fn export(
    client: &Client,
    plan: &Plan,
    progress: impl Fn(Tick),
) -> Result<Summary, Error> {
    let name = plan.stream.name();
    let schema = row_schema(plan.stream)?;
    // Refused before anything is written (a first `--since-last-run`, another format)...
    if days_to_export(plan, State::read(&plan.out)?.streams.get(name))?.is_none() {
        return Ok(Summary::NOTHING);
    }
    // ...then, one run of a stream into a directory at a time, from before it reads the state it
    // goes by to after it writes it for the last time.
    let dir = plan.out.join(name);
    std::fs::create_dir_all(&dir).map_err(|e| Error::new(format!("{}: {e}", dir.display())))?;
    let _running = crate::lock::run(&dir, name)?;
    let previous = State::read(&plan.out)?.streams.get(name).cloned();
    let Some((start, end)) = days_to_export(plan, previous.as_ref())? else {
        return Ok(Summary::NOTHING);
    };
    let staging = staging_dir(&plan.out, name);
    let _ = std::fs::remove_dir_all(&staging);
    let partitions = std::sync::Arc::new(Partitions::new(&plan.out, name, &schema, plan.format)?);
    write_whole(&dir.join("_schema.json"), schema.to_json().as_bytes())?;

    let days: Vec<NaiveDate> = start.iter_days().take_while(|d| *d <= end).collect();
    let total = days.len();
    // The range the state will say is complete: the earlier one when this run continues it.
    let first_day = match &previous {
        Some(p) if p.first_day <= start && start <= p.last_day.succ_opt().unwrap_or(p.last_day) => {
            p.first_day
        }
        _ => start,
    };
    let kept_last = previous
        .as_ref()
        .filter(|p| p.first_day == first_day)
        .map(|p| p.last_day);
    let mut ledger = Ledger {
        plan,
        stream_dir: dir,
        first_day,
        kept_last,
        spec_version: schema.spec_version.clone(),
        done: BTreeSet::new(),
        next: start,
    };
    let mut rows = 0u64;
    let mut written = 0usize;
    let stream = plan.stream;
    // Each day a task of the runtime's, so that with `jobs` > 1 its file work (encoding,
    // writing) runs on another thread while the others wait for their pages.
    let mut tasks = futures::stream::iter(days.into_iter().map(|day| {
        let (partitions, client) = (partitions.clone(), client.clone());
        AbortOnDrop(tokio::spawn(async move {
            let mut w = partitions.day(day)?;
            stream.day(&client, day, &mut w).await?;
            // The last row group blocks: off the runtime's threads, so that the other days'
            // pages keep coming meanwhile.
            let staged = tokio::task::spawn_blocking(move || w.finish())
                .await
                .map_err(|e| Error::new(format!("writing {day}: {e}")))??;
            Ok::<_, Error>((day, staged))
        }))
    }))
    .buffer_unordered(plan.jobs.max(1))
    .map(|joined| joined.map_err(|e| Error::new(format!("a day's task: {e}")))?);
    // The days written whole in staging, committed as a group at most every STATE_EVERY and at
    // the end.
    let mut staged: Vec<(NaiveDate, Staged)> = Vec::new();
    let mut committed = Instant::now();
    let failed = loop {
        let (day, file) = match tasks.try_next().await {
            Ok(Some(written_day)) => written_day,
            Ok(None) => break None,
            Err(e) => break Some(e),
        };
        rows += file.rows;
        written += 1;
        staged.push((day, file));
        if committed.elapsed() >= STATE_EVERY {
            if let Err(e) = ledger.settle(std::mem::take(&mut staged)).await {
                break Some(e);
            }
            committed = Instant::now();
        }
        progress(Tick {
            days_done: written,
            days: total,
            rows,
        });
    };
    // Whatever stopped the run, the days written whole before it are committed and kept in the
    // state, so that `--since-last-run` goes on from there.
    let settled = ledger.settle(staged).await;
    // The days under way stop with the run (dropping a task's handle would not stop it).
    drop(tasks);
    let _ = std::fs::remove_dir_all(&staging);
    // `_staging` itself, when no other stream's run is using it.
    let _ = std::fs::remove_dir(plan.out.join("_staging"));
    if let Some(e) = failed {
        return Err(e);
    }
    settled?;
    Ok(Summary {
        range: Some((start, end)),
        days: written,
        rows,
    })
}

/// The days `plan` exports, given the stream's state; `None` when there is nothing new.
fn days_to_export(
    plan: &Plan,
    previous: Option<&StreamState>,
) -> Result<Option<(NaiveDate, NaiveDate)>, Error> {
    let name = plan.stream.name();
    let (start, end) = match plan.days {
        DayRange::Range { start, end } => (start, end),
        DayRange::SinceLastRun { lookback, end } => {
            let last = previous.map(|p| p.last_day).ok_or_else(|| {
                Error::new(format!(
                    "no earlier export of {name} in {}: give --start-date and --end-date for the first run",
                    plan.out.display()
                ))
            })?;
            let start = last
                .checked_add_days(Days::new(1))
                .and_then(|d| d.checked_sub_days(Days::new(u64::from(lookback))))
                .ok_or_else(|| Error::new("the lookback goes out of the calendar"))?;
            (start, end)
        }
    };
    if start > end {
        return Ok(None);
    }
    if let Some(p) = previous {
        if p.format != plan.format.extension() {
            return Err(Error::new(format!(
                "{} holds {name} as {}, not {}: use another directory",
                plan.out.display(),
                p.format,
                plan.format.extension()
            )));
        }
    }
    Ok(Some((start, end)))
}

/// The days committed, and the state that claims them.
struct Ledger<'a> {
    plan: &'a Plan,
    stream_dir: PathBuf,
    /// The first day of the range the state claims (an earlier run's when this one continues it).
    first_day: NaiveDate,
    /// The earlier run's last day, when this run re-exports inside its range.
    kept_last: Option<NaiveDate>,
    spec_version: String,
    done: BTreeSet<NaiveDate>,
    /// The first day not yet committed.
    next: NaiveDate,
}

impl Ledger<'_> {
    /// Commits `staged` (off the runtime's threads: the days under way go on meanwhile), then
    /// moves the state to the last day before which every day is committed.
    async fn settle(&mut self, staged: Vec<(NaiveDate, Staged)>) -> Result<(), Error> {
        if staged.is_empty() {
            return Ok(());
        }
        let (stream_dir, durability) = (self.stream_dir.clone(), self.plan.durability);
        let days = tokio::task::spawn_blocking(move || {
            let (days, files): (Vec<NaiveDate>, Vec<Staged>) = staged.into_iter().unzip();
            commit(&stream_dir, &files, durability).map(|()| days)
        })
        .await
        .map_err(|e| Error::new(format!("committing days: {e}")))??;
        self.done.extend(days);
        let before = self.next;
        while self.done.remove(&self.next) {
            self.next = self.next.succ_opt().unwrap_or(self.next);
        }
        if self.next == before {
            return Ok(());
        }
        let last = self.next.pred_opt().unwrap_or(self.next);
        State::update(
            &self.plan.out,
            self.plan.stream.name(),
            StreamState {
                last_day: self.kept_last.map_or(last, |k| k.max(last)),
                first_day: self.first_day,
                format: self.plan.format.extension().to_string(),
                spec_version: self.spec_version.clone(),
                parameters: self.plan.parameters.clone(),
            },
        )
    }
}

/// A day's task, stopped when the run lets go of it (a failed run does not leave its other days
/// running).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> std::future::Future for AbortOnDrop<T> {
    type Output = Result<T, tokio::task::JoinError>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0).poll(cx)
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
