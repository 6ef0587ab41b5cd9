//! Values kept per day, per month and per year at once, so that a date range is answered from a
//! handful of blocks instead of one entry per day: a calendar year is one block, a calendar month
//! one block, and only the days of a range's partial months are read one by one.
//!
//! This is how a year-range report stays cheap at any number of clicks (see `report_index`). A
//! [`Calendar`] never does I/O and never panics; it holds whatever `T` its owner sums.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

/// A block's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Day,
    Month,
    Year,
}

/// The day's key: days since the common era (chrono's `num_days_from_ce`).
pub(crate) fn day_key(day: NaiveDate) -> i32 {
    day.num_days_from_ce()
}

fn month_key(day: NaiveDate) -> i32 {
    day.year() * 12 + day.month0() as i32
}

/// The keys of the blocks that hold a day, at each level.
fn keys(day: NaiveDate) -> [(Level, i32); 3] {
    [
        (Level::Day, day_key(day)),
        (Level::Month, month_key(day)),
        (Level::Year, day.year()),
    ]
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn last_of_month(day: NaiveDate) -> NaiveDate {
    let first = first_of_month(day);
    let next = first.checked_add_months(chrono::Months::new(1));
    next.and_then(|n| n.pred_opt()).unwrap_or(NaiveDate::MAX)
}

/// The blocks covering `start..=end` exactly, as at most five runs of keys of one level each
/// (leading days, leading months, whole years, trailing months, trailing days). Empty when
/// `start > end`.
pub(crate) fn cover(start: NaiveDate, end: NaiveDate) -> Vec<(Level, i32, i32)> {
    let mut runs = Vec::with_capacity(5);
    if start > end {
        return runs;
    }
    // The first day of the first whole month, and the last day of the last whole month.
    let months_from = if start.day() == 1 {
        Some(start)
    } else {
        last_of_month(start).succ_opt()
    };
    let months_to = if last_of_month(end) == end {
        Some(end)
    } else {
        first_of_month(end).pred_opt()
    };
    let (Some(months_from), Some(months_to)) = (months_from, months_to) else {
        runs.push((Level::Day, day_key(start), day_key(end)));
        return runs;
    };
    if months_from > months_to {
        runs.push((Level::Day, day_key(start), day_key(end)));
        return runs;
    }
    if start < months_from {
        runs.push((Level::Day, day_key(start), day_key(months_from) - 1));
    }
    let years_from = if months_from.month() == 1 {
        months_from.year()
    } else {
        months_from.year() + 1
    };
    let years_to = if months_to.month() == 12 {
        months_to.year()
    } else {
        months_to.year() - 1
    };
    if years_from > years_to {
        runs.push((Level::Month, month_key(months_from), month_key(months_to)));
    } else {
        if month_key(months_from) < years_from * 12 {
            runs.push((Level::Month, month_key(months_from), years_from * 12 - 1));
        }
        runs.push((Level::Year, years_from, years_to));
        if month_key(months_to) >= (years_to + 1) * 12 {
            runs.push((Level::Month, (years_to + 1) * 12, month_key(months_to)));
        }
    }
    if months_to < end {
        runs.push((Level::Day, day_key(months_to) + 1, day_key(end)));
    }
    runs
}

/// A `T` per day, per month and per year that has one.
#[derive(Debug, Clone, Default)]
pub(crate) struct Calendar<T> {
    days: BTreeMap<i32, T>,
    months: BTreeMap<i32, T>,
    years: BTreeMap<i32, T>,
}

impl<T: Default> Calendar<T> {
    fn level(&self, level: Level) -> &BTreeMap<i32, T> {
        match level {
            Level::Day => &self.days,
            Level::Month => &self.months,
            Level::Year => &self.years,
        }
    }

    fn level_mut(&mut self, level: Level) -> &mut BTreeMap<i32, T> {
        match level {
            Level::Day => &mut self.days,
            Level::Month => &mut self.months,
            Level::Year => &mut self.years,
        }
    }

    /// Applies `change` to the day's block at every level (the day, its month, its year).
    pub fn update(&mut self, day: NaiveDate, mut change: impl FnMut(&mut T)) {
        for (level, key) in keys(day) {
            change(self.level_mut(level).entry(key).or_default());
        }
    }

    /// Applies `change` to the day's month and year only: a calendar kept this way answers the
    /// month and year runs of a [`cover`]; its owner reads the day runs elsewhere.
    pub fn update_coarse(&mut self, day: NaiveDate, mut change: impl FnMut(&mut T)) {
        for (level, key) in keys(day).into_iter().skip(1) {
            change(self.level_mut(level).entry(key).or_default());
        }
    }

    /// [`Calendar::update`], also telling `change` the first day (its [`day_key`]) of each block.
    pub fn update_with_start(&mut self, day: NaiveDate, mut change: impl FnMut(&mut T, i32)) {
        let month_start = first_of_month(day);
        let year_start = month_start.with_month(1).unwrap_or(month_start);
        let starts = [day, month_start, year_start].map(day_key);
        for ((level, key), start) in keys(day).into_iter().zip(starts) {
            change(self.level_mut(level).entry(key).or_default(), start);
        }
    }

    /// [`Calendar::update_with_start`] for the day's month and year only (see
    /// [`Calendar::update_coarse`]).
    pub fn update_coarse_with_start(
        &mut self,
        day: NaiveDate,
        mut change: impl FnMut(&mut T, i32),
    ) {
        let month_start = first_of_month(day);
        let year_start = month_start.with_month(1).unwrap_or(month_start);
        let starts = [month_start, year_start].map(day_key);
        for ((level, key), start) in keys(day).into_iter().skip(1).zip(starts) {
            change(self.level_mut(level).entry(key).or_default(), start);
        }
    }

    /// Visits the blocks that cover `start..=end` exactly (each day in it is in exactly one).
    #[cfg(test)]
    pub fn for_range(&self, start: NaiveDate, end: NaiveDate, visit: impl FnMut(&T)) {
        self.for_cover(&cover(start, end), visit);
    }

    /// [`Calendar::for_range`] with the range's [`cover`] worked out once for many calendars.
    pub fn for_cover(&self, cover: &[(Level, i32, i32)], mut visit: impl FnMut(&T)) {
        for &(level, from, to) in cover {
            for (_, value) in self.level(level).range(from..=to) {
                visit(value);
            }
        }
    }

    /// Every block, for a final pass (such as sorting) after many updates.
    pub fn for_each_mut(&mut self, mut visit: impl FnMut(&mut T)) {
        for map in [&mut self.days, &mut self.months, &mut self.years] {
            map.values_mut().for_each(&mut visit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Sums 1 per day through the calendar and compares with counting the days.
    fn days_covered(start: &str, end: &str) -> i64 {
        let mut calendar: Calendar<i64> = Calendar::default();
        let mut day = d(start) - chrono::Duration::days(400);
        while day <= d(end) + chrono::Duration::days(400) {
            calendar.update(day, |n| *n += 1);
            day = day.succ_opt().unwrap();
        }
        let mut sum = 0;
        calendar.for_range(d(start), d(end), |n| sum += n);
        sum
    }

    #[test]
    fn a_range_is_covered_exactly_once() {
        for (start, end) in [
            ("2025-01-01", "2025-12-31"),
            ("2025-02-15", "2026-02-14"),
            ("2024-02-01", "2024-02-29"),
            ("2024-02-29", "2024-03-01"),
            ("2025-03-01", "2025-03-31"),
            ("2025-03-02", "2025-03-30"),
            ("2023-12-31", "2026-01-01"),
            ("2025-06-01", "2025-06-01"),
        ] {
            let expected = (d(end) - d(start)).num_days() + 1;
            assert_eq!(days_covered(start, end), expected, "{start}..={end}");
        }
        assert_eq!(days_covered("2025-02-01", "2025-01-31"), 0);
    }

    #[test]
    fn a_year_is_one_block_and_a_month_one_block() {
        assert_eq!(
            cover(d("2025-01-01"), d("2025-12-31")),
            vec![(Level::Year, 2025, 2025)]
        );
        assert_eq!(
            cover(d("2025-03-01"), d("2025-03-31")),
            vec![(Level::Month, 2025 * 12 + 2, 2025 * 12 + 2)]
        );
        assert_eq!(cover(d("2025-03-05"), d("2025-03-07")).len(), 1);
        // Leading days, leading months, a year, trailing months, trailing days.
        assert_eq!(cover(d("2024-11-20"), d("2026-02-10")).len(), 5);
    }

    #[test]
    fn the_calendars_ends_do_not_overflow() {
        assert!(!cover(NaiveDate::MIN, NaiveDate::MAX).is_empty());
        let mut calendar: Calendar<i64> = Calendar::default();
        calendar.update(NaiveDate::MIN, |n| *n += 1);
        calendar.update(NaiveDate::MAX, |n| *n += 1);
        let mut sum = 0;
        calendar.for_range(NaiveDate::MIN, NaiveDate::MAX, |n| sum += n);
        assert_eq!(sum, 2);
    }
}
