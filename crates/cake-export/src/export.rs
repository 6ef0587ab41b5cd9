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
    sink::{partition_file, sync_dir, write_whole, DayWriter, Format},
    state::{State, StreamState},
    stream::Stream,
    Error,
};

/// How often, at most, the state file is written (each write syncs the partitions done since
/// the last one, then the state): a run killed between two writes re-exports at most the days
/// since the last one, which replace their partitions with the same files.
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
    let mut state = State::read(&plan.out)?;
    let previous = state.streams.get(name).cloned();
    let (start, end) = match plan.days {
        DayRange::Range { start, end } => (start, end),
        DayRange::SinceLastRun { lookback, end } => {
            let last = previous.as_ref().map(|p| p.last_day).ok_or_else(|| {
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
        return Ok(Summary {
            range: None,
            days: 0,
            rows: 0,
        });
    }
    if let Some(p) = &previous {
        if p.format != plan.format.extension() {
            return Err(Error::new(format!(
                "{} holds {name} as {}, not {}: use another directory",
                plan.out.display(),
                p.format,
                plan.format.extension()
            )));
        }
    }
    let dir = plan.out.join(name);
    std::fs::create_dir_all(&dir).map_err(|e| Error::new(format!("{}: {e}", dir.display())))?;
    let staging = plan.out.join("_staging").join(name);
    let _ = std::fs::remove_dir_all(&staging);
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
    let mut done = BTreeSet::new();
    let mut next = start;
    let mut rows = 0u64;
    let mut written = 0usize;
    let out = plan.out.clone();
    let format = plan.format;
    let stream = plan.stream;
    // Each day a task of the runtime's, so that with `jobs` > 1 its file work (encoding,
    // writing, syncing) runs on another thread while the others wait for their pages.
    let mut tasks = futures::stream::iter(days.into_iter().map(|day| {
        let (out, schema, client) = (out.clone(), schema.clone(), client.clone());
        AbortOnDrop(tokio::spawn(async move {
            let mut w = DayWriter::create(&out, name, day, &schema, format)?;
            let n = stream.day(&client, day, &mut w).await?;
            // The last row group, the sync and the rename block: off the runtime's threads, so
            // that the other days' pages keep coming meanwhile.
            tokio::task::spawn_blocking(move || w.finish())
                .await
                .map_err(|e| Error::new(format!("writing {day}: {e}")))??;
            Ok::<_, Error>((day, n))
        }))
    }))
    .buffer_unordered(plan.jobs.max(1))
    .map(|joined| joined.map_err(|e| Error::new(format!("a day's task: {e}")))?);
    // Days whose files are in place but whose directories are not yet synced; the state is
    // written (after syncing them) at most every STATE_EVERY, and at the end.
    let mut unsynced: Vec<PathBuf> = Vec::new();
    let mut advanced = false;
    let mut saved = Instant::now();
    let save = |state: &mut State, last: NaiveDate, unsynced: &mut Vec<PathBuf>| {
        for dir in unsynced.drain(..) {
            sync_dir(&dir)?;
        }
        sync_dir(&dir)?;
        state.streams.insert(
            name.to_string(),
            StreamState {
                last_day: kept_last.map_or(last, |k| k.max(last)),
                first_day,
                format: format.extension().to_string(),
                spec_version: schema.spec_version.clone(),
                parameters: plan.parameters.clone(),
            },
        );
        state.write(&plan.out)
    };
    let failed = loop {
        let (day, n) = match tasks.try_next().await {
            Ok(Some(done_day)) => done_day,
            Ok(None) => break None,
            Err(e) => break Some(e),
        };
        rows += n;
        written += 1;
        done.insert(day);
        if let Some(partition) = partition_file(&plan.out, name, day, format).parent() {
            unsynced.push(partition.to_path_buf());
        }
        let before = next;
        while done.remove(&next) {
            next = next.succ_opt().unwrap_or(next);
        }
        advanced |= next != before;
        if advanced && saved.elapsed() >= STATE_EVERY {
            save(&mut state, next.pred_opt().unwrap_or(next), &mut unsynced)?;
            (advanced, saved) = (false, Instant::now());
        }
        progress(Tick {
            days_done: written,
            days: total,
            rows,
        });
    };
    // Whatever stopped the run, the days done before it are kept in the state, so that
    // `--since-last-run` goes on from there.
    if advanced {
        save(&mut state, next.pred_opt().unwrap_or(next), &mut unsynced)?;
    }
    // The days under way stop with the run (dropping a task's handle would not stop it).
    drop(tasks);
    let _ = std::fs::remove_dir_all(&staging);
    // `_staging` itself, when no other stream's run is using it.
    let _ = std::fs::remove_dir(plan.out.join("_staging"));
    if let Some(e) = failed {
        return Err(e);
    }
    Ok(Summary {
        range: Some((start, end)),
        days: written,
        rows,
    })
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
