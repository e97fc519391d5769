//! The custody log (`salwatch/custody.jsonl`): who did what to the case and when (the case's
//! audit log), then the export itself (who, when, tool version, from which archive files). Each
//! line carries the SHA-256 of the line before it (`prev`), so a removed, reordered or edited
//! line breaks the chain.

use serde::{Deserialize, Serialize};

use super::sha256;
use crate::cases::Case;

/// The `prev` of the first line.
pub const GENESIS: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// One custody entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyEntry {
    /// Sequence number from 1.
    pub seq: u64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who.
    pub who: String,
    /// `created`, `added`, `noted` … from the case; `exported` for the package.
    pub action: String,
    /// What exactly.
    pub detail: String,
    /// Tool and version that recorded it.
    pub tool: String,
    /// Source archive files (on `exported`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub archive: Vec<String>,
    /// SHA-256 of the previous line's bytes (without its newline), or [`GENESIS`].
    pub prev: String,
}

/// The log lines for a case exported now by `who`.
pub fn build(case: &Case, who: &str, at: &str, tool: &str, archive: Vec<String>) -> String {
    let mut out = String::new();
    let mut prev = GENESIS.to_string();
    let mut seq = 0;
    let push = |entry: CustodyEntry, out: &mut String, prev: &mut String| {
        let line = serde_json::to_string(&entry).unwrap_or_default();
        *prev = sha256(line.as_bytes());
        out.push_str(&line);
        out.push('\n');
    };
    for a in &case.audit {
        seq += 1;
        push(
            CustodyEntry {
                seq,
                at: a.at.clone(),
                who: a.analyst.clone(),
                action: a.action.clone(),
                detail: a.detail.clone(),
                tool: tool.to_string(),
                archive: Vec::new(),
                prev: prev.clone(),
            },
            &mut out,
            &mut prev,
        );
    }
    push(
        CustodyEntry {
            seq: seq + 1,
            at: at.to_string(),
            who: who.to_string(),
            action: "exported".into(),
            detail: format!("exported case {:?} as an evidence package", case.name),
            tool: tool.to_string(),
            archive,
            prev: prev.clone(),
        },
        &mut out,
        &mut prev,
    );
    out
}

/// Checks the chain: every line parses, numbers run from 1, each `prev` is the hash of the line
/// before, times do not go backwards, and the last line is the export. Returns the problems.
pub fn check(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut prev = GENESIS.to_string();
    let mut last_at = String::new();
    let mut last_action = String::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let entry: CustodyEntry = match serde_json::from_str(line) {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!("line {n} is not a custody entry: {e}"));
                prev = sha256(line.as_bytes());
                continue;
            }
        };
        if entry.seq != n as u64 {
            problems.push(format!("line {n} has sequence number {}", entry.seq));
        }
        if entry.prev != prev {
            problems.push(format!(
                "line {n} does not chain to the line before (a line was edited, removed or moved)"
            ));
        }
        if entry.at < last_at {
            problems.push(format!("line {n} is earlier than the line before"));
        }
        last_at = entry.at.clone();
        last_action = entry.action.clone();
        prev = sha256(line.as_bytes());
    }
    if last_action != "exported" {
        problems.push("the last entry is not the export".into());
    }
    problems
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::cases::AuditEntry;

    fn case() -> Case {
        let audit = |at: &str, action: &str| AuditEntry {
            at: at.into(),
            analyst: "ana".into(),
            action: action.into(),
            detail: format!("{action} something"),
        };
        Case {
            name: "op".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            created_by: "ana".into(),
            description: None,
            items: vec![],
            notes: vec![],
            audit: vec![
                audit("2026-01-01T00:00:00Z", "created"),
                audit("2026-01-02T00:00:00Z", "added"),
            ],
        }
    }

    #[test]
    fn chain_holds_and_breaks_on_edit_or_removal() {
        let log = build(
            &case(),
            "bo",
            "2026-01-03T00:00:00Z",
            "salwatch 0",
            vec!["a.warc.gz".into()],
        );
        assert_eq!(log.lines().count(), 3);
        assert!(check(&log).is_empty(), "{:?}", check(&log));
        let edited = log.replace("added something", "added nothing");
        assert!(
            check(&edited)
                .iter()
                .any(|p| p.contains("line 3 does not chain"))
        );
        let lines: Vec<&str> = log.lines().collect();
        let dropped = format!("{}\n{}\n", lines[0], lines[2]);
        assert!(!check(&dropped).is_empty());
        let truncated = format!("{}\n{}\n", lines[0], lines[1]);
        assert!(
            check(&truncated)
                .iter()
                .any(|p| p.contains("not the export"))
        );
    }
}
