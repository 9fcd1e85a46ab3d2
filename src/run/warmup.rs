//! Requests every run sends first when observer rules are selected, so that headers, problem
//! bodies and request ids are judged on error paths too (401, 404, 405, 400, preflight), not
//! only on the happy path other rules walk.

use reqwest::Method;

use super::ctx::Ctx;
use crate::client::Req;

pub async fn warmup(ctx: &Ctx) {
    let model = ctx.model();
    let list = model
        .list_operations()
        .find(|o| !o.public && o.path_params() == 0)
        .map(|o| o.full_path.clone());
    let mut reqs = vec![
        Req::get("/health/live"),
        Req::get(ctx.path("/openapi.json")),
        Req::get(ctx.path(&format!(
            "/zz-specgate-no-such-route-{}",
            &ctx.client().uuid()[..8]
        )))
        .token("full")
        .no_retry(),
    ];
    if let Some(list) = list {
        reqs.push(Req::get(list.clone()).token("full"));
        reqs.push(Req::get(list.clone()).no_retry());
        reqs.push(
            Req::new(Method::DELETE, list.clone())
                .token("full")
                .no_retry(),
        );
        reqs.push(
            Req::get(format!("{list}/{}", ctx.client().uuid()))
                .token("full")
                .no_retry(),
        );
        reqs.push(
            Req::new(Method::POST, list.clone())
                .token("full")
                .raw(b"{\"name\":".to_vec(), "application/json")
                .no_retry(),
        );
        reqs.push(
            Req::new(Method::OPTIONS, list)
                .header("origin", "https://specgate.invalid")
                .header("access-control-request-method", "GET")
                .no_retry(),
        );
    }
    for r in reqs {
        ctx.send(r).await;
    }
}
