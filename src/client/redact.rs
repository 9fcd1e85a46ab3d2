//! Secret redaction: every token the run knows is replaced before anything is recorded.

/// Known secrets and the placeholder each is shown as.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// (secret, placeholder), longest secrets first.
    secrets: Vec<(String, String)>,
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = (String, String)>) -> Redactor {
        let mut secrets: Vec<(String, String)> =
            secrets.into_iter().filter(|(s, _)| s.len() >= 8).collect();
        secrets.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
        Redactor { secrets }
    }

    pub fn add(&mut self, secret: &str, placeholder: &str) {
        if secret.len() >= 8 && !self.secrets.iter().any(|(s, _)| s == secret) {
            self.secrets
                .push((secret.to_string(), placeholder.to_string()));
            self.secrets
                .sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
        }
    }

    /// Replaces every known secret in `text`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (secret, placeholder) in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), placeholder);
            }
        }
        out
    }

    /// The placeholder for a secret, if known.
    pub fn placeholder(&self, secret: &str) -> Option<&str> {
        self.secrets
            .iter()
            .find(|(s, _)| s == secret)
            .map(|(_, p)| p.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_occurrence() {
        let r = Redactor::new([(
            "ref_test_abcdef0123".to_string(),
            "$SPECGATE_TOKEN_FULL".to_string(),
        )]);
        assert_eq!(
            r.redact("Bearer ref_test_abcdef0123 and ?t=ref_test_abcdef0123"),
            "Bearer $SPECGATE_TOKEN_FULL and ?t=$SPECGATE_TOKEN_FULL"
        );
    }
}
