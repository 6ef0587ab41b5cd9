//! `cake export`: CAKE's conversions, clicks and reports into a data lake, a day at a time,
//! exact to the cent, incremental and restartable.
//!
//! - [`schema`]: each stream's columns typed from the spec the SDK was built from (money as
//!   Decimal128 at the scale its `multipleOf` implies), checked against the SDK's `Columns`;
//! - [`batch`]: rows into Arrow record batches, never rounding;
//! - [`sink`]: a day's file written aside and renamed into its Hive partition
//!   (`DIR/STREAM/date=DAY/part-00000.parquet`), Parquet (zstd), NDJSON or CSV;
//! - [`stream`]: the five streams and their operations;
//! - [`state`]: `DIR/_state.json`, the last day exported;
//! - [`export`]: a run over days, `jobs` at a time.

pub mod batch;
pub mod export;
pub mod lock;
pub mod schema;
pub mod sink;
pub mod state;
pub mod stream;

pub use export::{export, row_schema, DayRange, Plan, Summary, Tick};
pub use sink::{Durability, Format};
pub use stream::Stream;

/// Why an export stopped: the API's error (the SDK's, which never shows the api_key), or a
/// local one whose message names the stream, column or file at fault.
#[derive(Debug)]
pub enum Error {
    /// The API refused or failed (after the SDK's retries).
    Api(cake_client::Error),
    /// Anything else: the spec, a value that does not fit its column, a file.
    Local(String),
}

impl Error {
    /// A local error saying `message`.
    pub fn new(message: impl Into<String>) -> Error {
        Error::Local(message.into())
    }

    /// An error of the API.
    pub fn api(e: cake_client::Error) -> Error {
        Error::Api(e)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Api(e) => write!(f, "{e}"),
            Error::Local(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}
