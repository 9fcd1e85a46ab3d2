//! Family `files`: uploads. Multipart `POST /files` (file, resource_type, resource_id) up to
//! 10 MB, built byte by byte here so the size cap can be probed at exactly 10 MB and one byte
//! more; the presigned flow for larger files (presign → PUT to the signed URL without the token
//! → confirm); documented and enforced MIME types; Content-MD5; association with a live record
//! of the caller's workspace; soft delete; and download URLs.

use std::sync::Arc;

use base64::Engine;
use futures_util::FutureExt;
use md5::{Digest, Md5};
use reqwest::Method;
use serde_json::{Value, json};

use super::writes::{self as w, Writable, seen};
use super::{Findings, Outcome, Rule};
use crate::client::{Exchange, Req};
use crate::run::Ctx;
use crate::run::fixtures;
use crate::spec::{ApiModel, Operation};

pub const RULES: &[Rule] = &[
    Rule::probe("files.multipart-upload", &[], |c| {
        multipart_upload(c).boxed()
    }),
    Rule::probe("files.direct-upload-max-10mb", &[], |c| size_cap(c).boxed()),
    Rule::probe("files.presigned-upload-flow", &[], |c| presigned(c).boxed()),
    Rule::probe("files.presigned-max-500mb", &[], |c| presign_cap(c).boxed()),
    Rule::probe(
        "files.allowed-mime-types-documented-and-enforced",
        &[],
        |c| mime(c).boxed(),
    ),
    Rule::probe("files.content-md5-optional-checksum", &[], |c| {
        md5(c).boxed()
    }),
    Rule::probe("files.associated-with-resource", &[], |c| {
        associated(c).boxed()
    }),
    Rule::probe("files.delete-is-soft", &[], |c| soft(c).boxed()),
    Rule::probe("files.download-urls-may-be-signed", &[], |c| {
        download(c).boxed()
    }),
];

const MB: usize = 1024 * 1024;
/// A media type no upload list allows.
const FORBIDDEN_TYPE: &str = "application/x-msdownload";

/// The upload endpoint as the document declares it.
struct Files<'m> {
    upload: &'m Operation,
    /// The files collection (list, soft-delete filters).
    list: Writable<'m>,
    max: usize,
    allowed: Vec<String>,
    resource_types: Vec<String>,
    presign: Option<&'m Operation>,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn files(model: &ApiModel) -> Result<Files<'_>, Outcome> {
    let upload = model
        .operations
        .iter()
        .find(|o| {
            o.method == "POST"
                && o.request_body
                    .as_ref()
                    .is_some_and(|b| b.contains_key("multipart/form-data"))
        })
        .ok_or_else(|| {
            Outcome::skipped("the document has no multipart/form-data upload operation")
        })?;
    let res = model
        .resources
        .iter()
        .find(|r| r.collection_path.as_deref() == Some(upload.full_path.as_str()))
        .ok_or_else(|| {
            Outcome::skipped(format!(
                "no collection at {} to list uploads",
                upload.full_path
            ))
        })?;
    let body = upload
        .raw
        .pointer("/requestBody/content/multipart~1form-data");
    let body = body.map(|b| model.doc.deref(b));
    let schema = body
        .and_then(|b| b.get("schema"))
        .map(|s| model.doc.deref(s).clone())
        .unwrap_or(Value::Null);
    let mut allowed = strings(upload.extensions.get("x-allowed-mime-types"));
    if allowed.is_empty() {
        if let Some(ct) = body
            .and_then(|b| b.pointer("/encoding/file/contentType"))
            .and_then(Value::as_str)
        {
            allowed = ct
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
    }
    let resource_types = schema
        .pointer("/properties/resource_type")
        .map(|p| strings(model.doc.deref(p).get("enum")))
        .unwrap_or_default();
    let max = upload
        .extensions
        .get("x-max-size-bytes")
        .and_then(Value::as_u64)
        .map(|n| n as usize)
        .unwrap_or(10 * MB);
    let presign = model
        .operations
        .iter()
        .find(|o| o.method == "POST" && o.full_path == format!("{}/presign", upload.full_path));
    Ok(Files {
        upload,
        list: w::writable_for(model, res),
        max,
        allowed,
        resource_types,
        presign,
    })
}

/// A multipart part.
enum Part<'a> {
    Field(&'a str, &'a str),
    File {
        filename: &'a str,
        content_type: &'a str,
        bytes: &'a [u8],
    },
}

/// `multipart/form-data` body and its Content-Type.
fn multipart(ctx: &Ctx, parts: &[Part<'_>]) -> (Vec<u8>, String) {
    let boundary = format!("specgate-{}", ctx.client().uuid());
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match p {
            Part::Field(name, value) => {
                out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Part::File {
                filename,
                content_type,
                bytes,
            } => {
                out.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(bytes);
                out.extend_from_slice(b"\r\n");
            }
        }
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (out, format!("multipart/form-data; boundary={boundary}"))
}

/// A live record a file may be attached to: (resource_type, id).
async fn owner(ctx: &Ctx, fs: &Files<'_>) -> Result<(String, String), Outcome> {
    for rt in &fs.resource_types {
        if let Some(r) = fixtures::referenced_resource(ctx.model(), &format!("{rt}_id")) {
            let c = fixtures::create(ctx, &r.name.clone(), json!({}))
                .await
                .map_err(Outcome::error)?;
            return Ok((rt.clone(), c.id));
        }
    }
    Err(Outcome::skipped(
        "the upload body documents no resource_type enum naming a resource the harness can create",
    ))
}

/// What to upload.
struct Upload<'a> {
    bytes: &'a [u8],
    content_type: &'a str,
    owner: Option<(&'a str, &'a str)>,
    /// Leave out resource_id (resource_type is still sent).
    drop_id: bool,
    content_md5: Option<String>,
}

async fn upload(ctx: &Ctx, fs: &Files<'_>, u: Upload<'_>) -> Arc<Exchange> {
    let filename = format!("specgate-{}.txt", &ctx.client().uuid()[..8]);
    let mut parts = vec![Part::File {
        filename: &filename,
        content_type: u.content_type,
        bytes: u.bytes,
    }];
    if let Some((rt, id)) = u.owner {
        parts.push(Part::Field("resource_type", rt));
        if !u.drop_id {
            parts.push(Part::Field("resource_id", id));
        }
    }
    let (body, ctype) = multipart(ctx, &parts);
    let mut req = Req::new(Method::POST, fs.upload.full_path.clone())
        .token("full")
        .raw(body, &ctype)
        .no_retry();
    if let Some(m) = u.content_md5 {
        req = req.header("content-md5", m);
    }
    let ex = ctx.send(req).await;
    w::remember(ctx, &fs.list, &ex);
    ex
}

fn text_type(fs: &Files<'_>) -> String {
    fs.allowed
        .iter()
        .find(|t| t.starts_with("text/"))
        .or_else(|| fs.allowed.first())
        .cloned()
        .unwrap_or_else(|| "text/plain".into())
}

fn ok2xx(ex: &Exchange) -> bool {
    ex.status().is_some_and(|s| (200..300).contains(&s))
}

/// Setup shared by the upload rules: the endpoint and an owner record.
async fn setup(ctx: &Ctx) -> Result<(Files<'_>, (String, String)), Outcome> {
    let fs = files(ctx.model())?;
    let own = owner(ctx, &fs).await?;
    Ok((fs, own))
}

async fn multipart_upload(ctx: &Ctx) -> Outcome {
    let (fs, (rt, id)) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let bytes = b"hello from specgate\n";
    let ct = text_type(&fs);
    let r = upload(
        ctx,
        &fs,
        Upload {
            bytes,
            content_type: &ct,
            owner: Some((&rt, &id)),
            drop_id: false,
            content_md5: None,
        },
    )
    .await;
    let d = w::data_of(&r);
    let mut f = Findings::default();
    f.check(
        r.status() == Some(201) && d.get("id").is_some_and(Value::is_string),
        || format!("POST {} (multipart/form-data: file, resource_type, resource_id) with a {}-byte {ct} file: expected 201 with {{\"data\": {{\"id\", …}}}}, got {}", fs.upload.full_path, bytes.len(), seen(&r)),
        &[&r],
    );
    if let Some(size) = d.get("size_bytes") {
        f.check(
            size.as_u64() == Some(bytes.len() as u64),
            || {
                format!(
                    "POST {} → {}: expected size_bytes {}, got {size}",
                    fs.upload.full_path,
                    r.status().unwrap_or(0),
                    bytes.len()
                )
            },
            &[&r],
        );
    }
    f.outcome("")
}

/// A refusal of an oversized body: 413/422 problem+json passes, 400 is a warning (C29).
fn refused_too_large(f: &mut Findings, ex: &Exchange, what: &str) {
    let status = ex.status().unwrap_or(0);
    if status == 400 && w::is_problem(ex) {
        f.checked += 1;
        f.note(format!(
            "C29 (warning): {what} was refused with 400; 413 or 422 is expected"
        ));
        return;
    }
    f.check(
        matches!(status, 413 | 422) && w::is_problem(ex),
        || format!("{what}: expected 413 or 422 problem+json, got {}", seen(ex)),
        &[ex],
    );
}

async fn size_cap(ctx: &Ctx) -> Outcome {
    let (fs, (rt, id)) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let ct = text_type(&fs);
    let mut f = Findings::default();
    let at = vec![b'a'; fs.max];
    let r = upload(
        ctx,
        &fs,
        Upload {
            bytes: &at,
            content_type: &ct,
            owner: Some((&rt, &id)),
            drop_id: false,
            content_md5: None,
        },
    )
    .await;
    f.check(
        ok2xx(&r),
        || format!("POST {} with a file of exactly {} bytes (the documented maximum): expected 201, got {}", fs.upload.full_path, fs.max, seen(&r)),
        &[&r],
    );
    drop(at);
    let over = vec![b'a'; fs.max + 1];
    let r2 = upload(
        ctx,
        &fs,
        Upload {
            bytes: &over,
            content_type: &ct,
            owner: Some((&rt, &id)),
            drop_id: false,
            content_md5: None,
        },
    )
    .await;
    refused_too_large(
        &mut f,
        &r2,
        &format!(
            "POST {} with a file of {} bytes (one over the maximum)",
            fs.upload.full_path,
            fs.max + 1
        ),
    );
    f.outcome("")
}

/// The presign request body, with `size` and `content_type`.
fn presign_body(size: u64, content_type: &str, rt: &str, id: &str) -> Value {
    json!({
        "filename": "specgate-large.txt",
        "content_type": content_type,
        "size_bytes": size,
        "resource_type": rt,
        "resource_id": id,
    })
}

async fn presigned(ctx: &Ctx) -> Outcome {
    let (fs, (rt, id)) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let Some(presign) = fs.presign else {
        return Outcome::skipped(format!(
            "the document has no POST {}/presign",
            fs.upload.full_path
        ));
    };
    let size = 11 * MB;
    let ct = text_type(&fs);
    let p = ctx
        .send(
            Req::new(Method::POST, presign.full_path.clone())
                .token("full")
                .json(presign_body(size as u64, &ct, &rt, &id))
                .no_retry(),
        )
        .await;
    let d = w::data_of(&p);
    let (url, file_id) = (
        d.get("upload_url")
            .and_then(Value::as_str)
            .map(str::to_string),
        d.get("file_id").and_then(Value::as_str).map(str::to_string),
    );
    let mut f = Findings::default();
    f.check(
        ok2xx(&p) && url.is_some() && file_id.is_some() && d.get("expires_at").is_some_and(Value::is_string),
        || format!("POST {} for an {size}-byte file: expected 2xx with data.upload_url, data.file_id and data.expires_at, got {}", presign.full_path, seen(&p)),
        &[&p],
    );
    let (Some(url), Some(file_id)) = (url, file_id) else {
        return f.outcome("");
    };
    ctx.remember_created(&fs.upload.full_path, &file_id);
    // The signed URL is the credential: no token goes with it.
    let put = ctx
        .send(
            Req::new(Method::PUT, url.clone())
                .raw(vec![b'b'; size], &ct)
                .no_retry(),
        )
        .await;
    if put.response.is_none() {
        return Outcome::skipped(format!(
            "the upload URL could not be reached from the harness ({}): storage-reachable is needed",
            put.error.clone().unwrap_or_default()
        ));
    }
    f.check(
        ok2xx(&put),
        || format!("PUT {} (the presigned upload URL, no Authorization) with {size} bytes: expected 2xx, got {}", put.path(), seen(&put)),
        &[&p, &put],
    );
    let confirm = format!("{}/{file_id}/confirm", fs.upload.full_path);
    let c = ctx
        .send(
            Req::new(Method::POST, confirm.clone())
                .token("full")
                .no_retry(),
        )
        .await;
    let cd = w::data_of(&c);
    f.check(
        c.status() == Some(200)
            && cd.get("id").and_then(Value::as_str) == Some(file_id.as_str())
            && cd.get("size_bytes").is_none_or(|s| s.as_u64() == Some(size as u64)),
        || format!("POST {confirm} after the upload: expected 200 with the file ({size} bytes) as data, got {}", seen(&c)),
        &[&put, &c],
    );
    f.outcome("")
}

async fn presign_cap(ctx: &Ctx) -> Outcome {
    let (fs, (rt, id)) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let Some(presign) = fs.presign else {
        return Outcome::skipped(format!(
            "the document has no POST {}/presign",
            fs.upload.full_path
        ));
    };
    let max = w::body_props(ctx.model(), presign)
        .iter()
        .find(|p| p.name == "size_bytes")
        .and_then(|p| p.schema.get("maximum").and_then(Value::as_u64))
        .unwrap_or(500 * MB as u64);
    let ct = text_type(&fs);
    let p = ctx
        .send(
            Req::new(Method::POST, presign.full_path.clone())
                .token("full")
                .json(presign_body(max + 1, &ct, &rt, &id))
                .no_retry(),
        )
        .await;
    if let Some(fid) = w::data_of(&p).get("file_id").and_then(Value::as_str) {
        ctx.remember_created(&fs.upload.full_path, fid);
    }
    let mut f = Findings::default();
    refused_too_large(
        &mut f,
        &p,
        &format!(
            "POST {} with size_bytes {} (one over 500 MB)",
            presign.full_path,
            max + 1
        ),
    );
    f.outcome("")
}

async fn mime(ctx: &Ctx) -> Outcome {
    let (fs, (rt, id)) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    f.check(
        !fs.allowed.is_empty(),
        || format!("POST {} ({}): expected the allowed MIME types documented (x-allowed-mime-types or encoding.file.contentType), found none", fs.upload.full_path, fs.upload.operation_id.as_deref().unwrap_or("no operationId")),
        &[],
    );
    let forbidden = if fs.allowed.iter().any(|a| a == FORBIDDEN_TYPE) {
        "application/x-specgate-undocumented"
    } else {
        FORBIDDEN_TYPE
    };
    let r = upload(
        ctx,
        &fs,
        Upload {
            bytes: b"MZ specgate",
            content_type: forbidden,
            owner: Some((&rt, &id)),
            drop_id: false,
            content_md5: None,
        },
    )
    .await;
    f.check(
        matches!(r.status(), Some(415 | 422)) && w::is_problem(&r),
        || format!("POST {} with a {forbidden} file (not among {:?}): expected 415 or 422 problem+json, got {}", fs.upload.full_path, fs.allowed, seen(&r)),
        &[&r],
    );
    f.outcome("")
}

async fn md5(ctx: &Ctx) -> Outcome {
    let (fs, (rt, id)) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let bytes = b"checksummed by specgate\n";
    let b64 = |d: &[u8]| base64::engine::general_purpose::STANDARD.encode(Md5::digest(d));
    let ct = text_type(&fs);
    let mut f = Findings::default();
    let good = upload(
        ctx,
        &fs,
        Upload {
            bytes,
            content_type: &ct,
            owner: Some((&rt, &id)),
            drop_id: false,
            content_md5: Some(b64(bytes)),
        },
    )
    .await;
    f.check(
        ok2xx(&good),
        || {
            format!(
                "POST {} with a correct Content-MD5 ({}): expected 201, got {}",
                fs.upload.full_path,
                b64(bytes),
                seen(&good)
            )
        },
        &[&good],
    );
    let wrong = b64(b"something else");
    let bad = upload(
        ctx,
        &fs,
        Upload {
            bytes,
            content_type: &ct,
            owner: Some((&rt, &id)),
            drop_id: false,
            content_md5: Some(wrong.clone()),
        },
    )
    .await;
    match bad.status() {
        Some(400 | 422) => f.checked += 1,
        other => f.note(format!(
            "C29 (warning): a wrong Content-MD5 ({wrong}) should be refused with 400 or 422, got {} (seq {})",
            other.map(|s| s.to_string()).unwrap_or_else(|| "no response".into()),
            bad.seq
        )),
    }
    f.outcome("")
}

async fn associated(ctx: &Ctx) -> Outcome {
    let (fs, (rt, id)) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let ct = text_type(&fs);
    let bytes = b"orphan\n";
    let mut f = Findings::default();
    let none = upload(
        ctx,
        &fs,
        Upload {
            bytes,
            content_type: &ct,
            owner: Some((&rt, &id)),
            drop_id: true,
            content_md5: None,
        },
    )
    .await;
    f.check(
        none.status() == Some(422) && w::is_problem(&none),
        || {
            format!(
                "POST {} without resource_id: expected 422 problem+json, got {}",
                fs.upload.full_path,
                seen(&none)
            )
        },
        &[&none],
    );
    let unknown = ctx.client().uuid();
    let u = upload(
        ctx,
        &fs,
        Upload {
            bytes,
            content_type: &ct,
            owner: Some((&rt, &unknown)),
            drop_id: false,
            content_md5: None,
        },
    )
    .await;
    f.check(
        matches!(u.status(), Some(422 | 404)) && w::is_problem(&u),
        || format!("POST {} with resource_id {unknown} (no such {rt}): expected 422 (or 404) problem+json, got {}", fs.upload.full_path, seen(&u)),
        &[&u],
    );
    if ctx.has("second_workspace") {
        if let Some(r) = fixtures::referenced_resource(ctx.model(), &format!("{rt}_id")) {
            let other = w::writable_for(ctx.model(), r);
            let body = w::create_body(ctx, &other, Some(&ctx.unique_name("other")), json!({}));
            let c = ctx
                .send(
                    Req::new(Method::POST, other.collection.clone())
                        .token("second_workspace")
                        .json(body),
                )
                .await;
            if let Some(oid) = w::data_of(&c)
                .get("id")
                .and_then(Value::as_str)
                .map(str::to_string)
            {
                let x = upload(
                    ctx,
                    &fs,
                    Upload {
                        bytes,
                        content_type: &ct,
                        owner: Some((&rt, &oid)),
                        drop_id: false,
                        content_md5: None,
                    },
                )
                .await;
                f.check(
                    matches!(x.status(), Some(422 | 404)) && w::is_problem(&x),
                    || format!("POST {} with the id of another workspace's {rt} ({oid}): expected 422 (or 404) problem+json, got {}", fs.upload.full_path, seen(&x)),
                    &[&x, &c],
                );
                ctx.send(Req::new(Method::DELETE, other.item(&oid)).token("second_workspace"))
                    .await;
            }
        }
    } else {
        f.note("no second_workspace token: the cross-tenant upload was not tried");
    }
    f.outcome("")
}

async fn soft(ctx: &Ctx) -> Outcome {
    let (fs, (rt, id)) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let ct = text_type(&fs);
    let r = upload(
        ctx,
        &fs,
        Upload {
            bytes: b"to be deleted\n",
            content_type: &ct,
            owner: Some((&rt, &id)),
            drop_id: false,
            content_md5: None,
        },
    )
    .await;
    let Some(fid) = w::data_of(&r)
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Outcome::error(format!(
            "POST {}: could not upload a file to delete: {}",
            fs.upload.full_path,
            seen(&r)
        ));
    };
    let path = fs.list.item(&fid);
    let d = w::delete(ctx, &path).await;
    let mut f = Findings::default();
    f.check(
        d.status() == Some(204),
        || format!("DELETE {path}: expected 204, got {}", seen(&d)),
        &[&d],
    );
    let (live, a) = w::find_in_list(ctx, &fs.list, &fid, "").await;
    f.check(
        live == Some(false),
        || {
            format!(
                "after DELETE {path}: expected the file gone from GET {}, got {}",
                fs.list.collection,
                a.last().map(|e| seen(e)).unwrap_or_default()
            )
        },
        &a.iter()
            .map(|e| e.as_ref())
            .chain([d.as_ref()])
            .collect::<Vec<_>>(),
    );
    let (kept, b) = w::find_in_list(ctx, &fs.list, &fid, "filter[deleted_at][null]=false").await;
    f.check(
        kept == Some(true),
        || format!("after DELETE {path}: expected the file in GET {}?filter[deleted_at][null]=false (a soft delete keeps it), got {}", fs.list.collection, b.last().map(|e| seen(e)).unwrap_or_default()),
        &b.iter().map(|e| e.as_ref()).chain([d.as_ref()]).collect::<Vec<_>>(),
    );
    f.note("C04: only the deleted file's presence with filter[deleted_at][null]=false is asserted");
    f.outcome("")
}

/// Query parameter names that mark a signed URL.
const SIGNATURE_PARAMS: &[&str] = &[
    "signature",
    "sig",
    "x-amz-signature",
    "token",
    "expires",
    "x-goog-signature",
];

async fn download(ctx: &Ctx) -> Outcome {
    let (fs, (rt, id)) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let ct = text_type(&fs);
    let bytes = b"download me\n";
    let r = upload(
        ctx,
        &fs,
        Upload {
            bytes,
            content_type: &ct,
            owner: Some((&rt, &id)),
            drop_id: false,
            content_md5: None,
        },
    )
    .await;
    let d = w::data_of(&r);
    let Some(fid) = d.get("id").and_then(Value::as_str) else {
        return Outcome::error(format!(
            "POST {}: could not upload a file: {}",
            fs.upload.full_path,
            seen(&r)
        ));
    };
    let url = d
        .pointer("/links/download")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}/download", fs.list.item(fid)));
    let g = ctx
        .send(Req::get(url.clone()).token("full").no_retry())
        .await;
    let mut f = Findings::default();
    f.check(
        g.status() == Some(200)
            && g.response
                .as_ref()
                .is_some_and(|x| x.body.as_bytes() == bytes),
        || {
            format!(
                "GET {url} (the file's download URL): expected 200 with the uploaded bytes, got {}",
                seen(&g)
            )
        },
        &[&r, &g],
    );
    let signed = url::Url::parse("http://x.invalid")
        .and_then(|b| b.join(&url))
        .ok()
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| SIGNATURE_PARAMS.contains(&k.to_ascii_lowercase().as_str()))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
        });
    match signed {
        Some((k, v)) => {
            let tampered = url.replace(&format!("{k}={v}"), &format!("{k}={}x", v));
            let t = ctx.send(Req::get(tampered.clone()).no_retry()).await;
            f.check(
                t.status().is_some_and(|s| (400..500).contains(&s)),
                || format!("GET {tampered} (the signed download URL with its {k} altered): expected a 4xx refusal, got {}", seen(&t)),
                &[&t],
            );
            f.note("the download URL is signed; expiry itself is not waited for");
        }
        None => f.note(format!(
            "the download URL ({url}) is not signed (allowed: signing is optional); it was checked to serve the file"
        )),
    }
    f.outcome("")
}
