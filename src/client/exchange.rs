//! Recorded exchanges: the evidence every rule result points at. Secrets are redacted when the
//! exchange is recorded, so nothing downstream (reports, console, logs) can leak them.

use serde::Serialize;
use serde_json::Value;

/// Bodies kept in evidence are cut to this many bytes (the full body is still judged).
pub const EVIDENCE_BODY_BYTES: usize = 4096;

#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8), redacted, cut to [`EVIDENCE_BODY_BYTES`] in reports.
    pub body: String,
    /// Whether the body hit the client's size cap (only its start is kept then).
    pub truncated: bool,
    /// Why the body is not usable as received: cut at the size cap, or not the JSON its
    /// Content-Type claims (the parse error). Shown in findings next to the body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_problem: Option<String>,
    #[serde(skip)]
    pub json: Option<Value>,
}

impl RecordedResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first `max` characters of the body for a finding, followed in brackets by what is
    /// wrong with it as received ([`body_problem`](Self::body_problem)) and, for a redirect,
    /// where it pointed (the client never follows one).
    pub fn body_summary(&self, max: usize) -> String {
        let mut text: String = self.body.chars().take(max).collect();
        let mut note = |n: &str| {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&format!("[{n}]"));
        };
        if let Some(p) = &self.body_problem {
            note(p);
        }
        if (300..400).contains(&self.status) {
            if let Some(loc) = self.header("location") {
                note(&format!("redirect to {loc}, not followed"));
            }
        }
        text
    }

    /// The media type of Content-Type, lower-cased, without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }
}

/// One request and what came back (or why nothing did).
#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    /// Position in the run's request sequence.
    pub seq: u64,
    /// The rule (or fixture step) that sent it.
    pub rule: String,
    pub request: RecordedRequest,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<RecordedResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub elapsed_ms: u64,
    /// Transport attempts (1 = no retry).
    pub attempts: u32,
    /// A curl command line reproducing the request; tokens appear as `$SPECGATE_TOKEN_<ROLE>`.
    pub curl: String,
}

impl Exchange {
    pub fn status(&self) -> Option<u16> {
        self.response.as_ref().map(|r| r.status)
    }

    pub fn json(&self) -> Option<&Value> {
        self.response.as_ref().and_then(|r| r.json.as_ref())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.response.as_ref().and_then(|r| r.header(name))
    }

    /// Path of the request URL (no query).
    pub fn path(&self) -> String {
        url::Url::parse(&self.request.url)
            .map(|u| u.path().to_string())
            .unwrap_or_default()
    }

    /// A copy whose bodies are cut for evidence.
    pub fn for_evidence(&self) -> Exchange {
        let mut e = self.clone();
        if let Some(b) = &mut e.request.body {
            cut(b);
        }
        if let Some(r) = &mut e.response {
            cut(&mut r.body);
        }
        e
    }
}

fn cut(s: &mut String) {
    if s.len() > EVIDENCE_BODY_BYTES {
        let mut end = EVIDENCE_BODY_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push_str("…[truncated]");
    }
}

/// Shell-quotes for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
