//! Family `webhooks`: specgate registers endpoints of its own receiver (`run::receiver`),
//! triggers events by writing records, and judges what arrives: POST delivery, the event
//! format, the HMAC-SHA256 signature (hex or base64, with or without `sha256=`, C58), event
//! types, subscriptions, workspace isolation, and retries of failed or slow deliveries.
//!
//! Waits follow the target's delivery schedule as declared in `[webhooks]`
//! (`retry_schedule_secs`, `timeout_secs`; the guide's 1 min … 24 h and 10 s by default).
//! Rules whose wait would take minutes are skipped unless the operator declares `long-wait`
//! or a shortened schedule the target runs with (the in-process reference server does).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use futures_util::FutureExt;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;

use super::proto::{self, seen, what};
use super::{Findings, Outcome, Rule};
use crate::client::{Exchange, Req};
use crate::run::receiver::{Delivery, Hook, Mode, Receiver};
use crate::run::{Ctx, data, fixtures};

const RECV: &[&str] = &["webhook-receiver"];

pub const RULES: &[Rule] = &[
    Rule::probe("webhooks.registration-endpoint", RECV, |c| {
        registration(c).boxed()
    }),
    Rule::probe("webhooks.delivered-via-post", RECV, |c| via_post(c).boxed()),
    Rule::probe("webhooks.event-shape", RECV, |c| event_shape(c).boxed()),
    Rule::probe("webhooks.hmac-sha256-signature", RECV, |c| {
        signature(c).boxed()
    }),
    Rule::probe("webhooks.event-types-resource-action", RECV, |c| {
        event_types(c).boxed()
    }),
    Rule::probe("webhooks.retry-on-non-2xx-with-backoff", RECV, |c| {
        retry_backoff(c).boxed()
    }),
    Rule::probe(
        "webhooks.failing-after-5-attempts-not-disabled",
        RECV,
        |c| failing_state(c).boxed(),
    ),
    Rule::probe("webhooks.https-endpoints-only", &[], |c| {
        https_only(c).boxed()
    }),
    Rule::probe(
        "webhooks.workspace-scoped",
        &["webhook-receiver", "second_workspace"],
        |c| workspace_scoped(c).boxed(),
    ),
    Rule::probe(
        "webhooks.multiple-webhooks-filtered-by-subscription",
        RECV,
        |c| filtered(c).boxed(),
    ),
    Rule::probe("webhooks.at-least-once-unique-event-id", RECV, |c| {
        unique_ids(c).boxed()
    }),
    Rule::probe("webhooks.receiver-10s-timeout", RECV, |c| {
        timeout(c).boxed()
    }),
];

/// The guide's retry delays and receiver timeout.
const GUIDE_SCHEDULE: [f64; 5] = [60.0, 300.0, 1800.0, 7200.0, 86400.0];
const GUIDE_TIMEOUT: f64 = 10.0;
/// Longest a rule waits without `long-wait` (and, with it, the probe's own limit allows ~110 s).
const SHORT_WAIT: Duration = Duration::from_secs(60);
const LONG_WAIT: Duration = Duration::from_secs(100);
/// How long to keep listening for a delivery that must not come, once a control delivery
/// of the same fan-out has arrived.
const GRACE: Duration = Duration::from_millis(300);

fn receiver(ctx: &Ctx) -> Option<&Receiver> {
    ctx.shared.receiver.as_ref().ok().map(|r| r.as_ref())
}

fn schedule(ctx: &Ctx) -> Vec<Duration> {
    ctx.shared
        .config
        .webhooks
        .retry_schedule_secs
        .clone()
        .unwrap_or_else(|| GUIDE_SCHEDULE.to_vec())
        .into_iter()
        .map(proto::secs)
        .collect()
}

fn target_timeout(ctx: &Ctx) -> Duration {
    proto::secs(
        ctx.shared
            .config
            .webhooks
            .timeout_secs
            .unwrap_or(GUIDE_TIMEOUT),
    )
}

fn delivery_wait(ctx: &Ctx) -> Duration {
    proto::secs(
        ctx.shared
            .config
            .webhooks
            .delivery_wait_secs
            .unwrap_or(30.0),
    )
}

/// Slack on top of a scheduled wait: the target's own latency and the receiver's.
fn slack(d: Duration) -> Duration {
    Duration::from_secs(3) + d / 4
}

/// Whether a wait of `d` is allowed, else the skip reason.
fn may_wait(ctx: &Ctx, d: Duration, what: &str) -> Result<(), Outcome> {
    if d <= SHORT_WAIT || (ctx.has("long-wait") && d <= LONG_WAIT) {
        return Ok(());
    }
    Err(Outcome::skipped(format!(
        "{what} takes about {} s on the declared schedule: declare the capability long-wait (waits up to {} s) or a shortened [webhooks] retry_schedule_secs / timeout_secs the target runs with",
        d.as_secs(),
        LONG_WAIT.as_secs()
    )))
}

fn webhooks_path(ctx: &Ctx) -> String {
    ctx.model()
        .resource("webhooks")
        .and_then(|r| r.collection_path.clone())
        .unwrap_or_else(|| ctx.path("/webhooks"))
}

/// Event types the document (or /enums) lists for webhook subscriptions.
async fn known_events(ctx: &Ctx) -> Vec<String> {
    let model = ctx.model();
    let from_doc = proto::op(ctx, "POST", &webhooks_path(ctx))
        .and_then(|o| o.request_body.as_ref())
        .and_then(|b| b.get("application/json").cloned().flatten())
        .and_then(|s| {
            model
                .doc
                .lookup(&s.file, &format!("#{}", s.pointer))
                .and_then(|(f, v)| model.doc.resolve(f, v))
                .and_then(|(f, v)| {
                    let items = v.pointer("/properties/events/items")?;
                    model.doc.resolve(f, items).map(|(_, i)| i.clone())
                })
        })
        .and_then(|i| i.get("enum").cloned())
        .and_then(|e| serde_json::from_value::<Vec<String>>(e).ok());
    if let Some(list) = from_doc.filter(|l| !l.is_empty()) {
        return list;
    }
    let ex = ctx
        .send(Req::get(ctx.path("/enums")).token("full").no_retry())
        .await;
    let mut found = BTreeSet::new();
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::String(s) if event_re().is_match(s) => {
                out.insert(s.clone());
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(m) => m.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    if let Some(j) = ex.json() {
        walk(j, &mut found);
    }
    found.into_iter().collect()
}

fn event_re() -> regex::Regex {
    regex::Regex::new(r"^[a-z_]+\.(created|updated|deleted)$").expect("static regex")
}

fn singular(plural: &str) -> String {
    let p = plural.replace('-', "_");
    if let Some(stem) = p.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = p.strip_suffix("ses") {
        format!("{stem}s")
    } else {
        p.strip_suffix('s').unwrap_or(&p).to_string()
    }
}

/// The event types for `resource`: (created, updated, deleted), singular or plural (C58).
async fn types_for(ctx: &Ctx, resource: &str) -> [String; 3] {
    let known = known_events(ctx).await;
    let sing = singular(resource);
    let plural = resource.replace('-', "_");
    ["created", "updated", "deleted"].map(|action| {
        [format!("{sing}.{action}"), format!("{plural}.{action}")]
            .into_iter()
            .find(|c| known.contains(c))
            .unwrap_or_else(|| format!("{sing}.{action}"))
    })
}

/// The resource whose writes trigger events: full CRUD, creatable without references.
fn event_resource(ctx: &Ctx) -> Option<String> {
    fixtures::writable_resource(ctx.model()).map(|r| r.name.clone())
}

fn secret(ctx: &Ctx) -> String {
    format!("whsec_{}", ctx.client().uuid().replace('-', ""))
}

/// A registration: the exchange and the webhook's id.
struct Registered {
    ex: Arc<Exchange>,
    id: Option<String>,
    role: String,
}

async fn register(ctx: &Ctx, role: &str, url: &str, events: &[String], secret: &str) -> Registered {
    let path = webhooks_path(ctx);
    let ex = ctx
        .send(
            Req::new(Method::POST, path.clone())
                .token(role)
                .json(json!({"url": url, "events": events, "secret": secret}))
                .no_retry(),
        )
        .await;
    let id = data(&ex)
        .and_then(|d| d.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string);
    if let (Some(id), "full") = (&id, role) {
        ctx.remember_created(&path, id);
    }
    Registered {
        ex,
        id,
        role: role.to_string(),
    }
}

async fn unregister(ctx: &Ctx, reg: &Registered) {
    if let Some(id) = &reg.id {
        ctx.send(
            Req::new(Method::DELETE, format!("{}/{id}", webhooks_path(ctx)))
                .token(&reg.role)
                .no_retry(),
        )
        .await;
    }
}

fn registration_failed(reg: &Registered) -> Outcome {
    Outcome::failed(
        format!(
            "{}: could not register a webhook (expected 201 with data.id), got {}",
            what(&reg.ex),
            seen(&reg.ex)
        ),
        vec![reg.ex.seq],
    )
}

/// Deliveries of events about record `id` (optionally of one type).
fn about<'a>(ds: &'a [Delivery], id: &str, ty: Option<&str>) -> Vec<&'a Delivery> {
    ds.iter()
        .filter(|d| {
            d.json().is_some_and(|j| {
                j.pointer("/data/id").and_then(Value::as_str) == Some(id)
                    && ty.is_none_or(|t| j.get("type").and_then(Value::as_str) == Some(t))
            })
        })
        .collect()
}

fn event_id(d: &Delivery) -> Option<String> {
    d.json()
        .and_then(|j| j.get("id").and_then(Value::as_str).map(str::to_string))
}

/// Registers a hook for `<resource>.created`, creates a record and waits for its event.
struct Scenario {
    hook: Hook,
    reg: Registered,
    secret: String,
    record: fixtures::Created,
    deliveries: Vec<Delivery>,
}

async fn created_event(ctx: &Ctx, mode: Mode) -> Result<Scenario, Outcome> {
    let recv = receiver(ctx).ok_or_else(|| Outcome::error("no receiver"))?;
    let Some(res) = event_resource(ctx) else {
        return Err(Outcome::skipped(
            "the document has no resource whose writes trigger events",
        ));
    };
    let [created, _, _] = types_for(ctx, &res).await;
    let hook = recv.hook(ctx.rule, mode);
    let secret = secret(ctx);
    let reg = register(
        ctx,
        "full",
        &hook.url,
        std::slice::from_ref(&created),
        &secret,
    )
    .await;
    if reg.id.is_none() {
        return Err(registration_failed(&reg));
    }
    let record = match fixtures::create(ctx, &res, json!({})).await {
        Ok(r) => r,
        Err(e) => {
            unregister(ctx, &reg).await;
            return Err(Outcome::error(e));
        }
    };
    let id = record.id.clone();
    let deliveries = recv
        .wait_until(&hook, delivery_wait(ctx), |ds| {
            !about(ds, &id, None).is_empty()
        })
        .await;
    Ok(Scenario {
        hook,
        reg,
        secret,
        record,
        deliveries,
    })
}

fn none_arrived(ctx: &Ctx, s: &Scenario) -> Outcome {
    Outcome::failed(
        format!(
            "no event about the created record {} reached the registered webhook {} within {} s (registered at {}, {} unrelated deliveries)",
            s.record.id,
            s.hook.url,
            delivery_wait(ctx).as_secs(),
            what(&s.reg.ex),
            s.deliveries.len()
        ),
        vec![s.reg.ex.seq, s.record.exchange.seq],
    )
}

async fn registration(ctx: &Ctx) -> Outcome {
    let Some(recv) = receiver(ctx) else {
        return Outcome::error("no receiver");
    };
    let Some(res) = event_resource(ctx) else {
        return Outcome::skipped("the document has no resource whose writes trigger events");
    };
    let [created, _, _] = types_for(ctx, &res).await;
    let hook = recv.hook(ctx.rule, Mode::Ok);
    let reg = register(ctx, "full", &hook.url, &[created], &secret(ctx)).await;
    let mut f = Findings::default();
    f.check(
        reg.ex.status() == Some(201) && reg.id.is_some(),
        || {
            format!(
                "{} {{url, events, secret}}: expected 201 with data.id, got {}",
                what(&reg.ex),
                seen(&reg.ex)
            )
        },
        &[&reg.ex],
    );
    let leaks_secret = reg
        .ex
        .response
        .as_ref()
        .is_some_and(|r| r.body.contains("whsec_"));
    if leaks_secret {
        f.note("the registration response echoes the secret");
    }
    unregister(ctx, &reg).await;
    f.outcome("")
}

async fn via_post(ctx: &Ctx) -> Outcome {
    let s = match created_event(ctx, Mode::Ok).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    unregister(ctx, &s.reg).await;
    let got = about(&s.deliveries, &s.record.id, None);
    let Some(d) = got.first() else {
        return none_arrived(ctx, &s);
    };
    let mut f = Findings::default();
    f.check(
        d.method == "POST",
        || {
            format!(
                "the event about {} arrived as {} (expected POST)",
                s.record.id, d.method
            )
        },
        &[&s.record.exchange],
    );
    f.outcome("")
}

async fn event_shape(ctx: &Ctx) -> Outcome {
    let s = match created_event(ctx, Mode::Ok).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    unregister(ctx, &s.reg).await;
    let got = about(&s.deliveries, &s.record.id, None);
    let Some(d) = got.first() else {
        return none_arrived(ctx, &s);
    };
    let ws = proto::workspace_of(ctx, "full").await;
    let j = d.json().unwrap_or(Value::Null);
    let mut bad = Vec::new();
    let id_ok = j
        .get("id")
        .and_then(Value::as_str)
        .is_some_and(|v| uuid::Uuid::parse_str(v).is_ok());
    if !id_ok {
        bad.push(format!(
            "id a UUID (got {})",
            j.get("id").unwrap_or(&Value::Null)
        ));
    }
    if !j
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| event_re().is_match(t))
    {
        bad.push(format!(
            "type {{resource}}.{{action}} (got {})",
            j.get("type").unwrap_or(&Value::Null)
        ));
    }
    let utc = j
        .get("created_at")
        .and_then(Value::as_str)
        .is_some_and(|t| t.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(t).is_ok());
    if !utc {
        bad.push(format!(
            "created_at a UTC timestamp ending Z (got {})",
            j.get("created_at").unwrap_or(&Value::Null)
        ));
    }
    if !j.get("data").is_some_and(Value::is_object) {
        bad.push("data an object".into());
    }
    let wid = j.get("workspace_id").and_then(Value::as_str);
    match &ws {
        Some(w) if wid != Some(w.as_str()) => bad.push(format!(
            "workspace_id {w} (the token's workspace), got {wid:?}"
        )),
        None if wid.is_none() => bad.push("workspace_id".into()),
        _ => {}
    }
    let mut f = Findings::default();
    f.check(
        bad.is_empty(),
        || {
            format!(
                "the event about {} (delivered as {}) should have {}",
                s.record.id,
                d.describe(),
                bad.join("; ")
            )
        },
        &[&s.reg.ex, &s.record.exchange],
    );
    f.outcome("")
}

/// Is `header` the HMAC-SHA256 of `body` under `secret`? Accepts hex or base64, with or
/// without `sha256=`, and a `t=…,v1=…` timestamped form (signing `t.body`) (C58). Constant time.
pub fn signature_matches(secret: &str, body: &[u8], header: &str) -> bool {
    let parts: Vec<(&str, &str)> = header
        .split(',')
        .filter_map(|p| p.trim().split_once('='))
        .collect();
    let timestamp = parts.iter().find(|(k, _)| *k == "t").map(|(_, v)| *v);
    let mut candidates: Vec<&str> = parts
        .iter()
        .filter(|(k, _)| matches!(*k, "v1" | "sha256" | "signature"))
        .map(|(_, v)| *v)
        .collect();
    if candidates.is_empty() {
        let v = header.trim();
        candidates.push(v.strip_prefix("sha256=").unwrap_or(v));
    }
    let decode = |s: &str| -> Vec<Vec<u8>> {
        let s = s.trim();
        let mut out = Vec::new();
        if let Ok(b) = hex::decode(s) {
            out.push(b);
        }
        for engine in [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::URL_SAFE,
        ] {
            if let Ok(b) = engine.decode(s) {
                out.push(b);
            }
        }
        for engine in [
            base64::engine::general_purpose::STANDARD_NO_PAD,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            if let Ok(b) = engine.decode(s) {
                out.push(b);
            }
        }
        out
    };
    let mac_over = |payload: &[u8], sig: &[u8]| {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            return false;
        };
        mac.update(payload);
        mac.verify_slice(sig).is_ok()
    };
    candidates.iter().any(|c| {
        decode(c).iter().any(|sig| {
            mac_over(body, sig)
                || timestamp.is_some_and(|t| {
                    let mut p = format!("{t}.").into_bytes();
                    p.extend_from_slice(body);
                    mac_over(&p, sig)
                })
        })
    })
}

async fn signature(ctx: &Ctx) -> Outcome {
    let s = match created_event(ctx, Mode::Ok).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    unregister(ctx, &s.reg).await;
    let got = about(&s.deliveries, &s.record.id, None);
    if got.is_empty() {
        return none_arrived(ctx, &s);
    }
    let mut f = Findings::default();
    for d in got {
        let header = d.header("x-webhook-signature");
        f.check(
            header.is_some_and(|h| signature_matches(&s.secret, &d.body, h)),
            || format!("delivery {}: X-Webhook-Signature is not the HMAC-SHA256 of the raw body under the registered secret (hex or base64, optional sha256=)", d.describe()),
            &[&s.reg.ex, &s.record.exchange],
        );
    }
    f.outcome("")
}

async fn event_types(ctx: &Ctx) -> Outcome {
    let Some(recv) = receiver(ctx) else {
        return Outcome::error("no receiver");
    };
    let Some(res) = event_resource(ctx) else {
        return Outcome::skipped("the document has no resource whose writes trigger events");
    };
    let types = types_for(ctx, &res).await;
    let hook = recv.hook(ctx.rule, Mode::Ok);
    let reg = register(ctx, "full", &hook.url, &types, &secret(ctx)).await;
    if reg.id.is_none() {
        return registration_failed(&reg);
    }
    let record = match fixtures::create(ctx, &res, json!({})).await {
        Ok(r) => r,
        Err(e) => {
            unregister(ctx, &reg).await;
            return Outcome::error(e);
        }
    };
    let mut patch_body = json!({});
    if let Some(r) = ctx.model().resource(&res) {
        if let Some(op) = fixtures::create_op(ctx.model(), r) {
            patch_body = proto::body_for(ctx, op);
            if let Some(o) = patch_body.as_object_mut() {
                o.retain(|k, _| !k.ends_with("_id"));
            }
        }
    }
    let mut req = Req::new(Method::PATCH, record.path.clone())
        .token("full")
        .json(patch_body)
        .no_retry();
    if let Some(t) = record.exchange.header("etag") {
        req = req.header("if-match", t.to_string());
    }
    let patch = ctx.send(req).await;
    let del = ctx
        .send(
            Req::new(Method::DELETE, record.path.clone())
                .token("full")
                .no_retry(),
        )
        .await;
    let id = record.id.clone();
    let want = types.clone();
    let ds = recv
        .wait_until(&hook, delivery_wait(ctx), |ds| {
            want.iter().all(|t| !about(ds, &id, Some(t)).is_empty())
        })
        .await;
    unregister(ctx, &reg).await;
    let mut f = Findings::default();
    for (t, trigger) in types.iter().zip([&record.exchange, &patch, &del]) {
        f.check(
            !about(&ds, &id, Some(t)).is_empty(),
            || {
                let seen_types: Vec<String> = about(&ds, &id, None)
                    .iter()
                    .filter_map(|d| d.json().and_then(|j| j.get("type").and_then(Value::as_str).map(str::to_string)))
                    .collect();
                format!("after {} → {} no '{t}' event with data.id {id} arrived (events about it: {seen_types:?})", what(trigger), trigger.status().unwrap_or(0))
            },
            &[trigger],
        );
    }
    f.outcome("")
}

/// Registers a failing endpoint, triggers one event and waits for `n` deliveries of it.
async fn failing_deliveries(
    ctx: &Ctx,
    mode: Mode,
    n: usize,
    wait: Duration,
) -> Result<(Scenario, Vec<Delivery>), Outcome> {
    let recv = receiver(ctx).ok_or_else(|| Outcome::error("no receiver"))?;
    let s = created_event(ctx, mode).await?;
    let id = s.record.id.clone();
    let ds = recv
        .wait_until(&s.hook, wait, |ds| about(ds, &id, None).len() >= n)
        .await;
    let mine: Vec<Delivery> = about(&ds, &id, None).into_iter().cloned().collect();
    Ok((s, mine))
}

fn gaps(ds: &[Delivery]) -> Vec<Duration> {
    ds.windows(2)
        .map(|w| w[1].at.duration_since(w[0].at))
        .collect()
}

fn secs_list(ds: &[Duration]) -> String {
    let v: Vec<String> = ds
        .iter()
        .map(|d| format!("{:.1}s", d.as_secs_f64()))
        .collect();
    v.join(", ")
}

async fn retry_backoff(ctx: &Ctx) -> Outcome {
    let sched = schedule(ctx);
    if sched.len() < 2 {
        return Outcome::skipped("the declared retry schedule has fewer than two delays");
    }
    // The first two retries (the whole schedule takes over 26 h on the guide's delays).
    let mut n_retries = 2;
    let mut wait = sched[0] + sched[1];
    if may_wait(ctx, wait + slack(wait), "waiting for two retries").is_err() {
        n_retries = 1;
        wait = sched[0];
        if let Err(o) = may_wait(ctx, wait + slack(wait), "waiting for the first retry") {
            return o;
        }
    }
    let (s, ds) =
        match failing_deliveries(ctx, Mode::Status(500), n_retries + 1, wait + slack(wait)).await {
            Ok(x) => x,
            Err(o) => return o,
        };
    unregister(ctx, &s.reg).await;
    let mut f = Findings::default();
    if ds.is_empty() {
        return none_arrived(ctx, &s);
    }
    f.check(
        ds.len() > n_retries,
        || format!("the receiver answered 500; expected {n_retries} redelivery(ies) of the event about {} within {:.1} s on the schedule [{}], got {} delivery(ies)", s.record.id, (wait + slack(wait)).as_secs_f64(), secs_list(&sched), ds.len()),
        &[&s.reg.ex, &s.record.exchange],
    );
    let ids: BTreeSet<Option<String>> = ds.iter().map(event_id).collect();
    f.check(
        ids.len() == 1 && ids.iter().all(Option::is_some),
        || format!("redeliveries must carry the same event id, got {ids:?}"),
        &[&s.record.exchange],
    );
    let got = gaps(&ds);
    for (i, (g, want)) in got.iter().zip(&sched).enumerate() {
        let lo = want.mul_f64(0.5);
        let hi = *want + slack(*want);
        f.check(
            *g >= lo && *g <= hi,
            || format!("retry {} came {:.2} s after the previous attempt; the declared schedule says {:.2} s (delays seen: {})", i + 1, g.as_secs_f64(), want.as_secs_f64(), secs_list(&got)),
            &[&s.record.exchange],
        );
    }
    if got.len() >= 2 {
        f.check(
            got[1] + Duration::from_millis(100) >= got[0],
            || {
                format!(
                    "retry delays should grow (exponential backoff), got {}",
                    secs_list(&got)
                )
            },
            &[&s.record.exchange],
        );
    }
    if ctx.shared.config.webhooks.retry_schedule_secs.is_some() {
        f.note(format!("judged against the declared schedule [{}] (the guide's is 1 min, 5 min, 30 min, 2 h, 24 h)", secs_list(&sched)));
    }
    f.outcome("")
}

/// The webhook's state as reported by `GET /webhooks/{id}`: does it say failing?
fn says_failing(d: &Value) -> bool {
    ["state", "status", "health"]
        .iter()
        .any(|k| d.get(*k).and_then(Value::as_str) == Some("failing"))
        || d.get("failing").and_then(Value::as_bool) == Some(true)
}

async fn failing_state(ctx: &Ctx) -> Outcome {
    let sched = schedule(ctx);
    let total: Duration = sched.iter().sum();
    if let Err(o) = may_wait(ctx, total + slack(total), "the full retry schedule") {
        return o;
    }
    let Some(recv) = receiver(ctx) else {
        return Outcome::error("no receiver");
    };
    let attempts = sched.len() + 1;
    let (s, ds) =
        match failing_deliveries(ctx, Mode::Status(500), attempts, total + slack(total)).await {
            Ok(x) => x,
            Err(o) => return o,
        };
    if ds.is_empty() {
        unregister(ctx, &s.reg).await;
        return none_arrived(ctx, &s);
    }
    // The attempt that fails last is recorded a moment after the receiver answers.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let path = format!(
        "{}/{}",
        webhooks_path(ctx),
        s.reg.id.clone().unwrap_or_default()
    );
    let get = ctx.send(Req::get(path).token("full").no_retry()).await;
    let mut f = Findings::default();
    // C58: failing after 5 or 6 failed attempts.
    f.check(
        ds.len() >= 5,
        || format!("the receiver answered 500 to every attempt; expected at least 5 attempts on the declared schedule, got {}", ds.len()),
        &[&s.record.exchange],
    );
    let d = data(&get).cloned().unwrap_or(Value::Null);
    f.check(
        get.status() == Some(200) && says_failing(&d),
        || format!("after {} failed attempts {} should show the webhook as failing (and still registered), got {}", ds.len(), what(&get), seen(&get)),
        &[&get],
    );
    // Not disabled: a new event is still attempted.
    let res = s.record.resource.clone();
    if let Ok(next) = fixtures::create(ctx, &res, json!({})).await {
        let id = next.id.clone();
        let more = recv
            .wait_until(&s.hook, delivery_wait(ctx), |ds| {
                !about(ds, &id, None).is_empty()
            })
            .await;
        f.check(
            !about(&more, &id, None).is_empty(),
            || format!("after being marked failing the webhook must still receive new events: nothing arrived for {id} within {} s", delivery_wait(ctx).as_secs()),
            &[&get, &next.exchange],
        );
    }
    unregister(ctx, &s.reg).await;
    f.outcome("")
}

async fn https_only(ctx: &Ctx) -> Outcome {
    let Some(res) = event_resource(ctx) else {
        return Outcome::skipped("the document has no resource whose writes trigger events");
    };
    let [created, _, _] = types_for(ctx, &res).await;
    let url = format!("http://hooks.specgate.invalid/{}", ctx.client().uuid());
    let reg = register(ctx, "full", &url, &[created], &secret(ctx)).await;
    let accepted = reg.ex.status().is_some_and(|s| s < 300);
    if accepted {
        unregister(ctx, &reg).await;
    }
    let mut f = Findings::default();
    f.check(
        reg.ex.status() == Some(422),
        || format!("{} with a plain-http:// URL: payloads are signed, not encrypted, so expected 422, got {}", what(&reg.ex), seen(&reg.ex)),
        &[&reg.ex],
    );
    f.note("C58: rejecting http:// URLs is SHOULD level");
    f.outcome("")
}

async fn workspace_scoped(ctx: &Ctx) -> Outcome {
    let Some(recv) = receiver(ctx) else {
        return Outcome::error("no receiver");
    };
    let Some(res) = event_resource(ctx) else {
        return Outcome::skipped("the document has no resource whose writes trigger events");
    };
    let [created, _, _] = types_for(ctx, &res).await;
    let hook_a = recv.hook(ctx.rule, Mode::Ok);
    let hook_b = recv.hook(ctx.rule, Mode::Ok);
    let reg_a = register(
        ctx,
        "full",
        &hook_a.url,
        std::slice::from_ref(&created),
        &secret(ctx),
    )
    .await;
    let reg_b = register(
        ctx,
        "second_workspace",
        &hook_b.url,
        std::slice::from_ref(&created),
        &secret(ctx),
    )
    .await;
    let (Some(a_id), Some(_)) = (reg_a.id.clone(), reg_b.id.clone()) else {
        unregister(ctx, &reg_a).await;
        unregister(ctx, &reg_b).await;
        return registration_failed(if reg_a.id.is_none() { &reg_a } else { &reg_b });
    };
    let record = match fixtures::create_as(ctx, "second_workspace", &res, json!({})).await {
        Ok(r) => r,
        Err(e) => {
            unregister(ctx, &reg_a).await;
            unregister(ctx, &reg_b).await;
            return Outcome::error(e);
        }
    };
    let id = record.id.clone();
    // B's own webhook getting the event shows delivery happened; A's must stay empty.
    let b_got = recv
        .wait_until(&hook_b, delivery_wait(ctx), |ds| {
            !about(ds, &id, None).is_empty()
        })
        .await;
    tokio::time::sleep(GRACE).await;
    let a_got = recv.deliveries(&hook_a);
    let mut f = Findings::default();
    if about(&b_got, &id, None).is_empty() {
        f.note(
            "workspace B's own webhook received nothing either, so the absence in A proves less",
        );
    }
    let leaked = about(&a_got, &id, None);
    f.check(
        leaked.is_empty(),
        || {
            format!(
                "workspace A's webhook received workspace B's event: {}",
                leaked[0].describe()
            )
        },
        &[&reg_a.ex, &record.exchange],
    );
    let peek = ctx
        .send(
            Req::get(format!("{}/{a_id}", webhooks_path(ctx)))
                .token("second_workspace")
                .no_retry(),
        )
        .await;
    f.check(
        peek.status() == Some(404),
        || {
            format!(
                "{} (workspace A's webhook) with workspace B's token: expected 404, got {}",
                what(&peek),
                seen(&peek)
            )
        },
        &[&peek],
    );
    ctx.send(
        Req::new(Method::DELETE, record.path.clone())
            .token("second_workspace")
            .no_retry(),
    )
    .await;
    unregister(ctx, &reg_a).await;
    unregister(ctx, &reg_b).await;
    f.outcome("")
}

async fn filtered(ctx: &Ctx) -> Outcome {
    let Some(recv) = receiver(ctx) else {
        return Outcome::error("no receiver");
    };
    let Some(res) = event_resource(ctx) else {
        return Outcome::skipped("the document has no resource whose writes trigger events");
    };
    let [created, _, deleted] = types_for(ctx, &res).await;
    let hc = recv.hook(ctx.rule, Mode::Ok);
    let hd = recv.hook(ctx.rule, Mode::Ok);
    let rc = register(
        ctx,
        "full",
        &hc.url,
        std::slice::from_ref(&created),
        &secret(ctx),
    )
    .await;
    let rd = register(
        ctx,
        "full",
        &hd.url,
        std::slice::from_ref(&deleted),
        &secret(ctx),
    )
    .await;
    if rc.id.is_none() || rd.id.is_none() {
        unregister(ctx, &rc).await;
        unregister(ctx, &rd).await;
        return registration_failed(if rc.id.is_none() { &rc } else { &rd });
    }
    let record = match fixtures::create(ctx, &res, json!({})).await {
        Ok(r) => r,
        Err(e) => return Outcome::error(e),
    };
    let del = ctx
        .send(
            Req::new(Method::DELETE, record.path.clone())
                .token("full")
                .no_retry(),
        )
        .await;
    let id = record.id.clone();
    let c_got = recv
        .wait_until(&hc, delivery_wait(ctx), |ds| {
            !about(ds, &id, Some(&created)).is_empty()
        })
        .await;
    let d_got = recv
        .wait_until(&hd, delivery_wait(ctx), |ds| {
            !about(ds, &id, Some(&deleted)).is_empty()
        })
        .await;
    tokio::time::sleep(GRACE).await;
    let c_all = recv.deliveries(&hc);
    let d_all = recv.deliveries(&hd);
    unregister(ctx, &rc).await;
    unregister(ctx, &rd).await;
    let mut f = Findings::default();
    f.check(
        !about(&c_got, &id, Some(&created)).is_empty(),
        || format!("the webhook subscribed to {created} did not receive it for {id}"),
        &[&rc.ex, &record.exchange],
    );
    f.check(
        !about(&d_got, &id, Some(&deleted)).is_empty(),
        || format!("the webhook subscribed to {deleted} did not receive it for {id}"),
        &[&rd.ex, &del],
    );
    f.check(
        about(&c_all, &id, Some(&deleted)).is_empty(),
        || format!("the webhook subscribed only to {created} also received {deleted} for {id}"),
        &[&rc.ex, &del],
    );
    f.check(
        about(&d_all, &id, Some(&created)).is_empty(),
        || format!("the webhook subscribed only to {deleted} also received {created} for {id}"),
        &[&rd.ex, &record.exchange],
    );
    f.outcome("")
}

async fn unique_ids(ctx: &Ctx) -> Outcome {
    let sched = schedule(ctx);
    let Some(first) = sched.first().copied() else {
        return Outcome::skipped("the declared retry schedule is empty");
    };
    if let Err(o) = may_wait(ctx, first + slack(first), "waiting for a redelivery") {
        return o;
    }
    let Some(recv) = receiver(ctx) else {
        return Outcome::error("no receiver");
    };
    let Some(res) = event_resource(ctx) else {
        return Outcome::skipped("the document has no resource whose writes trigger events");
    };
    let [created, updated, _] = types_for(ctx, &res).await;
    let hook = recv.hook(ctx.rule, Mode::FailFirst(1));
    let reg = register(
        ctx,
        "full",
        &hook.url,
        &[created.clone(), updated.clone()],
        &secret(ctx),
    )
    .await;
    if reg.id.is_none() {
        return registration_failed(&reg);
    }
    let record = match fixtures::create(ctx, &res, json!({})).await {
        Ok(r) => r,
        Err(e) => return Outcome::error(e),
    };
    let mut body = json!({});
    if let Some(op) = ctx
        .model()
        .resource(&res)
        .and_then(|r| fixtures::create_op(ctx.model(), r))
    {
        body = proto::body_for(ctx, op);
        if let Some(o) = body.as_object_mut() {
            o.retain(|k, _| !k.ends_with("_id"));
        }
    }
    let mut req = Req::new(Method::PATCH, record.path.clone())
        .token("full")
        .json(body)
        .no_retry();
    if let Some(t) = record.exchange.header("etag") {
        req = req.header("if-match", t.to_string());
    }
    let patch = ctx.send(req).await;
    let id = record.id.clone();
    let wait = delivery_wait(ctx).max(first + slack(first));
    let ds = recv
        .wait_until(&hook, wait, |ds| {
            let mine = about(ds, &id, None);
            let mut by_id: BTreeMap<Option<String>, usize> = BTreeMap::new();
            for d in &mine {
                *by_id.entry(event_id(d)).or_default() += 1;
            }
            by_id.len() >= 2 && by_id.values().any(|n| *n >= 2)
        })
        .await;
    unregister(ctx, &reg).await;
    let mine = about(&ds, &id, None);
    let mut per_type: BTreeMap<String, BTreeSet<Option<String>>> = BTreeMap::new();
    let mut per_id: BTreeMap<Option<String>, Vec<u16>> = BTreeMap::new();
    for d in &mine {
        let ty = d
            .json()
            .and_then(|j| j.get("type").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_default();
        per_type.entry(ty).or_default().insert(event_id(d));
        per_id.entry(event_id(d)).or_default().push(d.answered);
    }
    let mut f = Findings::default();
    f.check(
        per_type.len() >= 2,
        || {
            format!(
                "expected both {created} and {updated} for {id}, got {:?}",
                per_type.keys().collect::<Vec<_>>()
            )
        },
        &[&record.exchange, &patch],
    );
    f.check(
        per_id.keys().all(Option::is_some),
        || "every event must carry an id".to_string(),
        &[&record.exchange],
    );
    let all_ids: Vec<&Option<String>> = per_type.values().flatten().collect();
    let distinct: BTreeSet<&Option<String>> = all_ids.iter().copied().collect();
    f.check(
        per_type.values().all(|s| s.len() == 1) && distinct.len() == all_ids.len(),
        || format!("distinct events must have distinct ids and a retried event the same id: ids by type {per_type:?}"),
        &[&record.exchange, &patch],
    );
    f.check(
        per_id.values().any(|answers| answers.len() >= 2 && answers[0] >= 500),
        || format!("the first delivery was answered 500, so it must be redelivered with the same id; deliveries by id: {per_id:?}"),
        &[&record.exchange],
    );
    f.outcome("")
}

async fn timeout(ctx: &Ctx) -> Outcome {
    let sched = schedule(ctx);
    let Some(first) = sched.first().copied() else {
        return Outcome::skipped("the declared retry schedule is empty");
    };
    let t = target_timeout(ctx);
    // Answer well after the target's timeout (the guide: sleep 15 s against 10 s).
    let sleep = t + (t / 2).max(Duration::from_secs(1));
    let wait = t + first;
    if let Err(o) = may_wait(
        ctx,
        wait + slack(wait),
        "a timed-out delivery and its retry",
    ) {
        return o;
    }
    let (s, ds) = match failing_deliveries(ctx, Mode::SlowFirst(sleep), 2, wait + slack(wait)).await
    {
        Ok(x) => x,
        Err(o) => return o,
    };
    unregister(ctx, &s.reg).await;
    if ds.is_empty() {
        return none_arrived(ctx, &s);
    }
    let mut f = Findings::default();
    f.check(
        ds.len() >= 2,
        || format!("the receiver held the first delivery for {:.1} s (the target's timeout is {:.1} s); expected a retry of the same event within {:.1} s, got {} delivery(ies)", sleep.as_secs_f64(), t.as_secs_f64(), (wait + slack(wait)).as_secs_f64(), ds.len()),
        &[&s.reg.ex, &s.record.exchange],
    );
    if ds.len() >= 2 {
        let gap = ds[1].at.duration_since(ds[0].at);
        f.check(
            event_id(&ds[0]).is_some() && event_id(&ds[0]) == event_id(&ds[1]),
            || {
                format!(
                    "the retry after a timeout must carry the same event id: {:?} then {:?}",
                    event_id(&ds[0]),
                    event_id(&ds[1])
                )
            },
            &[&s.record.exchange],
        );
        f.check(
            gap >= t.mul_f64(0.8),
            || format!("the retry came {:.2} s after the first attempt, before the {:.1} s timeout had passed", gap.as_secs_f64(), t.as_secs_f64()),
            &[&s.record.exchange],
        );
    }
    if ctx.shared.config.webhooks.timeout_secs.is_some() {
        f.note(format!(
            "judged against the declared timeout of {:.1} s (the guide's is 10 s)",
            t.as_secs_f64()
        ));
    }
    f.outcome("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hmac_hex(secret: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn accepts_every_documented_encoding() {
        let body = b"what do ya want for nothing?";
        let hex = hmac_hex("Jefe", body);
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let raw = hex::decode(&hex).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&raw);
        for h in [
            hex.clone(),
            format!("sha256={hex}"),
            b64.clone(),
            format!("sha256={b64}"),
        ] {
            assert!(signature_matches("Jefe", body, &h), "{h}");
        }
        assert!(!signature_matches("Jefex", body, &format!("sha256={hex}")));
        assert!(!signature_matches("Jefe", b"other", &hex));
        assert!(!signature_matches("Jefe", body, "sha256=zz"));
    }

    #[test]
    fn timestamped_form() {
        let body = b"{}";
        let sig = hmac_hex("k", b"123.{}");
        assert!(signature_matches("k", body, &format!("t=123,v1={sig}")));
    }

    #[test]
    fn singular_names() {
        assert_eq!(singular("items"), "item");
        assert_eq!(singular("categories"), "category");
        assert_eq!(singular("pipeline-stages"), "pipeline_stage");
    }
}
