//! Photo links: listings that show the same photo, byte for byte (payload SHA-256) or
//! perceptually (dHash within [`MAX_DHASH_DISTANCE`] bits and mean colour within
//! [`MAX_COLOR_DIFF`]), so that re-encoded, brightened or lightly edited reposts link too.
//! Photo digests and hashes come from the crawler's fetch log (column `dhash`, see
//! `salwatch_crawler::photo`); images are fetched after their listing page, so a later commit
//! often resolves what an earlier one could not.

use std::collections::{BTreeSet, HashSet};

use rusqlite::{Transaction, params};
use salwatch_crawler::photo::{Dhash, MeanColor};

use super::{kind, store};
use crate::error::IndexError;

/// Largest Hamming distance (of 64 bits) at which two photos are the same picture.
///
/// Chosen on the samples (the planted altered reposts of clusters C02, C07 and C08: brightened
/// by 6–7 levels with 8 white specks) and the usual dHash guidance: the planted pairs are at 0–1
/// bits once specks are median-filtered (9 bits without the filter), re-encoding moves a few
/// bits, and unrelated photos sit near 32. 6 leaves room for crops and re-compression while
/// staying far from chance agreement (P(≤ 6 of 64 bits differ at random) ≈ 1e-11).
pub const MAX_DHASH_DISTANCE: u32 = 6;

/// Largest difference of mean colour (any channel, 0–255) between two photos linked by dHash.
///
/// dHash sees only luminance gradients, and patterned pictures of different colours can share
/// a hash: among the 199 sample photos, 4 unrelated pairs had equal distinctive hashes and mean
/// colours 11–16 apart, while the planted altered reposts are 6–7 apart (their brightness edit).
/// Re-encoding moves the mean by 1–2 levels.
pub const MAX_COLOR_DIFF: u8 = 10;

/// Listings one photo (payload digest) may link. A photo shown by more is a site asset (a
/// "no photo" placeholder, a logo, a banner), not a repost: it would join every listing of the
/// site into one cluster, with a link per pair (2,000 listings sharing a placeholder wrote
/// 2 million links in 16 s). Its links are removed once it passes this count, and it links
/// nothing more. Reposts of one photo by one seller rarely come near it, and still link by text
/// and identifiers.
pub const MAX_LISTINGS_PER_PHOTO: i64 = 50;

/// Listings linked per photo by the same digest (the earliest): byte equality is transitive,
/// so a few links keep the group joined, as for exact texts.
const MAX_SAME_PHOTO_LINKS: i64 = 4;

/// Listings linked per photo by a similar hash (the closest): enough to join its cluster, with
/// link storage growing linearly, as for near-duplicate texts.
const MAX_SIMILAR_PHOTO_LINKS: usize = 16;

/// One resolved photo with a usable perceptual hash.
struct Hashed {
    listing: String,
    first_seen: String,
    digest: String,
    dhash: Dhash,
    color: MeanColor,
}

/// Fills photo digests and hashes from the fetch log and links the listings that show the
/// same photo; linked listings are added to `touched`.
pub(super) fn resolve(
    tx: &Transaction<'_>,
    touched: &mut BTreeSet<String>,
) -> Result<(), IndexError> {
    if !store::has_fetch_log(tx)? {
        return Ok(());
    }
    let ctx = "resolving photo digests from the fetch log";
    let pending: Vec<(String, String, String, String)> = {
        let mut st = tx
            .prepare_cached(
                "SELECT p.listing_id, p.url, p.site, d.first_seen FROM dedup_photos p
                 JOIN dedup_docs d ON d.listing_id = p.listing_id
                 WHERE p.digest IS NULL",
            )
            .map_err(IndexError::sqlite(ctx))?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(IndexError::sqlite(ctx))?
            .collect::<Result<_, _>>()
            .map_err(IndexError::sqlite(ctx))?
    };
    if pending.is_empty() {
        return Ok(());
    }
    let hashes_logged = store::has_column(tx, "crawl_fetch_log", "dhash")?
        && store::has_column(tx, "crawl_fetch_log", "photo_color")?;
    let lookup_sql = if hashes_logged {
        "SELECT payload_digest, dhash, photo_color FROM crawl_fetch_log
         WHERE site = ?1 AND url = ?2 AND payload_digest IS NOT NULL AND status BETWEEN 200 AND 299
         ORDER BY id DESC LIMIT 1"
    } else {
        "SELECT payload_digest, NULL, NULL FROM crawl_fetch_log
         WHERE site = ?1 AND url = ?2 AND payload_digest IS NOT NULL AND status BETWEEN 200 AND 299
         ORDER BY id DESC LIMIT 1"
    };
    let mut lookup = tx
        .prepare_cached(lookup_sql)
        .map_err(IndexError::sqlite(ctx))?;
    let mut set = tx
        .prepare_cached(
            "UPDATE dedup_photos SET digest = ?3, dhash = ?4, color = ?5 WHERE listing_id = ?1 AND url = ?2",
        )
        .map_err(IndexError::sqlite(ctx))?;
    let mut same = tx
        .prepare_cached(
            "SELECT p.listing_id, d.first_seen FROM dedup_photos p
             JOIN dedup_docs d ON d.listing_id = p.listing_id
             WHERE p.digest = ?1 AND p.listing_id != ?2
             ORDER BY d.first_seen, p.listing_id LIMIT ?3",
        )
        .map_err(IndexError::sqlite(ctx))?;
    let mut shown_by = tx
        .prepare_cached("SELECT count(DISTINCT listing_id) FROM dedup_photos WHERE digest = ?1")
        .map_err(IndexError::sqlite(ctx))?;
    let mut common = common_photos(tx)?;
    let mut known = hashed_photos(tx)?;
    for (listing, url, site, seen) in pending {
        type Logged = (String, Option<String>, Option<String>);
        let logged: Option<Logged> = lookup
            .query_row(params![site, url], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .ok();
        let Some((digest, dhash, color)) = logged else {
            continue;
        };
        set.execute(params![listing, url, digest, dhash, color])
            .map_err(IndexError::sqlite(ctx))?;
        if common.contains(&digest) {
            continue;
        }
        let shown: i64 = shown_by
            .query_row(params![digest], |r| r.get(0))
            .map_err(IndexError::sqlite(ctx))?;
        if shown > MAX_LISTINGS_PER_PHOTO {
            unlink_common_photo(tx, &digest, touched)?;
            common.insert(digest);
            continue;
        }
        let mut linked: BTreeSet<String> = BTreeSet::new();
        let others = same
            .query_map(params![digest, listing, MAX_SAME_PHOTO_LINKS], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(IndexError::sqlite(ctx))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(IndexError::sqlite(ctx))?;
        for (other, other_seen) in others {
            let at = seen.clone().max(other_seen);
            let detail = format!("same photo {digest}");
            store::put_link(tx, &listing, &other, kind::PHOTO, 1.0, Some(&detail), &at)?;
            touched.insert(listing.clone());
            linked.insert(other.clone());
            touched.insert(other);
        }
        let Some(me) = parse(&listing, &seen, &digest, dhash.as_deref(), color.as_deref()) else {
            continue;
        };
        // The same file elsewhere is linked above, through its earliest copies only; a common
        // photo links nothing.
        let mut similar: Vec<(u32, u8, &Hashed)> = known
            .iter()
            .filter(|o| {
                o.listing != listing
                    && o.digest != me.digest
                    && !linked.contains(&o.listing)
                    && !common.contains(&o.digest)
            })
            .map(|o| (me.dhash.distance(o.dhash), me.color.distance(o.color), o))
            .filter(|(d, c, _)| *d <= MAX_DHASH_DISTANCE && *c <= MAX_COLOR_DIFF)
            .collect();
        similar.sort_by(|a, b| {
            (a.0, a.1, &a.2.first_seen, &a.2.listing).cmp(&(
                b.0,
                b.1,
                &b.2.first_seen,
                &b.2.listing,
            ))
        });
        let mut linked_now = BTreeSet::new();
        for (d, c, other) in similar {
            if linked_now.len() == MAX_SIMILAR_PHOTO_LINKS {
                break;
            }
            if !linked_now.insert(other.listing.as_str()) {
                continue;
            }
            let at = seen.clone().max(other.first_seen.clone());
            let detail = format!(
                "similar photo {} ~ {} ({d} of 64 bits differ, mean colour {c} apart)",
                me.dhash, other.dhash
            );
            let score = 1.0 - f64::from(d) / 64.0;
            store::put_link(
                tx,
                &listing,
                &other.listing,
                kind::PHOTO,
                score,
                Some(&detail),
                &at,
            )?;
            touched.insert(listing.clone());
            touched.insert(other.listing.clone());
        }
        known.push(me);
    }
    Ok(())
}

/// Photo digests shown by more listings than [`MAX_LISTINGS_PER_PHOTO`].
fn common_photos(tx: &Transaction<'_>) -> Result<HashSet<String>, IndexError> {
    let ctx = "finding photos shown by too many listings";
    let mut st = tx
        .prepare_cached(
            "SELECT digest FROM dedup_photos WHERE digest IS NOT NULL
             GROUP BY digest HAVING count(DISTINCT listing_id) > ?1",
        )
        .map_err(IndexError::sqlite(ctx))?;
    st.query_map(params![MAX_LISTINGS_PER_PHOTO], |r| r.get(0))
        .map_err(IndexError::sqlite(ctx))?
        .collect::<Result<_, _>>()
        .map_err(IndexError::sqlite(ctx))
}

/// Removes the links a photo made by its digest before it became common, and touches their
/// listings so that their clusters are recomputed. Happens once per such photo.
fn unlink_common_photo(
    tx: &Transaction<'_>,
    digest: &str,
    touched: &mut BTreeSet<String>,
) -> Result<(), IndexError> {
    let ctx = "removing the links of a photo shown by too many listings";
    let detail = format!("same photo {digest}");
    let ends: Vec<(String, String)> = tx
        .prepare_cached("SELECT a, b FROM dedup_links WHERE kind = ?1 AND detail = ?2")
        .map_err(IndexError::sqlite(ctx))?
        .query_map(params![kind::PHOTO, detail], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(IndexError::sqlite(ctx))?
        .collect::<Result<_, _>>()
        .map_err(IndexError::sqlite(ctx))?;
    tx.execute(
        "DELETE FROM dedup_links WHERE kind = ?1 AND detail = ?2",
        params![kind::PHOTO, detail],
    )
    .map_err(IndexError::sqlite(ctx))?;
    tracing::info!(
        photo = digest,
        links = ends.len(),
        "a photo shown by more than {MAX_LISTINGS_PER_PHOTO} listings is treated as a site asset \
         (placeholder, logo) and links none of them"
    );
    for (a, b) in ends {
        touched.insert(a);
        touched.insert(b);
    }
    Ok(())
}

/// A resolved photo whose hash can link listings (parsed and distinctive).
fn parse(
    listing: &str,
    seen: &str,
    digest: &str,
    dhash: Option<&str>,
    color: Option<&str>,
) -> Option<Hashed> {
    let dhash: Dhash = dhash?.parse().ok()?;
    let color: MeanColor = color?.parse().ok()?;
    dhash.is_distinctive().then(|| Hashed {
        listing: listing.to_string(),
        first_seen: seen.to_string(),
        digest: digest.to_string(),
        dhash,
        color,
    })
}

/// Every photo already resolved with a usable hash. A linear scan is enough at the scale of
/// one unit's archive (10⁵ photos × a batch's new photos is a few 10⁷ XOR-popcounts).
fn hashed_photos(tx: &Transaction<'_>) -> Result<Vec<Hashed>, IndexError> {
    let ctx = "reading photo hashes";
    let mut st = tx
        .prepare_cached(
            "SELECT p.listing_id, d.first_seen, p.digest, p.dhash, p.color FROM dedup_photos p
             JOIN dedup_docs d ON d.listing_id = p.listing_id
             WHERE p.dhash IS NOT NULL AND p.digest IS NOT NULL",
        )
        .map_err(IndexError::sqlite(ctx))?;
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })
        .map_err(IndexError::sqlite(ctx))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(IndexError::sqlite(ctx))?;
    Ok(rows
        .into_iter()
        .filter_map(|(l, s, d, h, c)| parse(&l, &s, &d, h.as_deref(), c.as_deref()))
        .collect())
}

#[cfg(test)]
#[path = "photos_tests.rs"]
mod tests;
