//! The windows of Get Click and Get Conversions against a sort of every match.
use super::*;
use chrono::NaiveDate;

/// Get Click's rows as they were computed before the page-by-day path: every match, sorted by
/// time, then the window.
fn sorted_then_windowed(
    store: &Store,
    filter: &ReportFilter,
    window: Window,
) -> (Vec<String>, u64) {
    let matcher = store.matcher(filter);
    let mut all: Vec<u32> = store
        .clicks_by_day
        .range(matcher.range())
        .flat_map(|(_, v)| v)
        .copied()
        .filter(|&i| {
            store.clicks.row(i).is_some_and(|c| {
                matcher
                    .matches(c.offer_id, c.affiliate_id, c.country)
                    .is_some()
            })
        })
        .collect();
    all.sort_by_key(|&i| store.clicks.row(i).map(|c| c.at()));
    let total = all.len() as u64;
    let ids = window
        .apply(all)
        .into_iter()
        .filter_map(|i| store.clicks.record(i))
        .map(|c| c.click_id)
        .collect();
    (ids, total)
}

#[test]
fn a_page_deep_in_a_long_range_is_the_same_page_as_a_sort_of_every_match() {
    let store = crate::demo_store_scaled(20_000);
    let day = |s: &str| s.parse::<NaiveDate>().unwrap();
    let mut filters = vec![
        ReportFilter::between(NaiveDate::MIN, NaiveDate::MAX),
        ReportFilter::between(day("2025-03-01"), day("2025-05-31")),
        ReportFilter::between(day("2026-01-01"), day("2026-01-31")),
    ];
    let some = store.clicks().next().unwrap();
    filters.push(ReportFilter {
        offer_id: Some(u64::from(some.offer_id)),
        ..ReportFilter::between(NaiveDate::MIN, NaiveDate::MAX)
    });
    filters.push(ReportFilter {
        affiliate_id: Some(u64::from(some.affiliate_id)),
        ..ReportFilter::between(day("2025-01-01"), day("2025-12-31"))
    });
    let mut compared = 0;
    for filter in &filters {
        let (_, total) = sorted_then_windowed(&store, filter, Window::ALL);
        for (skip, take) in [
            (0, 1),
            (0, 100),
            (7, 13),
            (total / 2, 500),
            (total.saturating_sub(3), 10),
            (total, 5),
            (total + 9, 5),
            (0, u64::MAX),
        ] {
            let window = Window { skip, take };
            let query = ClickQuery {
                click_id: None,
                filter: filter.clone(),
            };
            let (rows, n) = store.click_rows(&query, window);
            let got: Vec<String> = rows.into_iter().map(|c| c.click_id).collect();
            assert_eq!(
                (got, n),
                sorted_then_windowed(&store, filter, window),
                "{filter:?} skip {skip} take {take}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 40);
}

#[test]
fn a_page_of_conversions_anywhere_in_any_order_is_the_page_of_a_sort_of_every_match() {
    use types::ConversionSortField as F;
    let store = crate::demo_store_scaled(20_000);
    let query = |field, descending| ConversionQuery {
        filter: ReportFilter::between(NaiveDate::MIN, NaiveDate::MAX),
        conversion_status: None,
        sort: Sort { field, descending },
    };
    let ids = |rows: Vec<&ConversionRecord>| -> Vec<u32> {
        rows.into_iter().map(|c| c.conversion_id).collect()
    };
    let mut compared = 0;
    for field in [
        None,
        Some(F::ConversionId),
        Some(F::ConversionDate),
        Some(F::Payout),
        Some(F::Revenue),
    ] {
        for descending in [false, true] {
            let q = query(field, descending);
            let (every, total) = store.conversion_rows(&q, Window::ALL);
            assert!(total > 1_000, "too few conversions to page: {total}");
            // The whole list is in the order asked, ties by id.
            for pair in every.windows(2) {
                let (a, b) = if descending {
                    (pair[1], pair[0])
                } else {
                    (pair[0], pair[1])
                };
                let primary = match field.unwrap_or(F::ConversionId) {
                    F::ConversionId => a.conversion_id.cmp(&b.conversion_id),
                    F::ConversionDate => a.conversion_date.cmp(&b.conversion_date),
                    F::Payout => a.payout.cmp(&b.payout),
                    F::Revenue => a.revenue.cmp(&b.revenue),
                };
                assert!(primary.is_le(), "{field:?} desc {descending}: out of order");
                if primary.is_eq() {
                    assert!(
                        pair[0].conversion_id < pair[1].conversion_id,
                        "{field:?} desc {descending}: a tie not broken by id, ascending"
                    );
                }
            }
            let every = ids(every);
            assert_eq!(every.len() as u64, total);
            let mut sorted = every.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), every.len(), "each conversion once");
            for (skip, take) in [
                (0, 1),
                (0, 500),
                (7, 13),
                (total / 2, 500),
                (total.saturating_sub(3), 10),
                (total, 5),
                (total + 9, 5),
            ] {
                let (page, n) = store.conversion_rows(&q, Window { skip, take });
                let want: Vec<u32> = every
                    .iter()
                    .copied()
                    .skip(usize::try_from(skip).unwrap())
                    .take(usize::try_from(take).unwrap())
                    .collect();
                assert_eq!(
                    (ids(page), n),
                    (want, total),
                    "{field:?} desc {descending} skip {skip} take {take}"
                );
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 70);
}
