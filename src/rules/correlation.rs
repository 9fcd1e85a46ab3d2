//! Family `correlation`: X-Request-Id generated when absent, echoed when sent, present on every
//! response (errors, 204, 304, 429 and public endpoints included), and W3C `traceparent`
//! accepted.

use futures_util::FutureExt;

use super::observe::{self, line, request_line, seen};
use super::{Findings, Outcome, Rule, Verdict};
use crate::client::{Exchange, Req, RequestId};
use crate::run::Ctx;
use crate::spec::ApiModel;

pub const RULES: &[Rule] = &[
    Rule::probe("correlation.generated-uuid-when-absent", &[], |c| {
        generated(c).boxed()
    }),
    Rule::probe("correlation.client-id-echoed", &[], |c| echoed(c).boxed()),
    Rule::observer("correlation.on-every-response", every),
    Rule::probe("correlation.traceparent-supported", &[], |c| {
        traceparent(c).boxed()
    }),
];

/// A cheap authenticated request (a list), or the liveness probe when the document has none.
fn target(ctx: &Ctx) -> (String, bool) {
    match observe::plain_list(ctx.model()) {
        Some(op) => (op.full_path.clone(), true),
        None => ("/health/live".into(), false),
    }
}

fn request(ctx: &Ctx) -> Req {
    let (path, auth) = target(ctx);
    let r = Req::get(path);
    if auth { r.token("full") } else { r }
}

async fn generated(ctx: &Ctx) -> Outcome {
    let a = ctx.send(request(ctx).request_id(RequestId::Omit)).await;
    let b = ctx.send(request(ctx).request_id(RequestId::Omit)).await;
    let mut f = Findings::default();
    for ex in [&a, &b] {
        let id = ex.header("x-request-id");
        f.check(
            id.is_some_and(|v| uuid::Uuid::parse_str(v).is_ok()),
            || {
                format!(
                    "{} without X-Request-Id: expected the server to generate a UUID in X-Request-Id, got {}",
                    request_line(ex),
                    id.map(|v| format!("\"{v}\"")).unwrap_or_else(|| "no such header".into())
                )
            },
            &[ex],
        );
    }
    if let (Some(x), Some(y)) = (a.header("x-request-id"), b.header("x-request-id")) {
        f.check(
            x != y,
            || {
                format!(
                    "two requests without X-Request-Id both got \"{x}\": a generated id must be new for every request"
                )
            },
            &[&a, &b],
        );
    }
    f.outcome("")
}

async fn echoed(ctx: &Ctx) -> Outcome {
    let id = ctx.client().uuid();
    let ex = ctx
        .send(request(ctx).request_id(RequestId::Given(id.clone())))
        .await;
    let got = ex.header("x-request-id");
    let mut f = Findings::default();
    f.check(
        got == Some(id.as_str()),
        || {
            format!(
                "{} with X-Request-Id: {id}: expected the same value back, got {}",
                request_line(&ex),
                got.map(|v| format!("\"{v}\""))
                    .unwrap_or_else(|| "no such header".into())
            )
        },
        &[&ex],
    );
    f.outcome("")
}

fn every(_: &ApiModel, ex: &Exchange) -> Verdict {
    let r = ex.response.as_ref()?;
    let v = r.header("x-request-id").unwrap_or("").trim();
    Some(if v.is_empty() {
        Err(format!(
            "{}: expected an X-Request-Id header, got none ({})",
            line(ex),
            seen(ex)
        ))
    } else {
        Ok(())
    })
}

async fn traceparent(ctx: &Ctx) -> Outcome {
    let trace = ctx.client().uuid().replace('-', "");
    let span = &ctx.client().uuid().replace('-', "")[..16];
    let tp = format!("00-{trace}-{span}-01");
    let ex = ctx
        .send(request(ctx).header("traceparent", tp.clone()).no_retry())
        .await;
    let mut f = Findings::default();
    f.check(
        ex.status().is_some_and(|s| (200..300).contains(&s)),
        || {
            format!(
                "{} with traceparent: {tp}: expected a normal 2xx (the header must be supported, not rejected), got {}",
                request_line(&ex),
                seen(&ex)
            )
        },
        &[&ex],
    );
    f.note(
        "propagation of the trace context is not visible from outside; only acceptance is judged",
    );
    f.outcome("")
}
