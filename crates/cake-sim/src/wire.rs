//! Wire shaping: the store's rows as the spec's response types (`cake_client::types`), so that
//! the store knows nothing of how CAKE writes an answer and the server nothing of how figures
//! are made. Names come from the store's entities; an id the store no longer knows gets an
//! empty name rather than a failure.

use cake_client::types;
use rust_decimal::Decimal;

use crate::store::{ClickRecord, ConversionRecord, ReportRow, Store, Totals};

/// The Offer Report's data. Totals' money is written with at least two decimals (`0.00`).
pub(crate) fn offer_report(
    store: &Store,
    rows: Vec<ReportRow>,
    totals: Totals,
) -> types::OfferReportData {
    let at_least_cents = |mut amount: Decimal| {
        if amount.scale() < 2 {
            amount.rescale(2);
        }
        amount
    };
    types::OfferReportData {
        offers: rows
            .into_iter()
            .map(|ReportRow { id, figures: f }| types::OfferReportRow {
                offer_id: id,
                offer_name: store
                    .offer(id)
                    .map(|o| o.offer_name.clone())
                    .unwrap_or_default(),
                clicks: f.clicks,
                unique_clicks: f.unique_clicks,
                conversions: f.conversions,
                conversion_rate: f.conversion_rate,
                payout: f.payout.into(),
                revenue: f.revenue.into(),
                profit: f.profit.into(),
                epc: f.epc.into(),
            })
            .collect(),
        totals: types::OfferReportTotals {
            clicks: totals.clicks,
            conversions: totals.conversions,
            payout: at_least_cents(totals.payout).into(),
            revenue: at_least_cents(totals.revenue).into(),
        },
    }
}

/// The Affiliate Report's data.
pub(crate) fn affiliate_report(store: &Store, rows: Vec<ReportRow>) -> types::AffiliateReportData {
    types::AffiliateReportData {
        affiliates: rows
            .into_iter()
            .map(|ReportRow { id, figures: f }| types::AffiliateReportRow {
                affiliate_id: id,
                affiliate_name: store
                    .affiliate(id)
                    .map(|a| a.affiliate_name.clone())
                    .unwrap_or_default(),
                clicks: f.clicks,
                conversions: f.conversions,
                conversion_rate: f.conversion_rate,
                payout: f.payout.into(),
                epc: f.epc.into(),
            })
            .collect(),
    }
}

/// The Advertiser Report's data.
pub(crate) fn advertiser_report(
    store: &Store,
    rows: Vec<ReportRow>,
) -> types::AdvertiserReportData {
    types::AdvertiserReportData {
        advertisers: rows
            .into_iter()
            .map(|ReportRow { id, figures: f }| types::AdvertiserReportRow {
                advertiser_id: id,
                advertiser_name: store
                    .advertiser(id)
                    .map(|a| a.advertiser_name.clone())
                    .unwrap_or_default(),
                clicks: f.clicks,
                conversions: f.conversions,
                revenue: f.revenue.into(),
            })
            .collect(),
    }
}

/// A click as Get Click returns it.
pub(crate) fn click(c: ClickRecord) -> types::Click {
    types::Click {
        converted: c.conversion_id.is_some(),
        conversion_id: c.conversion_id,
        click_id: c.click_id,
        click_date: c.click_date,
        offer_id: c.offer_id,
        affiliate_id: c.affiliate_id,
        sub_id_1: c.sub_id_1,
        ip_address: c.ip_address,
        country: c.country,
    }
}

/// A conversion as Record Conversion returns it.
pub(crate) fn recorded(c: &ConversionRecord) -> types::RecordedConversion {
    types::RecordedConversion {
        conversion_id: c.conversion_id,
        offer_id: c.offer_id,
        affiliate_id: c.affiliate_id,
        click_id: c.click_id.clone(),
        payout: c.payout.into(),
        revenue: c.revenue.into(),
        unique_id: c.unique_id.clone(),
        conversion_date: c.conversion_date,
        conversion_status: c.conversion_status.clone(),
    }
}

/// A conversion as Get Conversions returns it.
pub(crate) fn conversion(store: &Store, c: &ConversionRecord) -> types::Conversion {
    types::Conversion {
        conversion_id: c.conversion_id,
        offer: types::OfferRef {
            offer_id: c.offer_id,
            offer_name: store
                .offer(c.offer_id)
                .map(|o| o.offer_name.clone())
                .unwrap_or_default(),
        },
        affiliate: types::AffiliateRef {
            affiliate_id: c.affiliate_id,
            affiliate_name: store
                .affiliate(c.affiliate_id)
                .map(|a| a.affiliate_name.clone())
                .unwrap_or_default(),
        },
        payout: c.payout.into(),
        revenue: c.revenue.into(),
        conversion_status: c.conversion_status.clone(),
        conversion_date: c.conversion_date,
    }
}
