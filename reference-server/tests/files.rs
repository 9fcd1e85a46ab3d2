//! `files.*`: multipart upload, size limits, presigned flow, MIME types, Content-MD5,
//! attachment to a resource, soft delete and download.

mod common;
mod helpers;

use base64::Engine;
use common::{TestServer, assert_problem, header, parts};
use md5::{Digest, Md5};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const MB: usize = 1024 * 1024;

fn form(data: Vec<u8>, mime: &str, resource_type: &str, resource_id: &str) -> Form {
    Form::new()
        .part(
            "file",
            Part::bytes(data)
                .file_name("report.txt")
                .mime_str(mime)
                .unwrap(),
        )
        .text("resource_type", resource_type.to_string())
        .text("resource_id", resource_id.to_string())
}

async fn upload(s: &TestServer, f: Form) -> (u16, reqwest::header::HeaderMap, Value) {
    parts(
        s.req(Method::POST, "/api/v1/files", Some("full"))
            .multipart(f)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn item_id(s: &TestServer) -> String {
    s.create_item(json!({"name": helpers::unique("file-owner")}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn multipart_upload_returns_201_with_file_metadata() {
    let s = common::start().await;
    let owner = item_id(&s).await;
    let content = b"hello, files".to_vec();
    let (st, h, b) = upload(&s, form(content.clone(), "text/plain", "item", &owner)).await;
    assert_eq!(st, 201, "{b}");
    assert_eq!(header(&h, "content-type"), Some("application/json"));
    let d = &b["data"];
    helpers::assert_uuid_v4(&d["id"], "file id");
    let id = d["id"].as_str().unwrap();
    assert_eq!(
        header(&h, "location"),
        Some(format!("/api/v1/files/{id}").as_str())
    );
    assert!(header(&h, "etag").is_some());
    assert_eq!(d["filename"], "report.txt");
    assert_eq!(d["content_type"], "text/plain");
    assert_eq!(d["size_bytes"], content.len());
    assert_eq!(d["checksum_md5"], hex::encode(Md5::digest(&content)));
    assert_eq!(d["resource_type"], "item");
    assert_eq!(d["resource_id"], owner.as_str());
    assert_eq!(d["status"], "uploaded");
    assert_eq!(d["deleted_at"], Value::Null);
    helpers::assert_utc_timestamp(&d["inserted_at"], "inserted_at");
    assert_eq!(d["links"]["self"], format!("/api/v1/files/{id}"));
    // GET and download.
    let (st, _, got) = parts(s.get(&format!("/api/v1/files/{id}"), "full").await).await;
    assert_eq!(st, 200);
    assert_eq!(got["data"], *d);
    let r = s
        .get(d["links"]["download"].as_str().unwrap(), "full")
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(r.headers(), "content-type"), Some("text/plain"));
    assert!(
        header(r.headers(), "content-disposition")
            .unwrap()
            .contains("report.txt")
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), content);
}

#[tokio::test]
async fn direct_uploads_are_limited_to_10_mb() {
    let s = common::start().await;
    let owner = item_id(&s).await;
    let (st, _, b) = upload(&s, form(vec![b'a'; 10 * MB], "text/plain", "item", &owner)).await;
    assert_eq!(st, 201, "exactly 10 MB is accepted: {b}");
    assert_eq!(b["data"]["size_bytes"], 10 * MB);
    let (st, h, b) = upload(
        &s,
        form(vec![b'a'; 10 * MB + 1], "text/plain", "item", &owner),
    )
    .await;
    assert!(st == 413 || st == 422, "{st}");
    assert_eq!(header(&h, "content-type"), Some("application/problem+json"));
    assert_eq!(b["status"], st);
    if st == 422 {
        assert_eq!(b["errors"]["file"], json!(["too_long"]));
    }
    // Far over the limit: refused before the body is read in full.
    let (st, h, b) = upload(&s, form(vec![b'a'; 12 * MB], "text/plain", "item", &owner)).await;
    assert!(st == 413 || st == 422, "{st}");
    assert_eq!(header(&h, "content-type"), Some("application/problem+json"));
    assert_eq!(b["status"], st);
    // Only the 10 MB file exists.
    let (_, _, list) = parts(s.get("/api/v1/files", "full").await).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn presigned_upload_flow_for_large_files() {
    let s = common::start().await;
    let owner = item_id(&s).await;
    let size = 11 * MB;
    let (st, h, b) = parts(
        s.post(
            "/api/v1/files/presign",
            "full",
            &json!({"filename": "large.csv", "content_type": "text/csv", "size_bytes": size,
                    "resource_type": "item", "resource_id": owner}),
        )
        .await,
    )
    .await;
    assert!(st == 200 || st == 201, "{st}: {b}");
    assert_eq!(header(&h, "content-type"), Some("application/json"));
    let d = &b["data"];
    helpers::assert_uuid_v4(&d["file_id"], "file_id");
    helpers::assert_utc_timestamp(&d["expires_at"], "expires_at");
    assert!(helpers::parse_ts(&d["expires_at"]) > chrono::Utc::now());
    let upload_url = d["upload_url"].as_str().unwrap();
    let file_id = d["file_id"].as_str().unwrap();
    // Pending until confirmed.
    let (_, _, f) = parts(s.get(&format!("/api/v1/files/{file_id}"), "full").await).await;
    assert_eq!(f["data"]["status"], "pending");
    // Confirming before the upload fails with upload-failed.
    let confirm = format!("/api/v1/files/{file_id}/confirm");
    let (st, h, e) = parts(
        s.req(Method::POST, &confirm, Some("full"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_problem(st, &h, &e, 422, "upload-failed");
    assert_eq!(e["title"], "Upload Failed");
    // Upload the bytes to the signed URL (no token: the URL is the credential).
    let data = vec![b'z'; size];
    let r = s
        .client
        .put(s.url(upload_url))
        .header("content-type", "text/csv")
        .body(data.clone())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    // Confirm.
    let (st, _, c) = parts(
        s.req(Method::POST, &confirm, Some("full"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["data"]["id"], file_id);
    assert_eq!(c["data"]["status"], "uploaded");
    assert_eq!(c["data"]["size_bytes"], size);
    assert_eq!(c["data"]["checksum_md5"], hex::encode(Md5::digest(&data)));
    let r = s
        .get(&format!("/api/v1/files/{file_id}/download"), "full")
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().len(), size);
}

#[tokio::test]
async fn presigned_urls_need_the_right_signature() {
    let s = common::start().await;
    let owner = item_id(&s).await;
    let (_, _, b) = parts(
        s.post(
            "/api/v1/files/presign",
            "full",
            &json!({"filename": "a.txt", "content_type": "text/plain", "size_bytes": 5,
                    "resource_type": "item", "resource_id": owner}),
        )
        .await,
    )
    .await;
    let file_id = b["data"]["file_id"].as_str().unwrap();
    for url in [
        format!("/api/v1/uploads/{file_id}?signature=wrong"),
        format!("/api/v1/uploads/{file_id}"),
        format!("/api/v1/uploads/{}?signature=x", uuid::Uuid::new_v4()),
    ] {
        let r = s
            .client
            .put(s.url(&url))
            .body("hello")
            .send()
            .await
            .unwrap();
        let (st, h, e) = parts(r).await;
        assert_problem(st, &h, &e, 404, "not-found");
    }
    // More bytes than reserved are refused.
    let r = s
        .client
        .put(s.url(b["data"]["upload_url"].as_str().unwrap()))
        .body("hello world")
        .send()
        .await
        .unwrap();
    let (st, h, e) = parts(r).await;
    assert!(st == 413 || st == 422, "{st}");
    assert_eq!(header(&h, "content-type"), Some("application/problem+json"));
    assert_eq!(e["status"], st);
}

#[tokio::test]
async fn presigned_uploads_are_limited_to_500_mb() {
    let s = common::start().await;
    let owner = item_id(&s).await;
    let presign = |size: u64| {
        json!({"filename": "v.pdf", "content_type": "application/pdf", "size_bytes": size,
               "resource_type": "item", "resource_id": owner})
    };
    let (st, _, _) = parts(
        s.post("/api/v1/files/presign", "full", &presign(524_288_000))
            .await,
    )
    .await;
    assert!(st == 200 || st == 201, "500 MB exactly is allowed: {st}");
    let (st, h, b) = parts(
        s.post("/api/v1/files/presign", "full", &presign(524_288_001))
            .await,
    )
    .await;
    assert_problem(st, &h, &b, 422, "validation-failed");
    assert_eq!(b["errors"]["size_bytes"], json!(["less_than"]));
}

#[tokio::test]
async fn only_allowed_mime_types_are_accepted() {
    let s = common::start().await;
    let owner = item_id(&s).await;
    for mime in ["application/x-msdownload", "text/html", "video/mp4"] {
        let (st, h, b) = upload(&s, form(b"MZ".to_vec(), mime, "item", &owner)).await;
        assert!(st == 415 || st == 422, "{mime}: {st}");
        assert_eq!(header(&h, "content-type"), Some("application/problem+json"));
        if st == 422 {
            assert_eq!(b["errors"]["file"], json!(["inclusion"]), "{mime}");
        }
    }
    for mime in [
        "text/plain",
        "text/csv",
        "application/json",
        "application/pdf",
        "image/png",
        "image/jpeg",
    ] {
        let (st, _, b) = upload(&s, form(b"data".to_vec(), mime, "item", &owner)).await;
        assert_eq!(st, 201, "{mime}: {b}");
        assert_eq!(b["data"]["content_type"], mime);
    }
    let (st, h, b) = parts(
        s.post(
            "/api/v1/files/presign",
            "full",
            &json!({"filename": "v.mp4", "content_type": "video/mp4", "size_bytes": 100,
                    "resource_type": "item", "resource_id": owner}),
        )
        .await,
    )
    .await;
    assert_problem(st, &h, &b, 422, "validation-failed");
    assert_eq!(b["errors"]["content_type"], json!(["inclusion"]));
    // The allowed list is documented: /enums and the OpenAPI upload operation agree.
    let (_, _, enums) = parts(s.get("/api/v1/enums", "full").await).await;
    let listed = &enums["data"]["files"]["content_type"]["values"];
    assert_eq!(listed.as_array().unwrap().len(), 6);
    let (_, _, doc) = parts(
        s.client
            .get(s.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let text = doc["paths"]["/files"]["post"].to_string();
    for m in listed.as_array().unwrap() {
        assert!(
            text.contains(m.as_str().unwrap()),
            "{m} not documented on uploadFile"
        );
    }
}

#[tokio::test]
async fn content_md5_is_checked_when_sent() {
    let s = common::start().await;
    let owner = item_id(&s).await;
    let content = b"checked content".to_vec();
    let good = base64::engine::general_purpose::STANDARD.encode(Md5::digest(&content));
    let r = s
        .req(Method::POST, "/api/v1/files", Some("full"))
        .header("content-md5", good)
        .multipart(form(content.clone(), "text/plain", "item", &owner))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let bad = base64::engine::general_purpose::STANDARD.encode(Md5::digest(b"other"));
    let r = s
        .req(Method::POST, "/api/v1/files", Some("full"))
        .header("content-md5", bad)
        .multipart(form(content, "text/plain", "item", &owner))
        .send()
        .await
        .unwrap();
    let (st, h, b) = parts(r).await;
    assert_problem(st, &h, &b, 422, "validation-failed");
    assert_eq!(b["errors"]["content_md5"], json!(["invalid_format"]));
}

#[tokio::test]
async fn files_must_be_attached_to_a_resource_of_the_workspace() {
    let s = common::start().await;
    let owner = item_id(&s).await;
    let b_item: Value = s
        .post(
            "/api/v1/items",
            "second_workspace",
            &json!({"name": "theirs"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let b_id = b_item["data"]["id"].as_str().unwrap();
    // Missing resource_id.
    let f = Form::new()
        .part(
            "file",
            Part::bytes(b"x".to_vec())
                .file_name("a.txt")
                .mime_str("text/plain")
                .unwrap(),
        )
        .text("resource_type", "item");
    let (st, h, b) = upload(&s, f).await;
    assert_problem(st, &h, &b, 422, "invalid-params");
    assert_eq!(b["errors"]["resource_id"], json!(["cant_be_blank"]));
    // Another workspace's item, an unknown id, a bad uuid, an unknown type.
    for (rt, rid, field, code) in [
        ("item", b_id.to_string(), "resource_id", "not_found"),
        (
            "item",
            uuid::Uuid::new_v4().to_string(),
            "resource_id",
            "not_found",
        ),
        ("item", "nope".to_string(), "resource_id", "invalid_uuid"),
        ("planet", owner.clone(), "resource_type", "inclusion"),
        ("category", owner.clone(), "resource_id", "not_found"),
    ] {
        let (st, h, b) = upload(&s, form(b"x".to_vec(), "text/plain", rt, &rid)).await;
        assert_problem(st, &h, &b, 422, "validation-failed");
        assert_eq!(b["errors"][field], json!([code]), "{rt} {rid}");
    }
    // Nothing was stored.
    let (_, _, list) = parts(s.get("/api/v1/files", "full").await).await;
    assert_eq!(list["data"], json!([]));
}

#[tokio::test]
async fn deleting_a_file_is_a_soft_delete() {
    let s = common::start().await;
    let owner = item_id(&s).await;
    let (_, _, b) = upload(&s, form(b"bye".to_vec(), "text/plain", "item", &owner)).await;
    let id = b["data"]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/files/{id}");
    let r = s.delete(&path, "full").await;
    assert_eq!(r.status(), 204);
    assert!(r.bytes().await.unwrap().is_empty());
    let (st, h, e) = parts(s.get(&path, "full").await).await;
    assert_problem(st, &h, &e, 404, "not-found");
    assert_eq!(
        s.get(&format!("{path}/download"), "full").await.status(),
        404
    );
    assert!(
        !helpers::list_ids(&s, "/api/v1/files", "full")
            .await
            .contains(&id)
    );
    let (st, _, list) = parts(
        s.get("/api/v1/files?filter[deleted_at][null]=false", "full")
            .await,
    )
    .await;
    assert_eq!(st, 200);
    let row = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id.as_str())
        .cloned()
        .expect("deleted file listed with the deleted filter");
    helpers::assert_utc_timestamp(&row["deleted_at"], "deleted_at");
    // Restore brings it back, content intact.
    let r = s
        .req(Method::POST, &format!("{path}/restore"), Some("full"))
        .send()
        .await
        .unwrap();
    let (st, _, b) = parts(r).await;
    assert_eq!(st, 200);
    assert_eq!(b["data"]["deleted_at"], Value::Null);
    let r = s.get(&format!("{path}/download"), "full").await;
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"bye");
}

#[tokio::test]
async fn files_are_scoped_to_the_workspace_and_need_the_files_scope() {
    let s = common::start().await;
    let owner = item_id(&s).await;
    let (_, _, b) = upload(&s, form(b"mine".to_vec(), "text/plain", "item", &owner)).await;
    let path = format!("/api/v1/files/{}", b["data"]["id"].as_str().unwrap());
    for p in [path.clone(), format!("{path}/download")] {
        let (st, h, e) = parts(s.get(&p, "second_workspace").await).await;
        assert_problem(st, &h, &e, 404, "not-found");
    }
    let (st, h, e) = parts(s.get(&path, "scoped").await).await;
    assert_problem(st, &h, &e, 403, "insufficient-scope");
    assert_eq!(s.get(&path, "read_only").await.status(), 200);
    let r = s
        .req(Method::POST, "/api/v1/files", Some("read_only"))
        .multipart(form(b"x".to_vec(), "text/plain", "item", &owner))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}
