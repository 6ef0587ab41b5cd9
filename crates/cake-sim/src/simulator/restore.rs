//! A simulator restored from its directory (`cake serve --state DIR`): the changes a simulator
//! with the same start acknowledged before are applied again, in order, then kept on appending.
//! See `crate::durable` for the files.

use std::sync::Arc;

use super::{lock, read, write, Shared, Simulator, Start};
use crate::durable::{Change, StateError, StateLog};
use crate::sandbox::{ClockSetting, Faults};

impl Simulator {
    /// The same simulator keeping every acknowledged change in `dir` (`cake serve --state DIR`)
    /// and restored from what is there: the changes a simulator with the same `start` (a
    /// description of its starting data, such as `demo data`) made before. See
    /// [`crate::durable`]. Call before cloning or serving.
    pub fn with_state(self, dir: &std::path::Path, start: &str) -> Result<Self, StateError> {
        let (log, changes) = StateLog::open(dir, start)?;
        let shared = &self.shared;
        let sim = Self::build_with_log(
            shared.api_key.clone(),
            shared.start.store.clone(),
            std::mem::take(&mut *write(&shared.store)),
            shared.start.clock.clone(),
            shared.start.faults.clone(),
            None,
        );
        for (i, change) in changes.into_iter().enumerate() {
            sim.apply(change).map_err(|message| StateError {
                path: dir.join("journal.ndjson"),
                message: format!("change {} does not replay: {message}", i + 1),
            })?;
        }
        // The restored state goes on from here; `reset` still goes back to the start.
        let restored = Self::build_with_log(
            shared.api_key.clone(),
            shared.start.store.clone(),
            std::mem::take(&mut *write(&sim.shared.store)),
            read(&sim.shared.clock).clone(),
            lock(&sim.shared.faults).plan().clone(),
            Some(log),
        );
        let start = &self.shared.start;
        let restored_shared = Arc::try_unwrap(restored.shared).ok().map(|s| Shared {
            start: Start {
                store: start.store.clone(),
                clock: start.clock.clone(),
                faults: start.faults.clone(),
            },
            ..s
        });
        Ok(Self {
            shared: Arc::new(restored_shared.expect("a simulator just built is not shared")),
        })
    }

    /// Applies a journaled change, without journaling it again.
    fn apply(&self, change: Change) -> Result<(), String> {
        match change {
            Change::RecordConversion { request, now } => {
                // It replays as it answered: an error then is the same error now.
                let _ =
                    Arc::make_mut(&mut write(&self.shared.store)).record_conversion(request, now);
            }
            Change::Data { dataset } => {
                dataset
                    .load_into(Arc::make_mut(&mut write(&self.shared.store)))
                    .map_err(|e| e.to_string())?;
            }
            Change::Clock { fixed } => {
                *write(&self.shared.clock) = fixed.map_or(ClockSetting::Wall, ClockSetting::Fixed)
            }
            Change::Faults { plan } => *lock(&self.shared.faults) = Faults::new(plan),
            Change::Reset => self.reset_locked(&mut write(&self.shared.store)),
        }
        Ok(())
    }
}
