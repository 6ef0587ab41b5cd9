//! What `cargo xtask spec-diff` says of each change and how it prints it: every change with its
//! standing (below the gate; named in CHANGELOG.md; waived; or unaccounted for, which fails the
//! gate), in the format a reader wants: `text` for a terminal, `markdown` for a pull-request
//! comment or to paste into CHANGELOG.md, `json` for tools, `junit` for CI systems (one test case
//! per change, a failure for each unaccounted one).

use std::fmt::Write as _;

use serde::Deserialize;

use crate::spec_diff::{Change, Level};

/// Where a change stands against the gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Below the level the gate fails on.
    Below,
    /// The version's CHANGELOG section names its identity.
    Named,
    /// A waiver accepts it, for this reason.
    Waived(String),
    /// At or above the gate, and neither named nor waived: the gate fails.
    Unaccounted,
}

/// A change and where it stands.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The change.
    pub change: Change,
    /// Where it stands.
    pub standing: Standing,
}

/// One accepted change (`spec/waivers.yaml`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The change's identity, as spec-diff prints it.
    pub change: String,
    /// Why it is accepted.
    pub reason: String,
}

/// The waivers in `text` (YAML: a list of `change` and `reason`).
pub fn waivers(text: &str) -> Result<Vec<Waiver>, String> {
    let list: Option<Vec<Waiver>> =
        serde_yaml_ng::from_str(text).map_err(|e| format!("spec/waivers.yaml: {e}"))?;
    let list = list.unwrap_or_default();
    if let Some(w) = list.iter().find(|w| w.reason.trim().is_empty()) {
        return Err(format!("spec/waivers.yaml: {} has no reason", w.change));
    }
    Ok(list)
}

/// Where each change stands: against `fail_on`, the CHANGELOG `section` of the version, and the
/// waivers.
pub fn standings(
    changes: Vec<Change>,
    fail_on: Level,
    section: Option<&str>,
    waivers: &[Waiver],
) -> Vec<Entry> {
    changes
        .into_iter()
        .map(|change| {
            let identity = change.identity();
            let standing = if change.level() > fail_on {
                Standing::Below
            } else if let Some(w) = waivers.iter().find(|w| w.change == identity) {
                Standing::Waived(w.reason.clone())
            } else if section.is_some_and(|s| s.contains(&identity)) {
                Standing::Named
            } else {
                Standing::Unaccounted
            };
            Entry { change, standing }
        })
        .collect()
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One line a change and a summary.
    Text,
    /// A table, for a pull-request comment or CHANGELOG.md.
    Markdown,
    /// An array of objects.
    Json,
    /// JUnit XML.
    Junit,
}

impl Format {
    /// The format named `text`.
    pub fn parse(text: &str) -> Option<Format> {
        match text {
            "text" => Some(Format::Text),
            "markdown" => Some(Format::Markdown),
            "json" => Some(Format::Json),
            "junit" => Some(Format::Junit),
            _ => None,
        }
    }
}

fn standing_text(s: &Standing) -> String {
    match s {
        Standing::Below => String::new(),
        Standing::Named => "named in CHANGELOG.md".into(),
        Standing::Waived(reason) => format!("waived: {reason}"),
        Standing::Unaccounted => "not in CHANGELOG.md nor waived".into(),
    }
}

/// The report of `entries` (the changes against `base`) in `format`.
pub fn render(entries: &[Entry], base: &str, format: Format) -> String {
    let count = |level: Level| entries.iter().filter(|e| e.change.level() == level).count();
    let summary = format!(
        "spec/cake.yaml against {base}: {} breaking, {} warning, {} info",
        count(Level::Breaking),
        count(Level::Warning),
        count(Level::Info)
    );
    let mut out = String::new();
    match format {
        Format::Text => {
            for e in entries {
                let _ = write!(out, "{}", e.change);
                let standing = standing_text(&e.standing);
                if !standing.is_empty() {
                    let _ = write!(out, "  [{standing}]");
                }
                out.push('\n');
            }
            out.push_str(&summary);
            out.push('\n');
        }
        Format::Markdown => {
            let _ = writeln!(out, "### Spec changes against `{base}`\n");
            if entries.is_empty() {
                out.push_str("No change to what SDK users get.\n");
            } else {
                out.push_str("| level | change | detail | gate |\n|---|---|---|---|\n");
                for e in entries {
                    let cell = |t: &str| t.replace('|', "\\|");
                    let _ = writeln!(
                        out,
                        "| {} | `{}` | {} | {} |",
                        e.change.level(),
                        cell(&e.change.identity()),
                        cell(&e.change.detail),
                        cell(&standing_text(&e.standing))
                    );
                }
            }
            let _ = writeln!(out, "\n{summary}");
        }
        Format::Json => {
            let list: Vec<serde_json::Value> = entries
                .iter()
                .map(|e| {
                    serde_json::json!({
                        "level": e.change.level().to_string(),
                        "rule": e.change.rule.says(),
                        "place": e.change.place,
                        "identity": e.change.identity(),
                        "detail": e.change.detail,
                        "standing": match &e.standing {
                            Standing::Below => "below",
                            Standing::Named => "named",
                            Standing::Waived(_) => "waived",
                            Standing::Unaccounted => "unaccounted",
                        },
                    })
                })
                .collect();
            out = serde_json::to_string_pretty(&list).unwrap_or_default();
            out.push('\n');
        }
        Format::Junit => {
            let failures = entries
                .iter()
                .filter(|e| e.standing == Standing::Unaccounted)
                .count();
            let _ = writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
            let _ = writeln!(
                out,
                r#"<testsuites name="spec-diff" tests="{}" failures="{failures}" errors="0">"#,
                entries.len()
            );
            let _ = writeln!(
                out,
                r#"  <testsuite name="spec-diff against {}" tests="{}" failures="{failures}" errors="0" skipped="0">"#,
                xml(base),
                entries.len()
            );
            for e in entries {
                let _ = write!(
                    out,
                    r#"    <testcase classname="spec-diff.{}" name="{}""#,
                    e.change.level(),
                    xml(&e.change.identity())
                );
                match &e.standing {
                    Standing::Unaccounted => {
                        let _ = writeln!(
                            out,
                            ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                            xml(&format!(
                                "{} change not named in CHANGELOG.md nor waived",
                                e.change.level()
                            )),
                            xml(e.change.rule.says()),
                            xml(&detail_and_why(&e.change))
                        );
                    }
                    other => {
                        let said = standing_text(other);
                        if said.is_empty() {
                            out.push_str("/>\n");
                        } else {
                            let _ = writeln!(
                                out,
                                ">\n      <system-out>{}</system-out>\n    </testcase>",
                                xml(&said)
                            );
                        }
                    }
                }
            }
            out.push_str("  </testsuite>\n</testsuites>\n");
        }
    }
    out
}

/// Text as XML character data or an attribute value.
/// What a failed JUnit case says: the change's detail, when it has one, then why it matters.
fn detail_and_why(change: &Change) -> String {
    if change.detail.is_empty() {
        change.rule.why().to_string()
    } else {
        format!("{}: {}", change.detail, change.rule.why())
    }
}

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use quick_xml::{events::Event, Reader};

    use super::*;
    use crate::spec_diff::Rule;

    fn entries() -> Vec<Entry> {
        let change = |rule, place: &str, detail: &str| Change {
            rule,
            place: place.into(),
            detail: detail.into(),
        };
        standings(
            vec![
                change(Rule::ParameterMadeRequired, "get_offer_report.offer_id", ""),
                change(
                    Rule::RequestBoundNarrowed,
                    "get_click.row_limit",
                    "maximum 10000 became 50 <&\">",
                ),
                change(
                    Rule::ParameterDeprecated,
                    "get_click.click_id",
                    "sunset 2027-06-30",
                ),
                change(Rule::OperationAdded, "operation ping", "GET /ping.json"),
            ],
            Level::Warning,
            Some("- `get_click.click_id: parameter deprecated`, to go on 2027-06-30"),
            &[Waiver {
                change: "get_click.row_limit: request bound narrowed".into(),
                reason: "no CAKE answers more than 50".into(),
            }],
        )
    }

    #[test]
    fn each_change_stands_against_the_gate_the_changelog_and_the_waivers() {
        let standings: Vec<Standing> = entries().into_iter().map(|e| e.standing).collect();
        assert_eq!(
            standings,
            [
                Standing::Unaccounted,
                Standing::Waived("no CAKE answers more than 50".into()),
                Standing::Named,
                Standing::Below,
            ]
        );
    }

    /// The JUnit report is well-formed XML with what the common JUnit schema requires: a
    /// `testsuite` with `name`, `tests` and `failures`, a `testcase` with `name` and `classname`
    /// per change, and a `failure` with a `message` for each unaccounted one.
    #[test]
    fn the_junit_report_is_junit_xml() {
        let xml = render(&entries(), "HEAD~1", Format::Junit);
        let mut reader = Reader::from_str(&xml);
        let (mut cases, mut failures, mut suites) = (0, 0, 0);
        let mut stack: Vec<String> = Vec::new();
        loop {
            let (element, empty) =
                match reader.read_event().unwrap_or_else(|e| panic!("{e}: {xml}")) {
                    Event::Start(e) => (e.into_owned(), false),
                    Event::Empty(e) => (e.into_owned(), true),
                    Event::End(_) => {
                        stack.pop();
                        continue;
                    }
                    Event::Eof => break,
                    _ => continue,
                };
            let name = String::from_utf8(element.name().as_ref().to_vec()).unwrap();
            let attrs: Vec<String> = element
                .attributes()
                .map(|a| String::from_utf8(a.unwrap().key.as_ref().to_vec()).unwrap())
                .collect();
            let (needs, parent): (&[&str], Option<&str>) = match name.as_str() {
                "testsuites" => (&[], None),
                "testsuite" => (&["name", "tests", "failures"], Some("testsuites")),
                "testcase" => (&["name", "classname"], Some("testsuite")),
                "failure" => (&["message"], Some("testcase")),
                "system-out" => (&[], Some("testcase")),
                other => panic!("unexpected element {other}: {xml}"),
            };
            for n in needs {
                assert!(attrs.iter().any(|a| a == n), "{name} lacks {n}: {xml}");
            }
            assert_eq!(
                stack.last().map(String::as_str),
                parent,
                "{name}'s parent: {xml}"
            );
            match name.as_str() {
                "testsuite" => suites += 1,
                "testcase" => cases += 1,
                "failure" => failures += 1,
                _ => {}
            }
            if !empty {
                stack.push(name);
            }
        }
        assert!(stack.is_empty(), "unclosed {stack:?}: {xml}");
        assert_eq!((suites, cases, failures), (1, 4, 1), "{xml}");
        assert!(xml.contains(r#"failures="1""#));
        // A change without detail says why it matters, and nothing before it.
        assert!(
            xml.contains(r#"type="parameter made required">A call without it is now refused before sending.</failure>"#),
            "{xml}"
        );
        assert!(
            xml.contains("waived: no CAKE answers more than 50"),
            "{xml}"
        );
    }

    #[test]
    fn text_markdown_and_json_say_the_same() {
        let e = entries();
        let text = render(&e, "HEAD~1", Format::Text);
        assert!(text.contains("breaking  get_offer_report.offer_id: parameter made required  [not in CHANGELOG.md nor waived]"), "{text}");
        assert!(
            text.ends_with("spec/cake.yaml against HEAD~1: 2 breaking, 1 warning, 1 info\n"),
            "{text}"
        );
        let md = render(&e, "HEAD~1", Format::Markdown);
        assert!(md.contains("| breaking | `get_offer_report.offer_id: parameter made required` |  | not in CHANGELOG.md nor waived |"), "{md}");
        let json: serde_json::Value =
            serde_json::from_str(&render(&e, "HEAD~1", Format::Json)).unwrap();
        assert_eq!(json[1]["standing"], "waived");
        assert_eq!(
            json[1]["identity"],
            "get_click.row_limit: request bound narrowed"
        );
    }

    #[test]
    fn a_waiver_needs_a_reason() {
        assert_eq!(waivers("[]").unwrap(), vec![]);
        assert_eq!(waivers("").unwrap(), vec![]);
        assert!(waivers("- change: \"a: parameter removed\"\n  reason: \"\"\n").is_err());
        assert!(waivers("- change: x\n  reson: y\n").is_err());
    }
}
