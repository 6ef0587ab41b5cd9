//! The simulator's clock ([`ClockSetting`]): what "now" is for a conversion recorded without a
//! `conversion_date`: the wall clock in UTC, a time set through the set-up API, or a clock
//! given in code.

use cake_client::CakeDateTime;

/// A clock given in code: what "now" is for a conversion recorded without a `conversion_date`.
pub type Clock = std::sync::Arc<dyn Fn() -> CakeDateTime + Send + Sync>;

/// What "now" is for a conversion recorded without a `conversion_date`.
#[derive(Clone)]
pub enum ClockSetting {
    /// The wall clock, in UTC.
    Wall,
    /// A time set through the set-up API (it stays until set, moved or reset).
    Fixed(CakeDateTime),
    /// A clock given in code ([`crate::Simulator::with_clock`]).
    Custom(Clock),
}

impl ClockSetting {
    /// The time now.
    pub fn now(&self) -> CakeDateTime {
        match self {
            ClockSetting::Wall => CakeDateTime::new(chrono::Utc::now().naive_utc()),
            ClockSetting::Fixed(t) => *t,
            ClockSetting::Custom(clock) => clock(),
        }
    }

    /// Its name in the set-up API: `wall`, `fixed` or `custom`.
    pub fn mode(&self) -> &'static str {
        match self {
            ClockSetting::Wall => "wall",
            ClockSetting::Fixed(_) => "fixed",
            ClockSetting::Custom(_) => "custom",
        }
    }
}
