//! Family `https`: on an https:// target, TLS 1.2 and 1.3 handshakes succeed while TLS 1.0 and
//! 1.1 ClientHellos are refused (sent raw: the harness's own TLS stack cannot speak them), and
//! plain HTTP is redirected to https:// or refused. No token is ever sent over plain HTTP.

use std::time::Duration;

use futures_util::FutureExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::auth::protected_list;
use super::proto::{seen, what};
use super::{Findings, Outcome, Rule};
use crate::client::Req;
use crate::run::Ctx;

pub const RULES: &[Rule] = &[
    Rule::probe("https.tls-1-2-or-higher", &["https-target"], |c| {
        tls_versions(c).boxed()
    }),
    Rule::probe(
        "https.plain-http-redirected-or-refused",
        &["https-target"],
        |c| plain_http(c).boxed(),
    ),
];

/// What a server answered to a legacy ClientHello.
#[derive(Debug, PartialEq, Eq)]
pub enum LegacyAnswer {
    /// A ServerHello agreeing to this (legacy) version.
    Accepted(u16),
    /// An alert, a close, or a ServerHello for another version.
    Refused(String),
    /// Could not tell (connect failure, timeout).
    Unknown(String),
}

/// A minimal ClientHello offering at most `version` (0x0301 = TLS 1.0, 0x0302 = TLS 1.1).
pub fn client_hello(version: u16, host: Option<&str>) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&version.to_be_bytes());
    let random: [u8; 32] = rand::random();
    body.extend_from_slice(&random);
    body.push(0); // session id
    let suites: [u16; 7] = [0xc014, 0xc013, 0xc00a, 0xc009, 0x0035, 0x002f, 0x000a];
    body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression: null
    let mut ext = Vec::new();
    if let Some(h) = host {
        let name = h.as_bytes();
        let mut sni = Vec::new();
        sni.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
        sni.push(0);
        sni.extend_from_slice(&(name.len() as u16).to_be_bytes());
        sni.extend_from_slice(name);
        ext.extend_from_slice(&0u16.to_be_bytes());
        ext.extend_from_slice(&(sni.len() as u16).to_be_bytes());
        ext.extend_from_slice(&sni);
    }
    // supported_groups: secp256r1, secp384r1, x25519; ec_point_formats: uncompressed;
    // renegotiation_info (empty).
    ext.extend_from_slice(&[
        0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x17, 0x00, 0x18, 0x00, 0x1d,
    ]);
    ext.extend_from_slice(&[0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]);
    ext.extend_from_slice(&[0xff, 0x01, 0x00, 0x01, 0x00]);
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let mut hs = vec![0x01];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// Reads the server's first record and classifies it.
pub fn classify(version: u16, first: &[u8]) -> LegacyAnswer {
    match first {
        [] => LegacyAnswer::Refused("the server closed the connection".into()),
        [0x15, _, _, _, _, _, desc, ..] => LegacyAnswer::Refused(format!("TLS alert {desc}")),
        [0x16, _, _, _, _, 0x02, _, _, _, hi, lo, ..] => {
            let v = u16::from_be_bytes([*hi, *lo]);
            if v <= version {
                LegacyAnswer::Accepted(v)
            } else {
                LegacyAnswer::Refused(format!("a ServerHello for version {v:#06x}"))
            }
        }
        other => LegacyAnswer::Refused(format!(
            "a non-TLS answer ({} bytes starting {:02x?})",
            other.len(),
            &other[..other.len().min(6)]
        )),
    }
}

async fn legacy_handshake(host: &str, port: u16, version: u16) -> LegacyAnswer {
    let addr = format!("{host}:{port}");
    let connect = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::net::TcpStream::connect(&addr),
    )
    .await;
    let mut stream = match connect {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return LegacyAnswer::Unknown(format!("could not connect to {addr}: {e}")),
        Err(_) => return LegacyAnswer::Unknown(format!("connecting to {addr} timed out")),
    };
    let sni = host
        .parse::<std::net::IpAddr>()
        .is_err()
        .then_some(host.trim_matches(['[', ']']));
    if let Err(e) = stream.write_all(&client_hello(version, sni)).await {
        return LegacyAnswer::Refused(format!("the server closed the connection ({e})"));
    }
    let mut buf = [0u8; 64];
    let mut got = 0;
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        while got < 11 {
            match stream.read(&mut buf[got..]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
    })
    .await;
    if read.is_err() && got == 0 {
        return LegacyAnswer::Unknown("no answer within 5 s".into());
    }
    classify(version, &buf[..got])
}

async fn tls_versions(ctx: &Ctx) -> Outcome {
    let origin = ctx.client().origin().clone();
    let host = origin.host_str().unwrap_or("localhost").to_string();
    let port = origin.port_or_known_default().unwrap_or(443);
    let mut f = Findings::default();
    // TLS 1.2 or higher: at least one of 1.2 and 1.3 must complete (a 1.3-only server complies).
    let mut modern = Vec::new();
    for (name, tweak) in [
        ("TLS 1.2", reqwest::tls::Version::TLS_1_2),
        ("TLS 1.3", reqwest::tls::Version::TLS_1_3),
    ] {
        let client = match ctx.client().with_transport(|b| {
            b.tls_version_min(tweak)
                .tls_version_max(tweak)
                .pool_max_idle_per_host(0)
        }) {
            Ok(c) => c,
            Err(e) => return Outcome::error(format!("could not build a {name}-only client: {e}")),
        };
        let ex = client
            .send(ctx.rule, Req::get("/health/live").no_retry())
            .await;
        if ex.response.is_none() {
            f.note(format!(
                "a {name}-only handshake with {host}:{port} failed: {}",
                seen(&ex)
            ));
        }
        modern.push((name, ex));
    }
    let offered: Vec<&str> = modern
        .iter()
        .filter(|(_, ex)| ex.response.is_some())
        .map(|(name, _)| *name)
        .collect();
    f.check(
        !offered.is_empty(),
        || format!("neither a TLS 1.2 nor a TLS 1.3 handshake with {host}:{port} completed"),
        &modern.iter().map(|(_, ex)| &**ex).collect::<Vec<_>>(),
    );
    for (name, v) in [("TLS 1.0", 0x0301u16), ("TLS 1.1", 0x0302u16)] {
        match legacy_handshake(&host, port, v).await {
            LegacyAnswer::Accepted(got) => f.fail(
                format!("{host}:{port} accepted a {name} ClientHello (ServerHello version {got:#06x}); TLS below 1.2 must be refused"),
                &[],
            ),
            LegacyAnswer::Refused(how) => {
                f.checked += 1;
                f.note(format!("{name} refused: {how}"));
            }
            LegacyAnswer::Unknown(why) => f.note(format!("{name}: could not tell ({why})")),
        }
    }
    f.outcome("")
}

async fn plain_http(ctx: &Ctx) -> Outcome {
    let origin = ctx.client().origin().clone();
    let http = match &ctx.shared.config.http_url {
        Some(u) => u.trim_end_matches('/').to_string(),
        None if origin.port().is_none() => {
            format!("http://{}", origin.host_str().unwrap_or("localhost"))
        }
        None => {
            return Outcome::skipped(
                "the https target listens on a non-default port: set http_url to its plain-HTTP origin",
            );
        }
    };
    let path = protected_list(ctx).unwrap_or_else(|| ctx.path("/token"));
    let url = format!("{http}{path}");
    // Never a token over plain HTTP (the client would strip it for another origin anyway).
    let ex = ctx.send(Req::get(url.clone()).no_retry()).await;
    let mut f = Findings::default();
    match ex.status() {
        None => {
            f.checked += 1;
            f.note(format!("plain HTTP refused: {}", seen(&ex)));
        }
        Some(s) if (300..400).contains(&s) => {
            let loc = ex.header("location").unwrap_or("");
            f.check(
                loc.starts_with("https://"),
                || format!("{} → {s}: expected a redirect to the https:// URL, got Location '{loc}'", what(&ex)),
                &[&ex],
            );
            if !matches!(s, 301 | 308) {
                f.note(format!("the redirect is {s}; 301 or 308 is preferred"));
            }
        }
        Some(_) => f.fail(
            format!("{url} over plain HTTP answered like the API ({}); expected a redirect to https:// or a refused connection", seen(&ex)),
            &[&ex],
        ),
    }
    f.outcome("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_is_a_tls_record() {
        let h = client_hello(0x0302, Some("api.example.com"));
        assert_eq!(&h[..3], &[0x16, 0x03, 0x01]);
        assert_eq!(u16::from_be_bytes([h[3], h[4]]) as usize, h.len() - 5);
        assert_eq!(h[5], 0x01);
        assert_eq!(&h[9..11], &[0x03, 0x02]);
    }

    #[test]
    fn classification() {
        assert_eq!(
            classify(0x0302, &[0x16, 3, 2, 0, 40, 0x02, 0, 0, 36, 3, 2]),
            LegacyAnswer::Accepted(0x0302)
        );
        assert!(matches!(
            classify(0x0302, &[0x15, 3, 3, 0, 2, 2, 70]),
            LegacyAnswer::Refused(_)
        ));
        assert!(matches!(classify(0x0301, &[]), LegacyAnswer::Refused(_)));
    }
}
