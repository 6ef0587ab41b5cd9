//! `ApiKey`: the CAKE api_key, a secret that never prints.
//!
//! CAKE takes the key in the query string, so it is in every request URL. This module holds it
//! and knows how to take it back out before anything is shown: its `Debug` and `Display` print
//! `***`; [`redact_url`] replaces the value of the query parameter the spec's security scheme
//! names, by the URL's structure, whatever the key looks like; [`redact_text`] replaces the key
//! in free text (a body or message that echoes it) only where that cannot garble ordinary words.

use std::fmt;

/// The name of the query parameter that carries the key, read from the spec's security scheme.
pub use crate::spec::API_KEY_PARAM;

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

/// Keys at least this long are replaced wherever they occur, even inside a longer word (a
/// server may glue the key to other text): a run of eight of the key's characters is not
/// ordinary text. Shorter keys are replaced only where they stand alone.
const ALWAYS_REDACTED_LEN: usize = 8;

/// `text` with the key replaced by `***` wherever it is shown as a value (for bodies and messages
/// that might echo it back), raw or percent-encoded, and nowhere it would garble ordinary text:
/// a key of 8 characters or more is replaced wherever it occurs; a shorter one only where it
/// stands alone, not inside a longer run of letters, digits, `-` or `_` (with the key `k`,
/// "unknown variant" stays as it is, and "api_key=k" becomes "api_key=***").
pub fn redact_text(text: &str, key: &ApiKey) -> String {
    let key = key.0.as_str();
    if key.is_empty() {
        return text.to_string();
    }
    let mut out = replace_key(text, key);
    // The key may also appear percent-encoded.
    let encoded: String = url::form_urlencoded::byte_serialize(key.as_bytes()).collect();
    if encoded != key {
        out = replace_key(&out, &encoded);
    }
    out
}

fn replace_key(text: &str, key: &str) -> String {
    let is_word = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    let anywhere = key.chars().count() >= ALWAYS_REDACTED_LEN;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut before: Option<char> = None;
    while let Some(at) = rest.find(key) {
        let (head, tail) = rest.split_at(at);
        let after = tail[key.len()..].chars().next();
        let prev = head.chars().next_back().or(before);
        let alone = !prev.is_some_and(is_word) && !after.is_some_and(is_word);
        out.push_str(head);
        if anywhere || alone {
            out.push_str("***");
        } else {
            out.push_str(key);
        }
        before = key.chars().next_back();
        rest = &tail[key.len()..];
    }
    out.push_str(rest);
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
    fn a_url_whose_only_parameter_is_the_key_loses_it_and_one_without_stays_whole() {
        let bare = url::Url::parse("http://h/api/2/click.json?api_key=s3cr3t").unwrap();
        assert_eq!(
            redact_url(&bare).as_str(),
            "http://h/api/2/click.json?api_key=***"
        );
        let keyless = url::Url::parse("http://h/api/2/click.json?offer_id=1&x=%20").unwrap();
        assert_eq!(redact_url(&keyless), keyless);
    }

    #[test]
    fn redact_text_catches_raw_and_encoded_forms() {
        let k = ApiKey::new("a b+c");
        assert_eq!(redact_text("x a b+c y a+b%2Bc z", &k), "x *** y *** z");
    }

    #[test]
    fn a_short_key_is_redacted_where_it_stands_alone_and_never_garbles_words() {
        let k = ApiKey::new("k");
        assert_eq!(
            redact_text("unknown variant `kk`, expected one of `k`", &k),
            "unknown variant `kk`, expected one of `***`"
        );
        assert_eq!(
            redact_text("api_key=k&row_limit=5", &k),
            "api_key=***&row_limit=5"
        );
        assert_eq!(redact_text("k", &k), "***");
        assert_eq!(redact_text("k k", &k), "*** ***");
        let k = ApiKey::new("abc123");
        assert_eq!(
            redact_text("key abc123, not abc1234 or xabc123", &k),
            "key ***, not abc1234 or xabc123"
        );
        // `-` and `_` join words as letters do: a key inside `a-k` or `k_b` is part of a word.
        let k = ApiKey::new("k");
        assert_eq!(
            redact_text("a-k k_b a_k k-b (k)", &k),
            "a-k k_b a_k k-b (***)"
        );
    }

    #[test]
    fn a_long_key_is_redacted_wherever_it_occurs() {
        let k = ApiKey::new("k3y-4f9a");
        assert_eq!(redact_text("xk3y-4f9ay and k3y-4f9a", &k), "x***y and ***");
    }

    #[test]
    fn the_url_loses_the_key_by_its_parameter_whatever_the_key() {
        for key in ["k", "a", "api", "2026", "=&"] {
            let mut u =
                url::Url::parse("http://h/api/2/report/offer.json?start_date=2026-01-01").unwrap();
            u.query_pairs_mut().append_pair(API_KEY_PARAM, key);
            let r = redact_url(&u).to_string();
            assert_eq!(
                r, "http://h/api/2/report/offer.json?start_date=2026-01-01&api_key=***",
                "key {key:?}"
            );
        }
    }
}
