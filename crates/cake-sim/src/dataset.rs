//! Datasets the simulator starts from: the documented file format (JSON or YAML, `--data FILE`),
//! and the conversion of a dataset into a [`Store`] with every reference checked.
//!
//! Loading never panics and never keeps a half-loaded store: a bad file is an error naming the
//! entry and field at fault (`clicks[3].offer_id: no offer 999 exists`).
//!
//! # The file format
//!
//! One object (JSON) or mapping (YAML) with these lists, each optional; every entity is added
//! after those it refers to, so order within the file does not matter:
//!
//! ```yaml
//! advertisers: [{advertiser_id: 1021, advertiser_name: Acme Financial Services}]
//! affiliates:  [{affiliate_id: 67890, affiliate_name: MediaBridge Partners}]
//! countries:   [{country_id: 1, country_code: US}]      # for the Offer Report's country_id
//! offers:
//!   - offer_id: 12345
//!     offer_name: Auto Insurance Quote - US
//!     advertiser_id: 1021
//!     vertical_id: 10                                    # optional
//!     payout: "18.00"                                    # the default payout rule
//!     revenue: "22.00"
//!     affiliate_payouts: [{affiliate_id: 67890, payout: "20.00"}]   # optional
//! clicks:
//!   - click_id: a1b2c3d4-e5f6-7890-abcd-ef1234567890
//!     click_date: "2026-01-15 09:42:11"
//!     offer_id: 12345
//!     affiliate_id: 67890
//!     sub_id_1: banner_300x250                           # optional
//!     ip_address: 203.0.113.42
//!     country: US
//! conversions:
//!   - conversion_id: 998877
//!     click_id: a1b2c3d4-e5f6-7890-abcd-ef1234567890
//!     conversion_date: "2026-06-19 14:30:00"
//!     payout: "18.00"                                    # optional: the offer's rule
//!     revenue: "22.00"                                   # optional: the offer's rule
//!     conversion_status: approved                        # optional: approved
//!     unique_id: ORD-98765                               # optional
//!     order_id: A-1                                      # optional
//! ```
//!
//! Money is a number or a string of decimal digits, read from its text either way, so its digits
//! are exact in JSON and YAML alike (`0.10` stays `0.10`, never a binary float). Amounts written
//! with fewer than two decimals are held with two (`18` becomes `18.00`), so money looks the
//! same whichever way it was written. Unknown fields are errors, so a typo is not ignored.
//!
//! Both formats are read by the YAML parser (JSON is YAML's flow syntax): it hands money over as
//! the text it was written with, which serde_json gives only through features that would change
//! JSON parsing for every crate in the build.
//!
//! Why it is long: the format is one job, its entries and the checks of each entry's references
//! side by side (a field and the error that names it belong together); a fifth of it is tests.

use std::{collections::BTreeMap, path::Path};

use cake_client::{types, CakeDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

use crate::store::{
    Advertiser, Affiliate, ClickRecord, ConversionRecord, Country, Offer, SeedError, Store,
};

/// A whole dataset, as the file format above.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    /// Advertisers.
    #[serde(default)]
    pub advertisers: Vec<AdvertiserEntry>,
    /// Affiliates.
    #[serde(default)]
    pub affiliates: Vec<AffiliateEntry>,
    /// Countries (only needed for the Offer Report's `country_id` filter).
    #[serde(default)]
    pub countries: Vec<CountryEntry>,
    /// Offers.
    #[serde(default)]
    pub offers: Vec<OfferEntry>,
    /// Clicks.
    #[serde(default)]
    pub clicks: Vec<ClickEntry>,
    /// Conversions (each marks its click converted).
    #[serde(default)]
    pub conversions: Vec<ConversionEntry>,
}

/// An advertiser in a dataset file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvertiserEntry {
    /// Its id (positive).
    pub advertiser_id: u32,
    /// Its name.
    pub advertiser_name: String,
}

/// An affiliate in a dataset file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AffiliateEntry {
    /// Its id (positive).
    pub affiliate_id: u32,
    /// Its name.
    pub affiliate_name: String,
}

/// A country in a dataset file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountryEntry {
    /// Its id (positive).
    pub country_id: u32,
    /// The code clicks carry.
    pub country_code: String,
}

/// A per-affiliate payout rule of an offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AffiliatePayoutEntry {
    /// The affiliate.
    pub affiliate_id: u32,
    /// Its payout on this offer.
    #[serde(deserialize_with = "money_text")]
    pub payout: Decimal,
}

/// An offer in a dataset file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferEntry {
    /// Its id (positive).
    pub offer_id: u32,
    /// Its name.
    pub offer_name: String,
    /// Its advertiser.
    pub advertiser_id: u32,
    /// Its vertical.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vertical_id: Option<u32>,
    /// The default payout of a conversion.
    #[serde(deserialize_with = "money_text")]
    pub payout: Decimal,
    /// The revenue of a conversion.
    #[serde(deserialize_with = "money_text")]
    pub revenue: Decimal,
    /// Payouts for particular affiliates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affiliate_payouts: Vec<AffiliatePayoutEntry>,
}

/// A click in a dataset file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClickEntry {
    /// Its id.
    pub click_id: String,
    /// `YYYY-MM-DD HH:MM:SS`.
    pub click_date: CakeDateTime,
    /// Its offer.
    pub offer_id: u32,
    /// Its affiliate.
    pub affiliate_id: u32,
    /// The affiliate's sub id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_id_1: Option<String>,
    /// The visitor's IP address.
    pub ip_address: String,
    /// The visitor's country code.
    pub country: String,
}

/// A conversion in a dataset file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConversionEntry {
    /// Its id (positive).
    pub conversion_id: u32,
    /// The click it converts.
    pub click_id: String,
    /// `YYYY-MM-DD HH:MM:SS`.
    pub conversion_date: CakeDateTime,
    /// The payout; the offer's rule when absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional_money_text"
    )]
    pub payout: Option<Decimal>,
    /// The revenue; the offer's rule when absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional_money_text"
    )]
    pub revenue: Option<Decimal>,
    /// Its status; approved when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion_status: Option<types::ConversionStatus>,
    /// The caller's deduplication id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_id: Option<String>,
    /// The advertiser's order reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
}

/// Why a dataset could not be loaded.
#[derive(Debug)]
pub enum DatasetError {
    /// The file could not be read.
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not the documented format.
    Parse {
        /// The file.
        path: String,
        /// What the parser said (with line and column).
        message: String,
    },
    /// An entry is invalid or refers to something that does not exist.
    Invalid {
        /// Where, e.g. `clicks[3]`.
        entry: String,
        /// What.
        error: SeedError,
    },
}

impl std::fmt::Display for DatasetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatasetError::Read { path, source } => write!(f, "cannot read {path}: {source}"),
            DatasetError::Parse { path, message } => write!(
                f,
                "{path} is not a dataset (JSON or YAML, see cake_sim::dataset): {message}"
            ),
            DatasetError::Invalid { entry, error } => write!(f, "{entry}.{error}"),
        }
    }
}

impl std::error::Error for DatasetError {}

/// Money from the text it was written with (the YAML parser hands a number over as its text).
fn money_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    let text = String::deserialize(deserializer)?;
    let text = text.trim();
    let parsed = if text.contains(['e', 'E']) {
        Decimal::from_scientific(text)
    } else {
        Decimal::from_str_exact(text)
    };
    parsed.map_err(|_| {
        serde::de::Error::custom(format!(
            "expected an amount of money (decimal digits such as 18.00), got {text:?}"
        ))
    })
}

fn optional_money_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Decimal>, D::Error> {
    money_text(deserializer).map(Some)
}

/// Money as the store holds it: at least two decimals.
fn money(mut amount: Decimal) -> Decimal {
    if amount.scale() < 2 {
        amount.rescale(2);
    }
    amount
}

impl Dataset {
    /// Reads a dataset file: YAML when it ends in `.yaml`/`.yml`, JSON otherwise (and YAML when
    /// it is not JSON, since YAML is a superset).
    pub fn from_file(path: &Path) -> Result<Self, DatasetError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| DatasetError::Read {
            path: shown.clone(),
            source,
        })?;
        let is_yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        Self::from_text(&text, is_yaml).map_err(|message| DatasetError::Parse {
            path: shown,
            message,
        })
    }

    /// Parses dataset text, as YAML or JSON. Both go through the YAML parser (see the module's
    /// header); `yaml` only says which the text claims to be, for the error message.
    pub fn from_text(text: &str, yaml: bool) -> Result<Self, String> {
        serde_yaml_ng::from_str(text).map_err(|e| {
            let format = if yaml { "YAML" } else { "JSON" };
            format!("{format}: {e}")
        })
    }

    /// Builds a store holding exactly this dataset, or says which entry is wrong.
    pub fn into_store(self) -> Result<Store, DatasetError> {
        let mut store = Store::new();
        self.load_into(&mut store)?;
        Ok(store)
    }

    /// Adds this dataset to a store.
    pub fn load_into(self, store: &mut Store) -> Result<(), DatasetError> {
        fn at<T>(list: &str, i: usize, r: Result<T, SeedError>) -> Result<T, DatasetError> {
            r.map_err(|error| DatasetError::Invalid {
                entry: format!("{list}[{i}]"),
                error,
            })
        }
        for (i, a) in self.advertisers.into_iter().enumerate() {
            at(
                "advertisers",
                i,
                store.add_advertiser(Advertiser {
                    advertiser_id: a.advertiser_id,
                    advertiser_name: a.advertiser_name,
                }),
            )?;
        }
        for (i, a) in self.affiliates.into_iter().enumerate() {
            at(
                "affiliates",
                i,
                store.add_affiliate(Affiliate {
                    affiliate_id: a.affiliate_id,
                    affiliate_name: a.affiliate_name,
                }),
            )?;
        }
        for (i, c) in self.countries.into_iter().enumerate() {
            at(
                "countries",
                i,
                store.add_country(Country {
                    country_id: c.country_id,
                    country_code: c.country_code,
                }),
            )?;
        }
        for (i, o) in self.offers.into_iter().enumerate() {
            let affiliate_payouts: BTreeMap<u32, Decimal> = o
                .affiliate_payouts
                .iter()
                .map(|p| (p.affiliate_id, money(p.payout)))
                .collect();
            at(
                "offers",
                i,
                store.add_offer(Offer {
                    offer_id: o.offer_id,
                    offer_name: o.offer_name,
                    advertiser_id: o.advertiser_id,
                    vertical_id: o.vertical_id,
                    payout: money(o.payout),
                    revenue: money(o.revenue),
                    affiliate_payouts,
                }),
            )?;
        }
        let id_bytes = self.clicks.iter().map(|c| c.click_id.len()).sum();
        store.reserve_clicks(self.clicks.len(), id_bytes);
        for (i, c) in self.clicks.into_iter().enumerate() {
            at(
                "clicks",
                i,
                store.add_click(ClickRecord {
                    click_id: c.click_id,
                    click_date: c.click_date,
                    offer_id: c.offer_id,
                    affiliate_id: c.affiliate_id,
                    sub_id_1: c.sub_id_1,
                    ip_address: c.ip_address,
                    country: c.country,
                    conversion_id: None,
                }),
            )?;
        }
        for (i, c) in self.conversions.into_iter().enumerate() {
            let rule = store.click(&c.click_id).and_then(|click| {
                store
                    .offer(click.offer_id)
                    .map(|o| (o.payout_for(click.affiliate_id), o.revenue))
            });
            let (rule_payout, rule_revenue) = rule.unwrap_or_default();
            at(
                "conversions",
                i,
                store.add_conversion(ConversionRecord {
                    conversion_id: c.conversion_id,
                    click_id: c.click_id,
                    // add_conversion takes both from the click.
                    offer_id: 0,
                    affiliate_id: 0,
                    payout: money(c.payout.unwrap_or(rule_payout)),
                    revenue: money(c.revenue.unwrap_or(rule_revenue)),
                    conversion_date: c.conversion_date,
                    conversion_status: c
                        .conversion_status
                        .unwrap_or(types::ConversionStatus::Approved),
                    unique_id: c.unique_id,
                    order_id: c.order_id,
                    adv: Default::default(),
                }),
            )?;
        }
        store.index_clicks();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    const YAML: &str = r#"
advertisers: [{advertiser_id: 1, advertiser_name: Adv}]
affiliates: [{affiliate_id: 2, affiliate_name: Aff}]
offers:
  - {offer_id: 3, offer_name: Off, advertiser_id: 1, payout: "1.50", revenue: 2}
clicks:
  - {click_id: c1, click_date: "2026-01-02 03:04:05", offer_id: 3, affiliate_id: 2, ip_address: 10.0.0.1, country: US}
conversions:
  - {conversion_id: 7, click_id: c1, conversion_date: "2026-01-02 04:00:00", unique_id: U1}
"#;

    #[test]
    fn yaml_loads_with_the_offers_rules_and_two_decimal_money() {
        let store = Dataset::from_text(YAML, true)
            .unwrap()
            .into_store()
            .unwrap();
        let conversion = store.conversion(7).unwrap();
        assert_eq!(conversion.payout.to_string(), "1.50");
        assert_eq!(conversion.revenue.to_string(), "2.00");
        assert_eq!(conversion.offer_id, 3);
        assert_eq!(store.click("c1").unwrap().conversion_id, Some(7));
        assert_eq!(
            store.conversion_by_unique_id("U1").unwrap().conversion_id,
            7
        );
    }

    #[test]
    fn json_money_keeps_its_digits() {
        let json = r#"{"advertisers":[{"advertiser_id":1,"advertiser_name":"A"}],
            "offers":[{"offer_id":3,"offer_name":"O","advertiser_id":1,"payout":0.10,"revenue":12345678901234.5678}]}"#;
        let store = Dataset::from_text(json, false)
            .unwrap()
            .into_store()
            .unwrap();
        let offer = store.offer(3).unwrap();
        assert_eq!(offer.payout, dec!(0.10));
        assert_eq!(offer.revenue, dec!(12345678901234.5678));
    }

    #[test]
    fn yaml_money_written_as_a_number_keeps_its_digits_too() {
        let yaml = "advertisers: [{advertiser_id: 1, advertiser_name: A}]\n\
                    offers: [{offer_id: 3, offer_name: O, advertiser_id: 1, payout: 0.10, revenue: 12345678901234.5678}]\n";
        let offer = Dataset::from_text(yaml, true).unwrap();
        assert_eq!(offer.offers[0].payout.to_string(), "0.10");
        assert_eq!(offer.offers[0].revenue.to_string(), "12345678901234.5678");
        let err = Dataset::from_text(&yaml.replace("0.10", "lots"), true).unwrap_err();
        assert!(err.contains("expected an amount of money"), "{err}");
    }

    #[test]
    fn a_dangling_reference_names_the_entry_and_field() {
        let text = YAML.replace(
            "offer_id: 3, affiliate_id: 2",
            "offer_id: 999, affiliate_id: 2",
        );
        let err = Dataset::from_text(&text, true)
            .unwrap()
            .into_store()
            .unwrap_err()
            .to_string();
        assert_eq!(err, "clicks[0].offer_id: no offer 999 exists");
    }

    #[test]
    fn an_unknown_field_is_an_error_not_ignored() {
        let err = Dataset::from_text(r#"{"offerz": []}"#, false).unwrap_err();
        assert!(err.contains("unknown field `offerz`"), "{err}");
    }

    #[test]
    fn a_negative_payout_is_refused() {
        let text = YAML.replace("payout: \"1.50\"", "payout: \"-1.50\"");
        let err = Dataset::from_text(&text, true)
            .unwrap()
            .into_store()
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("offers[0].payout: expected an amount of at least 0"),
            "{err}"
        );
    }

    #[test]
    fn a_repeated_unique_id_is_refused() {
        let text = format!(
            "{YAML}  - {{conversion_id: 8, click_id: c1, conversion_date: \"2026-01-02 05:00:00\", unique_id: U1}}\n"
        );
        let err = Dataset::from_text(&text, true)
            .unwrap()
            .into_store()
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("conversions[1].unique_id"), "{err}");
    }
}
