//! Timelines (issue #7): events in time order from the crawl history — listing first seen,
//! price changed, text changed, gone, reappeared, reposted (its cluster gained a member), an
//! actor's identifier first used — for a listing, a set of listings (a query, a case) or an
//! actor; and a self-contained HTML page with an SVG time chart ([`html`]).

pub mod html;

use std::collections::BTreeSet;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::actors::Actor;
use crate::error::IndexError;
use crate::store;

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// `first_seen`, `price_changed`, `text_changed`, `gone`, `reappeared`, `reposted`,
    /// `identifier_first_used`.
    pub event: String,
    /// The listing concerned.
    pub listing_id: String,
    /// Its site.
    pub site: String,
    /// Value before (price, text digest), when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// Value after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// What it means, in words.
    pub detail: String,
}

/// The events of these listings: their history, plus `reposted` when their dedup cluster
/// gained a member (another listing first seen later), oldest first. `seen` rows are left out.
pub fn for_listings(conn: &Connection, listing_ids: &[String]) -> Result<Vec<Event>, IndexError> {
    let mut out = Vec::new();
    let wanted: BTreeSet<&str> = listing_ids.iter().map(String::as_str).collect();
    for id in &wanted {
        let site = site_of(conn, id)?;
        for h in store::history(conn, id)? {
            if h.event == "seen" {
                continue;
            }
            let detail = match h.event.as_str() {
                "first_seen" => format!(
                    "listing first seen{}",
                    h.new
                        .as_deref()
                        .map(|p| format!(" at {p}"))
                        .unwrap_or_default()
                ),
                "price_changed" => format!(
                    "price changed from {} to {}",
                    h.old.as_deref().unwrap_or("none"),
                    h.new.as_deref().unwrap_or("none")
                ),
                "text_changed" => "listing text changed".to_string(),
                "gone" => "listing page answered 404/410 or showed the site's removal notice: gone"
                    .to_string(),
                "reappeared" => "listing page is back".to_string(),
                other => other.replace('_', " "),
            };
            out.push(Event {
                at: store::ts(h.at),
                event: h.event,
                listing_id: (*id).to_string(),
                site: site.clone(),
                old: h.old,
                new: h.new,
                detail,
            });
        }
        let has_gone = out.iter().any(|e| e.listing_id == *id && e.event == "gone");
        if !has_gone {
            out.extend(gone_from_fetch_log(conn, id, &site)?);
        }
        out.extend(reposts(conn, id, &site)?);
    }
    sort(&mut out);
    Ok(out)
}

/// The events of an actor: its listings' events, and each identifier's first use.
pub fn for_actor(conn: &Connection, actor: &Actor) -> Result<Vec<Event>, IndexError> {
    let mut out = for_listings(conn, &actor.listing_ids())?;
    for ident in &actor.identifiers {
        let site = site_of(conn, &ident.first_listing)?;
        out.push(Event {
            at: ident.first_seen.clone(),
            event: "identifier_first_used".into(),
            listing_id: ident.first_listing.clone(),
            site,
            old: None,
            new: Some(format!("{}:{}", ident.kind, ident.value)),
            detail: format!(
                "{} {} first used (by {})",
                ident.kind,
                ident.value,
                ident.accounts.join(", ")
            ),
        });
    }
    sort(&mut out);
    Ok(out)
}

/// `reposted` events: every later member of the listing's cluster.
fn reposts(conn: &Connection, id: &str, site: &str) -> Result<Vec<Event>, IndexError> {
    let Some(cluster_id) = crate::dedup::store::cluster_of_ro(conn, id)? else {
        return Ok(Vec::new());
    };
    let Some(cluster) = crate::dedup::cluster(conn, &cluster_id)? else {
        return Ok(Vec::new());
    };
    let Some(me) = cluster.members.iter().find(|m| m.listing_id == id) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for m in &cluster.members {
        if m.listing_id == id || m.first_seen < me.first_seen {
            continue;
        }
        let kinds: BTreeSet<&str> = cluster
            .links
            .iter()
            .filter(|l| (l.a == m.listing_id || l.b == m.listing_id) && (l.a == id || l.b == id))
            .map(|l| l.kind.as_str())
            .collect();
        let how = if kinds.is_empty() {
            format!("same cluster {cluster_id}")
        } else {
            format!(
                "{} duplicate",
                kinds.into_iter().collect::<Vec<_>>().join("+")
            )
        };
        out.push(Event {
            at: m.first_seen.clone(),
            event: "reposted".into(),
            listing_id: id.to_string(),
            site: site.to_string(),
            old: None,
            new: Some(m.listing_id.clone()),
            detail: format!(
                "reposted as {} on {} ({how})",
                m.listing_id,
                if m.site == site {
                    "the same site".to_string()
                } else {
                    m.site.clone()
                }
            ),
        });
    }
    Ok(out)
}

/// The path of a URL (`/a/b/`), without query or fragment.
fn path_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let path = &rest[rest.find('/')?..];
    Some(path.split(['#', '?']).next().unwrap_or(path))
}

/// `gone` from the crawler's fetch log: the first 404/410 at a path where the listing was
/// captured, after it was first seen (pages that answer 404 carry no listing fields, so the
/// path — on any host or port — is what ties them to the listing).
fn gone_from_fetch_log(conn: &Connection, id: &str, site: &str) -> Result<Vec<Event>, IndexError> {
    let ctx = format!("reading the fetch log for {id}");
    let has_log = conn
        .prepare_cached(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'crawl_fetch_log'",
        )
        .and_then(|mut st| st.exists([]))
        .map_err(IndexError::sqlite(ctx.clone()))?;
    if !has_log {
        return Ok(Vec::new());
    }
    let captures = store::captures(conn, id)?;
    let Some(first) = captures.first().map(|c| c.fetched_at) else {
        return Ok(Vec::new());
    };
    let paths: BTreeSet<&str> = captures.iter().filter_map(|c| path_of(&c.url)).collect();
    let mut st = conn
        .prepare_cached(
            "SELECT at, url, status FROM crawl_fetch_log WHERE site = ?1 AND status IN (404, 410)
             ORDER BY at",
        )
        .map_err(IndexError::sqlite(ctx.clone()))?;
    let rows = st
        .query_map([site], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .map_err(IndexError::sqlite(ctx.clone()))?;
    for row in rows {
        let (at, url, status) = row.map_err(IndexError::sqlite(ctx.clone()))?;
        let Some(when) = chrono::DateTime::parse_from_rfc3339(&at)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
        else {
            continue;
        };
        if when > first && path_of(&url).is_some_and(|p| paths.contains(p)) {
            return Ok(vec![Event {
                at: store::ts(when),
                event: "gone".into(),
                listing_id: id.to_string(),
                site: site.to_string(),
                old: None,
                new: None,
                detail: format!("listing page answered {status}: gone ({url})"),
            }]);
        }
    }
    Ok(Vec::new())
}

fn site_of(conn: &Connection, id: &str) -> Result<String, IndexError> {
    Ok(store::load_state(conn, id)?
        .map(|s| s.site)
        .unwrap_or_default())
}

fn sort(events: &mut Vec<Event>) {
    events.sort_by(|a, b| {
        (&a.at, &a.listing_id, rank(&a.event), &a.new).cmp(&(
            &b.at,
            &b.listing_id,
            rank(&b.event),
            &b.new,
        ))
    });
    events.dedup();
}

/// Order of events at the same instant.
fn rank(event: &str) -> u8 {
    match event {
        "first_seen" => 0,
        "identifier_first_used" => 1,
        "price_changed" | "text_changed" => 2,
        "reposted" => 3,
        "gone" => 4,
        _ => 5,
    }
}
