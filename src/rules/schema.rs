//! Family `schema` (specgate's own): every JSON response body validates against the schema the
//! document declares for its operation, status and media type. The validators come from the
//! model (`ApiModel::schemas`), compiled once per schema location and shared by the run.

use super::{Rule, Verdict};
use crate::client::Exchange;
use crate::spec::{ApiModel, walk};

pub const RULES: &[Rule] = &[Rule::observer(
    "schema.response-body-matches-schema",
    body_matches,
)];

/// How many violations one finding lists.
const SHOWN: usize = 5;

fn body_matches(model: &ApiModel, ex: &Exchange) -> Verdict {
    let resp = ex.response.as_ref()?;
    if resp.truncated {
        return None;
    }
    let json = resp.json.as_ref()?;
    let media = resp.media_type()?;
    if !walk::is_json(&media) {
        return None;
    }
    let method = ex.request.method.as_str();
    let path = ex.path();
    let op = model.find_operation(method, &path)?;
    // An undocumented status or media type is openapi-endpoint.responses-match-documented-contract's.
    let spec = op.response_for(resp.status)?;
    let schema = spec
        .content
        .get(&media)
        .or_else(|| {
            spec.content
                .iter()
                .find(|(d, _)| super::openapi_endpoint::media_covered(d, &media))
                .map(|(_, s)| s)
        })?
        .as_ref()?;
    let head = format!("{method} {path} → {}", resp.status);
    let store = match model.schemas() {
        Ok(s) => s,
        Err(e) => {
            return Some(Err(format!(
                "{head}: the body cannot be validated, the document's schemas do not register: {e}"
            )));
        }
    };
    Some(match store.validate(schema, json) {
        Ok(v) if v.is_empty() => Ok(()),
        Ok(v) => Err(format!(
            "{head}: the {media} body does not match the schema at #{} ({} violation{}): {}",
            schema.pointer,
            v.len(),
            if v.len() == 1 { "" } else { "s" },
            v.iter()
                .take(SHOWN)
                .map(|x| format!(
                    "{} at '{}'",
                    x.message,
                    if x.instance_path.is_empty() {
                        "/"
                    } else {
                        &x.instance_path
                    }
                ))
                .collect::<Vec<_>>()
                .join("; ")
        )),
        Err(e) => Err(format!("{head}: the documented schema cannot be used: {e}")),
    })
}
