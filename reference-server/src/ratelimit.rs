//! Per-token token-bucket rate limiting, two buckets per key.
//!
//! The guide asks for "240 requests/minute" *and* "bursts of up to 40 in a single second" while
//! its examples report `remaining=115` of 240 (C13). One bucket cannot do all three, so each key
//! has a minute bucket (capacity = limit, refilling limit/60 per second; `remaining` reports it)
//! and a burst bucket (capacity = burst, refilling burst per second). A request needs a token
//! from both.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    capacity: f64,
    per_sec: f64,
    at: Instant,
}

impl Bucket {
    fn new(capacity: f64, per_sec: f64, now: Instant) -> Bucket {
        Bucket {
            tokens: capacity,
            capacity,
            per_sec,
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + dt * self.per_sec).min(self.capacity);
        self.at = now;
    }

    /// Seconds until this bucket holds `n` tokens.
    fn wait_for(&self, n: f64) -> f64 {
        if self.tokens >= n {
            0.0
        } else {
            (n - self.tokens) / self.per_sec
        }
    }
}

/// What one limiter decision reports, rendered into the RateLimit headers.
#[derive(Debug, Clone, Copy)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the minute bucket is full again (`reset`).
    pub reset: u64,
    /// Seconds until a request would pass (`Retry-After`), when refused.
    pub retry_after: u64,
}

impl Decision {
    pub fn ratelimit_header(&self) -> String {
        format!(
            "limit={}, remaining={}, reset={}",
            self.limit, self.remaining, self.reset
        )
    }

    pub fn policy_header(&self) -> String {
        format!("{};w=60", self.limit)
    }
}

/// Buckets keyed by token id (or `ip:<addr>` for the agents endpoint).
#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, (Bucket, Bucket)>>,
}

impl RateLimiter {
    /// Takes one request from `key`'s buckets (`count = false` only reports).
    /// Returns `None` when the limiter itself is broken: callers then let the request through
    /// (the guide's fail-open rule).
    pub fn check(&self, key: &str, limit: u32, burst: u32, count: bool) -> Option<Decision> {
        let mut map = self.buckets.lock().ok()?;
        let now = Instant::now();
        let (minute, second) = map.entry(key.to_string()).or_insert_with(|| {
            (
                Bucket::new(limit as f64, limit as f64 / 60.0, now),
                Bucket::new(burst as f64, burst as f64, now),
            )
        });
        // A changed per-token override takes effect at once.
        minute.capacity = limit as f64;
        minute.per_sec = limit as f64 / 60.0;
        second.capacity = burst as f64;
        second.per_sec = burst as f64;
        minute.refill(now);
        second.refill(now);
        let allowed = !count || (minute.tokens >= 1.0 && second.tokens >= 1.0);
        if count && allowed {
            minute.tokens -= 1.0;
            second.tokens -= 1.0;
        }
        let retry_after = if allowed {
            0
        } else {
            minute
                .wait_for(1.0)
                .max(second.wait_for(1.0))
                .ceil()
                .max(1.0) as u64
        };
        Some(Decision {
            allowed,
            limit,
            // A refused request has, for now, nothing left: report 0 even when it was the
            // burst bucket that ran dry.
            remaining: if allowed {
                minute.tokens.floor().max(0.0) as u32
            } else {
                0
            },
            reset: minute.wait_for(minute.capacity).ceil() as u64,
            retry_after,
        })
    }

    /// Forgets every bucket (tests).
    pub fn reset_all(&self) {
        if let Ok(mut m) = self.buckets.lock() {
            m.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_of_40_passes_then_41st_is_refused() {
        let rl = RateLimiter::default();
        for i in 0..40 {
            let d = rl.check("t", 240, 40, true).unwrap();
            assert!(d.allowed, "request {i} refused");
            assert_eq!(d.remaining, 239 - i);
        }
        let d = rl.check("t", 240, 40, true).unwrap();
        assert!(!d.allowed);
        assert!(d.retry_after >= 1);
        assert_eq!(d.remaining, 0, "a 429 reports remaining=0");
    }

    #[test]
    fn report_only_does_not_count() {
        let rl = RateLimiter::default();
        rl.check("t", 240, 40, true).unwrap();
        let a = rl.check("t", 240, 40, false).unwrap();
        let b = rl.check("t", 240, 40, false).unwrap();
        assert_eq!(a.remaining, b.remaining);
        assert_eq!(a.remaining, 239);
    }

    #[test]
    fn buckets_are_per_key() {
        let rl = RateLimiter::default();
        for _ in 0..40 {
            rl.check("a", 240, 40, true).unwrap();
        }
        assert!(!rl.check("a", 240, 40, true).unwrap().allowed);
        assert!(rl.check("b", 240, 40, true).unwrap().allowed);
    }
}
