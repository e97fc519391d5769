//! Gathers what a case holds: its listings (from its listing items, actors and queries), their
//! captures, the actors, the entities and the timeline.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::EvidenceError;
use crate::actors::{self, Actor};
use crate::cases::{self, Case, ItemKind};
use crate::search::Searcher;
use crate::store::CaptureSeen;
use crate::timeline::{self, Event};
use crate::{Listing, SearchQuery};

/// Most listings one query item of a case contributes.
const QUERY_LISTINGS: usize = 200;

/// One distinct entity of the case, with the listings that show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityRow {
    /// Entity kind (`phone`, `btc_address`, `weapon` …).
    pub kind: String,
    /// Normalized value.
    pub value: String,
    /// Listings carrying it, sorted.
    pub listings: Vec<String>,
}

/// Everything a package is built from.
#[derive(Debug, Clone)]
pub struct CaseMaterial {
    /// The case with items, notes and audit log.
    pub case: Case,
    /// Its listings as indexed, sorted by id.
    pub listings: Vec<Listing>,
    /// Every capture of those listings, oldest first.
    pub captures: Vec<CaptureSeen>,
    /// Its actors (those added, and those added by id that still exist).
    pub actors: Vec<Actor>,
    /// Distinct entities of its listings.
    pub entities: Vec<EntityRow>,
    /// The events of its listings and actors, oldest first.
    pub timeline: Vec<Event>,
}

/// Reads a case and everything it refers to.
pub fn collect(
    conn: &Connection,
    searcher: &Searcher,
    name: &str,
) -> Result<CaseMaterial, EvidenceError> {
    let case = cases::show(conn, name)?;
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut found_actors: Vec<Actor> = Vec::new();
    for item in &case.items {
        match item.kind {
            ItemKind::Listing => {
                ids.insert(item.value.clone());
            }
            ItemKind::Actor => match actors::actor(conn, &item.value)? {
                Some(actor) => {
                    ids.extend(actor.listing_ids());
                    found_actors.push(actor);
                }
                None => {
                    let snap = item
                        .snapshot
                        .as_ref()
                        .and_then(|s| s.get("listings"))
                        .and_then(|l| l.as_array());
                    for v in snap.into_iter().flatten() {
                        if let Some(s) = v.as_str() {
                            ids.insert(s.to_string());
                        }
                    }
                }
            },
            ItemKind::Query => {
                let q = SearchQuery {
                    text: item.value.clone(),
                    limit: QUERY_LISTINGS,
                    ..SearchQuery::default()
                };
                ids.extend(
                    searcher
                        .search(&q)?
                        .hits
                        .into_iter()
                        .map(|h| h.listing.listing_id),
                );
            }
        }
    }
    let mut listings = Vec::new();
    let mut captures = Vec::new();
    for id in &ids {
        if let Some(l) = searcher.listing(id)? {
            listings.push(l);
        }
        captures.extend(searcher.captures(id)?);
    }
    captures.sort_by(|a, b| {
        (a.fetched_at, &a.capture.warc_file, a.capture.offset).cmp(&(
            b.fetched_at,
            &b.capture.warc_file,
            b.capture.offset,
        ))
    });
    let id_list: Vec<String> = ids.iter().cloned().collect();
    let mut events = timeline::for_listings(conn, &id_list)?;
    for a in &found_actors {
        events.extend(timeline::for_actor(conn, a)?);
    }
    events.sort_by(|a, b| (&a.at, &a.listing_id, &a.event).cmp(&(&b.at, &b.listing_id, &b.event)));
    events.dedup();
    Ok(CaseMaterial {
        case,
        entities: entities(&listings),
        listings,
        captures,
        actors: found_actors,
        timeline: events,
    })
}

fn entities(listings: &[Listing]) -> Vec<EntityRow> {
    let mut map: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for l in listings {
        for e in &l.entities {
            map.entry((e.kind.clone(), e.normalized.clone()))
                .or_default()
                .insert(l.listing_id.clone());
        }
    }
    map.into_iter()
        .map(|((kind, value), ls)| EntityRow {
            kind,
            value,
            listings: ls.into_iter().collect(),
        })
        .collect()
}
