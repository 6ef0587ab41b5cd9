//! Report figures read from the clicks and conversions themselves, where the report index has
//! no cells for the query (the days of a range's partial months, a country with an affiliate)
//! or its unique-click lists cannot tell (see `Store::tally`): per offer from the unique-click
//! lists' clicks in day order where they hold the query's, else one by one.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;

use super::clicks;
use super::figures::{Group, Tally};
use super::filter::Matcher;
use super::Store;

impl Store {
    /// Adds the figures of the days `from..=to` (day keys, the days of a range's partial months)
    /// that pass the filter. A country's or an affiliate's clicks per offer come from the
    /// unique-click lists, which hold them in day order, when the filter names one of the two
    /// and the lists are up to date; other clicks are read one by one.
    pub(super) fn partial_days(
        &self,
        rows: &mut BTreeMap<u32, Tally>,
        matcher: &Matcher,
        group: Group,
        from: i32,
        to: i32,
    ) {
        let day = |key: i32| NaiveDate::from_num_days_from_ce_opt(key).unwrap_or_default();
        let unique = &self.report_index.unique;
        let counted = match (matcher.country(), matcher.affiliate(), group) {
            (Some(c), None, Group::Offer | Group::Advertiser) => {
                self.count_clicks(rows, matcher, group, |offer_id| {
                    unique.country_clicks(c, offer_id, from, to).map(|n| (0, n))
                })
            }
            (None, Some(a), _) => self.count_clicks(rows, matcher, group, |offer_id| {
                unique
                    .affiliate_clicks(a, offer_id, from, to, None)
                    .map(|n| (a, n))
            }),
            // The Affiliate Report filtered by offer (or advertiser, or vertical): each
            // affiliate's clicks of the offers that pass.
            (None, None, Group::Affiliate) => self.count_affiliates_clicks(rows, matcher, from, to),
            _ => false,
        };
        if !counted {
            self.scan_clicks(rows, matcher, group, day(from), day(to));
        }
        self.scan_conversions(rows, matcher, group, day(from), day(to));
    }

    /// Adds each offer's clicks as `clicks` gives them, with the affiliate they count for
    /// (0 when the group does not need it); `false`, adding nothing, if it cannot give one.
    pub(super) fn count_clicks(
        &self,
        rows: &mut BTreeMap<u32, Tally>,
        matcher: &Matcher,
        group: Group,
        clicks: impl Fn(u32) -> Option<(u32, u64)>,
    ) -> bool {
        let mut counts = Vec::new();
        for offer in self.offers.values() {
            if let Some(offer) = matcher.offer(offer.offer_id) {
                match clicks(offer.offer_id) {
                    Some((_, 0)) => {}
                    Some((affiliate_id, n)) => counts.push((group.key(offer, affiliate_id), n)),
                    None => return false,
                }
            }
        }
        for (key, n) in counts {
            rows.entry(key).or_default().cell.clicks += n;
        }
        true
    }

    /// Adds the figures of the clicks and conversions of `from..=to` that pass the filter.
    pub(super) fn scan_days(
        &self,
        rows: &mut BTreeMap<u32, Tally>,
        matcher: &Matcher,
        group: Group,
        from: NaiveDate,
        to: NaiveDate,
    ) {
        self.scan_clicks(rows, matcher, group, from, to);
        self.scan_conversions(rows, matcher, group, from, to);
    }

    /// Adds each affiliate's clicks of the offers that pass on the days `from..=to`, from the
    /// unique-click lists; `false`, adding nothing, if they cannot tell.
    fn count_affiliates_clicks(
        &self,
        rows: &mut BTreeMap<u32, Tally>,
        matcher: &Matcher,
        from: i32,
        to: i32,
    ) -> bool {
        let unique = &self.report_index.unique;
        let offers: Vec<u32> = (self.offers.keys().copied())
            .filter(|&o| matcher.offer(o).is_some())
            .collect();
        let mut counts = Vec::new();
        for &affiliate_id in self.affiliates.keys() {
            let mut clicks = 0;
            for &offer_id in &offers {
                match unique.affiliate_clicks(affiliate_id, offer_id, from, to, None) {
                    Some(n) => clicks += n,
                    None => return false,
                }
            }
            if clicks > 0 {
                counts.push((affiliate_id, clicks));
            }
        }
        for (affiliate_id, clicks) in counts {
            rows.entry(affiliate_id).or_default().cell.clicks += clicks;
        }
        true
    }

    /// Adds the clicks of `from..=to` that pass the filter, read one by one.
    pub(super) fn scan_clicks(
        &self,
        rows: &mut BTreeMap<u32, Tally>,
        matcher: &Matcher,
        group: Group,
        from: NaiveDate,
        to: NaiveDate,
    ) {
        let days = self.clicks_by_day.range(from..=to);
        for click in days
            .flat_map(|(_, v)| v)
            .filter_map(|&i| self.clicks.row(i))
        {
            #[cfg(test)]
            tests::read(&tests::CLICKS_READ);
            if let Some(offer) = matcher.matches(click.offer_id, click.affiliate_id, click.country)
            {
                rows.entry(group.key(offer, click.affiliate_id))
                    .or_default()
                    .cell
                    .clicks += 1;
            }
        }
    }

    /// Adds the counted conversions of `from..=to` that pass the filter.
    pub(super) fn scan_conversions(
        &self,
        rows: &mut BTreeMap<u32, Tally>,
        matcher: &Matcher,
        group: Group,
        from: NaiveDate,
        to: NaiveDate,
    ) {
        // The range's conversions, or the named affiliate's when fewer (each one's day is
        // checked below).
        let days = self.conversions_by_day.range(from..=to);
        let on_days: usize = days.clone().map(|(_, v)| v.len()).sum();
        let affiliate = matcher
            .affiliate()
            .and_then(|a| self.conversions_by_affiliate.get(&a));
        let conversions: Box<dyn Iterator<Item = &u32>> = match affiliate {
            Some(list) if list.len() < on_days => Box::new(list.iter()),
            _ => Box::new(days.flat_map(|(_, v)| v)),
        };
        for &index in conversions {
            #[cfg(test)]
            tests::read(&tests::CONVERSIONS_READ);
            let index = index as usize;
            let (Some(conversion), Some(click)) = (
                self.conversions.get(index),
                self.conversion_clicks
                    .get(index)
                    .and_then(|&c| self.clicks.row(c)),
            ) else {
                continue;
            };
            let day = conversion.conversion_date.date();
            if !conversion.counts_in_reports() || !(from..=to).contains(&day) {
                continue;
            }
            if let Some(offer) = matcher.matches(click.offer_id, click.affiliate_id, click.country)
            {
                rows.entry(group.key(offer, click.affiliate_id))
                    .or_default()
                    .cell
                    .add_conversion(conversion.payout, conversion.revenue);
            }
        }
    }

    /// The distinct IPs per offer among the range's clicks that pass the filter (when the
    /// unique-click lists cannot tell).
    pub(super) fn unique_ips_by_scan(&self, matcher: &Matcher) -> HashMap<u32, HashSet<u64>> {
        let mut ips: HashMap<u32, HashSet<u64>> = HashMap::new();
        let range = matcher.range();
        let in_range: usize = self
            .clicks_by_day
            .range(range.clone())
            .map(|(_, v)| v.len())
            .sum();
        let clicks: Box<dyn Iterator<Item = &clicks::Row>> = match in_range {
            // Most of the clicks: reading them in memory order beats jumping from day to day.
            n if n > self.clicks.len() / 4 => Box::new(self.clicks.rows().iter()),
            _ => Box::new(
                (self.clicks_by_day.range(range.clone()).flat_map(|(_, v)| v))
                    .filter_map(|&i| self.clicks.row(i)),
            ),
        };
        for click in clicks {
            #[cfg(test)]
            tests::read(&tests::CLICKS_READ);
            if range.contains(&click.day())
                && matcher
                    .matches(click.offer_id, click.affiliate_id, click.country)
                    .is_some()
            {
                ips.entry(click.offer_id).or_default().insert(click.ip);
            }
        }
        ips
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use chrono::NaiveDate;

    use super::super::figures::Group;
    use super::super::filter::ReportFilter;
    use crate::demo::{demo_store_scaled, SCALE_AFFILIATES, SCALE_OFFERS};

    thread_local! {
        /// Clicks read one by one on this thread.
        pub(super) static CLICKS_READ: Cell<u64> = const { Cell::new(0) };
        /// Conversions read one by one on this thread.
        pub(super) static CONVERSIONS_READ: Cell<u64> = const { Cell::new(0) };
    }

    pub(super) fn read(counter: &'static std::thread::LocalKey<Cell<u64>>) {
        counter.with(|c| c.set(c.get() + 1));
    }

    fn reads(counter: &'static std::thread::LocalKey<Cell<u64>>) -> u64 {
        counter.with(|c| c.replace(0))
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap_or_default()
    }

    /// The report shapes of `cargo xtask sim-scale`, as filters: each report the API has, with
    /// each filter it takes that changes which roll-ups hold it, over a year, a month and a
    /// misaligned year.
    fn shapes() -> Vec<(Group, ReportFilter)> {
        let mut shapes = Vec::new();
        for (from, to) in [
            ("2025-01-01", "2025-12-31"),
            ("2025-03-01", "2025-03-31"),
            ("2025-02-15", "2026-02-14"),
        ] {
            let range = ReportFilter::between(day(from), day(to));
            let with = |f: fn(&mut ReportFilter)| {
                let mut filter = range.clone();
                f(&mut filter);
                filter
            };
            let country = |f: &mut ReportFilter| f.country_id = Some(1);
            let both = |f: &mut ReportFilter| {
                f.country_id = Some(1);
                f.affiliate_id = Some(u64::from(*SCALE_AFFILIATES.start()));
            };
            let by_affiliate = |f: &mut ReportFilter| {
                f.affiliate_id = Some(u64::from(*SCALE_AFFILIATES.start()));
            };
            let by_offer =
                |f: &mut ReportFilter| f.offer_id = Some(u64::from(*SCALE_OFFERS.start()));
            for filter in [
                range.clone(),
                with(country),
                with(by_affiliate),
                with(both),
                with(by_offer),
            ] {
                shapes.push((Group::Offer, filter));
            }
            for filter in [range.clone(), with(by_affiliate), with(by_offer)] {
                shapes.push((Group::Affiliate, filter));
            }
            for filter in [range.clone(), with(by_offer)] {
                shapes.push((Group::Advertiser, filter));
            }
        }
        shapes
    }

    /// The report cliff of issue 18, held without a clock: no report shape the API takes reads
    /// a click one by one, and one filtered by affiliate reads only that affiliate's
    /// conversions; until the lists are brought up to date, the same reports read clicks (so
    /// the counters count).
    #[test]
    fn no_report_shape_reads_clicks_one_by_one() {
        let mut store = demo_store_scaled(100_000);
        let affiliate = *SCALE_AFFILIATES.start();
        let affiliate_conversions = store
            .conversions_by_affiliate
            .get(&affiliate)
            .map_or(0, Vec::len);
        reads(&CLICKS_READ);
        reads(&CONVERSIONS_READ);
        for (group, filter) in shapes() {
            let rows = store.tally(&filter, group);
            assert!(!rows.is_empty(), "{group:?} {filter:?}: no rows");
            assert_eq!(reads(&CLICKS_READ), 0, "{group:?} {filter:?} read clicks");
            let conversions = reads(&CONVERSIONS_READ);
            // Its conversions once per run of partial-month days (two at most).
            if filter.affiliate_id.is_some() {
                assert!(
                    conversions <= 2 * affiliate_conversions as u64,
                    "{group:?} {filter:?} read {conversions} conversions"
                );
            }
        }
        // A click added since the lists were built: the same shapes count by reading clicks.
        let mut click = store.clicks().next().expect("a click");
        click.click_id = "added-since".into();
        click.conversion_id = None;
        store.add_click(click).expect("a new click");
        let read: u64 = shapes()
            .into_iter()
            .filter(|(group, f)| *group == Group::Offer && f.country_id.is_some())
            .map(|(group, filter)| {
                store.tally(&filter, group);
                reads(&CLICKS_READ)
            })
            .sum();
        assert!(read > 0, "stale lists must be read around");
    }
}
