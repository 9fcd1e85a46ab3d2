//! Family `async-jobs`: a long-running operation answers 202 with a job body and a Location;
//! the job is polled with backoff until it completes or fails (within `[async_jobs]
//! poll_timeout_secs`); a completed job links its result, a failed one carries an RFC 9457
//! error. The operation is the first documented one answering 202 (or `[async_jobs] path`);
//! a failing job comes from the documented conformance hook (`simulate_failure`) or from
//! `[async_jobs] failing_body`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use reqwest::Method;
use serde_json::{Value, json};

use super::proto::{self, seen, what};
use super::{Findings, Outcome, Rule};
use crate::client::{Exchange, Req};
use crate::run::{Ctx, data};

pub const RULES: &[Rule] = &[
    Rule::probe("async-jobs.202-with-job-body", &[], |c| job_body(c).boxed()),
    Rule::probe("async-jobs.202-location-header", &[], |c| {
        location(c).boxed()
    }),
    Rule::probe("async-jobs.status-values", &[], |c| {
        status_values(c).boxed()
    }),
    Rule::probe("async-jobs.completed-job-has-result", &[], |c| {
        completed_result(c).boxed()
    }),
    Rule::probe("async-jobs.failed-job-has-problem-error", &[], |c| {
        failed_error(c).boxed()
    }),
    Rule::probe("async-jobs.workspace-scoped", &["second_workspace"], |c| {
        workspace_scoped(c).boxed()
    }),
    Rule::probe("async-jobs.result-ttl-default-24h", &[], |c| ttl(c).boxed()),
];

const STATUSES: [&str; 4] = ["pending", "running", "completed", "failed"];

/// The async operation: (path, body, documented failure hook?).
struct AsyncOp {
    path: String,
    body: Value,
    hook: bool,
}

fn async_op(ctx: &Ctx) -> Option<AsyncOp> {
    let cfg = &ctx.shared.config.async_jobs;
    let op = match &cfg.path {
        Some(p) => proto::op(ctx, "POST", p).cloned(),
        None => ctx
            .model()
            .operations
            .iter()
            .find(|o| o.method == "POST" && o.responses.contains_key("202"))
            .cloned(),
    };
    let path = cfg
        .path
        .clone()
        .or_else(|| op.as_ref().map(|o| o.full_path.clone()))?;
    let example = op.as_ref().and_then(|o| {
        let content = o.raw.pointer("/requestBody/content/application~1json")?;
        content
            .get("examples")
            .and_then(Value::as_object)
            .and_then(|m| m.values().find_map(|e| e.get("value").cloned()))
            .or_else(|| content.get("example").cloned())
    });
    let hook = op.as_ref().is_some_and(|o| {
        let Some(schema) = o
            .request_body
            .as_ref()
            .and_then(|b| b.get("application/json").cloned().flatten())
        else {
            return false;
        };
        let model = ctx.model();
        model
            .doc
            .lookup(&schema.file, &format!("#{}", schema.pointer))
            .and_then(|(f, v)| model.doc.resolve(f, v))
            .is_some_and(|(f, s)| {
                crate::spec::walk::properties(&model.doc, f, s, true)
                    .contains_key("simulate_failure")
            })
    });
    let body = cfg
        .body
        .clone()
        .or(example)
        .or_else(|| op.as_ref().map(|o| proto::body_for(ctx, o)))
        .unwrap_or_else(|| json!({}));
    Some(AsyncOp { path, body, hook })
}

fn no_async() -> Outcome {
    Outcome::skipped(
        "the document has no operation answering 202 Accepted (set [async_jobs] path to name one)",
    )
}

/// Starts a job; returns the POST exchange and the job URL (Location, else links.self).
async fn start(ctx: &Ctx, path: &str, body: Value) -> (Arc<Exchange>, Option<String>) {
    let ex = ctx
        .send(
            Req::new(Method::POST, path.to_string())
                .token("full")
                .json(body)
                .no_retry(),
        )
        .await;
    let url = ex.header("location").map(str::to_string).or_else(|| {
        data(&ex)
            .and_then(|d| d.pointer("/links/self"))
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    (ex, url)
}

fn status_of(ex: &Exchange) -> Option<String> {
    data(ex)
        .and_then(|d| d.get("status"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn rank(s: &str) -> u8 {
    match s {
        "pending" => 0,
        "running" => 1,
        _ => 2,
    }
}

fn poll_timeout(ctx: &Ctx) -> Duration {
    proto::secs(
        ctx.shared
            .config
            .async_jobs
            .poll_timeout_secs
            .unwrap_or(60.0),
    )
}

/// Polls the job with backoff (100 ms, ×1.5, at most 2 s) until it is completed or failed,
/// or the configured bound passes. Returns every poll.
async fn poll(ctx: &Ctx, url: &str) -> Vec<Arc<Exchange>> {
    let started = Instant::now();
    let bound = poll_timeout(ctx);
    let mut delay = Duration::from_millis(100);
    let mut out = Vec::new();
    loop {
        tokio::time::sleep(delay).await;
        let ex = ctx
            .send(Req::get(url.to_string()).token("full").no_retry())
            .await;
        let done = status_of(&ex).is_some_and(|s| s == "completed" || s == "failed")
            || ex.status() != Some(200);
        out.push(ex);
        if done || started.elapsed() >= bound {
            return out;
        }
        delay = (delay.mul_f64(1.5)).min(Duration::from_secs(2));
    }
}

/// Starts a normal job and polls it to the end: (POST, polls).
async fn run_job(ctx: &Ctx) -> Result<(Arc<Exchange>, Vec<Arc<Exchange>>), Outcome> {
    let Some(op) = async_op(ctx) else {
        return Err(no_async());
    };
    let mut body = op.body.clone();
    if op.hook {
        body["simulate_failure"] = json!(false);
    }
    let (post, url) = start(ctx, &op.path, body).await;
    if post.status() != Some(202) {
        return Err(Outcome::failed(
            format!(
                "{}: expected 202 Accepted, got {}",
                what(&post),
                seen(&post)
            ),
            vec![post.seq],
        ));
    }
    let Some(url) = url else {
        return Err(Outcome::failed(
            format!(
                "{} → 202 gives neither a Location nor data.links.self to poll",
                what(&post)
            ),
            vec![post.seq],
        ));
    };
    let polls = poll(ctx, &url).await;
    Ok((post, polls))
}

async fn job_body(ctx: &Ctx) -> Outcome {
    let Some(op) = async_op(ctx) else {
        return no_async();
    };
    let mut body = op.body.clone();
    if op.hook {
        body["simulate_failure"] = json!(false);
    }
    let (ex, _) = start(ctx, &op.path, body).await;
    let d = data(&ex).cloned().unwrap_or(Value::Null);
    let mut problems = Vec::new();
    if ex.status() != Some(202) {
        problems.push(format!("status 202, got {}", ex.status().unwrap_or(0)));
    }
    if !d.get("job_id").is_some_and(Value::is_string) {
        problems.push("data.job_id".into());
    }
    if d.get("status").and_then(Value::as_str) != Some("pending") {
        problems.push(format!(
            "data.status \"pending\", got {}",
            d.get("status").unwrap_or(&Value::Null)
        ));
    }
    if !d.get("created_at").is_some_and(Value::is_string) {
        problems.push("data.created_at".into());
    }
    if !d.pointer("/links/self").is_some_and(Value::is_string) {
        problems.push("data.links.self".into());
    }
    let mut f = Findings::default();
    f.check(
        problems.is_empty(),
        || {
            format!(
                "{}: expected {} ({})",
                what(&ex),
                problems.join(", "),
                seen(&ex)
            )
        },
        &[&ex],
    );
    f.outcome("")
}

fn path_of(u: &str) -> String {
    url::Url::parse(u)
        .map(|u| u.path().to_string())
        .unwrap_or_else(|_| u.split('?').next().unwrap_or(u).to_string())
}

async fn location(ctx: &Ctx) -> Outcome {
    let Some(op) = async_op(ctx) else {
        return no_async();
    };
    let mut body = op.body.clone();
    if op.hook {
        body["simulate_failure"] = json!(false);
    }
    let (ex, _) = start(ctx, &op.path, body).await;
    let mut f = Findings::default();
    if ex.status() != Some(202) {
        f.fail(
            format!("{}: expected 202, got {}", what(&ex), seen(&ex)),
            &[&ex],
        );
        return f.outcome("");
    }
    let loc = ex.header("location").map(str::to_string);
    let own = data(&ex)
        .and_then(|d| d.pointer("/links/self"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let Some(loc) = loc else {
        f.fail(
            format!(
                "{} → 202 has no Location header (data.links.self is {own:?})",
                what(&ex)
            ),
            &[&ex],
        );
        return f.outcome("");
    };
    f.check(
        own.as_deref().map(path_of) == Some(path_of(&loc)),
        || {
            format!(
                "{} → 202: Location '{loc}' does not point where data.links.self does ({own:?})",
                what(&ex)
            )
        },
        &[&ex],
    );
    let job = ctx
        .send(Req::get(loc.clone()).token("full").no_retry())
        .await;
    let same = data(&job).and_then(|d| d.get("job_id")) == data(&ex).and_then(|d| d.get("job_id"));
    f.check(
        job.status() == Some(200) && same,
        || {
            format!(
                "GET {loc} (the 202's Location): expected 200 with the same job, got {}",
                seen(&job)
            )
        },
        &[&job, &ex],
    );
    f.outcome("")
}

async fn status_values(ctx: &Ctx) -> Outcome {
    let (post, polls) = match run_job(ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    let mut prev: Option<String> = status_of(&post);
    // The 202's job is the first status seen (a short job may finish before the first poll).
    if let Some(s) = &prev {
        f.check(
            STATUSES.contains(&s.as_str()),
            || {
                format!(
                    "{} → 202: status '{s}' is not one of pending, running, completed, failed",
                    what(&post)
                )
            },
            &[&post],
        );
    }
    for ex in &polls {
        let Some(s) = status_of(ex) else {
            f.fail(
                format!(
                    "{}: expected a job with data.status, got {}",
                    what(ex),
                    seen(ex)
                ),
                &[ex],
            );
            continue;
        };
        f.check(
            STATUSES.contains(&s.as_str()),
            || {
                format!(
                    "{}: status '{s}' is not one of pending, running, completed, failed",
                    what(ex)
                )
            },
            &[ex],
        );
        if let Some(p) = &prev {
            let back = rank(&s) < rank(p) || (rank(p) == 2 && &s != p);
            f.check(
                !back,
                || format!("{}: the job moved back from '{p}' to '{s}'", what(ex)),
                &[ex],
            );
        }
        prev = Some(s);
    }
    let last = polls.last();
    let terminal = last
        .and_then(|e| status_of(e))
        .is_some_and(|s| rank(&s) == 2);
    if let Some(l) = last {
        f.check(
            terminal,
            || format!("the job did not reach completed or failed within {:?} ({} polls with backoff; last: {})", poll_timeout(ctx), polls.len(), seen(l)),
            &[l],
        );
    }
    f.outcome("")
}

fn ts(v: Option<&Value>) -> Option<chrono::DateTime<chrono::Utc>> {
    v.and_then(Value::as_str)
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&chrono::Utc))
}

/// A completed job's final poll, or the outcome explaining why there is none.
async fn completed(ctx: &Ctx) -> Result<Arc<Exchange>, Outcome> {
    let (_, polls) = run_job(ctx).await?;
    let Some(last) = polls.last().cloned() else {
        return Err(Outcome::error("the job was never polled"));
    };
    match status_of(&last).as_deref() {
        Some("completed") => Ok(last),
        _ => Err(Outcome::failed(
            format!(
                "the job did not complete: last poll {} → {}",
                what(&last),
                seen(&last)
            ),
            vec![last.seq],
        )),
    }
}

async fn completed_result(ctx: &Ctx) -> Outcome {
    let last = match completed(ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let d = data(&last).cloned().unwrap_or(Value::Null);
    let mut f = Findings::default();
    let mut miss = Vec::new();
    if ts(d.get("completed_at")).is_none() {
        miss.push("completed_at (a timestamp)");
    }
    if d.get("progress").and_then(Value::as_f64) != Some(100.0) {
        miss.push("progress 100");
    }
    let download = d.pointer("/result/download_url").and_then(Value::as_str);
    if download.is_none() {
        miss.push("result.download_url");
    }
    if ts(d.pointer("/result/expires_at")).is_none() {
        miss.push("result.expires_at");
    }
    f.check(
        miss.is_empty(),
        || {
            format!(
                "{} (completed): expected {}, got {}",
                what(&last),
                miss.join(", "),
                seen(&last)
            )
        },
        &[&last],
    );
    if let Some(url) = download {
        f.check(
            url.starts_with('/'),
            || format!("result.download_url should be a relative link, got '{url}'"),
            &[&last],
        );
        let dl = ctx
            .send(Req::get(url.to_string()).token("full").no_retry())
            .await;
        f.check(
            dl.status() == Some(200),
            || {
                format!(
                    "GET {url} (the completed job's result): expected 200, got {}",
                    seen(&dl)
                )
            },
            &[&dl, &last],
        );
    }
    f.outcome("")
}

async fn failed_error(ctx: &Ctx) -> Outcome {
    let Some(op) = async_op(ctx) else {
        return no_async();
    };
    let body = match (&ctx.shared.config.async_jobs.failing_body, op.hook) {
        (Some(b), _) => b.clone(),
        (None, true) => {
            let mut b = op.body.clone();
            b["simulate_failure"] = json!(true);
            b
        }
        (None, false) => {
            return Outcome::skipped(
                "needs a job the target will fail: the document has no simulate_failure hook; set [async_jobs] failing_body",
            );
        }
    };
    let (post, url) = start(ctx, &op.path, body).await;
    let Some(url) = url.filter(|_| post.status() == Some(202)) else {
        return Outcome::failed(
            format!(
                "{} (a job meant to fail): expected 202 with a job to poll, got {}",
                what(&post),
                seen(&post)
            ),
            vec![post.seq],
        );
    };
    let polls = poll(ctx, &url).await;
    let Some(last) = polls.last() else {
        return Outcome::error("the job was never polled");
    };
    let d = data(last).cloned().unwrap_or(Value::Null);
    let mut f = Findings::default();
    if status_of(last).as_deref() != Some("failed") {
        f.fail(
            format!(
                "{}: the job meant to fail ended as {} (expected failed)",
                what(last),
                seen(last)
            ),
            &[last],
        );
        return f.outcome("");
    }
    let e = d.get("error").cloned().unwrap_or(Value::Null);
    let ok = e.get("type").is_some_and(Value::is_string)
        && e.get("title").is_some_and(Value::is_string)
        && e.get("status").is_some_and(Value::is_u64)
        && e.get("detail").is_some_and(Value::is_string);
    f.check(
        ok,
        || format!("{} (failed): expected error {{type, title, status, detail}} (RFC 9457), got error {e}", what(last)),
        &[last],
    );
    f.outcome("")
}

async fn workspace_scoped(ctx: &Ctx) -> Outcome {
    let Some(op) = async_op(ctx) else {
        return no_async();
    };
    let mut body = op.body.clone();
    if op.hook {
        body["simulate_failure"] = json!(false);
    }
    let (post, url) = start(ctx, &op.path, body).await;
    let Some(url) = url.filter(|_| post.status() == Some(202)) else {
        return Outcome::failed(
            format!(
                "{}: expected 202 with a job URL, got {}",
                what(&post),
                seen(&post)
            ),
            vec![post.seq],
        );
    };
    let ex = ctx
        .send(Req::get(url.clone()).token("second_workspace").no_retry())
        .await;
    let mut f = Findings::default();
    f.check(
        ex.status() == Some(404),
        || {
            format!(
                "GET {url} (workspace A's job) with workspace B's token: expected 404, got {}",
                seen(&ex)
            )
        },
        &[&ex, &post],
    );
    f.outcome("")
}

async fn ttl(ctx: &Ctx) -> Outcome {
    let last = match completed(ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let want = ctx
        .shared
        .config
        .async_jobs
        .result_ttl_secs
        .unwrap_or(86_400) as i64;
    let d = data(&last).cloned().unwrap_or(Value::Null);
    let (Some(done), Some(exp)) = (
        ts(d.get("completed_at")),
        ts(d.pointer("/result/expires_at")),
    ) else {
        return Outcome::failed(
            format!(
                "{} (completed): expected completed_at and result.expires_at, got {}",
                what(&last),
                seen(&last)
            ),
            vec![last.seq],
        );
    };
    let got = (exp - done).num_seconds();
    let mut f = Findings::default();
    f.check(
        (got - want).abs() <= 60,
        || format!("{}: result.expires_at - completed_at is {got} s, expected the documented TTL of {want} s (±60 s)", what(&last)),
        &[&last],
    );
    f.note("the actual expiry is not awaited (it takes the whole TTL)");
    f.outcome("")
}
