//! Report figures read from the clicks and conversions themselves, where the report index has
//! no cells for the query (the days of a range's partial months, a country with an affiliate)
//! or its unique-click lists cannot tell (see `Store::tally`): one by one, or per offer from the
//! unique-click lists' clicks in day order.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;

use super::calendar::day_key;
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
                    .affiliate_clicks(a, offer_id, from, to)
                    .map(|n| (a, n))
            }),
            _ => false,
        };
        if !counted {
            self.scan_clicks(rows, matcher, group, day(from), day(to));
        }
        self.scan_conversions(rows, matcher, group, day(from), day(to));
    }

    /// Adds each offer's clicks as `clicks` gives them, with the affiliate they count for
    /// (0 when the group does not need it); `false`, adding nothing, if it cannot give one.
    fn count_clicks(
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

    /// Adds the clicks of `from..=to` that pass the filter, read one by one.
    fn scan_clicks(
        &self,
        rows: &mut BTreeMap<u32, Tally>,
        matcher: &Matcher,
        group: Group,
        from: NaiveDate,
        to: NaiveDate,
    ) {
        let days = self.clicks_by_day.range(from..=to);
        let on_days: usize = days.clone().map(|(_, v)| v.len()).sum();
        // The days' clicks, or the named offer's of those days when fewer (all of its clicks
        // while they are not in day order; each click's day is checked below).
        let (first, last) = (day_key(from), day_key(to));
        let offer_clicks = matcher.offer_id().map(|o| {
            let lists = &self.clicks_by_offer;
            lists
                .on_days(o, &self.clicks, first, last)
                .unwrap_or_else(|| lists.all(o))
        });
        let clicks: Box<dyn Iterator<Item = &u32>> = match offer_clicks {
            Some(list) if list.len() < on_days => Box::new(list.iter()),
            _ => Box::new(days.flat_map(|(_, v)| v)),
        };
        for click in clicks.filter_map(|&i| self.clicks.row(i)) {
            if !(from..=to).contains(&click.day()) {
                continue;
            }
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
    fn scan_conversions(
        &self,
        rows: &mut BTreeMap<u32, Tally>,
        matcher: &Matcher,
        group: Group,
        from: NaiveDate,
        to: NaiveDate,
    ) {
        for &index in self
            .conversions_by_day
            .range(from..=to)
            .flat_map(|(_, v)| v)
        {
            let index = index as usize;
            let (Some(conversion), Some(click)) = (
                self.conversions.get(index),
                self.conversion_clicks
                    .get(index)
                    .and_then(|&c| self.clicks.row(c)),
            ) else {
                continue;
            };
            if !conversion.counts_in_reports() {
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
