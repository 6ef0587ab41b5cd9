//! The streams an export writes: Get Conversions, Get Click and the three reports, each day by
//! day (a report's rows for one day, so they can be summed over any range). Which operation a
//! stream is comes from the typed SDK (`OPERATION_ID`); its rows are streamed page after page
//! with the next page fetched while the current one is written (`RowStream`, prefetch on).

use cake_client::{
    columns::Columns,
    paginate::{ListRequest, PageOptions},
    query::{
        GetAdvertiserReportQuery, GetAffiliateReportQuery, GetClickQuery, GetConversionsQuery,
        GetOfferReportQuery,
    },
    Client, RowStream,
};
use chrono::NaiveDate;
use futures::TryStreamExt;
use serde::Serialize;

use crate::{sink::DayWriter, Error};

/// A stream of rows, exported a day at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stream {
    /// Get Conversions, by conversion day.
    Conversions,
    /// Get Click, by click day.
    Clicks,
    /// The Offer Report of each day.
    OfferReport,
    /// The Affiliate Report of each day.
    AffiliateReport,
    /// The Advertiser Report of each day.
    AdvertiserReport,
}

impl Stream {
    /// Every stream.
    pub const ALL: [Stream; 5] = [
        Stream::Conversions,
        Stream::Clicks,
        Stream::OfferReport,
        Stream::AffiliateReport,
        Stream::AdvertiserReport,
    ];

    /// Its name: the command's word and the directory under the output.
    pub fn name(self) -> &'static str {
        match self {
            Stream::Conversions => "conversions",
            Stream::Clicks => "clicks",
            Stream::OfferReport => "offer-report",
            Stream::AffiliateReport => "affiliate-report",
            Stream::AdvertiserReport => "advertiser-report",
        }
    }

    /// The operation whose rows it holds.
    pub fn operation_id(self) -> &'static str {
        match self {
            Stream::Conversions => GetConversionsQuery::OPERATION_ID,
            Stream::Clicks => GetClickQuery::OPERATION_ID,
            Stream::OfferReport => GetOfferReportQuery::OPERATION_ID,
            Stream::AffiliateReport => GetAffiliateReportQuery::OPERATION_ID,
            Stream::AdvertiserReport => GetAdvertiserReportQuery::OPERATION_ID,
        }
    }

    /// The SDK's column names of its row type.
    pub fn sdk_columns(self) -> &'static [&'static str] {
        use cake_client::types;
        match self {
            Stream::Conversions => types::Conversion::COLUMNS,
            Stream::Clicks => types::Click::COLUMNS,
            Stream::OfferReport => types::OfferReportRow::COLUMNS,
            Stream::AffiliateReport => types::AffiliateReportRow::COLUMNS,
            Stream::AdvertiserReport => types::AdvertiserReportRow::COLUMNS,
        }
    }

    /// The stream named `name`.
    pub fn from_name(name: &str) -> Option<Stream> {
        Stream::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Writes `day`'s rows into `w`; how many.
    pub async fn day(
        self,
        client: &Client,
        day: NaiveDate,
        w: &mut DayWriter,
    ) -> Result<u64, Error> {
        match self {
            Stream::Conversions => {
                drain(client.get_conversions().start_date(day).end_date(day), w).await
            }
            Stream::Clicks => drain(client.get_click().start_date(day).end_date(day), w).await,
            Stream::OfferReport => {
                drain(client.get_offer_report().start_date(day).end_date(day), w).await
            }
            Stream::AffiliateReport => {
                drain(
                    client.get_affiliate_report().start_date(day).end_date(day),
                    w,
                )
                .await
            }
            Stream::AdvertiserReport => {
                drain(
                    client.get_advertiser_report().start_date(day).end_date(day),
                    w,
                )
                .await
            }
        }
    }
}

/// Every row of `request` into `w`.
async fn drain<Q>(request: Q, w: &mut DayWriter) -> Result<u64, Error>
where
    Q: ListRequest,
    Q::Row: Columns + Serialize,
{
    let mut rows = RowStream::new(request, PageOptions::default());
    let mut n = 0;
    while let Some(row) = rows.try_next().await.map_err(Error::api)? {
        w.push(&row)?;
        n += 1;
    }
    Ok(n)
}
