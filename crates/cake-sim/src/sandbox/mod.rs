//! What makes the simulator a sandbox for other teams' tests, beside CAKE's own six operations:
//! scripted faults ([`FaultPlan`], `faults`), a settable clock ([`ClockSetting`], `clock`) and
//! the journal of requests received ([`Journal`], `journal`). The set-up API that drives them
//! (`/_sim/...`, described by `crates/cake-sim/sim-api.yaml`) is in `crate::http`; this module is
//! data and decisions only, no I/O, and never holds the api_key.

mod clock;
mod faults;
mod journal;

pub use clock::{Clock, ClockSetting};
pub use faults::{Decision, Fault, FaultPlan, FaultRule, Faults, PlanError};
pub use journal::{Journal, JournalEntry};
