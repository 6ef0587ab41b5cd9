//! `ApiKey`: the CAKE api_key, a secret that never prints.
//!
//! CAKE takes the key in the query string, so it is in every request URL. This module holds it
//! and knows how to take it back out of a URL before anything is shown: its `Debug` and
//! `Display` print `***`, and [`redact_url`] replaces its value in any URL text.

use std::fmt;

/// The name of the query parameter that carries the key (the spec's security scheme).
pub const API_KEY_PARAM: &str = "api_key";

/// A CAKE API key. Printing it (`{}` or `{:?}`) shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key itself, to put on the wire. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for ApiKey {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for ApiKey {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A copy of `url` with the value of every `api_key` query parameter replaced by `***`.
pub fn redact_url(url: &url::Url) -> url::Url {
    if !url.query_pairs().any(|(k, _)| k == API_KEY_PARAM) {
        return url.clone();
    }
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == API_KEY_PARAM {
                "***".to_string()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    let mut out = url.clone();
    out.query_pairs_mut().clear().extend_pairs(pairs);
    out
}

/// `text` with every occurrence of the key replaced by `***` (for bodies and messages that might
/// echo it back).
pub fn redact_text(text: &str, key: &ApiKey) -> String {
    if key.0.is_empty() {
        return text.to_string();
    }
    let mut out = text.replace(&key.0, "***");
    // The key may also appear percent-encoded.
    let encoded: String = url::form_urlencoded::byte_serialize(key.0.as_bytes()).collect();
    if encoded != key.0 {
        out = out.replace(&encoded, "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_key() {
        let k = ApiKey::new("s3cr3t-key");
        assert_eq!(format!("{k:?}"), "ApiKey(***)");
        assert_eq!(format!("{k}"), "***");
    }

    #[test]
    fn redact_url_replaces_only_the_key() {
        let u = url::Url::parse("http://h/api?start_date=2026-01-01&api_key=s3cr3t&row_limit=5")
            .unwrap();
        let r = redact_url(&u).to_string();
        assert!(!r.contains("s3cr3t"), "{r}");
        assert!(
            r.contains("start_date=2026-01-01")
                && r.contains("row_limit=5")
                && r.contains("api_key=***"),
            "{r}"
        );
    }

    #[test]
    fn redact_text_catches_raw_and_encoded_forms() {
        let k = ApiKey::new("a b+c");
        assert_eq!(redact_text("x a b+c y a+b%2Bc z", &k), "x *** y *** z");
    }
}
