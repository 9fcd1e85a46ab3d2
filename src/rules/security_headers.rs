//! Family `security-headers`: five headers on every response, error paths included.

use super::{Rule, Verdict};
use crate::client::Exchange;
use crate::spec::ApiModel;

pub const RULES: &[Rule] = &[
    Rule::observer("security-headers.hsts-on-every-response", hsts),
    Rule::observer("security-headers.x-content-type-options-nosniff", nosniff),
    Rule::observer("security-headers.x-frame-options-deny", frame),
    Rule::observer(
        "security-headers.csp-default-src-none-frame-ancestors-none",
        csp,
    ),
    Rule::observer(
        "security-headers.referrer-policy-strict-origin-when-cross-origin",
        referrer,
    ),
];

fn norm(v: &str) -> String {
    v.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches(';')
        .to_ascii_lowercase()
}

fn expect(ex: &Exchange, name: &str, want: &str) -> Verdict {
    let resp = ex.response.as_ref()?;
    let got: Vec<&str> = resp.headers_named(name).collect();
    let ok = got.len() == 1 && norm(got[0]) == norm(want);
    Some(if ok {
        Ok(())
    } else {
        Err(format!(
            "{} {} → {}: expected `{name}: {want}`, got {}",
            ex.request.method,
            ex.path(),
            resp.status,
            if got.is_empty() {
                "no such header".to_string()
            } else {
                format!("`{}`", got.join("`, `"))
            }
        ))
    })
}

fn hsts(_: &ApiModel, ex: &Exchange) -> Verdict {
    // C45: HSTS is meaningless over plain HTTP; there it is judged only when sent.
    if ex.request.url.starts_with("http://") && ex.header("strict-transport-security").is_none() {
        return None;
    }
    expect(
        ex,
        "strict-transport-security",
        "max-age=63072000; includeSubDomains; preload",
    )
}

fn nosniff(_: &ApiModel, ex: &Exchange) -> Verdict {
    expect(ex, "x-content-type-options", "nosniff")
}

fn frame(_: &ApiModel, ex: &Exchange) -> Verdict {
    expect(ex, "x-frame-options", "DENY")
}

fn csp(_: &ApiModel, ex: &Exchange) -> Verdict {
    expect(
        ex,
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'",
    )
}

fn referrer(_: &ApiModel, ex: &Exchange) -> Verdict {
    expect(ex, "referrer-policy", "strict-origin-when-cross-origin")
}
