//! `https.*` and HSTS over real TLS: a self-signed certificate generated at test time, a client
//! that trusts exactly that certificate (verification stays on), and the plain-HTTP redirector.

mod common;
mod helpers;

use std::path::PathBuf;

use common::{TestServer, header, parts};
use reqwest::tls::Version;

struct Tls {
    _dir: tempfile::TempDir,
    cert_pem: String,
    paths: (PathBuf, PathBuf),
}

fn self_signed() -> Tls {
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("certificate");
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let cert_pem = ck.cert.pem();
    std::fs::write(&cert, &cert_pem).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    Tls {
        _dir: dir,
        cert_pem,
        paths: (cert, key),
    }
}

async fn tls_server() -> (TestServer, Tls) {
    let tls = self_signed();
    let paths = tls.paths.clone();
    let s = common::start_with(move |c| c.tls = Some(paths)).await;
    assert!(s.base.starts_with("https://127.0.0.1:"), "{}", s.base);
    (s, tls)
}

fn client(tls: &Tls, min: Option<Version>, max: Option<Version>) -> reqwest::Client {
    let cert = reqwest::Certificate::from_pem(tls.cert_pem.as_bytes()).unwrap();
    let mut b = reqwest::Client::builder()
        .tls_certs_only([cert])
        .redirect(reqwest::redirect::Policy::none());
    if let Some(v) = min {
        b = b.tls_version_min(v);
    }
    if let Some(v) = max {
        b = b.tls_version_max(v);
    }
    b.build().unwrap()
}

#[tokio::test]
async fn the_api_is_served_over_tls_1_2_and_1_3_with_hsts() {
    let (s, tls) = tls_server().await;
    for (min, max) in [
        (Some(Version::TLS_1_2), Some(Version::TLS_1_2)),
        (Some(Version::TLS_1_3), Some(Version::TLS_1_3)),
        (None, None),
    ] {
        let c = client(&tls, min, max);
        let r = c
            .get(format!("{}/api/v1/items", s.base))
            .bearer_auth(s.token("full"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("TLS {min:?}..{max:?}: {e}"));
        assert_eq!(r.status(), 200);
        helpers::assert_security_headers(r.headers(), "https list");
        assert_eq!(
            header(r.headers(), "strict-transport-security"),
            Some("max-age=63072000; includeSubDomains; preload")
        );
        let r = c
            .get(format!("{}/health/live", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        helpers::assert_security_headers(r.headers(), "https health");
        let r = c
            .get(format!("{}/api/v1/items", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        helpers::assert_security_headers(r.headers(), "https 401");
    }
}

#[tokio::test]
async fn certificates_are_verified_not_trusted_blindly() {
    let (s, _tls) = tls_server().await;
    // A client that does not trust the self-signed certificate refuses the connection.
    let other = self_signed();
    let c = client(&other, None, None);
    let e = c
        .get(format!("{}/health/live", s.base))
        .send()
        .await
        .expect_err("an unknown certificate must be rejected");
    assert!(e.is_connect() || e.is_request(), "{e}");
}

#[tokio::test]
async fn plain_http_on_the_tls_port_gets_no_api_response() {
    let (s, _tls) = tls_server().await;
    let plain = reqwest::Client::new();
    let url = s.base.replacen("https://", "http://", 1);
    match plain.get(format!("{url}/api/v1/items")).send().await {
        Err(_) => {}
        Ok(r) => {
            let st = r.status();
            assert!(!st.is_success(), "plain HTTP got an API answer: {st}");
            assert!(header(r.headers(), "ratelimit").is_none());
        }
    }
}

#[tokio::test]
async fn the_http_listener_redirects_every_request_to_https() {
    let (s, tls) = tls_server().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let task = reference_server::server::serve_https_redirect(
        ([127, 0, 0, 1], port).into(),
        s.server.addr.port(),
    )
    .await
    .expect("redirector starts");
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let https_port = s.server.addr.port();
    for (path, method) in [
        ("/api/v1/items?page=2&per_page=5", reqwest::Method::GET),
        ("/api/v1/items", reqwest::Method::POST),
        ("/health/live", reqwest::Method::GET),
        ("/", reqwest::Method::GET),
    ] {
        // Never send a token over plain HTTP.
        let r = plain
            .request(method.clone(), format!("http://127.0.0.1:{port}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 308, "{method} {path}");
        let loc = header(r.headers(), "location").unwrap();
        assert_eq!(loc, format!("https://127.0.0.1:{https_port}{path}"));
        // Not an API response.
        assert!(header(r.headers(), "ratelimit").is_none());
        assert!(header(r.headers(), "x-request-id").is_none());
        // No HSTS over plain HTTP (C45, RFC 6797 §7.2).
        assert!(header(r.headers(), "strict-transport-security").is_none());
        let (_, _, body) = parts(r).await;
        assert!(body.get("data").is_none());
    }
    // Following the redirect over TLS reaches the API.
    let c = client(&tls, None, None);
    let r = c
        .get(format!("https://127.0.0.1:{https_port}/api/v1/items"))
        .bearer_auth(s.token("full"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    task.abort();
}
