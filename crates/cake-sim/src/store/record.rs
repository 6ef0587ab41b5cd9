//! Record Conversion: a conversion of a tracked click, deduplicated on `unique_id`, amounts from
//! the request or the offer's rules, and every sum checked before anything changes.

use cake_client::{types, CakeDateTime};

use super::*;

impl Store {
    /// Records a conversion as the API does: a repeated `unique_id` returns the original
    /// unchanged; otherwise the click must exist and belong to the offer, the amounts come from
    /// the offer's rules unless given, and the date is `now` unless given. The caller holds the
    /// store exclusively, which is what makes the dedup check and the insert one atomic step.
    pub fn record_conversion(
        &mut self,
        request: ConversionRequest,
        now: CakeDateTime,
    ) -> Result<RecordOutcome, RecordError> {
        if let Some(unique_id) = &request.unique_id {
            if let Some(&index) = self.conversion_by_unique_id.get(unique_id) {
                return Ok(RecordOutcome {
                    conversion: self.conversions[index].clone(),
                    deduplicated: true,
                });
            }
        }
        let Some((click_index, click)) = self
            .clicks
            .find(&request.click_id)
            .and_then(|i| Some((i, *self.clicks.row(i)?)))
        else {
            return Err(RecordError::UnknownClick {
                click_id: request.click_id,
            });
        };
        if u64::from(click.offer_id) != request.offer_id {
            return Err(RecordError::WrongOffer {
                click_id: request.click_id,
                actual_offer_id: click.offer_id,
                requested_offer_id: request.offer_id,
            });
        }
        // Every click's offer exists: add_click checks it and offers are never removed.
        let (rule_payout, rule_revenue) = self
            .offers
            .get(&click.offer_id)
            .map(|o| (o.payout_for(click.affiliate_id), o.revenue))
            .unwrap_or_default();
        let payout = request.payout.unwrap_or(rule_payout);
        let revenue = request.revenue.unwrap_or(rule_revenue);
        let total_payout =
            sum_within_limit(self.total_payout, payout).ok_or(RecordError::AmountTooLarge {
                parameter: cake_client::query::RecordConversionQuery::PAYOUT,
            })?;
        let total_revenue =
            sum_within_limit(self.total_revenue, revenue).ok_or(RecordError::AmountTooLarge {
                parameter: cake_client::query::RecordConversionQuery::REVENUE,
            })?;
        let conversion_id = self.next_conversion_id()?;
        let conversion = ConversionRecord {
            conversion_id,
            click_id: request.click_id,
            offer_id: click.offer_id,
            affiliate_id: click.affiliate_id,
            payout,
            revenue,
            conversion_date: request.conversion_date.unwrap_or(now),
            conversion_status: types::ConversionStatus::Approved,
            unique_id: request.unique_id,
            order_id: request.order_id,
            adv: request.adv,
        };
        let recorded = conversion.clone();
        self.total_payout = total_payout;
        self.total_revenue = total_revenue;
        self.insert_conversion(click_index, conversion);
        Ok(RecordOutcome {
            conversion: recorded,
            deduplicated: false,
        })
    }

    /// One more than the largest conversion id held (ids stay increasing after seeding).
    fn next_conversion_id(&self) -> Result<u32, RecordError> {
        self.largest_conversion_id
            .checked_add(1)
            .ok_or(RecordError::OutOfConversionIds)
    }
}
