//! Holds a request's typed values against the spec, and writes the request: its URL (query and
//! api_key, and any path parameter), its headers, and whether it may be sent more than once.
//!
//! Every generated builder writes its values here (`Request::write`: one [`Sending::param`] per
//! parameter, by its place in the spec's table), and the call (`crate::call`) sends what
//! [`Sending::finish`] returns:
//!
//! - each value is checked in the form it goes on the wire (through `serde`, as a query writer
//!   sees it) with [`ParamSpec::check`]'s rules, a required one must be there, and the
//!   operation's date range is checked on the typed dates. Nothing is read back out of a URL;
//! - each present query value is appended to the query, form-urlencoded as `serde_urlencoded`
//!   would, and the api_key last; the query is set on a copy of the operation's URL, which the
//!   client parsed once when it was built (`runtime::Endpoints`), so no URL text is parsed per
//!   call (an operation with path parameters has its path filled and parsed per call). The key is
//!   only ever written into the URL here, and the URL is only ever shown redacted
//!   (`crate::secret`).
//!
//! A refusal is a [`ParamError`] naming the parameter. The common values cost no formatting
//! machinery: integers are compared with their bounds as numbers and written with `itoa`, dates
//! are written from their digits.

use std::{
    any::Any,
    fmt::{self, Write as _},
};

use chrono::{Datelike, NaiveDate};
use reqwest::header::{HeaderName, HeaderValue};
use serde::{ser, Serialize};
use url::Url;

use crate::{
    spec::{operations, Location, OperationSpec, ParamError, ParamKind, ParamSpec},
    Client, Money,
};

/// A builder's value of one parameter: not set, set, or given as something that does not
/// convert into the parameter's type (refused when the request is sent, naming the parameter).
#[derive(Debug, Clone, Default)]
pub enum Slot<T> {
    /// Not set.
    #[default]
    Unset,
    /// Set.
    Set(T),
    /// Given, but it did not convert (a `u64` too large for a `u32` parameter, say).
    Unconvertible,
}

impl<T> Slot<T> {
    /// The slot of a value given to a setter.
    pub fn from_try<V: TryInto<T>>(value: V) -> Self {
        match value.try_into() {
            Ok(value) => Slot::Set(value),
            Err(_) => Slot::Unconvertible,
        }
    }
}

/// A request ready to send: its URL (with the api_key), its headers, and whether it may be sent
/// more than once.
#[derive(Debug)]
pub struct Prepared {
    /// The URL, query and api_key included: show it only through `crate::secret::redact_url`.
    pub url: Url,
    /// The header parameters.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Whether the request may be repeated: always, unless the operation creates data and its
    /// idempotency key is not given.
    pub repeatable: bool,
}

/// One request's values and its URL (see the module's header).
pub struct Sending<'c> {
    client: &'c Client,
    /// The operation's place in the spec's table (and the client's URLs).
    index: usize,
    op: &'static OperationSpec,
    /// The query, form-urlencoded, without its `?`.
    query: String,
    /// Header and path parameters: the parameter and its text.
    others: Vec<(&'static ParamSpec, String)>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    /// The idempotency key was given, not empty.
    keyed: bool,
    refused: Option<ParamError>,
}

impl<'c> Sending<'c> {
    /// The values of operation `index` of the spec's table, to be sent by `client`.
    pub fn new(index: usize, client: &'c Client) -> Self {
        Self {
            client,
            index,
            op: &operations()[index],
            query: String::with_capacity(160),
            others: Vec::new(),
            start: None,
            end: None,
            keyed: false,
            refused: None,
        }
    }

    /// Checks the value of parameter `index` of the operation and writes it.
    pub fn param<T: Serialize + Any>(&mut self, index: usize, slot: &Slot<T>) {
        if self.refused.is_some() {
            return;
        }
        let param = &self.op.params[index];
        let value = match slot {
            Slot::Set(value) => value,
            Slot::Unset if param.required => {
                self.refused = Some(ParamError {
                    parameter: param.name.to_string(),
                    message: format!("is required: expected {}", param.expected()),
                });
                return;
            }
            Slot::Unset => return,
            Slot::Unconvertible => {
                self.refused = Some(ParamError {
                    parameter: param.name.to_string(),
                    message: format!(
                        "expected {}; the value given does not fit",
                        param.expected()
                    ),
                });
                return;
            }
        };
        let fast = as_fast(value);
        let mut written = Written::default();
        let outcome = match (param.location, &fast) {
            // A date is the one common value whose `Display` (chrono's) is slow: written from
            // its digits, for the years `YYYY` can show; any other goes through serde.
            (Location::Query, Some(Fast::Date(date)))
                if (0..=9999).contains(&date.year()) && matches!(param.kind, ParamKind::Date) =>
            {
                pair(&mut self.query, param.name, "");
                push_date(&mut self.query, *date);
                Ok(())
            }
            (_, Some(Fast::Money(money))) => {
                let mut buffer = [0u8; crate::money::json::DIGITS_MAX];
                let digits = crate::money::json::write_digits(&money.amount(), &mut buffer);
                Check {
                    param,
                    target: Target::new(&mut self.query, &mut self.others, &mut written),
                }
                .text(digits)
            }
            _ => value.serialize(Check {
                param,
                target: Target::new(&mut self.query, &mut self.others, &mut written),
            }),
        };
        if let Err(Refused(e)) = outcome {
            self.refused = Some(e);
            return;
        }
        if self.op.idempotency_key == Some(param.name) {
            self.keyed = !written.empty;
        }
        // The date range is held on the typed dates.
        if let (Some(Fast::Date(date)), Some(range)) = (fast, &self.op.date_range) {
            if param.name == range.start {
                self.start = Some(date);
            } else if param.name == range.end {
                self.end = Some(date);
            }
        }
    }

    /// The request to send (the URL with the query and, last, the api_key: the spec's security
    /// scheme), or the first refusal.
    pub fn finish(mut self) -> Result<Prepared, ParamError> {
        if let Some(refused) = self.refused.take() {
            return Err(refused);
        }
        if let (Some(range), Some(start), Some(end)) = (self.op.date_range, self.start, self.end) {
            if start > end {
                return Err(crate::spec::date_order_error(&range, start, end));
            }
        }
        let repeatable = !self.op.creates_data || (self.op.idempotency_key.is_some() && self.keyed);
        let mut headers = Vec::new();
        let mut path_values = Vec::new();
        for (param, text) in std::mem::take(&mut self.others) {
            match param.location {
                Location::Header => {
                    let value = HeaderValue::from_str(&text).map_err(|_| ParamError {
                        parameter: param.name.to_string(),
                        message: "is not a valid header value (visible ASCII only)".into(),
                    })?;
                    // The generator holds header names to HTTP tokens.
                    let name =
                        HeaderName::from_bytes(param.name.as_bytes()).map_err(|_| ParamError {
                            parameter: param.name.to_string(),
                            message: "is not a valid header name".into(),
                        })?;
                    headers.push((name, value));
                }
                _ => path_values.push((param.name, text)),
            }
        }
        let url = self.url(&path_values)?;
        Ok(Prepared {
            url,
            headers,
            repeatable,
        })
    }

    fn url(mut self, path_values: &[(&str, String)]) -> Result<Url, ParamError> {
        let base = self.client.base_url();
        let mut url = match self.client.state().endpoints.url(self.index) {
            Some(url) => url.clone(),
            None => {
                let mut path = self.op.path.to_string();
                for (name, value) in path_values {
                    path = path.replace(&format!("{{{name}}}"), &encode_path_segment(value));
                }
                Url::parse(&format!("{base}{path}")).map_err(|e| ParamError {
                    parameter: "base_url".into(),
                    message: format!("{base:?} does not make a URL with {path} ({e})"),
                })?
            }
        };
        let key = self.client.state().api_key.expose();
        pair(&mut self.query, crate::spec::API_KEY_PARAM, key);
        url.set_query(Some(&self.query));
        Ok(url)
    }
}

/// The values written from their own digits rather than through serde.
enum Fast {
    Date(NaiveDate),
    Money(Money),
}

fn as_fast<T: Any>(value: &T) -> Option<Fast> {
    let value: &dyn Any = value;
    if let Some(date) = value.downcast_ref::<NaiveDate>() {
        return Some(Fast::Date(*date));
    }
    value.downcast_ref::<Money>().map(|m| Fast::Money(*m))
}

/// `text` as one path segment: every byte but the unreserved ones percent-encoded.
fn encode_path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Where a checked value's text goes.
struct Target<'t> {
    query: &'t mut String,
    others: &'t mut Vec<(&'static ParamSpec, String)>,
    written: &'t mut Written,
}

impl<'t> Target<'t> {
    fn new(
        query: &'t mut String,
        others: &'t mut Vec<(&'static ParamSpec, String)>,
        written: &'t mut Written,
    ) -> Self {
        Self {
            query,
            others,
            written,
        }
    }

    fn put(&mut self, param: &'static ParamSpec, value: &str) {
        self.written.empty = value.is_empty();
        match param.location {
            Location::Query => pair(self.query, param.name, value),
            Location::Header | Location::Path => self.others.push((param, value.to_string())),
        }
    }
}

/// What was written of a value.
#[derive(Default)]
struct Written {
    empty: bool,
}

/// Appends `name=value` to a query, both form-urlencoded as `serde_urlencoded` would.
fn pair(query: &mut String, name: &str, value: &str) {
    if !query.is_empty() {
        query.push('&');
    }
    encode_into(query, name);
    query.push('=');
    encode_into(query, value);
}

/// Whether `form_urlencoded` leaves the byte as it is.
#[inline]
fn unchanged(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_')
}

/// `form_urlencoded`'s encoding; text it leaves as it is (names, numbers, dates) is copied whole.
fn encode_into(url: &mut String, text: &str) {
    if text.bytes().all(unchanged) {
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

/// Serializes one value as a query writer would, checking it and writing it where it goes.
struct Check<'q> {
    param: &'static ParamSpec,
    target: Target<'q>,
}

impl Check<'_> {
    fn text(mut self, value: &str) -> Checked {
        self.param.check(value).map_err(Refused)?;
        self.target.put(self.param, value);
        Ok(())
    }

    fn integer(mut self, value: i128) -> Checked {
        if let ParamKind::Integer { min, max } = self.param.kind {
            let in_range = min.is_none_or(|lo| value >= i128::from(lo))
                && max.is_none_or(|hi| value <= i128::from(hi));
            if in_range {
                self.target
                    .put(self.param, itoa::Buffer::new().format(value));
                return Ok(());
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

type Checked = Result<(), Refused>;

impl ser::Serializer for Check<'_> {
    type Ok = ();
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
        Ok(())
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
