//! Requests every run sends first when observer rules are selected, so that headers, problem
//! bodies and request ids are judged on error paths too (401, 404, 405, 400, preflight), not
//! only on the happy path other rules walk, and so that an observer selected alone still sees a
//! collection and a single record (the first one the collection lists).

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
    if let Some(list) = list.clone() {
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
    // The 500 path, where the target offers a switch for it (the reference server's hooks):
    // one collection read while its database answers with unexpected errors.
    if let (Some(hooks), Some(list)) = (ctx.shared.hooks.as_ref(), list.as_ref()) {
        if hooks.set_dependency_broken(true) {
            ctx.send(Req::get(list.clone()).token("full").no_retry())
                .await;
            hooks.set_dependency_broken(false);
        }
    }
    // Every collection (up to a few), and the first record of each read alone: list and
    // single-resource responses of every kind for the observers to judge.
    let lists: Vec<String> = model
        .list_operations()
        .filter(|o| !o.public && o.path_params() == 0)
        .map(|o| o.full_path.clone())
        .take(WARMUP_COLLECTIONS)
        .collect();
    for list in lists {
        let ex = ctx.send(Req::get(list.clone()).token("full")).await;
        let first = (ex.status() == Some(200))
            .then(|| super::ctx::data(&ex))
            .flatten()
            .and_then(|d| d.as_array())
            .and_then(|rows| rows.first())
            .and_then(|row| row.get("id"))
            .and_then(|id| id.as_str())
            .map(|id| format!("{list}/{id}"));
        if let Some(path) = first {
            ctx.send(Req::get(path).token("full")).await;
        }
    }
}

/// Collections the warmup reads (two requests each).
const WARMUP_COLLECTIONS: usize = 8;
