//! What the store holds: advertisers, affiliates, countries, offers, click and conversion
//! records, and why putting one in can fail (`SeedError`, `RecordError`).

use std::collections::BTreeMap;

use cake_client::{query::RecordConversionQuery, types, CakeDateTime};
use rust_decimal::Decimal;

/// An advertiser (owns offers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advertiser {
    /// Its CAKE id.
    pub advertiser_id: u32,
    /// Its name.
    pub advertiser_name: String,
}

/// An affiliate (sends clicks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affiliate {
    /// Its CAKE id.
    pub affiliate_id: u32,
    /// Its name.
    pub affiliate_name: String,
}

/// A country, so that the Offer Report's `country_id` can filter clicks by their country code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    /// The id the Offer Report's `country_id` filter takes.
    pub country_id: u32,
    /// The code clicks carry in `country` (e.g. `US`).
    pub country_code: String,
}

/// An offer and its payout rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// Its CAKE id.
    pub offer_id: u32,
    /// Its name.
    pub offer_name: String,
    /// The advertiser it belongs to.
    pub advertiser_id: u32,
    /// Its vertical, when it has one (the Offer Report's `vertical_id` filter).
    pub vertical_id: Option<u32>,
    /// The affiliate payout of a conversion, unless an affiliate rule or the request says otherwise.
    pub payout: Decimal,
    /// The advertiser revenue of a conversion, unless the request says otherwise.
    pub revenue: Decimal,
    /// Payouts for particular affiliates, in place of `payout`.
    pub affiliate_payouts: BTreeMap<u32, Decimal>,
}

impl Offer {
    /// The payout rule for a conversion from `affiliate_id`.
    pub fn payout_for(&self, affiliate_id: u32) -> Decimal {
        self.affiliate_payouts
            .get(&affiliate_id)
            .copied()
            .unwrap_or(self.payout)
    }
}

/// A click as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickRecord {
    /// CAKE's click id (reqsessid).
    pub click_id: String,
    /// When it happened.
    pub click_date: CakeDateTime,
    /// The offer clicked.
    pub offer_id: u32,
    /// The affiliate that sent it.
    pub affiliate_id: u32,
    /// The affiliate's sub id, when it carried one.
    pub sub_id_1: Option<String>,
    /// The visitor's IP address.
    pub ip_address: String,
    /// The visitor's country code.
    pub country: String,
    /// Its first conversion, once it converted.
    pub conversion_id: Option<u32>,
}

/// A conversion as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionRecord {
    /// Its CAKE id.
    pub conversion_id: u32,
    /// The click it converted.
    pub click_id: String,
    /// The click's offer.
    pub offer_id: u32,
    /// The click's affiliate.
    pub affiliate_id: u32,
    /// The affiliate payout.
    pub payout: Decimal,
    /// The advertiser revenue.
    pub revenue: Decimal,
    /// When it happened.
    pub conversion_date: CakeDateTime,
    /// Its status.
    pub conversion_status: types::ConversionStatus,
    /// The caller's deduplication id.
    pub unique_id: Option<String>,
    /// The advertiser's order reference.
    pub order_id: Option<String>,
    /// The custom advertiser fields adv1 to adv5.
    pub adv: [Option<String>; 5],
}

impl ConversionRecord {
    /// Whether the reports count it (see the module's decisions).
    pub fn counts_in_reports(&self) -> bool {
        matches!(
            self.conversion_status,
            types::ConversionStatus::Approved | types::ConversionStatus::Pending
        )
    }
}

/// Why something could not be put into the store; `field` names what was at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError {
    /// The field at fault (e.g. `offer_id`).
    pub field: String,
    /// What was wrong and what was expected.
    pub message: String,
}

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for SeedError {}

/// The name of a field of a record given to the store, checked by the compiler:
/// `field!(offer.payout)` is `"payout"`, and does not build if the record has no such field. A
/// record's JSON names are its Rust field names (none of these types renames a field), so a
/// [`SeedError`] names the field as the caller wrote it.
macro_rules! field {
    ($record:ident . $name:ident) => {{
        let _ = &$record.$name;
        stringify!($name)
    }};
}
pub(crate) use field;

/// The most the store's sum of payouts (or of revenues) may reach: the spec's largest amount of
/// money (Record Conversion's `payout` maximum, which is `Money`'s), so that every sum a report
/// shows, and every profit, holds the spec's `Money`.
pub fn amount_limit() -> Decimal {
    static LIMIT: std::sync::OnceLock<Decimal> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        cake_client::spec::operation(RecordConversionQuery::OPERATION_ID)
            .and_then(|op| op.param(RecordConversionQuery::PAYOUT))
            .and_then(|p| match p.kind {
                cake_client::spec::ParamKind::Decimal { max, .. } => max?.parse().ok(),
                _ => None,
            })
            .unwrap_or(Decimal::MAX)
    })
}

/// `total + amount`, when it stays within [`amount_limit`].
pub(super) fn sum_within_limit(total: Decimal, amount: Decimal) -> Option<Decimal> {
    total
        .checked_add(amount)
        .filter(|sum| *sum <= amount_limit())
}

pub(super) fn seed_err(field: &str, message: impl Into<String>) -> SeedError {
    SeedError {
        field: field.to_string(),
        message: message.into(),
    }
}

/// A Record Conversion request, its parameters parsed. (Serializable so that `--state` can keep
/// it: recording it again on the same state gives the same conversion.)
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConversionRequest {
    /// The click to convert.
    pub click_id: String,
    /// The offer the caller says the click belongs to (ids beyond `u32` match no click).
    pub offer_id: u64,
    /// A payout in place of the offer's rule.
    pub payout: Option<Decimal>,
    /// A revenue in place of the offer's rule.
    pub revenue: Option<Decimal>,
    /// When it happened; the simulator's clock when absent.
    pub conversion_date: Option<CakeDateTime>,
    /// The caller's deduplication id.
    pub unique_id: Option<String>,
    /// The advertiser's order reference.
    pub order_id: Option<String>,
    /// adv1 to adv5.
    pub adv: [Option<String>; 5],
}

/// What Record Conversion did.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordOutcome {
    /// The conversion recorded, or the original one for a repeated `unique_id`.
    pub conversion: ConversionRecord,
    /// True when the `unique_id` was already recorded and nothing was created.
    pub deduplicated: bool,
}

/// Why Record Conversion refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// No click has this id (HTTP 404, parameter `click_id`).
    UnknownClick {
        /// The id asked for.
        click_id: String,
    },
    /// The click belongs to another offer (HTTP 409, parameter `offer_id`).
    WrongOffer {
        /// The click.
        click_id: String,
        /// Its offer.
        actual_offer_id: u32,
        /// The offer the request named.
        requested_offer_id: u64,
    },
    /// The amount would take the store's sum of payouts or revenues past [`amount_limit`], the
    /// spec's largest amount of money (HTTP 409).
    AmountTooLarge {
        /// `payout` or `revenue`.
        parameter: &'static str,
    },
    /// The store holds as many conversions as ids exist (HTTP 409, no parameter).
    OutOfConversionIds,
}

impl RecordError {
    /// The parameter at fault, when there is one.
    pub fn parameter(&self) -> Option<&'static str> {
        match self {
            RecordError::UnknownClick { .. } => Some(RecordConversionQuery::CLICK_ID),
            RecordError::WrongOffer { .. } => Some(RecordConversionQuery::OFFER_ID),
            RecordError::AmountTooLarge { parameter } => Some(parameter),
            RecordError::OutOfConversionIds => None,
        }
    }
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordError::UnknownClick { click_id } => {
                let shown: String = click_id.chars().take(64).collect();
                write!(f, "click_id: no click {shown:?} exists; record a conversion against a click that was tracked (look it up with Get Click)")
            }
            RecordError::WrongOffer {
                click_id,
                actual_offer_id,
                requested_offer_id,
            } => write!(
                f,
                "offer_id: click {click_id} belongs to offer {actual_offer_id}, not {requested_offer_id}"
            ),
            RecordError::AmountTooLarge { parameter } => write!(
                f,
                "{parameter}: too large; the sum of all {parameter}s would exceed {}, the spec's largest amount of money",
                amount_limit()
            ),
            RecordError::OutOfConversionIds => {
                f.write_str("no conversion id is left to give; the simulator's store is full")
            }
        }
    }
}

impl std::error::Error for RecordError {}
