//! A [`Listing`] as a tantivy document, and back.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use tantivy::schema::{Facet, Value};
use tantivy::{TantivyDocument, Term};

use crate::error::IndexError;
use crate::listing::Listing;
use crate::schema::Fields;

/// A chrono time as a tantivy date.
pub fn tantivy_date(t: DateTime<Utc>) -> tantivy::DateTime {
    tantivy::DateTime::from_timestamp_micros(t.timestamp_micros())
}

/// The facet of a category path such as `firearm/pistol` (`/firearm/pistol`).
pub fn category_facet(category: &str) -> Facet {
    Facet::from_path(category.split('/').map(str::trim).filter(|s| !s.is_empty()))
}

/// The entity keyword term `kind:normalized`.
pub fn entity_key(kind: &str, normalized: &str) -> String {
    format!("{kind}:{normalized}")
}

/// The upsert key term of a listing.
pub fn id_term(fields: &Fields, listing_id: &str) -> Term {
    Term::from_field_text(fields.listing_id, listing_id)
}

/// Builds the document of a listing.
pub fn to_document(fields: &Fields, l: &Listing) -> Result<TantivyDocument, IndexError> {
    let json = serde_json::to_string(l).map_err(|source| IndexError::Json {
        action: "encode",
        listing_id: l.listing_id.clone(),
        source,
    })?;
    let mut d = TantivyDocument::new();
    d.add_text(fields.listing_id, &l.listing_id);
    d.add_text(fields.site, &l.site);
    d.add_text(fields.title, &l.title);
    d.add_text(fields.body, &l.body);
    if let Some(seller) = &l.seller {
        d.add_text(fields.seller, seller);
    }
    for c in l.categories.iter().collect::<BTreeSet<_>>() {
        d.add_text(fields.categories, c);
        d.add_facet(fields.category_facet, category_facet(c));
    }
    if let Some(eu) = &l.eu_category {
        d.add_text(fields.eu_category, eu);
    }
    for f in l.flags.iter().collect::<BTreeSet<_>>() {
        d.add_text(fields.flags, f);
    }
    if let Some(lang) = &l.language {
        d.add_text(fields.language, lang);
    }
    let keys: BTreeSet<String> = l
        .entities
        .iter()
        .map(|e| entity_key(&e.kind, &e.normalized))
        .collect();
    for k in &keys {
        d.add_text(fields.entity, k);
    }
    if let Some(p) = l.price_eur {
        d.add_f64(fields.price_eur, p);
    }
    if let Some(p) = l.posted_at {
        d.add_date(fields.posted_at, tantivy_date(p));
    }
    d.add_date(fields.first_seen, tantivy_date(l.first_seen));
    d.add_date(fields.last_seen, tantivy_date(l.last_seen));
    d.add_date(
        fields.listed_at,
        tantivy_date(l.posted_at.unwrap_or(l.first_seen)),
    );
    d.add_f64(fields.score, f64::from(l.score));
    d.add_bool(fields.relevant, l.relevant);
    d.add_text(fields.listing, json);
    if let Some(cluster) = &l.cluster_id {
        d.add_text(fields.cluster, cluster);
    }
    Ok(d)
}

/// Reads the listing back from a stored document.
pub fn from_document(fields: &Fields, d: &TantivyDocument) -> Result<Listing, IndexError> {
    let id = d
        .get_first(fields.listing_id)
        .and_then(|v| v.as_str())
        .unwrap_or("?")
        .to_string();
    let json = d
        .get_first(fields.listing)
        .and_then(|v| v.as_str())
        .unwrap_or("");
    serde_json::from_str(json).map_err(|source| IndexError::Json {
        action: "decode",
        listing_id: id,
        source,
    })
}
