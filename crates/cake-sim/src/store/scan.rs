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
