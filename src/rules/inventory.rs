//! The rule inventory of the default suite (HTTP API Specs v1), embedded at build time from
//! `suites/http-api-v1/inventory.tsv`: id, level, family, section, statement, how it is
//! tested, and what it needs. Rule implementations are keyed by these ids.

use std::sync::OnceLock;

use serde::Serialize;

/// MUST / SHOULD / MAY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Must,
    Should,
    May,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }
}

/// One row of the inventory.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: String,
    pub level: Level,
    pub family: String,
    pub section: String,
    pub statement: String,
    /// "static", "dynamic", "both" or "no" (not testable from outside).
    pub how: String,
    pub how_detail: String,
    pub needs: Vec<String>,
}

impl Entry {
    pub fn testable(&self) -> bool {
        self.how != "no"
    }
}

const TSV: &str = include_str!("../../suites/http-api-v1/inventory.tsv");

/// Every inventory entry, in file order.
pub fn entries() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| parse(TSV))
}

pub fn entry(id: &str) -> Option<&'static Entry> {
    entries().iter().find(|e| e.id == id)
}

fn parse(tsv: &str) -> Vec<Entry> {
    tsv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 7 {
                return None;
            }
            let level = match cols[1] {
                "MUST" => Level::Must,
                "SHOULD" => Level::Should,
                _ => Level::May,
            };
            let how = cols[5].split(':').next().unwrap_or("").trim().to_string();
            Some(Entry {
                id: cols[0].to_string(),
                level,
                family: cols[2].to_string(),
                section: cols[3].to_string(),
                statement: cols[4].to_string(),
                how,
                how_detail: cols[5].to_string(),
                needs: cols[6]
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty() && *n != "none")
                    .map(str::to_string)
                    .collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_has_333_rules_304_testable() {
        assert_eq!(entries().len(), 333);
        assert_eq!(entries().iter().filter(|e| e.testable()).count(), 304);
        let ids: std::collections::BTreeSet<&str> =
            entries().iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), 333, "ids are unique");
    }
}
