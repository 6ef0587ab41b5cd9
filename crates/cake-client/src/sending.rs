//! Holds a call's typed parameter values against the spec, and writes its query.
//!
//! `build.rs` puts one [`Sending`] pass into every generated builder's `send()`, after progenitor
//! has unwrapped the builder's values and in place of progenitor's own query writing (one
//! `RequestBuilder::query` per parameter, absent ones included):
//!
//! - each value is checked in the form it goes on the wire (through `serde`, as a query writer
//!   sees it) with [`ParamSpec::check`]'s rules, and the operation's date range is checked on the
//!   typed dates. Nothing is read back out of a URL;
//! - each present value is appended to the query, form-urlencoded as `serde_urlencoded`
//!   (progenitor's writer) would, and the api_key last; the query is set on a copy of the
//!   operation's URL, which the client parsed once when it was built (`runtime::Endpoints`), so
//!   no URL text is parsed per call. The key is only ever written into the URL here, and the URL
//!   is only ever shown redacted (`crate::secret`).
//!
//! A refusal reaches the caller as a [`ParamError`] through the call's state, and as progenitor's
//! `InvalidRequest` text to code outside a call. The common values cost no formatting machinery:
//! integers are compared with their bounds as numbers and written with `itoa`, dates are written
//! from their digits.

use std::{
    any::Any,
    fmt::{self, Write as _},
};

use chrono::{Datelike, NaiveDate};
use serde::{ser, Serialize};
use url::Url;

use progenitor_client::ClientInfo as _;

use crate::{
    spec::{
        parse_date, OperationSpec, ParamError, ParamKind, ParamSpec, API_KEY_PARAM, OPERATIONS,
    },
    Client,
};

/// One generated `send()`'s check of its values and its URL (see the module's header).
pub struct Sending<'c> {
    client: &'c Client,
    /// The operation's place in the spec's table (and the client's URLs).
    index: usize,
    op: &'static OperationSpec,
    /// The query, form-urlencoded, without its `?`.
    query: String,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    refused: Option<ParamError>,
}

impl<'c> Sending<'c> {
    /// The pass for operation `index` of the spec's table; `id` is its operationId, which the
    /// generated code names so that a table out of step with the builders shows in tests.
    pub fn new(index: usize, id: &str, client: &'c Client) -> Self {
        let op = &OPERATIONS[index];
        debug_assert_eq!(op.id, id, "build.rs numbered the operations wrongly");
        Self {
            client,
            index,
            op,
            query: String::with_capacity(160),
            start: None,
            end: None,
            refused: None,
        }
    }

    /// Checks the value of parameter `index` of the operation and writes it to the query
    /// (`None` is an absent parameter, written as nothing).
    pub fn param<T: Serialize + Any>(&mut self, index: usize, value: &T) {
        if self.refused.is_some() {
            return;
        }
        let param = &self.op.params[index];
        let outcome = match as_date(value) {
            // A date is the one common value whose `Display` (chrono's) is slow: written from
            // its digits, for the years `YYYY` can show; any other goes through serde.
            Some(Some(date))
                if (0..=9999).contains(&date.year()) && matches!(param.kind, ParamKind::Date) =>
            {
                pair(&mut self.query, param.name, "");
                push_date(&mut self.query, date);
                Ok(Some(date))
            }
            Some(None) => Ok(None),
            _ => value.serialize(Check {
                param,
                query: &mut self.query,
            }),
        };
        match outcome {
            Ok(Some(date)) => {
                if let Some(range) = &self.op.date_range {
                    if param.name == range.start {
                        self.start = Some(date);
                    } else if param.name == range.end {
                        self.end = Some(date);
                    }
                }
            }
            Ok(None) => {}
            Err(Refused(e)) => self.refused = Some(e),
        }
    }

    /// The outcome: the operation's URL with the query and, last, the api_key (the spec's
    /// security scheme); or the first refusal as progenitor's `InvalidRequest` text, the
    /// [`ParamError`] itself going to the call's state.
    pub fn finish(mut self) -> Result<Url, String> {
        let refused = self.refused.take().or_else(|| {
            let (range, start, end) = (self.op.date_range?, self.start?, self.end?);
            (start > end).then(|| crate::spec::date_order_error(&range, start, end))
        });
        let url = match refused {
            None => self.url(),
            Some(e) => Err(e),
        };
        url.map_err(|e| {
            let text = e.to_string();
            crate::call::with_current(|call| call.refuse(e));
            text
        })
    }

    fn url(mut self) -> Result<Url, ParamError> {
        let base = self.client.baseurl();
        let mut url = match self.client.inner().endpoints.url(base, self.index) {
            Some(url) => url.clone(),
            None => Url::parse(&format!("{base}{}", self.op.path)).map_err(|e| ParamError {
                parameter: "base_url".into(),
                message: format!("{base:?} does not make a URL with {} ({e})", self.op.path),
            })?,
        };
        let key = self.client.inner().api_key.expose();
        pair(&mut self.query, API_KEY_PARAM, key);
        url.set_query(Some(&self.query));
        Ok(url)
    }
}

/// A date value (`Some(None)`: an absent optional date), or `None` for a value of another type.
fn as_date<T: Any>(value: &T) -> Option<Option<NaiveDate>> {
    let value: &dyn Any = value;
    if let Some(date) = value.downcast_ref::<NaiveDate>() {
        return Some(Some(*date));
    }
    value.downcast_ref::<Option<NaiveDate>>().copied()
}

/// Appends `name=value` to a query, the value form-urlencoded as `serde_urlencoded` would. The
/// name is the spec's, which `build.rs` holds to characters that need no encoding.
fn pair(query: &mut String, name: &str, value: &str) {
    debug_assert!(name.bytes().all(|b| UNCHANGED[usize::from(b)]), "{name}");
    if !query.is_empty() {
        query.push('&');
    }
    query.push_str(name);
    query.push('=');
    encode_into(query, value);
}

/// The bytes `form_urlencoded` leaves as they are.
const UNCHANGED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'*' | b'-' | b'.' | b'_');
        b += 1;
    }
    table
};

/// `form_urlencoded`'s encoding; text it leaves as it is (names, numbers, dates) is copied whole.
fn encode_into(url: &mut String, text: &str) {
    if text.bytes().all(|b| UNCHANGED[usize::from(b)]) {
        url.push_str(text);
    } else {
        url.extend(form_urlencoded::byte_serialize(text.as_bytes()));
    }
}

/// Appends `YYYY-MM-DD` of a date whose year is within 0..=9999.
fn push_date(query: &mut String, date: NaiveDate) {
    let (y, m, d) = (date.year() as u32, date.month(), date.day());
    let digit = |n: u32| b'0' + (n % 10) as u8;
    let text = [
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(d / 10),
        digit(d),
    ];
    // ASCII digits and dashes: always UTF-8.
    query.push_str(std::str::from_utf8(&text).unwrap_or_default());
}

/// A refusal, carried through serde's error type.
#[derive(Debug)]
struct Refused(ParamError);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Refused {}

impl ser::Error for Refused {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        Refused(ParamError {
            parameter: String::new(),
            message: msg.to_string(),
        })
    }
}

/// Serializes one value as a query writer would, checking it and appending it to the query.
/// `Ok(Some)` carries the value of a date parameter, for the date range.
struct Check<'q> {
    param: &'static ParamSpec,
    query: &'q mut String,
}

impl Check<'_> {
    fn text(self, value: &str) -> Checked {
        self.param.check(value).map_err(Refused)?;
        pair(self.query, self.param.name, value);
        Ok(match self.param.kind {
            ParamKind::Date => parse_date(value),
            _ => None,
        })
    }

    fn integer(self, value: i128) -> Checked {
        if let ParamKind::Integer { min, max } = self.param.kind {
            let in_range = min.is_none_or(|lo| value >= i128::from(lo))
                && max.is_none_or(|hi| value <= i128::from(hi));
            if in_range {
                pair(
                    self.query,
                    self.param.name,
                    itoa::Buffer::new().format(value),
                );
                return Ok(None);
            }
        }
        // Out of bounds, or not an integer parameter: the text check says what was expected.
        self.text(itoa::Buffer::new().format(value))
    }

    fn refusal(&self, what: &str) -> Refused {
        Refused(ParamError {
            parameter: self.param.name.to_string(),
            message: format!(
                "expected {}, got {what} (not a query value)",
                self.param.expected()
            ),
        })
    }

    fn refuse(self, what: &str) -> Checked {
        Err(self.refusal(what))
    }
}

/// Text of up to 64 bytes on the stack, more on the heap: what a `Display` value writes.
struct SmallText {
    buf: [u8; 64],
    len: usize,
    spilled: Option<String>,
}

impl fmt::Write for SmallText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if let Some(spilled) = &mut self.spilled {
            spilled.push_str(s);
        } else if self.len + s.len() <= self.buf.len() {
            self.buf[self.len..self.len + s.len()].copy_from_slice(s.as_bytes());
            self.len += s.len();
        } else {
            let mut spilled = String::with_capacity(self.len + s.len());
            spilled.push_str(std::str::from_utf8(&self.buf[..self.len]).map_err(|_| fmt::Error)?);
            spilled.push_str(s);
            self.spilled = Some(spilled);
        }
        Ok(())
    }
}

impl SmallText {
    fn as_str(&self) -> &str {
        match &self.spilled {
            Some(s) => s,
            // Only whole `&str`s were copied in.
            None => std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default(),
        }
    }
}

type Checked = Result<Option<NaiveDate>, Refused>;

impl ser::Serializer for Check<'_> {
    type Ok = Option<NaiveDate>;
    type Error = Refused;
    type SerializeSeq = ser::Impossible<Self::Ok, Refused>;
    type SerializeTuple = ser::Impossible<Self::Ok, Refused>;
    type SerializeTupleStruct = ser::Impossible<Self::Ok, Refused>;
    type SerializeTupleVariant = ser::Impossible<Self::Ok, Refused>;
    type SerializeMap = ser::Impossible<Self::Ok, Refused>;
    type SerializeStruct = ser::Impossible<Self::Ok, Refused>;
    type SerializeStructVariant = ser::Impossible<Self::Ok, Refused>;

    fn serialize_bool(self, v: bool) -> Checked {
        self.text(if v { "true" } else { "false" })
    }
    fn serialize_i8(self, v: i8) -> Checked {
        self.integer(v.into())
    }
    fn serialize_i16(self, v: i16) -> Checked {
        self.integer(v.into())
    }
    fn serialize_i32(self, v: i32) -> Checked {
        self.integer(v.into())
    }
    fn serialize_i64(self, v: i64) -> Checked {
        self.integer(v.into())
    }
    fn serialize_i128(self, v: i128) -> Checked {
        self.integer(v)
    }
    fn serialize_u8(self, v: u8) -> Checked {
        self.integer(v.into())
    }
    fn serialize_u16(self, v: u16) -> Checked {
        self.integer(v.into())
    }
    fn serialize_u32(self, v: u32) -> Checked {
        self.integer(v.into())
    }
    fn serialize_u64(self, v: u64) -> Checked {
        self.integer(v.into())
    }
    fn serialize_u128(self, v: u128) -> Checked {
        match i128::try_from(v) {
            Ok(v) => self.integer(v),
            Err(_) => self.text(&v.to_string()),
        }
    }
    fn serialize_f32(self, v: f32) -> Checked {
        self.text(&v.to_string())
    }
    fn serialize_f64(self, v: f64) -> Checked {
        self.text(&v.to_string())
    }
    fn serialize_char(self, v: char) -> Checked {
        self.text(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Checked {
        self.text(v)
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Checked {
        let mut text = SmallText {
            buf: [0; 64],
            len: 0,
            spilled: None,
        };
        write!(text, "{value}").map_err(|_| ser::Error::custom("a value could not be shown"))?;
        self.text(text.as_str())
    }
    fn serialize_bytes(self, _: &[u8]) -> Checked {
        self.refuse("bytes")
    }
    fn serialize_none(self) -> Checked {
        Ok(None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Checked {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Checked {
        self.refuse("nothing")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Checked {
        self.refuse("nothing")
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Checked {
        self.text(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Checked {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Checked {
        self.refuse("a structured value")
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Refused> {
        Err(self.refusal("a list"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Refused> {
        Err(self.refusal("a list"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Refused> {
        Err(self.refusal("a list"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Refused> {
        Err(self.refusal("a list"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Refused> {
        Err(self.refusal("a map"))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Refused> {
        Err(self.refusal("a structured value"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Refused> {
        Err(self.refusal("a structured value"))
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::SmallText;

    #[test]
    fn small_text_keeps_every_byte_on_the_stack_and_past_it() {
        for len in [0, 1, 63, 64, 65, 200] {
            let mut text = SmallText {
                buf: [0; 64],
                len: 0,
                spilled: None,
            };
            let want: String = (0..len)
                .map(|i| char::from(b'a' + (i % 26) as u8))
                .collect();
            // Written in pieces, as a `Display` does: the spill happens mid-way.
            for piece in want.as_bytes().chunks(7) {
                text.write_str(std::str::from_utf8(piece).unwrap()).unwrap();
            }
            assert_eq!(text.as_str(), want, "{len} bytes");
            assert_eq!(text.spilled.is_some(), len > 64, "{len} bytes");
        }
    }
}
