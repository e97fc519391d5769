//! The Listing of DESIGN.md §3 as the index stores it, and how one is built from a captured page
//! and the rules' extraction.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use salwatch_crawler::{CaptureRef, Page};
use salwatch_rules::{Entity, Extraction, PackRef};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::currency;

/// One listing: what a hit shows and what `salwatch show` prints, without re-running the rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    /// Stable id: `<site>:<profile listing id>`, or `<site>:<canonical url>`.
    pub listing_id: String,
    /// Site name from the configuration.
    pub site: String,
    /// URL of the listing page.
    pub url: String,
    /// Title (the profile's, or the first line of the page text).
    pub title: String,
    /// Body text (the profile's description, or the page text).
    pub body: String,
    /// Seller name or handle as shown on the site.
    pub seller: Option<String>,
    /// Price as written.
    pub price_text: Option<String>,
    /// Price amount, from the rules' price entity.
    pub price_amount: Option<f64>,
    /// Price currency (ISO 4217, `BTC`, `XMR`).
    pub price_currency: Option<String>,
    /// Price converted with the fixed table of [`crate::currency`] (filtering and sorting only).
    pub price_eur: Option<f64>,
    /// When the site says it was posted, if the date could be read.
    pub posted_at: Option<DateTime<Utc>>,
    /// First capture of this listing.
    pub first_seen: DateTime<Utc>,
    /// Latest capture of this listing.
    pub last_seen: DateTime<Utc>,
    /// Detected language (ISO 639-1).
    pub language: Option<String>,
    /// Categories (`firearm/pistol`, `ammunition` …).
    pub categories: Vec<String>,
    /// EU Firearms Directive category `A`–`D`.
    pub eu_category: Option<String>,
    /// Flags (`converted`, `replica`, `wanted` …).
    pub flags: Vec<String>,
    /// True when the rules read this as a firearms offer or request.
    pub relevant: bool,
    /// Relevance in `[0, 1]`.
    pub score: f32,
    /// Every entity the rules found (spans are into [`Listing::text`]), up to the rules'
    /// per-document limit.
    pub entities: Vec<Entity>,
    /// Entities found past that limit, counted and not kept (a dumped or hostile page).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub entities_omitted: usize,
    /// The rule packs that made the extraction.
    pub rule_packs: Vec<PackRef>,
    /// The latest capture that proves this listing.
    pub capture: CaptureRef,
    /// Absolute image URLs.
    pub images: Vec<String>,
    /// When the listing page started answering 404/410 (`None` while it is online).
    #[serde(default)]
    pub gone_at: Option<DateTime<Utc>>,
    /// SHA-256 (hex) of the text the rules ran over: a change means the listing text changed.
    pub text_sha256: String,
    /// The dedup cluster (exact, near and photo duplicates) this listing belongs to; set at the
    /// commit that indexed it ([`crate::dedup`]). Every listing has one (alone: its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The stable listing id of a page: `<site>:<profile listing id>` when the profile gives one,
/// else `<site>:<url without fragment>`.
pub fn listing_id(page: &Page) -> String {
    match page.fields.listing_id.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() => format!("{}:{id}", page.site),
        _ => {
            let url = page.url.split('#').next().unwrap_or(&page.url);
            format!("{}:{url}", page.site)
        }
    }
}

/// The text the rules run over: the profile fields (title, description, price, seller, contacts)
/// one per line when the profile gave a title or a description, else the page text.
pub fn listing_text(page: &Page) -> String {
    let f = &page.fields;
    if f.title.is_none() && f.description.is_none() {
        return page.text.clone();
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in [&f.title, &f.description, &f.price, &f.seller]
        .into_iter()
        .flatten()
    {
        parts.push(part);
    }
    parts.extend(f.contacts.iter().map(String::as_str));
    parts.join("\n")
}

/// SHA-256 hex of a text.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Builds the listing of one page from the extraction of [`listing_text`]. `first_seen` and
/// `last_seen` are both the fetch time: the caller merges them with what was seen before.
pub fn build(page: &Page, text: &str, extraction: Extraction) -> Listing {
    let f = &page.fields;
    let title = f
        .title
        .clone()
        .unwrap_or_else(|| first_line(&page.text, 160));
    let body = f.description.clone().unwrap_or_else(|| page.text.clone());
    let price = pick_price(&extraction, text, f.price.as_deref());
    let price_amount = price.and_then(|e| e.amount);
    let price_currency = price.and_then(|e| e.currency.clone());
    let price_eur = match (price_amount, price_currency.as_deref()) {
        (Some(a), Some(c)) => currency::to_eur(a, c),
        _ => None,
    };
    let price_text = f.price.clone().or_else(|| price.map(|e| e.value.clone()));
    let rule_packs = if extraction.rule_packs.is_empty() {
        vec![extraction.rule_pack.clone()]
    } else {
        extraction.rule_packs.clone()
    };
    Listing {
        listing_id: listing_id(page),
        site: page.site.clone(),
        url: page.url.clone(),
        title,
        body,
        seller: f.seller.clone().filter(|s| !s.trim().is_empty()),
        price_text,
        price_amount,
        price_currency,
        price_eur,
        posted_at: f.posted.as_deref().and_then(parse_posted),
        first_seen: page.fetched_at,
        last_seen: page.fetched_at,
        language: extraction.language,
        categories: extraction.categories,
        eu_category: extraction.eu_category,
        flags: extraction.flags,
        relevant: extraction.relevant,
        score: extraction.score,
        entities: extraction.entities,
        entities_omitted: extraction.entities_omitted,
        rule_packs,
        capture: page.capture.clone(),
        images: f.images.clone(),
        gone_at: None,
        text_sha256: sha256_hex(text),
        cluster_id: None,
    }
}

/// The price entity: the first one inside the profile's price field when there is one, else the
/// first one with an amount.
fn pick_price<'a>(
    extraction: &'a Extraction,
    text: &str,
    price_field: Option<&str>,
) -> Option<&'a Entity> {
    let with_amount = || {
        extraction
            .entities_of("price")
            .filter(|e| e.amount.is_some())
    };
    if let Some(field) = price_field.filter(|p| !p.is_empty())
        && let Some(start) = text.find(field)
    {
        let range = start..start + field.len();
        if let Some(e) = with_amount().find(|e| range.contains(&e.span[0])) {
            return Some(e);
        }
    }
    with_amount().next()
}

/// The first non-empty line of `text`, cut to at most `max_chars` characters.
fn first_line(text: &str, max_chars: usize) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    line.chars().take(max_chars).collect()
}

/// Reads a posted date as sites write it: RFC 3339, `YYYY-MM-DD[ HH:MM[:SS]]`, `DD.MM.YYYY[.]`,
/// `DD/MM/YYYY`. Times without a zone are taken as UTC.
pub fn parse_posted(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim().trim_end_matches('.');
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%d.%m.%Y %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(dt.and_utc());
        }
    }
    for fmt in ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d. %m. %Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, fmt) {
            return d.and_hms_opt(0, 0, 0).map(|dt| dt.and_utc());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use salwatch_crawler::{PageFields, Route};

    pub(crate) fn page(site: &str, url: &str) -> Page {
        Page {
            site: site.into(),
            url: url.into(),
            fetched_at: Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).unwrap(),
            status: 200,
            content_type: "text/html".into(),
            route: Route::Clearnet,
            is_listing: true,
            fields: PageFields::default(),
            text: "Glock 19 for sale\nprice 400 EUR".into(),
            phone_region: Some("MK".into()),
            capture: CaptureRef {
                warc_file: "a.warc.gz".into(),
                offset: 0,
                length: 10,
                record_id: "<urn:uuid:1>".into(),
                payload_digest: "sha256:00".into(),
            },
        }
    }

    #[test]
    fn id_prefers_profile_listing_id() {
        let mut p = page("bazar", "http://x.test/ad/7#photos");
        assert_eq!(listing_id(&p), "bazar:http://x.test/ad/7");
        p.fields.listing_id = Some(" 7 ".into());
        assert_eq!(listing_id(&p), "bazar:7");
    }

    #[test]
    fn text_joins_profile_fields_or_falls_back() {
        let mut p = page("bazar", "http://x.test/ad/7");
        assert_eq!(listing_text(&p), p.text);
        p.fields.title = Some("Pishtol".into());
        p.fields.price = Some("300€".into());
        p.fields.contacts = vec!["070 123 456".into()];
        assert_eq!(listing_text(&p), "Pishtol\n300€\n070 123 456");
    }

    #[test]
    fn posted_dates() {
        let d = Utc.with_ymd_and_hms(2026, 3, 4, 0, 0, 0).unwrap();
        assert_eq!(parse_posted("2026-03-04"), Some(d));
        assert_eq!(parse_posted("04.03.2026."), Some(d));
        assert_eq!(parse_posted("04/03/2026"), Some(d));
        assert_eq!(
            parse_posted("2026-03-04T10:00:00+01:00"),
            Some(Utc.with_ymd_and_hms(2026, 3, 4, 9, 0, 0).unwrap())
        );
        assert_eq!(parse_posted("yesterday"), None);
    }

    proptest::proptest! {
        #[test]
        fn posted_dates_round_trip(y in 1990i32..2100, m in 1u32..=12, d in 1u32..=28, fmt in 0usize..4) {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let text = date.format(["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d.%m.%Y."][fmt]).to_string();
            proptest::prop_assert_eq!(parse_posted(&text), date.and_hms_opt(0, 0, 0).map(|t| t.and_utc()));
        }

        #[test]
        fn posted_never_panics(text in "\\PC{0,40}") {
            let _ = parse_posted(&text);
        }
    }

    #[test]
    fn first_line_is_cut() {
        assert_eq!(first_line("\n  abc  \nd", 2), "ab");
    }
}
