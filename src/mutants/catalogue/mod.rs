//! Every mutant, one file per rule family. A mutant names the realistic bug it plants, the
//! rules it must make fail, and how it is planted: a fault switch of the reference server, a
//! change to the OpenAPI document it is certified against, a baseline document, a deprecated
//! base path, or a dressed-up reference server (deprecated, TLS).

use serde_json::Value;

use crate::app::ReferenceProfile;

mod families;

/// One planted bug.
#[derive(Clone, Copy)]
pub struct Mutant {
    /// Unique, kebab-case; by convention the fault switch's name when it is one.
    pub name: &'static str,
    /// The bug, as a real service would ship it.
    pub bug: &'static str,
    /// Rule ids that must fail, with evidence, when it is planted.
    pub targets: &'static [&'static str],
    /// The reference server's fault switch that plants it (`--reference-fault`).
    pub fault: Option<&'static str>,
    /// Certify against the reference document changed by this function instead of the served
    /// one (bugs in the contract itself: static rules).
    pub document: Option<fn(&mut Value)>,
    /// The baseline document (`baseline_spec`): the reference document changed by this
    /// function (a contract the deployment broke without a major bump).
    pub baseline: Option<fn(&mut Value)>,
    /// `deprecated_base_path` for this mutant (default: the clean run's).
    pub previous_version: Option<&'static str>,
    /// How the reference server is dressed (deprecated, TLS).
    pub profile: ReferenceProfile,
}

impl Mutant {
    /// A mutant planted by the reference server's fault switch `name`.
    pub const fn fault(
        name: &'static str,
        targets: &'static [&'static str],
        bug: &'static str,
    ) -> Mutant {
        Mutant {
            name,
            bug,
            targets,
            fault: Some(name),
            document: None,
            baseline: None,
            previous_version: None,
            profile: ReferenceProfile {
                deprecated: false,
                tls: false,
            },
        }
    }

    /// A mutant planted in the OpenAPI document the reference server is certified against.
    pub const fn document(
        name: &'static str,
        targets: &'static [&'static str],
        bug: &'static str,
        change: fn(&mut Value),
    ) -> Mutant {
        Mutant {
            document: Some(change),
            fault: None,
            ..Mutant::fault(name, targets, bug)
        }
    }

    /// The same mutant on a deprecated reference server.
    pub const fn deprecated(self) -> Mutant {
        Mutant {
            profile: ReferenceProfile {
                deprecated: true,
                tls: self.profile.tls,
            },
            ..self
        }
    }

    /// The same mutant on a reference server served over TLS.
    pub const fn tls(self) -> Mutant {
        Mutant {
            profile: ReferenceProfile {
                deprecated: self.profile.deprecated,
                tls: true,
            },
            ..self
        }
    }

    /// How it is planted, for reports.
    pub fn via(&self) -> String {
        let mut parts = Vec::new();
        if let Some(f) = self.fault {
            parts.push(format!("fault `{f}`"));
        }
        if self.document.is_some() {
            parts.push("document".to_string());
        }
        if self.baseline.is_some() {
            parts.push("baseline".to_string());
        }
        if let Some(p) = self.previous_version {
            parts.push(format!("previous version `{p}`"));
        }
        if self.profile.deprecated {
            parts.push("deprecated".to_string());
        }
        if self.profile.tls {
            parts.push("TLS".to_string());
        }
        parts.join(", ")
    }
}

/// Fault switches of the reference server that are not mutants: they plant something a rule
/// must only warn about (C51: enum values in alphabetical order), so nothing may fail.
pub const WARNING_ONLY_FAULTS: &[&str] = &["enums-sorted-alphabetically"];

/// Is `name` a fault switch of the reference server (a mutant's, or a warning-only one)?
pub fn known_fault(name: &str) -> bool {
    WARNING_ONLY_FAULTS.contains(&name) || all().iter().any(|m| m.fault == Some(name))
}

/// Every mutant in the catalogue.
pub fn all() -> Vec<Mutant> {
    families::ALL
        .iter()
        .flat_map(|f| f.iter().copied())
        .collect()
}

/// Names of the mutants that target rule `id` (its `proven_by`).
pub fn proving(id: &str) -> Vec<String> {
    all()
        .iter()
        .filter(|m| m.targets.contains(&id))
        .map(|m| m.name.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_targets_are_implemented_rules() {
        let implemented: Vec<&str> = crate::rules::all().iter().map(|r| r.id).collect();
        let mut seen = std::collections::BTreeSet::new();
        for m in all() {
            assert!(seen.insert(m.name), "mutant {} listed twice", m.name);
            assert!(!m.targets.is_empty(), "mutant {} targets no rule", m.name);
            for t in m.targets {
                assert!(
                    implemented.contains(t),
                    "mutant {} targets {t}, which is not an implemented rule",
                    m.name
                );
            }
            assert!(
                m.fault.is_some()
                    || m.document.is_some()
                    || m.baseline.is_some()
                    || m.previous_version.is_some(),
                "mutant {} plants nothing",
                m.name
            );
        }
    }
}
