//! Building the actor graph from the `idx_` and `dedup_` tables.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use super::{Account, Actor, ActorLink, IdentifierUse, MAX_ACCOUNTS_PER_STRONG_IDENTIFIER, weight};
use crate::error::IndexError;

/// One listing row.
struct Row {
    site: String,
    seller: Option<String>,
    first_seen: String,
}

/// The account key of a listing.
fn account_key(listing_id: &str, row: &Row) -> String {
    match row.seller.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => format!("{}/{}", row.site, s.to_lowercase()),
        _ => format!("{}/?{listing_id}", row.site),
    }
}

/// Every actor, most sites first, then most accounts, then first seen.
pub fn actors(conn: &Connection) -> Result<Vec<Actor>, IndexError> {
    let ctx = "building the actor graph";
    let mut listings: BTreeMap<String, Row> = BTreeMap::new();
    {
        let mut st = conn
            .prepare("SELECT listing_id, site, seller, first_seen FROM idx_listings")
            .map_err(IndexError::sqlite(ctx))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    Row {
                        site: r.get(1)?,
                        seller: r.get(2)?,
                        first_seen: r.get(3)?,
                    },
                ))
            })
            .map_err(IndexError::sqlite(ctx))?;
        for row in rows {
            let (id, row) = row.map_err(IndexError::sqlite(ctx))?;
            listings.insert(id, row);
        }
    }
    // Accounts.
    let mut accounts: BTreeMap<String, Account> = BTreeMap::new();
    let mut account_of: HashMap<String, String> = HashMap::new();
    for (id, row) in &listings {
        let key = account_key(id, row);
        let acc = accounts.entry(key.clone()).or_insert_with(|| Account {
            key: key.clone(),
            site: row.site.clone(),
            seller: row.seller.clone(),
            listings: Vec::new(),
            first_seen: row.first_seen.clone(),
        });
        acc.listings.push(id.clone());
        if row.first_seen < acc.first_seen {
            acc.first_seen = row.first_seen.clone();
            acc.seller = row.seller.clone();
        }
        account_of.insert(id.clone(), key);
    }
    for acc in accounts.values_mut() {
        acc.listings.sort_by(|a, b| {
            let fa = listings.get(a).map(|r| r.first_seen.as_str());
            let fb = listings.get(b).map(|r| r.first_seen.as_str());
            (fa, a).cmp(&(fb, b))
        });
    }
    // Identifiers: (kind, value) → occurrences (listing).
    let identifier = crate::shared::identifier_condition("kind");
    let mut occurrences: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    {
        let sql =
            format!("SELECT listing_id, kind, normalized FROM idx_entities WHERE {identifier}");
        let mut st = conn.prepare(&sql).map_err(IndexError::sqlite(ctx))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(IndexError::sqlite(ctx))?;
        for row in rows {
            let (listing, kind, value) = row.map_err(IndexError::sqlite(ctx))?;
            if listings.contains_key(&listing) {
                occurrences.entry((kind, value)).or_default().push(listing);
            }
        }
    }
    // Union-find over accounts under strong identifiers.
    let keys: Vec<String> = accounts.keys().cloned().collect();
    let index: HashMap<&str, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let mut parent: Vec<usize> = (0..keys.len()).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let mut strong: BTreeMap<(String, String), bool> = BTreeMap::new();
    for (ident, carriers) in &occurrences {
        let accs: BTreeSet<&str> = carriers
            .iter()
            .filter_map(|l| account_of.get(l).map(String::as_str))
            .collect();
        let is_strong = accs.len() <= MAX_ACCOUNTS_PER_STRONG_IDENTIFIER;
        strong.insert(ident.clone(), is_strong);
        if !is_strong {
            continue;
        }
        let mut it = accs.iter().filter_map(|a| index.get(a).copied());
        if let Some(first) = it.next() {
            for other in it {
                let (ra, rb) = (find(&mut parent, first), find(&mut parent, other));
                if ra != rb {
                    parent[ra.max(rb)] = ra.min(rb);
                }
            }
        }
    }
    let mut root_of_account: HashMap<String, usize> = HashMap::new();
    let mut groups: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        let r = find(&mut parent, i);
        root_of_account.insert(k.clone(), r);
        groups.entry(r).or_default().push(k.clone());
    }
    // Actor ids from the earliest account.
    let mut actor_of_root: HashMap<usize, String> = HashMap::new();
    for (root, members) in &groups {
        let anchor = members
            .iter()
            .filter_map(|k| accounts.get(k))
            .min_by(|a, b| (&a.first_seen, &a.key).cmp(&(&b.first_seen, &b.key)));
        if let Some(anchor) = anchor {
            actor_of_root.insert(*root, actor_id_of(&anchor.key));
        }
    }
    let actor_of_listing = |listing: &str| -> Option<String> {
        account_of
            .get(listing)
            .and_then(|k| root_of_account.get(k))
            .and_then(|r| actor_of_root.get(r))
            .cloned()
    };
    // Links per actor.
    let mut links: HashMap<String, Vec<ActorLink>> = HashMap::new();
    let mut idents: HashMap<String, BTreeMap<(String, String), IdentifierUse>> = HashMap::new();
    for (ident, carriers) in &occurrences {
        let is_strong = strong.get(ident).copied().unwrap_or(false);
        for listing in carriers {
            let (Some(acc), Some(actor)) = (account_of.get(listing), actor_of_listing(listing))
            else {
                continue;
            };
            let seen = listings
                .get(listing)
                .map(|r| r.first_seen.clone())
                .unwrap_or_default();
            links.entry(actor.clone()).or_default().push(ActorLink {
                account: acc.clone(),
                strength: if is_strong { "strong" } else { "weak" }.into(),
                via: format!("{}:{}", ident.0, ident.1),
                listing_id: listing.clone(),
                first_seen: seen.clone(),
                weight: if is_strong {
                    weight::STRONG
                } else {
                    weight::WEAK
                },
                other_actor: None,
            });
            let uses = idents.entry(actor).or_default();
            let u = uses.entry(ident.clone()).or_insert_with(|| IdentifierUse {
                kind: ident.0.clone(),
                value: ident.1.clone(),
                first_seen: seen.clone(),
                first_listing: listing.clone(),
                accounts: Vec::new(),
            });
            if (&seen, listing) < (&u.first_seen, &u.first_listing) {
                u.first_seen = seen.clone();
                u.first_listing = listing.clone();
            }
            if !u.accounts.contains(acc) {
                u.accounts.push(acc.clone());
            }
        }
    }
    // Weak links from dedup: the same photo or text under two accounts.
    if crate::dedup::store::exists(conn)? {
        let mut st = conn
            .prepare("SELECT a, b, kind, detail, at FROM dedup_links")
            .map_err(IndexError::sqlite(ctx))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(IndexError::sqlite(ctx))?;
        for row in rows {
            let (a, b, kind, detail, at) = row.map_err(IndexError::sqlite(ctx))?;
            let (Some(acc_a), Some(acc_b)) = (account_of.get(&a), account_of.get(&b)) else {
                continue;
            };
            if acc_a == acc_b {
                continue;
            }
            let (Some(actor_a), Some(actor_b)) = (actor_of_listing(&a), actor_of_listing(&b))
            else {
                continue;
            };
            let via = |other: &str| match (kind.as_str(), &detail) {
                ("photo", Some(d)) => format!(
                    "photo:{}",
                    d.trim_start_matches("same photo ")
                        .trim_start_matches("similar photo ")
                ),
                _ => format!("{kind}:{other}"),
            };
            for (listing, acc, actor, other, other_actor) in [
                (&a, acc_a, &actor_a, &b, &actor_b),
                (&b, acc_b, &actor_b, &a, &actor_a),
            ] {
                links.entry(actor.clone()).or_default().push(ActorLink {
                    account: acc.clone(),
                    strength: "weak".into(),
                    via: via(other),
                    listing_id: listing.clone(),
                    first_seen: at.clone(),
                    weight: weight::WEAK,
                    other_actor: (other_actor != actor).then(|| other_actor.clone()),
                });
            }
        }
    }
    // Assemble.
    let mut out = Vec::with_capacity(groups.len());
    for (root, members) in groups {
        let Some(actor_id) = actor_of_root.get(&root).cloned() else {
            continue;
        };
        let mut accs: Vec<Account> = members
            .iter()
            .filter_map(|k| accounts.get(k).cloned())
            .collect();
        accs.sort_by(|a, b| (&a.first_seen, &a.key).cmp(&(&b.first_seen, &b.key)));
        let mut sites: Vec<String> = accs.iter().map(|a| a.site.clone()).collect();
        sites.sort();
        sites.dedup();
        let mut identifiers: Vec<IdentifierUse> = idents
            .remove(&actor_id)
            .map(|m| m.into_values().collect())
            .unwrap_or_default();
        identifiers.sort_by(|a, b| {
            (&a.first_seen, &a.kind, &a.value).cmp(&(&b.first_seen, &b.kind, &b.value))
        });
        let mut actor_links = links.remove(&actor_id).unwrap_or_default();
        actor_links.sort_by(|a, b| {
            (
                &a.first_seen,
                &a.strength,
                &a.account,
                &a.via,
                &a.listing_id,
            )
                .cmp(&(
                    &b.first_seen,
                    &b.strength,
                    &b.account,
                    &b.via,
                    &b.listing_id,
                ))
        });
        actor_links.dedup();
        let first_seen = accs
            .first()
            .map(|a| a.first_seen.clone())
            .unwrap_or_default();
        let listings_n = accs.iter().map(|a| a.listings.len()).sum();
        out.push(Actor {
            actor_id,
            sites,
            accounts: accs,
            identifiers,
            links: actor_links,
            first_seen,
            listings: listings_n,
        });
    }
    out.sort_by(|a, b| {
        (b.sites.len(), b.accounts.len(), &a.first_seen, &a.actor_id).cmp(&(
            a.sites.len(),
            a.accounts.len(),
            &b.first_seen,
            &b.actor_id,
        ))
    });
    Ok(out)
}

/// One actor by actor id, account key (`site/handle`) or listing id.
pub fn actor(conn: &Connection, id: &str) -> Result<Option<Actor>, IndexError> {
    let all = actors(conn)?;
    let lower = id.to_lowercase();
    Ok(all.into_iter().find(|a| {
        a.actor_id == id
            || a.accounts
                .iter()
                .any(|acc| acc.key == lower || acc.listings.iter().any(|l| l == id))
    }))
}

/// `a` + 10 hex digits of the SHA-256 of the anchor account key.
fn actor_id_of(key: &str) -> String {
    let digest = hex::encode(Sha256::digest(key.as_bytes()));
    format!("a{}", &digest[..10])
}
