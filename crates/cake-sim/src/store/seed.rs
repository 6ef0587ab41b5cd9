//! Putting data into the store as given (datasets, the demo, the set-up API): entities, clicks
//! and conversions, each checked against what is already held, every index and running total
//! kept consistent.

use super::model::{amount_limit, field, seed_err, sum_within_limit};
use super::report_index::Dimensions;
use super::*;

/// An entity's id as given: positive, and not already `taken`; else an error naming `field`.
fn new_id(field: &str, id: u32, taken: bool, what: &str) -> Result<(), SeedError> {
    if id == 0 {
        return Err(seed_err(field, "expected a positive id, got 0"));
    }
    if taken {
        return Err(seed_err(field, format!("{what} {id} already exists")));
    }
    Ok(())
}

impl Store {
    /// Adds an advertiser; its id must be new.
    pub fn add_advertiser(&mut self, advertiser: Advertiser) -> Result<(), SeedError> {
        new_id(
            field!(advertiser.advertiser_id),
            advertiser.advertiser_id,
            self.advertisers.contains_key(&advertiser.advertiser_id),
            "advertiser",
        )?;
        self.advertisers
            .insert(advertiser.advertiser_id, advertiser);
        Ok(())
    }

    /// Adds an affiliate; its id must be new.
    pub fn add_affiliate(&mut self, affiliate: Affiliate) -> Result<(), SeedError> {
        new_id(
            field!(affiliate.affiliate_id),
            affiliate.affiliate_id,
            self.affiliates.contains_key(&affiliate.affiliate_id),
            "affiliate",
        )?;
        self.affiliates.insert(affiliate.affiliate_id, affiliate);
        Ok(())
    }

    /// Adds a country; its id and code must be new.
    pub fn add_country(&mut self, country: Country) -> Result<(), SeedError> {
        new_id(
            field!(country.country_id),
            country.country_id,
            self.countries.contains_key(&country.country_id),
            "country",
        )?;
        if self
            .countries
            .values()
            .any(|c| c.country_code == country.country_code)
        {
            return Err(seed_err(
                "country_code",
                format!("country code {:?} already exists", country.country_code),
            ));
        }
        self.countries.insert(country.country_id, country);
        Ok(())
    }

    /// Adds an offer of a known advertiser; its id must be new and its amounts not negative.
    pub fn add_offer(&mut self, offer: Offer) -> Result<(), SeedError> {
        new_id(
            field!(offer.offer_id),
            offer.offer_id,
            self.offers.contains_key(&offer.offer_id),
            "offer",
        )?;
        if !self.advertisers.contains_key(&offer.advertiser_id) {
            return Err(seed_err(
                field!(offer.advertiser_id),
                format!(
                    "no advertiser {} exists; add it before its offers",
                    offer.advertiser_id
                ),
            ));
        }
        for (field, amount) in [
            (field!(offer.payout), offer.payout),
            (field!(offer.revenue), offer.revenue),
        ] {
            if amount.is_sign_negative() {
                return Err(seed_err(
                    field,
                    format!("expected an amount of at least 0, got {amount}"),
                ));
            }
        }
        for (affiliate_id, payout) in &offer.affiliate_payouts {
            if !self.affiliates.contains_key(affiliate_id) {
                return Err(seed_err(
                    "affiliate_payouts",
                    format!("no affiliate {affiliate_id} exists"),
                ));
            }
            if payout.is_sign_negative() {
                return Err(seed_err(
                    "affiliate_payouts",
                    format!("expected an amount of at least 0, got {payout}"),
                ));
            }
        }
        self.offers.insert(offer.offer_id, offer);
        Ok(())
    }

    /// Adds a click of a known offer and affiliate; its id must be new. A click given with a
    /// `conversion_id` is rejected: conversions are added with [`Store::add_conversion`] or
    /// [`Store::record_conversion`], which mark their click.
    ///
    /// Reports stay exact after it, but count the offer's unique clicks by scanning until
    /// [`Store::index_clicks`] runs: call that after a batch of clicks (loading a dataset does).
    pub fn add_click(&mut self, click: ClickRecord) -> Result<(), SeedError> {
        if click.click_id.is_empty() {
            return Err(seed_err(field!(click.click_id), "expected a non-empty id"));
        }
        if !self.offers.contains_key(&click.offer_id) {
            return Err(seed_err(
                field!(click.offer_id),
                format!("no offer {} exists", click.offer_id),
            ));
        }
        if !self.affiliates.contains_key(&click.affiliate_id) {
            return Err(seed_err(
                field!(click.affiliate_id),
                format!("no affiliate {} exists", click.affiliate_id),
            ));
        }
        if click.conversion_id.is_some() {
            return Err(seed_err(
                "conversion_id",
                "a click is marked converted by adding its conversion, not by this field",
            ));
        }
        let index = self.clicks.insert(&click)?;
        let day = click.click_date.date();
        let country = self.clicks.row(index).map_or(0, |row| row.country);
        self.report_index.add_click(
            day,
            Dimensions {
                offer_id: click.offer_id,
                affiliate_id: click.affiliate_id,
                country,
            },
        );
        self.clicks_by_day.entry(day).or_default().push(index);
        Ok(())
    }

    /// Room for `additional` more clicks whose ids take `id_bytes` bytes in all: call before a
    /// large batch of [`Store::add_click`] to load it without regrowing (it uses less memory).
    pub fn reserve_clicks(&mut self, additional: usize, id_bytes: usize) {
        self.clicks.reserve(additional, id_bytes);
    }

    /// Brings the unique-click lists up to date after clicks were added (one pass over the
    /// clicks and a sort), so that reports count unique clicks, and a country's or an
    /// affiliate's clicks on partial months, without reading clicks.
    pub fn index_clicks(&mut self) {
        self.report_index.unique.rebuild(&self.clicks);
    }

    /// Adds a conversion of a known click as given (id, amounts, status, date), for seeding.
    /// Its id and `unique_id` must be new; its offer and affiliate are the click's.
    pub fn add_conversion(&mut self, mut conversion: ConversionRecord) -> Result<(), SeedError> {
        if conversion.conversion_id == 0 {
            return Err(seed_err("conversion_id", "expected a positive id, got 0"));
        }
        if self
            .conversion_by_id
            .contains_key(&conversion.conversion_id)
        {
            return Err(seed_err(
                "conversion_id",
                format!("conversion {} already exists", conversion.conversion_id),
            ));
        }
        let Some(click_index) = self.clicks.find(&conversion.click_id) else {
            return Err(seed_err(
                field!(conversion.click_id),
                format!("no click {:?} exists", conversion.click_id),
            ));
        };
        if let Some(unique_id) = &conversion.unique_id {
            if self.conversion_by_unique_id.contains_key(unique_id) {
                return Err(seed_err(
                    field!(conversion.unique_id),
                    format!("unique_id {unique_id:?} is already recorded"),
                ));
            }
        }
        for (field, amount) in [
            (field!(conversion.payout), conversion.payout),
            (field!(conversion.revenue), conversion.revenue),
        ] {
            if amount.is_sign_negative() {
                return Err(seed_err(
                    field,
                    format!("expected an amount of at least 0, got {amount}"),
                ));
            }
        }
        let (Some(total_payout), Some(total_revenue)) = (
            sum_within_limit(self.total_payout, conversion.payout),
            sum_within_limit(self.total_revenue, conversion.revenue),
        ) else {
            return Err(seed_err(
                field!(conversion.payout),
                format!(
                    "too large: the store's sum of amounts would exceed {}, the most the spec's money holds",
                    amount_limit()
                ),
            ));
        };
        let Some(click) = self.clicks.row(click_index) else {
            return Err(seed_err(
                field!(conversion.click_id),
                "the click's row is missing",
            ));
        };
        conversion.offer_id = click.offer_id;
        conversion.affiliate_id = click.affiliate_id;
        self.total_payout = total_payout;
        self.total_revenue = total_revenue;
        self.insert_conversion(click_index, conversion);
        Ok(())
    }

    pub(super) fn insert_conversion(&mut self, click_index: u32, conversion: ConversionRecord) {
        let index = self.conversions.len();
        self.largest_conversion_id = self.largest_conversion_id.max(conversion.conversion_id);
        self.conversion_by_id
            .insert(conversion.conversion_id, index);
        if let Some(unique_id) = &conversion.unique_id {
            self.conversion_by_unique_id
                .insert(unique_id.clone(), index);
        }
        self.conversions_by_day
            .entry(conversion.conversion_date.date())
            .or_default()
            .push(index as u32);
        self.conversions_by_affiliate
            .entry(conversion.affiliate_id)
            .or_default()
            .push(index as u32);
        if conversion.counts_in_reports() {
            // Counted on its own day, in its click's offer, affiliate and country.
            self.report_index.add_conversion(
                conversion.conversion_date.date(),
                Dimensions {
                    offer_id: conversion.offer_id,
                    affiliate_id: conversion.affiliate_id,
                    country: self.clicks.row(click_index).map_or(0, |row| row.country),
                },
                conversion.payout,
                conversion.revenue,
            );
        }
        self.clicks
            .set_conversion(click_index, conversion.conversion_id);
        self.conversion_clicks.push(click_index);
        self.conversions.push(conversion);
    }
}
