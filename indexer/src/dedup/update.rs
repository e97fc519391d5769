//! The incremental update run at every index commit.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};

use super::minhash::{MinHasher, estimate};
use super::{DedupParams, kind, shingle, store};
use crate::error::IndexError;
use crate::store::ts;

/// One listing as the dedup sees it.
#[derive(Debug, Clone)]
pub struct DedupDoc<'a> {
    /// Stable listing id.
    pub listing_id: &'a str,
    /// Site.
    pub site: &'a str,
    /// First capture.
    pub first_seen: DateTime<Utc>,
    /// Title and body.
    pub text: String,
    /// Absolute image URLs.
    pub images: &'a [String],
    /// Identifiers the listing carries, `(kind, normalized)` (phones, wallets, keys …).
    pub identifiers: Vec<(String, String)>,
}

impl DedupDoc<'_> {
    /// What the stored state is compared with: text and images.
    fn source(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.text.as_bytes());
        for i in self.images {
            h.update(b"\n");
            h.update(i.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// Exact twins linked per listing (the earliest ones): exact equality is transitive, so a few
/// links keep the group joined, and a thousand copies of one spam ad cost a thousand links, not
/// half a million.
const MAX_EXACT_LINKS: i64 = 4;
/// Rows read from one LSH bucket per listing: a bucket shared by thousands of templated ads would
/// otherwise make every new ad read all of them.
const MAX_BUCKET_READ: i64 = 64;
/// Near-duplicate candidates verified per listing (those sharing the most LSH bands first).
const MAX_CANDIDATES: usize = 256;
/// Near-duplicate links stored per listing (the strongest): enough to join its cluster, bounded
/// so that link storage grows linearly with the number of listings.
const MAX_NEAR_LINKS: usize = 16;

/// Updates the dedup tables with the listings of one batch, resolves photo digests the crawler
/// has logged since, and recomputes the clusters these touched. Returns the listings whose
/// cluster id changed (including every listing seen for the first time), with the new id.
pub fn update(
    conn: &mut Connection,
    params: &DedupParams,
    docs: &[DedupDoc<'_>],
) -> Result<BTreeMap<String, String>, IndexError> {
    store::create(conn)?;
    let hasher = MinHasher::new(params.num_perm);
    let bands = params.bands();
    let tx = conn
        .transaction()
        .map_err(IndexError::sqlite("starting the dedup transaction"))?;
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let mut batch_idents: HashMap<&(String, String), Vec<&str>> = HashMap::new();
    for doc in docs {
        for ident in &doc.identifiers {
            batch_idents.entry(ident).or_default().push(doc.listing_id);
        }
    }
    let entities_table = table_exists(&tx, "idx_entities")?;
    let same_identifier_sql = format!(
        "SELECT listing_id, kind FROM idx_entities
         WHERE kind = ?1 AND normalized = ?2 AND listing_id != ?3 AND {}",
        crate::shared::identifier_condition("kind")
    );
    for doc in docs {
        let source = doc.source();
        if store::source_of(&tx, doc.listing_id)?.as_deref() == Some(source.as_str()) {
            continue;
        }
        touched.insert(doc.listing_id.to_string());
        let words = shingle::words(&doc.text);
        let exact = shingle::exact_digest(&words);
        let sig = hasher.signature(&shingle::shingles(&words, params.shingle));
        let keys = bands.keys(&sig);
        let first_seen = ts(doc.first_seen);
        forget(&tx, doc.listing_id, &mut touched)?;
        let ctx = format!("storing the dedup state of {}", doc.listing_id);
        tx.execute(
            "INSERT OR REPLACE INTO dedup_docs (listing_id, site, first_seen, source, exact, signature)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![doc.listing_id, doc.site, first_seen, source, exact, store::encode_signature(&sig)],
        )
        .map_err(IndexError::sqlite(ctx.clone()))?;
        // Exact duplicates.
        let same: Vec<(String, String)> = query_pairs(
            &tx,
            "SELECT listing_id, first_seen FROM dedup_docs WHERE exact = ?1 AND listing_id != ?2
             ORDER BY first_seen, listing_id LIMIT ?3",
            params![exact, doc.listing_id, MAX_EXACT_LINKS],
        )?;
        for (other, other_seen) in same {
            let at = first_seen.clone().max(other_seen);
            store::put_link(&tx, doc.listing_id, &other, kind::EXACT, 1.0, None, &at)?;
            touched.insert(other);
        }
        // Near duplicates: LSH candidates (most shared bands first), verified on the signatures.
        let mut band_hits: BTreeMap<String, usize> = BTreeMap::new();
        {
            let mut find = tx
                .prepare_cached("SELECT listing_id FROM dedup_bands WHERE bucket = ?1 LIMIT ?2")
                .map_err(IndexError::sqlite(ctx.clone()))?;
            let mut put = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO dedup_bands (bucket, listing_id) VALUES (?1, ?2)",
                )
                .map_err(IndexError::sqlite(ctx.clone()))?;
            for key in keys {
                let bucket = key as i64;
                let rows = find
                    .query_map(params![bucket, MAX_BUCKET_READ], |r| r.get::<_, String>(0))
                    .map_err(IndexError::sqlite(ctx.clone()))?;
                for row in rows {
                    let id = row.map_err(IndexError::sqlite(ctx.clone()))?;
                    if id != doc.listing_id {
                        *band_hits.entry(id).or_default() += 1;
                    }
                }
                put.execute(params![bucket, doc.listing_id])
                    .map_err(IndexError::sqlite(ctx.clone()))?;
            }
        }
        // Same seller (a shared identifier): candidates for the corroborated threshold.
        let mut same_seller: BTreeMap<String, String> = BTreeMap::new();
        for ident in &doc.identifiers {
            let label = format!("{}:{}", ident.0, ident.1);
            for other in batch_idents.get(ident).into_iter().flatten() {
                if *other != doc.listing_id {
                    same_seller
                        .entry((*other).to_string())
                        .or_insert_with(|| label.clone());
                }
            }
            if entities_table {
                let others = query_pairs(
                    &tx,
                    &same_identifier_sql,
                    params![ident.0, ident.1, doc.listing_id],
                )?;
                for (other, _) in others {
                    same_seller.entry(other).or_insert_with(|| label.clone());
                }
            }
        }
        let mut ranked: Vec<(String, usize)> = band_hits.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut candidates: BTreeSet<String> = ranked
            .into_iter()
            .take(MAX_CANDIDATES)
            .map(|(id, _)| id)
            .collect();
        candidates.extend(same_seller.keys().take(MAX_CANDIDATES).cloned());
        let mut near: Vec<(f64, String, String, String)> = Vec::new();
        let mut load = tx
            .prepare_cached("SELECT signature, first_seen FROM dedup_docs WHERE listing_id = ?1")
            .map_err(IndexError::sqlite(ctx.clone()))?;
        for other in candidates {
            let Some((blob, other_seen)) = load
                .query_row([&other], |r| {
                    Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
                })
                .optional()
                .map_err(IndexError::sqlite(ctx.clone()))?
            else {
                continue;
            };
            let j = estimate(&sig, &store::decode_signature(&blob));
            let corroborated = same_seller
                .get(&other)
                .filter(|_| j < params.threshold && j >= params.corroborated_threshold);
            if j >= params.threshold || corroborated.is_some() {
                let at = first_seen.clone().max(other_seen);
                let mut detail = format!(
                    "estimated Jaccard {j:.2} over {}-word shingles",
                    params.shingle
                );
                if let Some(ident) = corroborated {
                    detail.push_str(&format!(", same {ident}"));
                }
                near.push((j, other, detail, at));
            }
        }
        // The strongest links only: one link is enough to join a cluster, and a flood of
        // near-identical spam must not grow the link table quadratically.
        near.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        for (j, other, detail, at) in near.into_iter().take(MAX_NEAR_LINKS) {
            store::put_link(
                &tx,
                doc.listing_id,
                &other,
                kind::NEAR,
                j,
                Some(&detail),
                &at,
            )?;
            touched.insert(other);
        }
        // Photos (digests resolved below).
        let mut photo = tx
            .prepare_cached("INSERT OR IGNORE INTO dedup_photos (listing_id, site, url, digest) VALUES (?1, ?2, ?3, NULL)")
            .map_err(IndexError::sqlite(ctx.clone()))?;
        for url in doc.images {
            photo
                .execute(params![doc.listing_id, doc.site, url])
                .map_err(IndexError::sqlite(ctx.clone()))?;
        }
    }
    super::photos::resolve(&tx, &mut touched)?;
    let changed = recluster(&tx, &touched)?;
    tx.commit()
        .map_err(IndexError::sqlite("committing the dedup transaction"))?;
    Ok(changed)
}

/// Removes a listing's buckets, text links and photos before it is stored again; its former
/// neighbours and cluster mates are touched (their clusters may split).
fn forget(
    tx: &Transaction<'_>,
    id: &str,
    touched: &mut BTreeSet<String>,
) -> Result<(), IndexError> {
    let ctx = format!("clearing the dedup state of {id}");
    let neighbours = query_pairs(
        tx,
        "SELECT b, kind FROM dedup_links WHERE a = ?1 UNION SELECT a, kind FROM dedup_links WHERE b = ?1",
        [id],
    )?;
    touched.extend(neighbours.into_iter().map(|(n, _)| n));
    let mates = query_pairs(
        tx,
        "SELECT m.listing_id, m.cluster_id FROM dedup_members m
         WHERE m.cluster_id = (SELECT cluster_id FROM dedup_members WHERE listing_id = ?1)",
        [id],
    )?;
    touched.extend(mates.into_iter().map(|(n, _)| n));
    for sql in [
        "DELETE FROM dedup_bands WHERE listing_id = ?1",
        "DELETE FROM dedup_links WHERE a = ?1 OR b = ?1",
        "DELETE FROM dedup_photos WHERE listing_id = ?1",
    ] {
        tx.execute(sql, [id])
            .map_err(IndexError::sqlite(ctx.clone()))?;
    }
    Ok(())
}

/// Recomputes the connected components that contain a touched listing and stores the cluster
/// of each of their members. Returns the memberships that changed.
fn recluster(
    tx: &Transaction<'_>,
    touched: &BTreeSet<String>,
) -> Result<BTreeMap<String, String>, IndexError> {
    let ctx = "recomputing dedup clusters";
    let mut neighbours = tx
        .prepare_cached(
            "SELECT b FROM dedup_links WHERE a = ?1 UNION SELECT a FROM dedup_links WHERE b = ?1",
        )
        .map_err(IndexError::sqlite(ctx))?;
    let mut seen_of = tx
        .prepare_cached("SELECT first_seen FROM dedup_docs WHERE listing_id = ?1")
        .map_err(IndexError::sqlite(ctx))?;
    let mut current = tx
        .prepare_cached("SELECT cluster_id FROM dedup_members WHERE listing_id = ?1")
        .map_err(IndexError::sqlite(ctx))?;
    let mut put = tx
        .prepare_cached("INSERT OR REPLACE INTO dedup_members (listing_id, cluster_id, since) VALUES (?1, ?2, ?3)")
        .map_err(IndexError::sqlite(ctx))?;
    let mut done: HashMap<String, ()> = HashMap::new();
    let mut changed = BTreeMap::new();
    for start in touched {
        if done.contains_key(start) {
            continue;
        }
        // Breadth-first over the links.
        let mut component: Vec<String> = Vec::new();
        let mut queue = VecDeque::from([start.clone()]);
        done.insert(start.clone(), ());
        while let Some(node) = queue.pop_front() {
            let next = neighbours
                .query_map([&node], |r| r.get::<_, String>(0))
                .map_err(IndexError::sqlite(ctx))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(IndexError::sqlite(ctx))?;
            for n in next {
                if done.insert(n.clone(), ()).is_none() {
                    queue.push_back(n);
                }
            }
            component.push(node);
        }
        // The anchor: first seen first, then the smallest id.
        let mut members: Vec<(String, String)> = Vec::with_capacity(component.len());
        for id in component {
            let seen: Option<String> = seen_of.query_row([&id], |r| r.get(0)).ok();
            if let Some(seen) = seen {
                members.push((seen, id));
            }
        }
        members.sort();
        let Some((_, anchor)) = members.first().cloned() else {
            continue;
        };
        let cluster_id = cluster_id_of(&anchor);
        for (seen, id) in &members {
            let old: Option<String> = current.query_row([id], |r| r.get(0)).ok();
            if old.as_deref() != Some(cluster_id.as_str()) {
                let since = seen;
                put.execute(params![id, cluster_id, since])
                    .map_err(IndexError::sqlite(ctx))?;
                changed.insert(id.clone(), cluster_id.clone());
            }
        }
    }
    Ok(changed)
}

/// The id of the cluster anchored at a listing: `c` and 10 hex digits of its id's SHA-256.
pub(crate) fn cluster_id_of(anchor: &str) -> String {
    let digest = hex::encode(Sha256::digest(anchor.as_bytes()));
    format!("c{}", &digest[..10])
}

/// Runs a query whose rows are two text columns.
fn query_pairs(
    conn: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
) -> Result<Vec<(String, String)>, IndexError> {
    let ctx = "reading dedup state";
    let mut st = conn.prepare_cached(sql).map_err(IndexError::sqlite(ctx))?;
    st.query_map(p, |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(IndexError::sqlite(ctx))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(IndexError::sqlite(ctx))
}

/// True when a table exists.
fn table_exists(conn: &Connection, name: &str) -> Result<bool, IndexError> {
    conn.prepare_cached("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1")
        .and_then(|mut st| st.exists([name]))
        .map_err(IndexError::sqlite(format!("looking for table {name}")))
}
