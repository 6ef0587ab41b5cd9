//! `cake serve --state DIR`: every change the simulator acknowledges is on disk before it answers,
//! and a restart restores the identical state.
//!
//! The state is the start (the demo data or the `--data` file, named in `DIR/state.json` so that
//! a restart with another start is refused) plus a journal, `DIR/journal.ndjson`: one JSON line
//! per change, appended and `fsync`ed before the answer leaves. Replaying the lines in order on
//! the same start gives the same store, because each change is replayed through the same code
//! that made it: a Record Conversion is kept as its request and the clock's "now", and recording
//! it again on the same state assigns the same conversion id (a repeated `unique_id`, a missing
//! click, replay as they answered). Changes are journaled under the store's write lock, in the
//! order they were applied.
//!
//! A process killed while appending leaves at most an incomplete last line, never acknowledged
//! (the answer waits for the `fsync`): it is dropped on the next start. Any other line that does
//! not read is an error naming it, never skipped. Changes made in code with
//! `Simulator::with_store_mut` or `inject_failures` are not journaled.

use std::{
    fs::{File, OpenOptions},
    io::{Read, Write},
    path::{Path, PathBuf},
};

use cake_client::CakeDateTime;
use serde::{Deserialize, Serialize};

use crate::{dataset::Dataset, sandbox::FaultPlan, store::ConversionRequest};

/// One acknowledged change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// A Record Conversion that passed validation, with the "now" it was recorded at.
    RecordConversion {
        /// Its parameters.
        request: ConversionRequest,
        /// The clock when it came.
        now: CakeDateTime,
    },
    /// Data added through the set-up API.
    Data {
        /// The entries.
        dataset: Dataset,
    },
    /// The clock fixed at a time (`Some`) or back to the wall clock (`None`).
    Clock {
        /// The fixed time.
        fixed: Option<CakeDateTime>,
    },
    /// Scripted faults put in force.
    Faults {
        /// The plan.
        plan: FaultPlan,
    },
    /// Back to the start.
    Reset,
}

/// Why the state directory cannot be used.
#[derive(Debug)]
pub struct StateError {
    /// The file at fault.
    pub path: PathBuf,
    /// What is wrong, and what to do.
    pub message: String,
}

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for StateError {}

/// The journal file, open for appending.
#[derive(Debug)]
pub struct StateLog {
    file: File,
    path: PathBuf,
}

#[derive(Debug, Serialize, Deserialize)]
struct StateInfo {
    format: u32,
    start: String,
}

const FORMAT: u32 = 1;

impl StateLog {
    /// Opens (creating it if need be) the state in `dir` for a simulator that starts from
    /// `start` (a description such as `demo data`), and returns the changes to replay.
    pub fn open(dir: &Path, start: &str) -> Result<(Self, Vec<Change>), StateError> {
        let err = |path: &Path, message: String| StateError {
            path: path.to_path_buf(),
            message,
        };
        std::fs::create_dir_all(dir)
            .map_err(|e| err(dir, format!("cannot create the state directory: {e}")))?;
        let info_path = dir.join("state.json");
        match std::fs::read_to_string(&info_path) {
            Ok(text) => {
                let info: StateInfo = serde_json::from_str(&text)
                    .map_err(|e| err(&info_path, format!("not a simulator state: {e}")))?;
                if info.format != FORMAT {
                    return Err(err(
                        &info_path,
                        format!(
                            "state format {} is not this simulator's ({FORMAT})",
                            info.format
                        ),
                    ));
                }
                if info.start != start {
                    return Err(err(
                        &info_path,
                        format!(
                            "this state was made on a simulator started with {}, not {start}: \
                             start it the same way, or give another --state directory",
                            info.start
                        ),
                    ));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let info = StateInfo {
                    format: FORMAT,
                    start: start.to_string(),
                };
                write_synced(
                    &info_path,
                    &serde_json::to_vec_pretty(&info).unwrap_or_default(),
                )
                .map_err(|e| err(&info_path, format!("cannot write: {e}")))?;
            }
            Err(e) => return Err(err(&info_path, format!("cannot read: {e}"))),
        }
        let path = dir.join("journal.ndjson");
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| err(&path, format!("cannot open: {e}")))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| err(&path, format!("cannot read: {e}")))?;
        // An incomplete last line was never acknowledged: drop it.
        let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        if complete < bytes.len() {
            file.set_len(complete as u64)
                .and_then(|()| file.sync_data())
                .map_err(|e| err(&path, format!("cannot drop an incomplete last line: {e}")))?;
        }
        let mut changes = Vec::new();
        for (i, line) in bytes[..complete].split(|b| *b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let change: Change = serde_json::from_slice(line).map_err(|e| {
                err(
                    &path,
                    format!("line {} is not a change this simulator wrote: {e}", i + 1),
                )
            })?;
            changes.push(change);
        }
        Ok((Self { file, path }, changes))
    }

    /// Appends a change and waits until it is on disk.
    pub fn append(&mut self, change: &Change) -> Result<(), StateError> {
        let mut line = serde_json::to_vec(change).map_err(|e| StateError {
            path: self.path.clone(),
            message: format!("cannot encode a change: {e}"),
        })?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| StateError {
                path: self.path.clone(),
                message: format!("cannot write the change to disk: {e}"),
            })
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    if let Some(dir) = path.parent() {
        // The new file's directory entry, too.
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("cake-sim-durable-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn changes_come_back_in_order_and_a_torn_last_line_is_dropped() {
        let dir = temp_dir("torn");
        let (mut log, replay) = StateLog::open(&dir, "demo data").unwrap();
        assert!(replay.is_empty());
        log.append(&Change::Reset).unwrap();
        log.append(&Change::Clock {
            fixed: Some("2026-07-01 00:00:00".parse().unwrap()),
        })
        .unwrap();
        drop(log);
        let journal = dir.join("journal.ndjson");
        let mut f = OpenOptions::new().append(true).open(&journal).unwrap();
        f.write_all(br#"{"change":"res"#).unwrap();
        drop(f);
        let (_, replay) = StateLog::open(&dir, "demo data").unwrap();
        assert_eq!(replay.len(), 2);
        assert_eq!(replay[0], Change::Reset);
        assert!(std::fs::read(&journal).unwrap().ends_with(b"\n"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn another_start_or_a_broken_line_is_refused_by_name() {
        let dir = temp_dir("refused");
        let (mut log, _) = StateLog::open(&dir, "demo data").unwrap();
        log.append(&Change::Reset).unwrap();
        drop(log);
        let e = StateLog::open(&dir, "data from x.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("started with demo data, not data from x.yaml"),
            "{e}"
        );
        let journal = dir.join("journal.ndjson");
        let mut f = OpenOptions::new().append(true).open(&journal).unwrap();
        f.write_all(b"garbage\n").unwrap();
        drop(f);
        let e = StateLog::open(&dir, "demo data").unwrap_err().to_string();
        assert!(e.contains("line 2 is not a change"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
