//! Actors (issue #7): a graph of site accounts (site + seller handle) and the identifiers their
//! listings carry (wallets, PGP fingerprints, phones, e-mails, messenger handles). An actor is a
//! connected component of accounts under strong links (a shared identifier); weak links (the
//! same photo, a duplicate or near-duplicate text) are shown with a lower weight but never merge
//! actors. Every link names the listing, the identifier and when it was first seen.
//!
//! Computed on demand from the indexer's `idx_entities` / `idx_listings` and the dedup links, so
//! it always reflects the latest commit; an actor's id is derived from its earliest account and
//! stays the same while that account remains its first.

mod build;
pub mod export;

pub use build::{actor, actors};

use serde::{Deserialize, Serialize};

/// Link weights: a shared identifier, and a shared photo or text.
pub mod weight {
    /// A shared identifier (phone, wallet, key, e-mail, messenger handle).
    pub const STRONG: f64 = 1.0;
    /// A shared photo or a duplicate text.
    pub const WEAK: f64 = 0.3;
}

/// An identifier carried by more accounts than this is treated as a weak link (a hotline, an
/// escrow address, a generated placeholder), so one popular value does not merge everybody.
pub const MAX_ACCOUNTS_PER_STRONG_IDENTIFIER: usize = 25;

/// A seller account on one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// `site/handle` (handle lower-cased), or `site/?listing` when the listing shows no seller.
    pub key: String,
    /// Site.
    pub site: String,
    /// Seller handle as shown (first listing's spelling).
    pub seller: Option<String>,
    /// The account's listings, first seen first.
    pub listings: Vec<String>,
    /// First sighting of any of its listings (RFC 3339).
    pub first_seen: String,
}

/// One identifier of an actor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentifierUse {
    /// Entity kind (`phone`, `btc_address` …).
    pub kind: String,
    /// Normalized value.
    pub value: String,
    /// When it was first seen (the first listing carrying it).
    pub first_seen: String,
    /// That listing.
    pub first_listing: String,
    /// Accounts of this actor carrying it.
    pub accounts: Vec<String>,
}

/// A link of the graph, explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorLink {
    /// The account.
    pub account: String,
    /// `strong` or `weak`.
    pub strength: String,
    /// What links: `phone:+389…`, `photo:sha256:…`, `near:<other listing>` …
    pub via: String,
    /// The listing that shows it.
    pub listing_id: String,
    /// When that listing was first seen.
    pub first_seen: String,
    /// Weight for link-analysis tools.
    pub weight: f64,
    /// The actor on the other side of a weak link, when it is another actor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_actor: Option<String>,
}

/// An actor: accounts joined by shared identifiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Actor {
    /// `a` + 10 hex digits, from the earliest account.
    pub actor_id: String,
    /// Distinct sites, sorted.
    pub sites: Vec<String>,
    /// Accounts, first seen first.
    pub accounts: Vec<Account>,
    /// Identifiers, first seen first.
    pub identifiers: Vec<IdentifierUse>,
    /// Strong links (account – identifier, per listing) and weak links (photos, texts).
    pub links: Vec<ActorLink>,
    /// First sighting of any listing.
    pub first_seen: String,
    /// Number of listings.
    pub listings: usize,
}

impl Actor {
    /// Every listing of the actor.
    pub fn listing_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .accounts
            .iter()
            .flat_map(|a| a.listings.iter().cloned())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}
