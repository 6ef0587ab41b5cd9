//! The progress display on stderr. For `--all`, a bar with the total and an ETA when the stream
//! knows how many rows match (Get Click, Get Conversions), a spinner with the row count when it
//! does not (the reports); for `cake export`, a bar of the days with the rows, their rate and an
//! ETA.
//!
//! It must never write to stdout (stdout carries data only), never draw unless stderr is a
//! terminal (so pipes, files and CI logs get no control characters), and never show a request's
//! parameters (so never the api_key): it knows row counts and time, nothing else.

use std::{
    io::{IsTerminal, Write},
    time::{Duration, Instant},
};

/// Redraws at most this often: enough to look live, few enough writes not to slow paging.
const REDRAW_EVERY: Duration = Duration::from_millis(100);
const BAR_WIDTH: usize = 30;
const SPINNER: [char; 4] = ['|', '/', '-', '\\'];

/// A live progress line. Dropping it before [`Progress::finish`] (an error mid-stream) ends the
/// line, so the error message starts on a line of its own.
pub struct Progress<W: Write> {
    out: W,
    started: Instant,
    last_drawn: Option<Instant>,
    rows: u64,
    total: Option<u64>,
    /// An export's days: done, and in all (`None` for `--all`).
    days: Option<(usize, usize)>,
    ticks: usize,
    finished: bool,
}

impl Progress<std::io::Stderr> {
    /// A display on stderr, or `None` when stderr is not a terminal.
    pub fn on_stderr() -> Option<Self> {
        let stderr = std::io::stderr();
        stderr.is_terminal().then(|| Self::new(stderr))
    }
}

impl<W: Write> Progress<W> {
    /// A display drawing to `out`, whatever it is (the caller decided it should draw).
    pub fn new(out: W) -> Self {
        Self {
            out,
            started: Instant::now(),
            last_drawn: None,
            rows: 0,
            total: None,
            days: None,
            ticks: 0,
            finished: false,
        }
    }

    /// One more row; `total` is what the stream knows of the rows matching (may arrive late).
    pub fn row(&mut self, total: Option<u64>) {
        self.rows += 1;
        self.total = total.or(self.total);
        self.maybe_draw();
    }

    /// An export's count: `done` days of `days` written, `rows` rows in them.
    pub fn days(&mut self, done: usize, days: usize, rows: u64) {
        self.days = Some((done, days));
        self.rows = rows;
        self.maybe_draw();
    }

    fn maybe_draw(&mut self) {
        let now = Instant::now();
        if self
            .last_drawn
            .is_none_or(|at| now.duration_since(at) >= REDRAW_EVERY)
        {
            self.last_drawn = Some(now);
            self.ticks = self.ticks.wrapping_add(1);
            self.draw(false);
        }
    }

    /// Draws the final state and ends the line (nothing at all when no row came).
    pub fn finish(&mut self) {
        self.finished = true;
        if self.rows > 0 || self.days.is_some() {
            self.draw(true);
            self.end_line();
        }
    }

    fn draw(&mut self, done: bool) {
        let line = match self.days {
            Some((done_days, days)) => {
                render_days(done_days, days, self.rows, self.started.elapsed(), done)
            }
            None => render(
                self.rows,
                self.total,
                self.started.elapsed(),
                self.ticks,
                done,
            ),
        };
        // "\r" returns to the line's start and ESC[K clears what a longer previous line left.
        // A failed write to stderr only loses the display, never the data.
        let _ = write!(self.out, "\r{line}\x1b[K");
        let _ = self.out.flush();
    }

    fn end_line(&mut self) {
        let _ = writeln!(self.out);
        let _ = self.out.flush();
    }
}

impl<W: Write> Drop for Progress<W> {
    fn drop(&mut self) {
        if !self.finished && self.last_drawn.is_some() {
            self.end_line();
        }
    }
}

/// The progress line: `cake: [#####.....] 1500/5000 rows  30%  ETA 0:12` with a total,
/// `cake: / 1500 rows  0:03` without; when `done`, the rows and the time taken.
pub fn render(
    rows: u64,
    total: Option<u64>,
    elapsed: Duration,
    ticks: usize,
    done: bool,
) -> String {
    let elapsed_text = clock(elapsed);
    match total {
        // A total smaller than what came (rows added since the first page) is no total to show.
        Some(total) if total >= rows && total > 0 => {
            let filled = ((rows as u128 * BAR_WIDTH as u128) / total as u128) as usize;
            let bar = format!("{}{}", "#".repeat(filled), ".".repeat(BAR_WIDTH - filled));
            let percent = rows * 100 / total;
            let tail = if done {
                format!("in {elapsed_text}")
            } else {
                match eta(rows, total, elapsed) {
                    Some(eta) => format!("ETA {}", clock(eta)),
                    None => "ETA -:--".to_string(),
                }
            };
            format!("cake: [{bar}] {rows}/{total} rows {percent:>3}%  {tail}")
        }
        _ if done => format!("cake: {rows} rows in {elapsed_text}"),
        _ => format!(
            "cake: {} {rows} rows  {elapsed_text}",
            SPINNER[ticks % SPINNER.len()]
        ),
    }
}

/// An export's line: `cake: [#####.....] 120/365 days  32%  9876 rows  4321 rows/s  ETA 0:12`;
/// when `done`, the days, the rows and the time taken.
pub fn render_days(
    done_days: usize,
    days: usize,
    rows: u64,
    elapsed: Duration,
    done: bool,
) -> String {
    let shown = done_days.min(days);
    let filled = (shown * BAR_WIDTH).checked_div(days).unwrap_or(BAR_WIDTH);
    let bar = format!("{}{}", "#".repeat(filled), ".".repeat(BAR_WIDTH - filled));
    let percent = (shown * 100).checked_div(days).unwrap_or(100);
    let head = format!("cake: [{bar}] {done_days}/{days} days {percent:>3}%  {rows} rows");
    if done {
        return format!("{head} in {}", clock(elapsed));
    }
    let rate = rows as f64 / elapsed.as_secs_f64().max(0.001);
    let eta = match eta(shown as u64, days as u64, elapsed) {
        Some(eta) => clock(eta),
        None => "-:--".to_string(),
    };
    format!("{head}  {rate:.0} rows/s  ETA {eta}")
}

/// Time left at the rate so far; unknown before the first row.
fn eta(rows: u64, total: u64, elapsed: Duration) -> Option<Duration> {
    if rows == 0 {
        return None;
    }
    let left = total.saturating_sub(rows);
    let nanos = elapsed.as_nanos().checked_mul(u128::from(left))? / u128::from(rows);
    Some(Duration::from_nanos(
        u64::try_from(nanos).unwrap_or(u64::MAX),
    ))
}

/// `m:ss`, or `h:mm:ss` from an hour.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_total_draws_a_bar_with_percent_and_eta() {
        let line = render(1500, Some(5000), Duration::from_secs(3), 0, false);
        assert_eq!(
            line,
            "cake: [#########.....................] 1500/5000 rows  30%  ETA 0:07"
        );
    }

    #[test]
    fn a_finished_bar_is_full_and_says_how_long_it_took() {
        let line = render(5000, Some(5000), Duration::from_secs(75), 3, true);
        assert_eq!(
            line,
            "cake: [##############################] 5000/5000 rows 100%  in 1:15"
        );
    }

    #[test]
    fn an_export_draws_a_bar_of_its_days_with_the_rows_their_rate_and_an_eta() {
        assert_eq!(
            render_days(120, 365, 9876, Duration::from_secs(2), false),
            "cake: [#########.....................] 120/365 days  32%  9876 rows  4938 rows/s  ETA 0:04"
        );
        assert_eq!(
            render_days(0, 365, 0, Duration::ZERO, false),
            "cake: [..............................] 0/365 days   0%  0 rows  0 rows/s  ETA -:--"
        );
        assert_eq!(
            render_days(365, 365, 30212, Duration::from_secs(61), true),
            "cake: [##############################] 365/365 days 100%  30212 rows in 1:01"
        );
    }

    #[test]
    fn an_unknown_total_spins_with_the_count() {
        assert_eq!(
            render(42, None, Duration::from_secs(2), 1, false),
            "cake: / 42 rows  0:02"
        );
        assert_eq!(
            render(42, None, Duration::from_secs(3700), 0, true),
            "cake: 42 rows in 1:01:40"
        );
    }

    #[test]
    fn a_total_below_the_rows_seen_falls_back_to_the_count() {
        assert_eq!(
            render(7, Some(5), Duration::ZERO, 0, false),
            "cake: | 7 rows  0:00"
        );
    }

    #[test]
    fn the_display_ends_its_line_with_the_final_count() {
        let mut out = Vec::new();
        {
            let mut progress = Progress::new(&mut out);
            for _ in 0..2600 {
                progress.row(Some(2600));
            }
            progress.finish();
        }
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("\rcake: ["), "{text:?}");
        assert!(text.contains("] 2600/2600 rows 100%  in "), "{text:?}");
        assert!(text.ends_with('\n'), "{text:?}");
        assert_eq!(text.matches('\n').count(), 1, "{text:?}");
    }

    #[test]
    fn no_rows_draws_nothing_and_an_interrupted_display_still_ends_its_line() {
        let mut out = Vec::new();
        Progress::new(&mut out).finish();
        assert!(out.is_empty());
        {
            let mut progress = Progress::new(&mut out);
            progress.row(None);
        }
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("\rcake: / 1 rows"), "{text:?}");
        assert!(text.ends_with('\n'), "{text:?}");
    }
}
