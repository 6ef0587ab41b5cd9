//! `DIR/_state.json`: per stream, the last day exported with every day before it (since the
//! first day of its runs), and the run's parameters; written to a temporary name, synced and
//! renamed, so it is always a whole file. `--since-last-run` starts after that day (less the
//! lookback), so a run killed halfway is finished by the next without a day missing, and the
//! days it re-exports replace their partitions whole.

use std::{collections::BTreeMap, path::Path};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Error;

/// The file's name under the output directory.
pub const FILE: &str = "_state.json";

/// What the state file holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Per stream (its name).
    pub streams: BTreeMap<String, StreamState>,
}

/// One stream's progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamState {
    /// The last day exported, every day from `first_day` to it included.
    pub last_day: NaiveDate,
    /// The first day of the range that `last_day` closes.
    pub first_day: NaiveDate,
    /// The files' format.
    pub format: String,
    /// The spec version the rows were typed with.
    pub spec_version: String,
    /// The run's parameters, as given.
    pub parameters: BTreeMap<String, String>,
}

impl State {
    /// The state under `out`; empty when there is none yet.
    pub fn read(out: &Path) -> Result<State, Error> {
        let path = out.join(FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| Error::new(format!("{}: not an export state: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
            Err(e) => Err(Error::new(format!("{}: {e}", path.display()))),
        }
    }

    /// Sets `stream`'s entry of the state under `out`, leaving the others as they are now: read,
    /// changed and written whole under the directory's lock, so that runs of other streams into
    /// `out` at the same time keep theirs.
    pub fn update(out: &Path, stream: &str, entry: StreamState) -> Result<(), Error> {
        let _held = crate::lock::directory(out)?;
        let mut state = State::read(out)?;
        state.streams.insert(stream.to_string(), entry);
        let text = serde_json::to_string_pretty(&state).unwrap_or_default();
        crate::sink::write_whole(&out.join(FILE), text.as_bytes())
    }
}
