//! Reading clusters and their links back for reports.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::store;
use crate::error::IndexError;

/// One explained link between two listings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DedupLink {
    /// One listing (the smaller id).
    pub a: String,
    /// The other listing.
    pub b: String,
    /// `exact`, `near` or `photo`.
    pub kind: String,
    /// 1 for exact and photo links, the estimated Jaccard similarity for near ones.
    pub score: f64,
    /// What was compared (the photo digest, the shingles).
    pub detail: Option<String>,
    /// When the link became visible (the later of the two first sightings).
    pub at: String,
}

/// One member of a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterMember {
    /// Listing id.
    pub listing_id: String,
    /// Site.
    pub site: String,
    /// First capture of the listing.
    pub first_seen: String,
}

/// A cluster of duplicate listings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// Cluster id (`c` + 10 hex digits).
    pub cluster_id: String,
    /// Number of listings.
    pub size: usize,
    /// Distinct sites, sorted.
    pub sites: Vec<String>,
    /// Members, first seen first.
    pub members: Vec<ClusterMember>,
    /// The links that join them.
    pub links: Vec<DedupLink>,
}

/// Clusters of at least `min_size` listings (at least 1), largest first, then by id.
pub fn clusters(conn: &Connection, min_size: usize) -> Result<Vec<Cluster>, IndexError> {
    if !store::exists(conn)? {
        return Ok(Vec::new());
    }
    let ctx = "listing dedup clusters";
    let min = i64::try_from(min_size.max(1)).unwrap_or(i64::MAX);
    let mut st = conn
        .prepare(
            "SELECT cluster_id, COUNT(*) AS n FROM dedup_members GROUP BY cluster_id
             HAVING n >= ?1 ORDER BY n DESC, cluster_id",
        )
        .map_err(IndexError::sqlite(ctx))?;
    let ids = st
        .query_map([min], |r| r.get::<_, String>(0))
        .map_err(IndexError::sqlite(ctx))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(IndexError::sqlite(ctx))?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(c) = cluster(conn, &id)? {
            out.push(c);
        }
    }
    Ok(out)
}

/// One cluster by id, or `None`.
pub fn cluster(conn: &Connection, cluster_id: &str) -> Result<Option<Cluster>, IndexError> {
    if !store::exists(conn)? {
        return Ok(None);
    }
    let ctx = format!("reading dedup cluster {cluster_id}");
    let mut st = conn
        .prepare_cached(
            "SELECT m.listing_id, d.site, d.first_seen FROM dedup_members m
             JOIN dedup_docs d ON d.listing_id = m.listing_id
             WHERE m.cluster_id = ?1 ORDER BY d.first_seen, m.listing_id",
        )
        .map_err(IndexError::sqlite(ctx.clone()))?;
    let members = st
        .query_map([cluster_id], |r| {
            Ok(ClusterMember {
                listing_id: r.get(0)?,
                site: r.get(1)?,
                first_seen: r.get(2)?,
            })
        })
        .map_err(IndexError::sqlite(ctx.clone()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(IndexError::sqlite(ctx.clone()))?;
    if members.is_empty() {
        return Ok(None);
    }
    let ids: Vec<&str> = members.iter().map(|m| m.listing_id.as_str()).collect();
    let links = links_of(conn, &ids)?
        .into_iter()
        .filter(|l| ids.contains(&l.a.as_str()) && ids.contains(&l.b.as_str()))
        .collect();
    let mut sites: Vec<String> = members.iter().map(|m| m.site.clone()).collect();
    sites.sort();
    sites.dedup();
    Ok(Some(Cluster {
        cluster_id: cluster_id.to_string(),
        size: members.len(),
        sites,
        members,
        links,
    }))
}

/// Every link that touches one of `listing_ids`, oldest first.
pub fn links_of(conn: &Connection, listing_ids: &[&str]) -> Result<Vec<DedupLink>, IndexError> {
    if !store::exists(conn)? {
        return Ok(Vec::new());
    }
    let ctx = "reading dedup links";
    let mut st = conn
        .prepare_cached(
            "SELECT a, b, kind, score, detail, at FROM dedup_links WHERE a = ?1
             UNION SELECT a, b, kind, score, detail, at FROM dedup_links WHERE b = ?1",
        )
        .map_err(IndexError::sqlite(ctx))?;
    let mut out: Vec<DedupLink> = Vec::new();
    for id in listing_ids {
        let rows = st
            .query_map(params![id], |r| {
                Ok(DedupLink {
                    a: r.get(0)?,
                    b: r.get(1)?,
                    kind: r.get(2)?,
                    score: r.get(3)?,
                    detail: r.get(4)?,
                    at: r.get(5)?,
                })
            })
            .map_err(IndexError::sqlite(ctx))?;
        for row in rows {
            let link = row.map_err(IndexError::sqlite(ctx))?;
            if !out.contains(&link) {
                out.push(link);
            }
        }
    }
    out.sort_by(|x, y| (&x.at, &x.a, &x.b, &x.kind).cmp(&(&y.at, &y.a, &y.b, &y.kind)));
    Ok(out)
}
