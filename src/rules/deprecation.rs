//! Family `deprecation`: once the version the document describes is deprecated (capability
//! `deprecated-version`; its prefix is the document's base path) every response under it
//! carries `Deprecation` (`true` or RFC 9745 `@epoch`, C47), a `Sunset` HTTP-date in the
//! future (weekday mismatch only noted) and `Warning: 299 - "…"` naming the date; the agents
//! guide and the OpenAPI document state the timeline; the sunset is at least 12 months after
//! the successor's GA (`[deprecation] ga_date`).

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use futures_util::FutureExt;
use serde_json::Value;

use super::auth::protected_list;
use super::proto::{seen, what};
use super::{Findings, Outcome, Rule};
use crate::client::{Exchange, Req};
use crate::run::Ctx;
use crate::spec::ApiModel;

const DEP: &[&str] = &["deprecated-version"];

pub const RULES: &[Rule] = &[
    Rule {
        needs: &["deprecated-version", "ga-date"],
        ..Rule::probe("deprecation.supported-12-months-after-ga", &[], |c| {
            twelve_months(c).boxed()
        })
    },
    Rule {
        needs: DEP,
        ..Rule::observer_all("deprecation.deprecation-header", deprecation_header)
    },
    Rule {
        needs: DEP,
        ..Rule::observer_all("deprecation.sunset-header", sunset_header)
    },
    Rule {
        needs: DEP,
        ..Rule::observer_all("deprecation.warning-299-header", warning_header)
    },
    Rule::probe("deprecation.timeline-in-agents-and-openapi", DEP, |c| {
        timeline(c).boxed()
    }),
];

/// A parsed Sunset value: the date, and whether its weekday was wrong.
#[derive(Debug, Clone, Copy)]
pub struct Sunset {
    pub when: chrono::DateTime<chrono::Utc>,
    pub weekday_wrong: bool,
    pub date_only: bool,
}

/// Parses an HTTP-date leniently (C47): IMF-fixdate, with a wrong weekday noted, or a date
/// without a time.
pub fn parse_sunset(v: &str) -> Option<Sunset> {
    let v = v.trim();
    if let Ok(t) = httpdate::parse_http_date(v) {
        return Some(Sunset {
            when: t.into(),
            weekday_wrong: false,
            date_only: false,
        });
    }
    let (weekday, rest) = match v.split_once(',') {
        Some((w, r)) => (Some(w.trim()), r.trim()),
        None => (None, v),
    };
    let (when, date_only) =
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(rest, "%d %b %Y %H:%M:%S GMT") {
            (t.and_utc(), false)
        } else {
            let d = NaiveDate::parse_from_str(rest, "%d %b %Y").ok()?;
            (d.and_hms_opt(0, 0, 0)?.and_utc(), true)
        };
    let weekday_wrong =
        weekday.is_some_and(|w| !w.eq_ignore_ascii_case(&when.weekday().to_string()[..3]));
    Some(Sunset {
        when,
        weekday_wrong,
        date_only,
    })
}

/// Ways a text may name the sunset date: ISO, RFC 1123 day, "March 1, 2028", "1 March 2028".
fn date_forms(d: NaiveDate) -> Vec<String> {
    vec![
        d.format("%Y-%m-%d").to_string(),
        d.format("%d %b %Y").to_string(),
        d.format("%-d %B %Y").to_string(),
        d.format("%B %-d, %Y").to_string(),
        d.format("%-d %b %Y").to_string(),
        d.format("%b %-d, %Y").to_string(),
    ]
}

fn mentions_date(text: &str, d: NaiveDate) -> bool {
    let lower = text.to_ascii_lowercase();
    date_forms(d)
        .iter()
        .any(|f| lower.contains(&f.to_ascii_lowercase()))
}

fn under_prefix<'a>(model: &ApiModel, exchanges: &'a [Arc<Exchange>]) -> Vec<&'a Arc<Exchange>> {
    let p = &model.base_path;
    exchanges
        .iter()
        .filter(|e| e.response.is_some() && e.path().starts_with(p.as_str()))
        .filter(|e| !https_upgrade(e))
        .collect()
}

/// A plain-HTTP request redirected to HTTPS: the transport's answer, not the API's.
fn https_upgrade(ex: &Exchange) -> bool {
    ex.request.url.starts_with("http://")
        && ex.status().is_some_and(|s| (300..400).contains(&s))
        && ex
            .header("location")
            .is_some_and(|l| l.starts_with("https://"))
}

fn deprecation_header(model: &ApiModel, exchanges: &[Arc<Exchange>]) -> Outcome {
    let mut f = Findings::default();
    let epoch = regex::Regex::new(r"^@-?\d+$").expect("static regex");
    let mut saw_epoch = false;
    for ex in under_prefix(model, exchanges) {
        let v = ex.header("deprecation").map(str::trim);
        let ok = v.is_some_and(|v| v.eq_ignore_ascii_case("true") || epoch.is_match(v));
        saw_epoch |= v.is_some_and(|v| epoch.is_match(v));
        if ok {
            f.checked += 1;
        } else if f.items.len() < 10 {
            f.fail(
                format!(
                    "{} → {}: expected Deprecation: true (or @<epoch>), got {v:?}",
                    what(ex),
                    ex.status().unwrap_or(0)
                ),
                &[ex],
            );
        }
    }
    if saw_epoch {
        f.note("C47: the RFC 9745 @epoch form was accepted");
    }
    f.outcome("no response under the deprecated prefix was observed")
}

fn sunset_header(model: &ApiModel, exchanges: &[Arc<Exchange>]) -> Outcome {
    let mut f = Findings::default();
    let now = chrono::Utc::now();
    let mut weekday = None;
    for ex in under_prefix(model, exchanges) {
        let v = ex.header("sunset");
        let parsed = v.and_then(parse_sunset);
        let problem = match (v, parsed) {
            (None, _) => Some("a Sunset header, got none".to_string()),
            (Some(v), None) => Some(format!("Sunset as an HTTP-date, got '{v}'")),
            (Some(v), Some(s)) if s.when <= now => {
                Some(format!("a Sunset date in the future, got '{v}'"))
            }
            (Some(v), Some(s)) => {
                if s.weekday_wrong || s.date_only {
                    weekday = Some(v.to_string());
                }
                None
            }
        };
        match problem {
            None => f.checked += 1,
            Some(p) if f.items.len() < 10 => {
                f.fail(
                    format!("{} → {}: expected {p}", what(ex), ex.status().unwrap_or(0)),
                    &[ex],
                );
            }
            Some(_) => f.checked += 1,
        }
    }
    if let Some(v) = weekday {
        f.note(format!(
            "C47: Sunset '{v}' is not a strict IMF-fixdate (wrong weekday or no time); accepted"
        ));
    }
    f.outcome("no response under the deprecated prefix was observed")
}

fn warning_header(model: &ApiModel, exchanges: &[Arc<Exchange>]) -> Outcome {
    let mut f = Findings::default();
    let re = regex::Regex::new(r#"^299 - ".*"$"#).expect("static regex");
    for ex in under_prefix(model, exchanges) {
        let w = ex.header("warning").map(str::trim);
        let sunset = ex.header("sunset").and_then(parse_sunset);
        let problem = match (w, sunset) {
            (None, _) => Some("a Warning: 299 - \"…\" header, got none".to_string()),
            (Some(w), _) if !re.is_match(w) => {
                Some(format!("Warning matching 299 - \"…\", got '{w}'"))
            }
            (Some(w), Some(s)) if !mentions_date(w, s.when.date_naive()) => Some(format!(
                "the Warning to name the migration deadline {} (the Sunset date), got '{w}'",
                s.when.date_naive()
            )),
            _ => None,
        };
        match problem {
            None => f.checked += 1,
            Some(p) if f.items.len() < 10 => {
                f.fail(
                    format!("{} → {}: expected {p}", what(ex), ex.status().unwrap_or(0)),
                    &[ex],
                );
            }
            Some(_) => f.checked += 1,
        }
    }
    f.outcome("no response under the deprecated prefix was observed")
}

/// A response under the deprecated prefix and its Sunset date.
async fn sunset_of(ctx: &Ctx) -> (Option<Sunset>, Arc<Exchange>) {
    let path = protected_list(ctx).unwrap_or_else(|| ctx.path("/token"));
    let ex = ctx.send(Req::get(path).token("full").no_retry()).await;
    (ex.header("sunset").and_then(parse_sunset), ex)
}

async fn timeline(ctx: &Ctx) -> Outcome {
    let (sunset, ex) = sunset_of(ctx).await;
    let Some(s) = sunset else {
        return Outcome::failed(
            format!(
                "{}: expected a Sunset header naming the date to look for, got {:?}",
                what(&ex),
                ex.header("sunset")
            ),
            vec![ex.seq],
        );
    };
    let date = s.when.date_naive();
    let mut f = Findings::default();
    let agents = ctx
        .model()
        .operations
        .iter()
        .find(|o| o.method == "GET" && o.full_path.ends_with("/agents"))
        .map(|o| o.full_path.clone())
        .unwrap_or_else(|| ctx.path("/agents"));
    let md = ctx.send(Req::get(agents).no_retry()).await;
    let text = md
        .response
        .as_ref()
        .map(|r| r.body.clone())
        .unwrap_or_default();
    f.check(
        md.status() == Some(200) && mentions_date(&text, date),
        || {
            format!(
                "{}: the agents guide should state the sunset date {date}, got {}",
                what(&md),
                md.status()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| seen(&md))
            )
        },
        &[&md, &ex],
    );
    // The document as served now (the model was loaded at the start of the run).
    let root = ctx.model().root();
    let mut texts: Vec<String> = root
        .pointer("/info/description")
        .and_then(Value::as_str)
        .map(|s| vec![s.to_string()])
        .unwrap_or_default();
    for op in &ctx.model().operations {
        if op.raw.get("deprecated").and_then(Value::as_bool) == Some(true) {
            if let Some(d) = op.raw.get("description").and_then(Value::as_str) {
                texts.push(d.to_string());
            }
        }
    }
    f.check(
        texts.iter().any(|t| mentions_date(t, date)),
        || format!("the OpenAPI document (info.description or deprecated operations) should state the sunset date {date}"),
        &[&ex],
    );
    f.outcome("")
}

async fn twelve_months(ctx: &Ctx) -> Outcome {
    let Some(ga) = ctx
        .shared
        .config
        .deprecation
        .ga_date
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
    else {
        return Outcome::skipped("[deprecation] ga_date is not a YYYY-MM-DD date");
    };
    let (sunset, ex) = sunset_of(ctx).await;
    let mut f = Findings::default();
    let Some(s) = sunset else {
        f.fail(
            format!(
                "{}: expected a Sunset header, got {:?}",
                what(&ex),
                ex.header("sunset")
            ),
            &[&ex],
        );
        return f.outcome("");
    };
    let earliest = ga.checked_add_months(chrono::Months::new(12)).unwrap_or(ga);
    f.check(
        s.when.date_naive() >= earliest,
        || format!("Sunset {} is less than 12 months after the successor's GA on {ga} (earliest allowed {earliest})", s.when.date_naive()),
        &[&ex],
    );
    f.check(
        ex.status().is_some_and(|c| (200..300).contains(&c)),
        || {
            format!(
                "before its sunset the deprecated version must keep working: {} → {}",
                what(&ex),
                seen(&ex)
            )
        },
        &[&ex],
    );
    f.outcome("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sunset_parsing_is_lenient_about_the_weekday() {
        let s = parse_sunset("Wed, 01 Mar 2028 00:00:00 GMT").unwrap();
        assert!(!s.weekday_wrong);
        let s = parse_sunset("Sat, 01 Mar 2028 00:00:00 GMT").unwrap();
        assert!(s.weekday_wrong);
        let s = parse_sunset("Sat, 01 Mar 2028").unwrap();
        assert!(s.date_only && s.weekday_wrong);
        assert!(parse_sunset("next year").is_none());
    }

    #[test]
    fn dates_in_prose() {
        let d = NaiveDate::from_ymd_opt(2028, 3, 1).unwrap();
        assert!(mentions_date("Migrate to v2 by 2028-03-01.", d));
        assert!(mentions_date("until March 1, 2028", d));
        assert!(!mentions_date("until 2028-03-02", d));
    }
}
