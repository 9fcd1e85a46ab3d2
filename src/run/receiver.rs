//! specgate's own webhook receiver: a small HTTP listener inside the harness that the target
//! delivers events to. Every rule gets its own endpoint (`/hooks/<id>`), told how to answer
//! (200, an error status, or only after a delay), and the deliveries it received — raw body and
//! headers, so signatures can be recomputed byte for byte.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use tokio::sync::Notify;

/// How an endpoint answers deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 200 at once.
    Ok,
    /// This status at once (e.g. 500).
    Status(u16),
    /// 500 for the first `n` deliveries, then 200.
    FailFirst(usize),
    /// 200 after this delay (to exceed the target's timeout).
    Slow(Duration),
    /// The first delivery answered 200 only after this delay, later ones at once.
    SlowFirst(Duration),
}

/// One delivery as it arrived.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// When it arrived.
    pub at: Instant,
    pub method: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// The status the receiver answered (or will answer, for a slow endpoint).
    pub answered: u16,
}

impl Delivery {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// A short description for findings: method, signature header and the first bytes.
    pub fn describe(&self) -> String {
        let body = String::from_utf8_lossy(&self.body);
        let body: String = body.chars().take(300).collect();
        format!(
            "{} with X-Webhook-Signature {:?}, body {body}",
            self.method,
            self.header("x-webhook-signature").unwrap_or("(none)")
        )
    }
}

#[derive(Default)]
struct Endpoint {
    mode: Option<Mode>,
    deliveries: Vec<Delivery>,
}

#[derive(Default)]
struct Inner {
    endpoints: Mutex<HashMap<String, Endpoint>>,
    notify: Notify,
}

/// A running receiver.
pub struct Receiver {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Base URL the target is given (`http://<addr>` unless configured).
    pub public_base: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
    next: std::sync::atomic::AtomicU64,
}

/// An endpoint of the receiver, owned by one rule.
#[derive(Debug, Clone)]
pub struct Hook {
    pub id: String,
    pub url: String,
}

async fn receive(
    State(inner): State<Arc<Inner>>,
    Path(id): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let arrived = Instant::now();
    let (status, delay) = {
        let Ok(mut eps) = inner.endpoints.lock() else {
            return StatusCode::INTERNAL_SERVER_ERROR;
        };
        let Some(ep) = eps.get_mut(&id) else {
            return StatusCode::NOT_FOUND;
        };
        let n = ep.deliveries.len();
        let (status, delay) = match ep.mode.unwrap_or(Mode::Ok) {
            Mode::Ok => (200, None),
            Mode::Status(s) => (s, None),
            Mode::FailFirst(k) => (if n < k { 500 } else { 200 }, None),
            Mode::Slow(d) => (200, Some(d)),
            Mode::SlowFirst(d) => (200, (n == 0).then_some(d)),
        };
        ep.deliveries.push(Delivery {
            at: arrived,
            method: method.to_string(),
            headers: headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_ascii_lowercase(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body,
            answered: status,
        });
        (status, delay)
    };
    inner.notify.notify_waiters();
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl Receiver {
    /// Binds `listen` and starts serving. `public_base` overrides the URL handed to the target.
    pub async fn start(listen: &str, public_base: Option<&str>) -> Result<Receiver, String> {
        let addr: SocketAddr = listen
            .parse()
            .map_err(|e| format!("invalid webhooks.listen address '{listen}': {e}"))?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("could not listen on {addr}: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("could not read the receiver's address: {e}"))?;
        let inner = Arc::new(Inner::default());
        let app = Router::new()
            .route("/hooks/{id}", axum::routing::any(receive))
            .with_state(inner.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let public_base = public_base
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("http://{addr}"));
        Ok(Receiver {
            addr,
            public_base,
            inner,
            task,
            next: std::sync::atomic::AtomicU64::new(1),
        })
    }

    /// A new endpoint answering as `mode`; `tag` names it (e.g. the rule).
    pub fn hook(&self, tag: &str, mode: Mode) -> Hook {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let tag: String = tag
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let id = format!("{tag}-{n}");
        if let Ok(mut eps) = self.inner.endpoints.lock() {
            eps.insert(
                id.clone(),
                Endpoint {
                    mode: Some(mode),
                    deliveries: Vec::new(),
                },
            );
        }
        Hook {
            url: format!("{}/hooks/{id}", self.public_base),
            id,
        }
    }

    /// Everything `hook` has received so far, in arrival order.
    pub fn deliveries(&self, hook: &Hook) -> Vec<Delivery> {
        self.inner
            .endpoints
            .lock()
            .ok()
            .and_then(|e| e.get(&hook.id).map(|e| e.deliveries.clone()))
            .unwrap_or_default()
    }

    /// Waits until `done` holds for `hook`'s deliveries or `timeout` passes; returns them.
    pub async fn wait_until(
        &self,
        hook: &Hook,
        timeout: Duration,
        done: impl Fn(&[Delivery]) -> bool,
    ) -> Vec<Delivery> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.notify.notified();
            let got = self.deliveries(hook);
            if done(&got) {
                return got;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.deliveries(hook);
            }
        }
    }

    /// Stops listening.
    pub fn shutdown(&self) {
        self.task.abort();
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_deliveries_and_answers_per_mode() {
        let r = Receiver::start("127.0.0.1:0", None).await.expect("binds");
        let ok = r.hook("ok", Mode::Ok);
        let flaky = r.hook("flaky", Mode::FailFirst(1));
        let http = reqwest::Client::new();
        let s1 = http
            .post(&ok.url)
            .header("x-webhook-signature", "sha256=00")
            .body("{\"a\":1}")
            .send()
            .await
            .expect("sent");
        assert_eq!(s1.status(), 200);
        let s2 = http.post(&flaky.url).body("x").send().await.expect("sent");
        let s3 = http.post(&flaky.url).body("y").send().await.expect("sent");
        assert_eq!((s2.status().as_u16(), s3.status().as_u16()), (500, 200));
        let got = r
            .wait_until(&ok, Duration::from_secs(1), |d| !d.is_empty())
            .await;
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].header("x-webhook-signature"), Some("sha256=00"));
        assert_eq!(&got[0].body[..], b"{\"a\":1}");
        assert_eq!(r.deliveries(&flaky).len(), 2);
        let unknown = http
            .post(format!("{}/hooks/nope", r.public_base))
            .send()
            .await
            .expect("sent");
        assert_eq!(unknown.status(), 404);
    }
}
