//! The HTTP `Link` header (RFC 8288 §3):
//!
//! ```text
//! Link       = #link-value
//! link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )
//! link-param = token BWS [ "=" BWS ( token / quoted-string ) ]
//! ```
//!
//! Commas and semicolons inside `<…>` and quoted strings are data, not separators; empty list
//! elements (`a, , b`) are allowed as the `#` rule says; parameter names are case-insensitive
//! and only the first `rel` counts (§3.3). Several `Link` fields are combined by joining their
//! values with `", "` before parsing. Any input gives `Ok` or an `Err` naming the byte offset;
//! the parser never panics.

use std::fmt;

/// One link: its target (as written, not resolved) and its parameters in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkValue {
    pub target: String,
    /// (lower-cased name, unquoted value); a parameter without `=` has an empty value.
    pub params: Vec<(String, String)>,
}

impl LinkValue {
    /// The first value of parameter `name` (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Relation types of the first `rel` parameter, lower-cased (`rel="next last"` → both).
    pub fn rels(&self) -> Vec<String> {
        self.param("rel")
            .map(|r| r.split_whitespace().map(str::to_ascii_lowercase).collect())
            .unwrap_or_default()
    }

    pub fn has_rel(&self, rel: &str) -> bool {
        self.rels().iter().any(|r| r.eq_ignore_ascii_case(rel))
    }
}

/// Why a `Link` value does not parse, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkParseError {
    /// Byte offset in the input.
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for LinkParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for LinkParseError {}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.text.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_ows(&mut self) {
        while self.peek().is_some_and(is_ows) {
            self.bump();
        }
    }

    fn err(&self, message: impl Into<String>) -> LinkParseError {
        LinkParseError {
            offset: self.pos,
            message: message.into(),
        }
    }

    fn token(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(is_tchar) {
            self.bump();
        }
        self.text.get(start..self.pos).unwrap_or("").to_string()
    }

    fn quoted(&mut self) -> Result<String, LinkParseError> {
        let open = self.pos;
        self.bump(); // the opening quote
        let mut out = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(LinkParseError {
                        offset: open,
                        message: "unterminated quoted string".into(),
                    });
                }
                Some('"') => return Ok(out),
                Some('\\') => match self.bump() {
                    Some(c) => out.push(c),
                    None => {
                        return Err(LinkParseError {
                            offset: open,
                            message: "unterminated quoted string (ends in a backslash)".into(),
                        });
                    }
                },
                Some(c) => out.push(c),
            }
        }
    }
}

/// Parses a `Link` field value into its links, in order.
pub fn parse(text: &str) -> Result<Vec<LinkValue>, LinkParseError> {
    let mut c = Cursor { text, pos: 0 };
    let mut out = Vec::new();
    loop {
        // Empty list elements and the separators between link-values.
        while c.peek().is_some_and(|ch| is_ows(ch) || ch == ',') {
            c.bump();
        }
        match c.peek() {
            None => return Ok(out),
            Some('<') => {}
            Some(other) => {
                return Err(c.err(format!(
                    "expected '<' to open a link target, found {other:?}"
                )));
            }
        }
        let open = c.pos;
        c.bump();
        let start = c.pos;
        let Some(len) = text.get(start..).and_then(|s| s.find('>')) else {
            return Err(LinkParseError {
                offset: open,
                message: "unterminated link target: '<' without '>'".into(),
            });
        };
        let target = text
            .get(start..start + len)
            .unwrap_or("")
            .trim()
            .to_string();
        c.pos = start + len + 1;
        let mut params = Vec::new();
        loop {
            c.skip_ows();
            match c.peek() {
                None | Some(',') => break,
                Some(';') => {
                    c.bump();
                }
                Some(other) => {
                    return Err(c.err(format!(
                        "expected ';' or ',' after the link to <{target}>, found {other:?}"
                    )));
                }
            }
            c.skip_ows();
            // A trailing or doubled ';' carries no parameter; tolerate it.
            if matches!(c.peek(), None | Some(',') | Some(';')) {
                continue;
            }
            let name = c.token();
            if name.is_empty() {
                let found = c.peek().map(|ch| format!("{ch:?}")).unwrap_or_default();
                return Err(c.err(format!("expected a parameter name, found {found}")));
            }
            c.skip_ows();
            let value = if c.peek() == Some('=') {
                c.bump();
                c.skip_ows();
                if c.peek() == Some('"') {
                    c.quoted()?
                } else {
                    let v = c.token();
                    if v.is_empty() {
                        return Err(c.err(format!("parameter '{name}' has '=' but no value")));
                    }
                    v
                }
            } else {
                String::new()
            };
            params.push((name.to_ascii_lowercase(), value));
        }
        out.push(LinkValue { target, params });
    }
}

/// Parses every `Link` field of a response together (their values joined by `", "`).
pub fn parse_fields<'a>(
    fields: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<LinkValue>, LinkParseError> {
    let joined: Vec<&str> = fields.into_iter().collect();
    parse(&joined.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rels(v: &[LinkValue]) -> Vec<(String, Vec<String>)> {
        v.iter().map(|l| (l.target.clone(), l.rels())).collect()
    }

    #[test]
    fn the_guides_example() {
        let v = parse(
            r#"</api/v1/items?page=3&per_page=25>; rel="next", </api/v1/items?page=6&per_page=25>; rel="last""#,
        )
        .unwrap();
        assert_eq!(
            rels(&v),
            [
                (
                    "/api/v1/items?page=3&per_page=25".into(),
                    vec!["next".into()]
                ),
                (
                    "/api/v1/items?page=6&per_page=25".into(),
                    vec!["last".into()]
                ),
            ]
        );
    }

    #[test]
    fn separators_inside_targets_and_quotes_are_data() {
        let v = parse(
            r#"</a?x=1,2;3>; title="a, b; \"c\""; rel=next, <https://h/b>;REL="prev  first""#,
        )
        .unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].target, "/a?x=1,2;3");
        assert_eq!(v[0].param("title"), Some(r#"a, b; "c""#));
        assert_eq!(v[0].rels(), ["next"]);
        assert_eq!(v[1].rels(), ["prev", "first"]);
        assert!(v[1].has_rel("FIRST"));
    }

    #[test]
    fn empty_elements_whitespace_and_flag_params() {
        let v = parse(" , <a> ;rel = \"x\" ; crossorigin ;, ,<b>,").unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].rels(), ["x"]);
        assert_eq!(v[0].param("crossorigin"), Some(""));
        assert_eq!(v[1].params, vec![]);
        assert_eq!(parse("").unwrap(), vec![]);
    }

    #[test]
    fn first_rel_wins() {
        let v = parse("<a>; rel=next; rel=prev").unwrap();
        assert_eq!(v[0].rels(), ["next"]);
    }

    #[test]
    fn errors_name_the_offset() {
        let e = parse("/a; rel=next").unwrap_err();
        assert_eq!(e.offset, 0);
        assert!(e.message.contains("expected '<'"), "{e}");
        let e = parse("<a; rel=next").unwrap_err();
        assert!(e.message.contains("unterminated link target"), "{e}");
        let e = parse(r#"<a>; rel="next"#).unwrap_err();
        assert!(e.message.contains("unterminated quoted"), "{e}");
        let e = parse("<a> rel=next").unwrap_err();
        assert!(e.message.contains("expected ';' or ','"), "{e}");
        assert!(parse("<a>; =x").is_err());
        assert!(parse("<a>; rel=").is_err());
        assert!(parse(r#"<a>; rel="x\"#).is_err());
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "<",
            ">",
            "<>",
            "<é>;ü=ö",
            ";;;",
            "<a>;\"",
            "<a>; rel=\"\u{0}\"",
            "\u{feff}<a>",
            "<a>;rel=next,<",
            "<<>>",
            ",,,,",
            "<a>;r\u{301}el=x",
            "<a>;rel=\"\\é\"",
        ] {
            let _ = parse(s);
        }
        let v = parse("<é>;rel=\"ñ\"").unwrap();
        assert_eq!(v[0].target, "é");
        assert_eq!(v[0].rels(), ["ñ"]);
    }

    #[test]
    fn several_fields_combine() {
        let v = parse_fields(["<a>; rel=next", "<b>; rel=last"]).unwrap();
        assert_eq!(v.len(), 2);
    }
}
