//! Parsing of RateLimit / RateLimit-Policy headers: the guide's literal syntax
//! (`limit=240, remaining=115, reset=42`, `240;w=60`) and, with a note, the IETF
//! structured-field draft (`"default";r=115;t=42`, `"default";q=240;w=60`) (C14); and
//! `Retry-After` in whole seconds. What a server sends here is untrusted: these functions take
//! any text without panicking (they are fuzzed).

use std::time::{Duration, Instant};

/// A parsed `RateLimit` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: Option<u64>,
    pub remaining: u64,
    pub reset: u64,
    /// True when it was the structured-field form rather than the guide's.
    pub structured: bool,
}

/// A parsed `RateLimit-Policy` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub limit: u64,
    pub window: u64,
    pub structured: bool,
}

fn params(s: &str, sep: char) -> Vec<(String, String)> {
    s.split(sep)
        .filter_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            Some((
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_string(),
            ))
        })
        .collect()
}

fn get(ps: &[(String, String)], k: &str) -> Option<u64> {
    ps.iter()
        .find(|(n, _)| n == k)
        .and_then(|(_, v)| v.parse().ok())
}

pub fn parse_ratelimit(h: &str) -> Option<RateLimit> {
    let ps = params(h, ',');
    if let (Some(remaining), Some(reset)) = (get(&ps, "remaining"), get(&ps, "reset")) {
        return Some(RateLimit {
            limit: get(&ps, "limit"),
            remaining,
            reset,
            structured: false,
        });
    }
    let ps = params(h, ';');
    match (get(&ps, "r"), get(&ps, "t")) {
        (Some(remaining), Some(reset)) => Some(RateLimit {
            limit: None,
            remaining,
            reset,
            structured: true,
        }),
        _ => None,
    }
}

pub fn parse_policy(h: &str) -> Option<Policy> {
    let mut parts = h.split(';');
    let first = parts.next()?.trim();
    let rest: Vec<(String, String)> = params(&parts.collect::<Vec<_>>().join(";"), ';');
    if let Ok(limit) = first.parse::<u64>() {
        return Some(Policy {
            limit,
            window: get(&rest, "w")?,
            structured: false,
        });
    }
    Some(Policy {
        limit: get(&rest, "q")?,
        window: get(&rest, "w")?,
        structured: true,
    })
}

/// `Retry-After` in whole seconds, the only form the guide allows; None for an HTTP-date or
/// anything else.
pub fn parse_retry_after(v: &str) -> Option<u64> {
    v.trim().parse().ok()
}

/// Longest refill delay taken from a `RateLimit` header (a day): the client never pauses
/// that long anyway, and a larger value, up to `u64::MAX`, would overflow an [`Instant`].
pub const MAX_RESET_SECS: u64 = 24 * 60 * 60;

/// When a token's budget refills: `reset` seconds (as a `RateLimit` header said) after `now`,
/// at most [`MAX_RESET_SECS`] later.
pub fn reset_at(now: Instant, reset: u64) -> Instant {
    let wait = Duration::from_secs(reset.min(MAX_RESET_SECS));
    now.checked_add(wait).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guide_syntax() {
        assert_eq!(
            parse_ratelimit("limit=240, remaining=115, reset=42"),
            Some(RateLimit {
                limit: Some(240),
                remaining: 115,
                reset: 42,
                structured: false
            })
        );
        assert_eq!(
            parse_policy("240;w=60"),
            Some(Policy {
                limit: 240,
                window: 60,
                structured: false
            })
        );
    }

    #[test]
    fn structured_syntax() {
        assert_eq!(
            parse_ratelimit("\"default\";r=115;t=42"),
            Some(RateLimit {
                limit: None,
                remaining: 115,
                reset: 42,
                structured: true
            })
        );
        assert_eq!(
            parse_policy("\"default\";q=240;w=60"),
            Some(Policy {
                limit: 240,
                window: 60,
                structured: true
            })
        );
    }

    #[test]
    fn a_huge_reset_is_capped_not_an_overflow() {
        // Found by the ratelimit_headers fuzz target: `Instant + u64::MAX s` panicked.
        let rl = parse_ratelimit("limit=1, remaining=0, reset=18446744073709551615").unwrap();
        let now = Instant::now();
        assert_eq!(
            reset_at(now, rl.reset),
            now + Duration::from_secs(MAX_RESET_SECS)
        );
        assert_eq!(reset_at(now, 42), now + Duration::from_secs(42));
    }

    #[test]
    fn retry_after_is_whole_seconds() {
        assert_eq!(parse_retry_after(" 30 "), Some(30));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn garbage_is_none() {
        for bad in ["", "limit=x", "240", "remaining=1", ";;;"] {
            assert_eq!(parse_ratelimit(bad), None, "{bad}");
        }
        assert_eq!(parse_policy("abc"), None);
    }
}
