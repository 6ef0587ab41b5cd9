//! The two layouts of the unique-click lists (see the parent module): [`Entries`], one calendar
//! block's sorted gaps, and [`Flat`], a scope's clicks in day order with their gaps. Both count
//! the entries whose previous click day is before a range's first day, and say `None` when a
//! gap held as [`LONGEST`] cannot tell.

/// A gap that says "no earlier click in the scope".
pub(super) const NONE: u16 = u16::MAX;
/// The largest gap held as it is; longer ones are held as this.
pub(super) const LONGEST: u16 = u16::MAX - 1;

/// The gap between a day and an earlier one, saturated at [`LONGEST`].
pub(super) fn gap(day: i32, earlier: i32) -> u16 {
    u16::try_from(day - earlier).map_or(LONGEST, |g| g.min(LONGEST))
}

/// One calendar block's entries.
#[derive(Debug, Clone, Default)]
pub(crate) struct Entries {
    /// Per entry, how many days before the block's first day its previous click day is: 0 when
    /// that day is in the block, [`NONE`] when there is none; sorted.
    gaps: Vec<u16>,
    /// The block's first day.
    start: i32,
    /// How many entries have no click before the block's first day: the answer for a range
    /// that starts with this block (a year, a month), without searching.
    new_at_start: u32,
}

impl Entries {
    pub(super) fn push(&mut self, start: i32, previous: Option<i32>) {
        self.start = start;
        self.gaps.push(match previous {
            None => NONE,
            Some(p) if p >= start => 0,
            Some(p) => gap(start, p),
        });
    }

    pub(super) fn finish(&mut self) {
        self.gaps.sort_unstable();
        self.gaps.shrink_to_fit();
        self.new_at_start = (self.gaps.len() - self.gaps.partition_point(|&g| g == 0)) as u32;
    }

    /// How many entries have their previous click day before `first` (at most the block's
    /// first day); `None` when a saturated gap cannot tell.
    pub(super) fn before(&self, first: i32) -> Option<u64> {
        if first == self.start {
            return Some(u64::from(self.new_at_start));
        }
        // The previous day is before `first` when its gap exceeds the days from `first` to the
        // block's start.
        let threshold = u16::try_from(self.start - first)
            .ok()
            .filter(|&t| t < LONGEST)?;
        Some((self.gaps.len() - self.gaps.partition_point(|&g| g <= threshold)) as u64)
    }
}

/// The clicks of one scope, in day order: each click's day and the gap to its IP's previous
/// click day in the scope.
#[derive(Debug, Clone, Default)]
pub(crate) struct Flat {
    /// The offer's first click day: entries' days count from it.
    base: i32,
    /// (days since `base`, gap to the previous click day: 0 on the same day, [`NONE`] for none),
    /// sorted.
    entries: Vec<(u16, u16)>,
}

impl Flat {
    /// The list of these entries (sorted here), their days counted from `base`.
    pub(super) fn new(base: i32, mut entries: Vec<(u16, u16)>) -> Self {
        entries.sort_unstable();
        entries.shrink_to_fit();
        Self { base, entries }
    }

    /// The entries of the days `from..=to`.
    fn on_days(&self, from: i32, to: i32) -> &[(u16, u16)] {
        let (from, to) = (from - self.base, to - self.base);
        let lo = self.entries.partition_point(|&(d, _)| i32::from(d) < from);
        let hi = self.entries.partition_point(|&(d, _)| i32::from(d) <= to);
        &self.entries[lo..hi.max(lo)]
    }

    /// Clicks on the days `from..=to`.
    pub(super) fn clicks(&self, from: i32, to: i32) -> u64 {
        self.on_days(from, to).len() as u64
    }

    /// Entries of the days `from..=to` whose previous click day is before `first` (at most
    /// `from`); `None` when the days are too far from `first` for the gaps.
    pub(super) fn unique(&self, from: i32, to: i32, first: i32) -> Option<u64> {
        if to - first >= i32::from(LONGEST) {
            return None;
        }
        let first = first - self.base;
        // Before `first` when the gap exceeds the days from `first` to the entry's day (a
        // saturated gap does: the days are closer than it).
        let before_first = |&&(d, g): &&(u16, u16)| i32::from(g) > i32::from(d) - first;
        Some(self.on_days(from, to).iter().filter(before_first).count() as u64)
    }
}

/// One click of a [`Segmented`] list: its day, and the gaps to its IP's previous click day in
/// the scope and in the scope within its country.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Click {
    /// Days since the list's base.
    pub day: u16,
    /// The gap in the scope (0 on the same day, [`NONE`] for none).
    pub gap: u16,
    /// The gap in the scope within the click's country.
    pub gap_in_country: u16,
}

/// The clicks of one scope (an affiliate's of an offer) in day order per country, with the
/// segment of each country: the scope's clicks and unique clicks, of one country or of all.
#[derive(Debug, Clone, Default)]
pub(crate) struct Segmented {
    /// The offer's first click day: clicks' days count from it.
    base: i32,
    /// Each country (as the click table interns it) and where its clicks start, by country.
    countries: Vec<(u16, u32)>,
    /// The clicks, by country, then in day order.
    clicks: Vec<Click>,
}

impl Segmented {
    /// The list of these clicks with their countries (sorted here), days counted from `base`.
    pub(super) fn new(base: i32, mut clicks: Vec<(u16, Click)>) -> Self {
        clicks.sort_unstable();
        let mut countries: Vec<(u16, u32)> = Vec::new();
        for (i, (country, _)) in clicks.iter().enumerate() {
            if countries.last().is_none_or(|&(c, _)| c != *country) {
                countries.push((*country, i as u32));
            }
        }
        countries.shrink_to_fit();
        let mut clicks: Vec<Click> = clicks.into_iter().map(|(_, click)| click).collect();
        clicks.shrink_to_fit();
        Self {
            base,
            countries,
            clicks,
        }
    }

    /// The clicks of each country asked for (one, or every one) on the days `from..=to`.
    fn on_days(&self, from: i32, to: i32, country: Option<u16>) -> impl Iterator<Item = &[Click]> {
        let (from, to) = (from - self.base, to - self.base);
        let ends = self
            .countries
            .iter()
            .map(|&(_, start)| start as usize)
            .skip(1)
            .chain([self.clicks.len()]);
        self.countries
            .iter()
            .zip(ends)
            .filter(move |((c, _), _)| country.is_none_or(|wanted| wanted == *c))
            .map(move |(&(_, start), end)| {
                let segment = &self.clicks[start as usize..end];
                let lo = segment.partition_point(|c| i32::from(c.day) < from);
                let hi = segment.partition_point(|c| i32::from(c.day) <= to);
                &segment[lo..hi.max(lo)]
            })
    }

    /// Clicks on the days `from..=to`, from one country or all.
    pub(super) fn clicks(&self, from: i32, to: i32, country: Option<u16>) -> u64 {
        self.on_days(from, to, country)
            .map(|s| s.len() as u64)
            .sum()
    }

    /// Clicks of the days `from..=to` whose IP's previous click day (in the scope, or in the
    /// scope and the country when one is given) is before `first` (at most `from`); `None` when
    /// the days are too far from `first` for the gaps.
    pub(super) fn unique(
        &self,
        from: i32,
        to: i32,
        first: i32,
        country: Option<u16>,
    ) -> Option<u64> {
        if to - first >= i32::from(LONGEST) {
            return None;
        }
        let first = first - self.base;
        let gap = |c: &Click| {
            if country.is_some() {
                c.gap_in_country
            } else {
                c.gap
            }
        };
        let before_first = |c: &&Click| i32::from(gap(c)) > i32::from(c.day) - first;
        Some(
            self.on_days(from, to, country)
                .map(|s| s.iter().filter(before_first).count() as u64)
                .sum(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block starting on day 100,000 with entries whose previous days are these.
    fn block(previous: &[Option<i32>]) -> Entries {
        let mut entries = Entries::default();
        for &p in previous {
            entries.push(100_000, p);
        }
        entries.finish();
        entries
    }

    #[test]
    fn a_block_counts_previous_days_before_the_first_and_says_when_it_cannot() {
        let start = 100_000;
        // None, the day before, 65,534 and 70,000 days before (both held as the longest gap),
        // and a day inside the block.
        let b = block(&[
            None,
            Some(start - 1),
            Some(start - 65_534),
            Some(start - 70_000),
            Some(start + 3),
        ]);
        assert_eq!(b.before(start), Some(4));
        assert_eq!(b.before(start - 1), Some(3));
        assert_eq!(b.before(start - 2), Some(3));
        // One day short of the longest gap: both long gaps are before it.
        assert_eq!(b.before(start - 65_533), Some(3));
        // At the longest gap, the one 65,534 days back is not before it but cannot be told
        // from the one 70,000 days back.
        assert_eq!(b.before(start - 65_534), None);
        assert_eq!(b.before(start - 80_000), None);
    }

    #[test]
    fn a_flat_list_counts_entries_whose_previous_day_is_before_the_range() {
        // Days from base 1,000: day 0 (the first), day 12 (previous 0), day 20 (previous 12),
        // day 65,535 (previous 0: a gap held as the longest).
        let flat = Flat {
            base: 1_000,
            entries: vec![(0, NONE), (12, 12), (20, 8), (65_535, LONGEST)],
        };
        let at = |d: i32| 1_000 + d;
        let whole = |first: i32, last: i32| flat.unique(at(first), at(last), at(first));
        assert_eq!(whole(0, 20), Some(1));
        // Starting on a day it clicked: that day's entry counts, the later ones do not.
        assert_eq!(whole(12, 20), Some(1));
        assert_eq!(whole(13, 20), Some(1));
        assert_eq!(whole(21, 30), Some(0));
        // From before the base.
        assert_eq!(whole(-5, 15), Some(1));
        // Some of the days only (a partial month), against the range's first day.
        assert_eq!(flat.unique(at(12), at(20), at(5)), Some(1));
        assert_eq!(flat.unique(at(12), at(20), at(0)), Some(0));
        assert_eq!(flat.unique(at(20), at(20), at(13)), Some(1));
        // The farthest days it compares (the saturated gap is before the first day), and one
        // day more.
        assert_eq!(whole(2, 65_535), Some(2));
        assert_eq!(whole(1, 65_535), None);
        // Every click counts as a click, a same-day repeat (gap 0) too.
        let repeat = Flat {
            base: 0,
            entries: vec![(3, NONE), (3, 0), (4, 1)],
        };
        assert_eq!(repeat.clicks(3, 3), 2);
        assert_eq!(repeat.clicks(0, 10), 3);
        assert_eq!(repeat.unique(3, 4, 3), Some(1));
        assert_eq!(repeat.unique(4, 4, 4), Some(1));
    }

    #[test]
    fn a_segmented_list_counts_one_country_or_every_one() {
        let click = |day, gap, gap_in_country| Click {
            day,
            gap,
            gap_in_country,
        };
        // One IP: day 1 in country 7, day 2 in country 9 (new there), day 3 in country 7.
        let list = Segmented::new(
            100,
            vec![
                (9, click(2, 1, NONE)),
                (7, click(1, NONE, NONE)),
                (7, click(3, 1, 2)),
            ],
        );
        assert_eq!(list.clicks(100, 110, None), 3);
        assert_eq!(list.clicks(100, 110, Some(7)), 2);
        assert_eq!(list.clicks(102, 103, Some(9)), 1);
        assert_eq!(list.clicks(100, 110, Some(8)), 0);
        // Over days 1 to 3: one IP in all, one in each country.
        assert_eq!(list.unique(101, 103, 101, None), Some(1));
        assert_eq!(list.unique(101, 103, 101, Some(7)), Some(1));
        assert_eq!(list.unique(101, 103, 101, Some(9)), Some(1));
        // From day 3: its click counts (last seen in country 7 on day 1, in all on day 2).
        assert_eq!(list.unique(103, 103, 103, None), Some(1));
        assert_eq!(list.unique(103, 103, 102, None), Some(0));
        assert_eq!(list.unique(103, 103, 102, Some(7)), Some(1));
        assert_eq!(list.unique(101, 65_700, 101, None), None);
    }
}
