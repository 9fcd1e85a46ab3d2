//! Loading an OpenAPI document: from a file or a URL, YAML or JSON, with every `$ref`
//! (internal or to a relative file) checked to resolve. The raw JSON value stays the source of
//! truth; typed OpenAPI crates lose 3.1 content.

use std::collections::BTreeMap;

use futures_util::future::BoxFuture;
use serde_json::Value;
use url::Url;

use super::pointer;

/// OpenAPI major.minor line of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum OasVersion {
    #[serde(rename = "3.0")]
    V30,
    #[serde(rename = "3.1")]
    V31,
}

/// Why a document could not be loaded. Every variant names the file (and, where it applies,
/// the JSON pointer) so the author can fix it.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("failed to read {location}: {message}")]
    Read { location: String, message: String },
    #[error("failed to parse {location}: {message}")]
    Parse { location: String, message: String },
    #[error(
        "{location}: this is a Swagger 2.0 document; specgate reads OpenAPI 3.0 and 3.1 only (convert it first, e.g. with swagger2openapi)"
    )]
    Swagger2 { location: String },
    #[error("{location}#{pointer}: {message}")]
    Invalid {
        location: String,
        pointer: String,
        message: String,
    },
    #[error("{location}#{pointer}: $ref '{target}' does not resolve")]
    DanglingRef {
        location: String,
        pointer: String,
        target: String,
    },
}

/// A loaded document and every file it references.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where the root document came from (as given by the user).
    pub location: String,
    pub version: OasVersion,
    /// The root document's URL (file:// for local files), the base of relative refs.
    pub base: Url,
    /// Every loaded file, keyed by URL without fragment; the root included.
    pub files: BTreeMap<String, Value>,
}

const MAX_REF_HOPS: usize = 64;

impl Document {
    pub fn root(&self) -> &Value {
        &self.files[self.base.as_str()]
    }

    /// Follows `$ref` chains from `value` (which lives in `file`) to the value they denote.
    /// Returns the file the final value lives in, so refs inside it resolve correctly.
    pub fn resolve<'a>(&'a self, file: &'a str, value: &'a Value) -> Option<(&'a str, &'a Value)> {
        let (mut file, mut value) = (file, value);
        for _ in 0..MAX_REF_HOPS {
            let Some(r) = value.get("$ref").and_then(Value::as_str) else {
                return Some((file, value));
            };
            let (f, v) = self.lookup(file, r)?;
            file = f;
            value = v;
        }
        None
    }

    /// Resolves a value of the root document.
    pub fn deref<'a>(&'a self, value: &'a Value) -> &'a Value {
        self.resolve(self.base.as_str(), value)
            .map(|(_, v)| v)
            .unwrap_or(value)
    }

    /// The target of one `$ref` string written in `file`.
    pub fn lookup<'a>(&'a self, file: &str, reference: &str) -> Option<(&'a str, &'a Value)> {
        let (target_file, fragment) = split_ref(file, reference)?;
        let (key, doc) = self.files.get_key_value(&target_file)?;
        let v = pointer::get(doc, &fragment)?;
        Some((key.as_str(), v))
    }
}

/// Splits a reference into (absolute file URL, JSON pointer fragment).
fn split_ref(file: &str, reference: &str) -> Option<(String, String)> {
    let (path, fragment) = match reference.split_once('#') {
        Some((p, f)) => (p, f),
        None => (reference, ""),
    };
    let fragment = percent_encoding::percent_decode_str(fragment)
        .decode_utf8()
        .ok()?
        .into_owned();
    if path.is_empty() {
        return Some((file.to_string(), fragment));
    }
    let base = Url::parse(file).ok()?;
    let mut target = base.join(path).ok()?;
    target.set_fragment(None);
    Some((target.to_string(), fragment))
}

/// Loads and checks a document from a path or an http(s) URL.
pub async fn load(location: &str, client: Option<&reqwest::Client>) -> Result<Document, SpecError> {
    let base = to_url(location)?;
    load_with(location, base, &mut Remote { client }).await
}

/// Reads and parses one file of a document: its URL, and how to name it in errors.
trait Fetcher: Send {
    fn fetch<'a>(&'a mut self, url: &'a Url, shown: &'a str) -> BoxFuture<'a, FetchResult>;
}

type FetchResult = Result<Value, SpecError>;

/// Files on disk and over http(s).
struct Remote<'c> {
    client: Option<&'c reqwest::Client>,
}

impl Fetcher for Remote<'_> {
    fn fetch<'a>(&'a mut self, url: &'a Url, shown: &'a str) -> BoxFuture<'a, FetchResult> {
        Box::pin(fetch_parse(url, shown, self.client))
    }
}

/// Files given as text, keyed by URL.
struct InMemory<'f> {
    files: &'f BTreeMap<String, String>,
}

impl Fetcher for InMemory<'_> {
    fn fetch<'a>(&'a mut self, url: &'a Url, shown: &'a str) -> BoxFuture<'a, FetchResult> {
        let parsed = match self.files.get(url.as_str()) {
            None => Err(SpecError::Read {
                location: shown.to_string(),
                message: "no such file".into(),
            }),
            Some(text) => parse_text(text).map_err(|message| SpecError::Parse {
                location: shown.to_string(),
                message,
            }),
        };
        Box::pin(std::future::ready(parsed))
    }
}

/// Loads and checks a document whose files are all in memory: `files` maps absolute URLs
/// (e.g. `file:///api/openapi.yaml`) to their text, and `root` is the key of the root
/// document. A reference to a file that is not in the map is dangling. This is the loader the
/// fuzz targets drive; it goes through the same checks as [`load`].
pub fn load_in_memory(root: &str, files: &BTreeMap<String, String>) -> Result<Document, SpecError> {
    let base = Url::parse(root).map_err(|e| SpecError::Read {
        location: root.to_string(),
        message: e.to_string(),
    })?;
    let mut fetcher = InMemory { files };
    let fut = load_with(root, base, &mut fetcher);
    // Nothing in the future waits on I/O, so one poll finishes it.
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(r) => r,
        std::task::Poll::Pending => Err(SpecError::Read {
            location: root.to_string(),
            message: "failed to load the in-memory document in one step".into(),
        }),
    }
}

/// The loader proper: `fetch` reads and parses one file (its URL, and how to name it).
async fn load_with(
    location: &str,
    base: Url,
    fetcher: &mut impl Fetcher,
) -> Result<Document, SpecError> {
    let mut files = BTreeMap::new();
    let root = fetcher.fetch(&base, location).await?;
    check_root(location, &root)?;
    let version = version_of(location, &root)?;
    files.insert(base.to_string(), root);
    // Load referenced files until closed, then check every ref resolves.
    let mut pending = vec![base.to_string()];
    while let Some(file) = pending.pop() {
        let mut refs = Vec::new();
        collect_refs(&files[&file], String::new(), &mut refs);
        for (ptr, r) in refs {
            let Some((target, _)) = split_ref(&file, &r) else {
                return Err(SpecError::DanglingRef {
                    location: display(&file, location, &base),
                    pointer: ptr,
                    target: r,
                });
            };
            if !files.contains_key(&target) {
                let url = Url::parse(&target).map_err(|_| SpecError::DanglingRef {
                    location: display(&file, location, &base),
                    pointer: ptr.clone(),
                    target: r.clone(),
                })?;
                let doc = fetcher
                    .fetch(&url, url.as_str())
                    .await
                    .map_err(|e| match e {
                        SpecError::Read { .. } => SpecError::DanglingRef {
                            location: display(&file, location, &base),
                            pointer: ptr.clone(),
                            target: r.clone(),
                        },
                        other => other,
                    })?;
                files.insert(target.clone(), doc);
                pending.push(target);
            }
        }
    }
    let doc = Document {
        location: location.to_string(),
        version,
        base: base.clone(),
        files,
    };
    for (file, value) in &doc.files {
        let mut refs = Vec::new();
        collect_refs(value, String::new(), &mut refs);
        for (ptr, r) in refs {
            if doc.lookup(file, &r).is_none() {
                return Err(SpecError::DanglingRef {
                    location: display(file, location, &base),
                    pointer: ptr,
                    target: r,
                });
            }
        }
        if let Some((ptr, r)) = refs_only_chains(&doc, file, value).first() {
            return Err(SpecError::Invalid {
                location: display(file, location, &base),
                pointer: ptr.clone(),
                message: format!(
                    "$ref '{r}' is part of a reference cycle that never reaches a value"
                ),
            });
        }
    }
    Ok(doc)
}

/// Refs whose chain of pure `{"$ref": ...}` objects loops without reaching content.
fn refs_only_chains(doc: &Document, file: &str, value: &Value) -> Vec<(String, String)> {
    let mut refs = Vec::new();
    collect_refs(value, String::new(), &mut refs);
    refs.into_iter()
        .filter(|(_, r)| {
            doc.lookup(file, r)
                .and_then(|(f, v)| doc.resolve(f, v))
                .is_none()
        })
        .take(1)
        .collect()
}

fn display(file: &str, location: &str, base: &Url) -> String {
    if file == base.as_str() {
        location.to_string()
    } else {
        Url::parse(file)
            .ok()
            .filter(|u| u.scheme() == "file")
            .and_then(|u| u.to_file_path().ok())
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| file.to_string())
    }
}

fn to_url(location: &str) -> Result<Url, SpecError> {
    if location.starts_with("http://") || location.starts_with("https://") {
        return Url::parse(location).map_err(|e| SpecError::Read {
            location: location.into(),
            message: e.to_string(),
        });
    }
    let path = std::path::Path::new(location);
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| SpecError::Read {
                location: location.into(),
                message: e.to_string(),
            })?
            .join(path)
    };
    Url::from_file_path(&abs).map_err(|_| SpecError::Read {
        location: location.into(),
        message: "not a valid path".into(),
    })
}

/// Largest document accepted (a 50 000-line spec is a few MB).
const MAX_DOC_BYTES: usize = 64 * 1024 * 1024;

fn too_large() -> String {
    format!(
        "document larger than {} MiB ({MAX_DOC_BYTES} bytes)",
        MAX_DOC_BYTES >> 20
    )
}

async fn fetch_parse(
    url: &Url,
    location: &str,
    client: Option<&reqwest::Client>,
) -> Result<Value, SpecError> {
    let read_err = |message: String| SpecError::Read {
        location: location.to_string(),
        message,
    };
    let text = match url.scheme() {
        "file" => {
            let path = url
                .to_file_path()
                .map_err(|_| read_err("not a local path".into()))?;
            let meta = tokio::fs::metadata(&path)
                .await
                .map_err(|e| read_err(e.to_string()))?;
            if meta.len() > MAX_DOC_BYTES as u64 {
                return Err(read_err(too_large()));
            }
            tokio::fs::read_to_string(&path)
                .await
                .map_err(|e| read_err(e.to_string()))?
        }
        "http" | "https" => {
            let owned;
            let client = match client {
                Some(c) => c,
                None => {
                    owned = reqwest::Client::new();
                    &owned
                }
            };
            let mut resp = client
                .get(url.clone())
                .send()
                .await
                .map_err(|e| read_err(crate::client::describe_error(&e)))?;
            if !resp.status().is_success() {
                return Err(read_err(format!("HTTP {}", resp.status())));
            }
            if resp
                .content_length()
                .is_some_and(|n| n > MAX_DOC_BYTES as u64)
            {
                return Err(read_err(too_large()));
            }
            // Read piecewise and stop at the cap: a URL that streams without end must not be
            // buffered until the timeout (a gigabyte in two seconds on a fast link).
            let mut bytes = Vec::new();
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| read_err(crate::client::describe_error(&e)))?
            {
                if bytes.len() + chunk.len() > MAX_DOC_BYTES {
                    return Err(read_err(too_large()));
                }
                bytes.extend_from_slice(&chunk);
            }
            String::from_utf8(bytes).map_err(|_| read_err("the document is not UTF-8".into()))?
        }
        other => return Err(read_err(format!("unsupported scheme '{other}'"))),
    };
    parse_text(&text).map_err(|message| SpecError::Parse {
        location: location.to_string(),
        message,
    })
}

/// Parses JSON (when the text starts with `{`) or YAML.
pub fn parse_text(text: &str) -> Result<Value, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        serde_json::from_str(trimmed).map_err(|e| format!("invalid JSON: {e}"))
    } else {
        yaml_serde::from_str::<Value>(trimmed).map_err(|e| format!("invalid YAML: {e}"))
    }
}

fn check_root(location: &str, root: &Value) -> Result<(), SpecError> {
    let Some(obj) = root.as_object() else {
        return Err(SpecError::Invalid {
            location: location.into(),
            pointer: String::new(),
            message: "the document is not a JSON/YAML object".into(),
        });
    };
    if obj.contains_key("swagger") {
        return Err(SpecError::Swagger2 {
            location: location.into(),
        });
    }
    let invalid = |pointer: &str, message: String| SpecError::Invalid {
        location: location.into(),
        pointer: pointer.into(),
        message,
    };
    match obj.get("info") {
        Some(Value::Object(info)) => {
            if !info.get("title").is_some_and(Value::is_string) {
                return Err(invalid(
                    "/info/title",
                    "info.title is required and must be a string".into(),
                ));
            }
            if !info.get("version").is_some_and(Value::is_string) {
                return Err(invalid(
                    "/info/version",
                    "info.version is required and must be a string".into(),
                ));
            }
        }
        _ => return Err(invalid("/info", "the info object is required".into())),
    }
    match obj.get("paths") {
        None if obj.contains_key("webhooks") || obj.contains_key("components") => {}
        None => return Err(invalid("/paths", "the paths object is required".into())),
        Some(Value::Object(paths)) => {
            for (path, item) in paths {
                let p = format!("/paths/{}", pointer::escape(path));
                if !path.starts_with('/') {
                    return Err(invalid(&p, format!("path '{path}' must start with '/'")));
                }
                let Some(item) = item.as_object() else {
                    return Err(invalid(&p, "a path item must be an object".into()));
                };
                for m in super::model::METHODS {
                    if let Some(op) = item.get(*m) {
                        let op_ptr = format!("{p}/{m}");
                        let Some(op) = op.as_object() else {
                            return Err(invalid(&op_ptr, "an operation must be an object".into()));
                        };
                        if let Some(r) = op.get("responses") {
                            if !r.is_object() {
                                return Err(invalid(
                                    &format!("{op_ptr}/responses"),
                                    "responses must be an object".into(),
                                ));
                            }
                        }
                    }
                }
            }
        }
        Some(_) => return Err(invalid("/paths", "paths must be an object".into())),
    }
    Ok(())
}

fn version_of(location: &str, root: &Value) -> Result<OasVersion, SpecError> {
    let v = root
        .get("openapi")
        .and_then(Value::as_str)
        .ok_or_else(|| SpecError::Invalid {
            location: location.into(),
            pointer: "/openapi".into(),
            message: "the openapi field (e.g. \"3.1.0\") is required".into(),
        })?;
    let mut parts = v.split('.');
    match (parts.next(), parts.next()) {
        (Some("3"), Some("0")) => Ok(OasVersion::V30),
        (Some("3"), Some("1")) => Ok(OasVersion::V31),
        _ => Err(SpecError::Invalid {
            location: location.into(),
            pointer: "/openapi".into(),
            message: format!("unsupported OpenAPI version '{v}' (specgate reads 3.0.x and 3.1.x)"),
        }),
    }
}

/// Every `$ref` string in `v`, with the JSON pointer of the `$ref` member.
pub fn collect_refs(v: &Value, ptr: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{ptr}/{}", pointer::escape(k));
                if k == "$ref" {
                    if let Value::String(r) = child {
                        out.push((p, r.clone()));
                    }
                } else if !k.starts_with("x-")
                    && !matches!(k.as_str(), "example" | "const" | "enum" | "default")
                {
                    collect_refs(child, p, out);
                }
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                collect_refs(child, format!("{ptr}/{i}"), out);
            }
        }
        _ => {}
    }
}
