//! Cases (issue #7): named collections of listings, actors and queries with notes, stored in
//! `state.db` (`case_` tables) with an append-only audit log of who did what and when. Every
//! change and its audit row are written in one transaction.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::IndexError;
use crate::store::ts;

/// Creates the `case_` tables when missing.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS case_cases (
    name        TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    description TEXT
);
CREATE TABLE IF NOT EXISTS case_items (
    case_name TEXT NOT NULL,
    kind      TEXT NOT NULL,
    value     TEXT NOT NULL,
    added_at  TEXT NOT NULL,
    added_by  TEXT NOT NULL,
    snapshot  TEXT,
    PRIMARY KEY (case_name, kind, value)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS case_notes (
    id        INTEGER PRIMARY KEY,
    case_name TEXT NOT NULL,
    at        TEXT NOT NULL,
    analyst   TEXT NOT NULL,
    text      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS case_audit (
    id        INTEGER PRIMARY KEY,
    case_name TEXT NOT NULL,
    at        TEXT NOT NULL,
    analyst   TEXT NOT NULL,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_audit_by_case ON case_audit (case_name, id);
";

/// What a case can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    /// A listing id.
    Listing,
    /// An actor id.
    Actor,
    /// A search query (re-run whenever the case is read).
    Query,
}

impl ItemKind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Listing => "listing",
            ItemKind::Actor => "actor",
            ItemKind::Query => "query",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "actor" => ItemKind::Actor,
            "query" => ItemKind::Query,
            _ => ItemKind::Listing,
        }
    }
}

/// Errors of case operations that the analyst can fix.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// `case new` with a name already taken.
    #[error("a case named {0:?} already exists (see `salwatch case list`)")]
    Exists(String),
    /// A case that does not exist.
    #[error("no case named {0:?}; create it with `salwatch case new {word}`", word = shell_word(.0))]
    Missing(String),
    /// An unusable name.
    #[error("case name {0:?} must be 1–100 characters without control characters")]
    BadName(String),
    /// A state database failure.
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// `name` as one word to paste into a shell: as it is when it needs no quoting, else in single
/// quotes; a name no shell can type (control characters, refused by `case new` anyway) in the
/// escaped form of `{:?}`, so that it cannot drive the terminal.
fn shell_word(name: &str) -> String {
    if name.chars().any(char::is_control) {
        format!("{name:?}")
    } else if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "-_./:@+,=".contains(c))
    {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "'\\''"))
    }
}

/// One item of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseItem {
    /// Kind.
    pub kind: ItemKind,
    /// Listing id, actor id or query text.
    pub value: String,
    /// When it was added.
    pub added_at: String,
    /// By whom.
    pub added_by: String,
    /// What it was when added (an actor's accounts, a query's hits), as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<serde_json::Value>,
}

/// One note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// When.
    pub at: String,
    /// By whom.
    pub analyst: String,
    /// The note.
    pub text: String,
}

/// One audit row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When.
    pub at: String,
    /// Who (the OS user, or `--analyst`).
    pub analyst: String,
    /// `created`, `added`, `noted`.
    pub action: String,
    /// What exactly.
    pub detail: String,
}

/// A case with everything in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// Name.
    pub name: String,
    /// Created when.
    pub created_at: String,
    /// Created by.
    pub created_by: String,
    /// Description given at creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Items, in the order added.
    pub items: Vec<CaseItem>,
    /// Notes, oldest first.
    pub notes: Vec<Note>,
    /// Audit log, oldest first.
    pub audit: Vec<AuditEntry>,
}

/// A case in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSummary {
    /// Name.
    pub name: String,
    /// Created when.
    pub created_at: String,
    /// Created by.
    pub created_by: String,
    /// Items.
    pub items: usize,
    /// Notes.
    pub notes: usize,
    /// Last audit entry time.
    pub last_change: String,
}

/// Creates the tables (on a read-write connection).
pub fn create_tables(conn: &Connection) -> Result<(), IndexError> {
    conn.execute_batch(SCHEMA)
        .map_err(IndexError::sqlite("creating the case_ tables"))
}

fn tables_exist(conn: &Connection) -> Result<bool, IndexError> {
    conn.prepare_cached("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'case_cases'")
        .and_then(|mut st| st.exists([]))
        .map_err(IndexError::sqlite("looking for the case tables"))
}

fn check_name(name: &str) -> Result<(), CaseError> {
    let n = name.chars().count();
    if n == 0 || n > 100 || name.chars().any(char::is_control) || name.trim() != name {
        return Err(CaseError::BadName(name.to_string()));
    }
    Ok(())
}

fn audit(
    conn: &Connection,
    case: &str,
    at: &str,
    analyst: &str,
    action: &str,
    detail: &str,
) -> Result<(), IndexError> {
    conn.execute(
        "INSERT INTO case_audit (case_name, at, analyst, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![case, at, analyst, action, detail],
    )
    .map(|_| ())
    .map_err(IndexError::sqlite(format!("writing the audit log of case {case}")))
}

fn exists(conn: &Connection, name: &str) -> Result<bool, IndexError> {
    conn.prepare_cached("SELECT 1 FROM case_cases WHERE name = ?1")
        .and_then(|mut st| st.exists([name]))
        .map_err(IndexError::sqlite(format!("looking up case {name}")))
}

/// Creates a case.
pub fn new_case(
    conn: &mut Connection,
    name: &str,
    description: Option<&str>,
    analyst: &str,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    check_name(name)?;
    create_tables(conn)?;
    let tx = conn
        .transaction()
        .map_err(IndexError::sqlite("starting a case transaction"))?;
    if exists(&tx, name)? {
        return Err(CaseError::Exists(name.to_string()));
    }
    let at = ts(now);
    tx.execute(
        "INSERT INTO case_cases (name, created_at, created_by, description) VALUES (?1, ?2, ?3, ?4)",
        params![name, at, analyst, description],
    )
    .map_err(IndexError::sqlite(format!("creating case {name}")))?;
    let detail = match description {
        Some(d) => format!("created case {name:?}: {d}"),
        None => format!("created case {name:?}"),
    };
    audit(&tx, name, &at, analyst, "created", &detail)?;
    tx.commit()
        .map_err(IndexError::sqlite(format!("committing case {name}")))?;
    Ok(())
}

/// Adds an item (adding one already there only records it in the audit log). Returns true
/// when it was new.
pub fn add_item(
    conn: &mut Connection,
    name: &str,
    kind: ItemKind,
    value: &str,
    snapshot: Option<&serde_json::Value>,
    analyst: &str,
    now: DateTime<Utc>,
) -> Result<bool, CaseError> {
    create_tables(conn)?;
    let tx = conn
        .transaction()
        .map_err(IndexError::sqlite("starting a case transaction"))?;
    if !exists(&tx, name)? {
        return Err(CaseError::Missing(name.to_string()));
    }
    let at = ts(now);
    let snap = snapshot.map(serde_json::Value::to_string);
    let n = tx
        .execute(
            "INSERT OR IGNORE INTO case_items (case_name, kind, value, added_at, added_by, snapshot)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![name, kind.as_str(), value, at, analyst, snap],
        )
        .map_err(IndexError::sqlite(format!("adding to case {name}")))?;
    let detail = if n > 0 {
        format!("added {} {value}", kind.as_str())
    } else {
        format!(
            "added {} {value} again (already in the case)",
            kind.as_str()
        )
    };
    audit(&tx, name, &at, analyst, "added", &detail)?;
    tx.commit()
        .map_err(IndexError::sqlite(format!("committing case {name}")))?;
    Ok(n > 0)
}

/// Adds a note.
pub fn add_note(
    conn: &mut Connection,
    name: &str,
    text: &str,
    analyst: &str,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    create_tables(conn)?;
    let tx = conn
        .transaction()
        .map_err(IndexError::sqlite("starting a case transaction"))?;
    if !exists(&tx, name)? {
        return Err(CaseError::Missing(name.to_string()));
    }
    let at = ts(now);
    tx.execute(
        "INSERT INTO case_notes (case_name, at, analyst, text) VALUES (?1, ?2, ?3, ?4)",
        params![name, at, analyst, text],
    )
    .map_err(IndexError::sqlite(format!("adding a note to case {name}")))?;
    let short: String = text.chars().take(80).collect();
    audit(&tx, name, &at, analyst, "noted", &format!("note: {short}"))?;
    tx.commit()
        .map_err(IndexError::sqlite(format!("committing case {name}")))?;
    Ok(())
}

/// Every case, by name.
pub fn list(conn: &Connection) -> Result<Vec<CaseSummary>, IndexError> {
    if !tables_exist(conn)? {
        return Ok(Vec::new());
    }
    let ctx = "listing cases";
    let mut st = conn
        .prepare(
            "SELECT c.name, c.created_at, c.created_by,
                (SELECT COUNT(*) FROM case_items i WHERE i.case_name = c.name),
                (SELECT COUNT(*) FROM case_notes n WHERE n.case_name = c.name),
                (SELECT MAX(at) FROM case_audit a WHERE a.case_name = c.name)
             FROM case_cases c ORDER BY c.name",
        )
        .map_err(IndexError::sqlite(ctx))?;
    st.query_map([], |r| {
        Ok(CaseSummary {
            name: r.get(0)?,
            created_at: r.get(1)?,
            created_by: r.get(2)?,
            items: usize::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
            notes: usize::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
            last_change: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
        })
    })
    .map_err(IndexError::sqlite(ctx))?
    .collect::<Result<_, _>>()
    .map_err(IndexError::sqlite(ctx))
}

/// One case with its items, notes and audit log.
pub fn show(conn: &Connection, name: &str) -> Result<Case, CaseError> {
    if !tables_exist(conn)? {
        return Err(CaseError::Missing(name.to_string()));
    }
    let ctx = format!("reading case {name}");
    let head = conn
        .query_row(
            "SELECT created_at, created_by, description FROM case_cases WHERE name = ?1",
            [name],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            },
        )
        .optional()
        .map_err(IndexError::sqlite(ctx.clone()))?;
    let Some((created_at, created_by, description)) = head else {
        return Err(CaseError::Missing(name.to_string()));
    };
    let items = conn
        .prepare(
            "SELECT kind, value, added_at, added_by, snapshot FROM case_items
             WHERE case_name = ?1 ORDER BY added_at, kind, value",
        )
        .and_then(|mut st| {
            st.query_map([name], |r| {
                Ok(CaseItem {
                    kind: ItemKind::parse(&r.get::<_, String>(0)?),
                    value: r.get(1)?,
                    added_at: r.get(2)?,
                    added_by: r.get(3)?,
                    snapshot: r
                        .get::<_, Option<String>>(4)?
                        .and_then(|s| serde_json::from_str(&s).ok()),
                })
            })?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(IndexError::sqlite(ctx.clone()))?;
    let notes = conn
        .prepare("SELECT at, analyst, text FROM case_notes WHERE case_name = ?1 ORDER BY id")
        .and_then(|mut st| {
            st.query_map([name], |r| {
                Ok(Note {
                    at: r.get(0)?,
                    analyst: r.get(1)?,
                    text: r.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(IndexError::sqlite(ctx.clone()))?;
    let audit = conn
        .prepare(
            "SELECT at, analyst, action, detail FROM case_audit WHERE case_name = ?1 ORDER BY id",
        )
        .and_then(|mut st| {
            st.query_map([name], |r| {
                Ok(AuditEntry {
                    at: r.get(0)?,
                    analyst: r.get(1)?,
                    action: r.get(2)?,
                    detail: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(IndexError::sqlite(ctx))?;
    Ok(Case {
        name: name.to_string(),
        created_at,
        created_by,
        description,
        items,
        notes,
        audit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_missing_case_hint_is_a_word_to_paste_and_never_drives_the_terminal() {
        let hint = |name: &str| CaseError::Missing(name.into()).to_string();
        assert!(hint("op-wolf").ends_with("`salwatch case new op-wolf`"));
        assert!(hint("Op Wolf's").ends_with(r#"`salwatch case new 'Op Wolf'\''s'`"#));
        let raw = hint("x\u{1b}]0;t\u{7}\u{1b}[31m");
        assert!(!raw.chars().any(char::is_control), "{raw:?}");
    }

    #[test]
    fn case_lifecycle_is_audited() {
        let mut conn = Connection::open_in_memory().unwrap();
        let t = |m| Utc.with_ymd_and_hms(2026, 11, 1, 10, m, 0).unwrap();
        new_case(&mut conn, "op-wolf", Some("Zoraki sellers"), "ana", t(0)).unwrap();
        assert!(matches!(
            new_case(&mut conn, "op-wolf", None, "ana", t(1)),
            Err(CaseError::Exists(_))
        ));
        assert!(
            add_item(
                &mut conn,
                "op-wolf",
                ItemKind::Listing,
                "forum:1",
                None,
                "ben",
                t(2)
            )
            .unwrap()
        );
        assert!(
            !add_item(
                &mut conn,
                "op-wolf",
                ItemKind::Listing,
                "forum:1",
                None,
                "ben",
                t(3)
            )
            .unwrap()
        );
        add_note(
            &mut conn,
            "op-wolf",
            "seller moved to the channel",
            "ana",
            t(4),
        )
        .unwrap();
        assert!(matches!(
            add_note(&mut conn, "nope", "x", "ana", t(5)),
            Err(CaseError::Missing(_))
        ));
        let case = show(&conn, "op-wolf").unwrap();
        assert_eq!(case.items.len(), 1);
        assert_eq!(case.items[0].added_by, "ben");
        assert_eq!(case.notes[0].text, "seller moved to the channel");
        let actions: Vec<(&str, &str)> = case
            .audit
            .iter()
            .map(|a| (a.analyst.as_str(), a.action.as_str()))
            .collect();
        assert_eq!(
            actions,
            [
                ("ana", "created"),
                ("ben", "added"),
                ("ben", "added"),
                ("ana", "noted")
            ]
        );
        assert!(case.audit[2].detail.contains("again"));
        let listed = list(&conn).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].items, 1);
        assert!(matches!(
            new_case(&mut conn, " bad", None, "a", t(6)),
            Err(CaseError::BadName(_))
        ));
    }
}
