//! Family `https`: skipped on the plain-HTTP reference target; passes on the reference server
//! served over TLS (a certificate from a test CA, trusted via `--ca-cert`) with its plain-HTTP
//! port redirecting; fails when the plain-HTTP port serves the API itself.

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;

use common::*;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// Writes a CA, and a certificate it signed for 127.0.0.1/localhost, into `dir`:
/// (certificate, key, CA certificate).
fn test_pki(dir: &std::path::Path) -> (PathBuf, PathBuf, PathBuf) {
    let ca_key = KeyPair::generate().expect("key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "specgate test CA");
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().expect("key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .expect("params")
        .signed_by(&key, &issuer)
        .expect("certificate");
    let paths = (
        dir.join("cert.pem"),
        dir.join("key.pem"),
        dir.join("ca.pem"),
    );
    std::fs::write(&paths.0, leaf.pem()).expect("write cert");
    std::fs::write(&paths.1, key.serialize_pem()).expect("write key");
    std::fs::write(&paths.2, ca_cert.pem()).expect("write CA");
    paths
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The reference server over TLS; returns it with the CA to trust.
async fn tls_reference() -> (External, PathBuf) {
    let pki = tempfile::tempdir().expect("temp dir");
    let (cert, key, ca) = test_pki(pki.path());
    let rc = reference_server::Config {
        tls: Some((cert, key)),
        ..reference_config(&[])
    };
    let ext = start_external(rc).await;
    let ca_copy = ext.dir.path().join("ca.pem");
    std::fs::copy(&ca, &ca_copy).expect("copy CA");
    (ext, ca_copy)
}

#[tokio::test]
async fn plain_http_reference_skips_https_with_a_reason() {
    let report = run_reference(&[], &["https"]).await;
    assert_eq!(report.results.len(), 2);
    for r in &report.results {
        assert_skipped(&report, &r.info.id, "https://");
    }
}

#[tokio::test]
async fn reference_over_tls_passes_https() {
    let (ext, ca) = tls_reference().await;
    assert!(ext.server.base_url.starts_with("https://"));
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let redirect = reference_server::server::serve_https_redirect(addr, ext.server.addr.port())
        .await
        .expect("redirect listener");
    let report = run_external(
        ext,
        &format!("http_url = \"http://127.0.0.1:{port}\""),
        "",
        Some(ca),
        &["https", "auth.missing-or-invalid-token-401"],
    )
    .await;
    redirect.abort();
    assert_eq!(report.results.len(), 3);
    assert_all_passed(&report);
    // The raw legacy ClientHellos really reached the server and were refused.
    let tls = report
        .results
        .iter()
        .find(|r| r.info.id == "https.tls-1-2-or-higher")
        .expect("tls rule");
    for v in ["TLS 1.0 refused", "TLS 1.1 refused"] {
        assert!(
            tls.outcome.notes.iter().any(|n| n.starts_with(v)),
            "{v}: {:?}",
            tls.outcome.notes
        );
    }
}

#[tokio::test]
async fn api_answering_over_plain_http_is_caught() {
    let (ext, ca) = tls_reference().await;
    // The same API also listening on plain HTTP (no redirect): a common misconfiguration.
    let (plain, _) = reference_server::start_seeded(reference_config(&[]))
        .await
        .expect("plain server");
    let report = run_external(
        ext,
        &format!("http_url = \"{}\"", plain.base_url),
        "",
        Some(ca),
        &["https"],
    )
    .await;
    plain.shutdown().await;
    assert_failed_with_evidence(&report, "https.plain-http-redirected-or-refused");
    assert_others_hold(&report, &["https.plain-http-redirected-or-refused"]);
}
