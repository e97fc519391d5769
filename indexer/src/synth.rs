//! A deterministic synthetic listing generator for benchmarks and load tests
//! (`salwatch bench gen N`). Everything it makes is invented: sites end in `.test`, sellers and
//! numbers are made up. The same `(n, seed)` always gives the same pages.

use chrono::{DateTime, Duration, TimeZone, Utc};
use salwatch_crawler::{CaptureRef, Page, PageFields, Route};
use salwatch_rules::{Entity, Extraction, PackRef};
use serde::{Deserialize, Serialize};

use crate::query::{SearchQuery, SortOrder};

/// SplitMix64: a tiny, well-known deterministic generator (no dependency needed).
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// `(site, language, currency, phone region)`.
const SITES: &[(&str, &str, &str, &str)] = &[
    ("pazar-mk", "mk", "MKD", "MK"),
    ("tregu-al", "sq", "ALL", "AL"),
    ("oglasi-rs", "sr", "RSD", "RS"),
    ("market-en", "en", "EUR", "MK"),
];

/// `(make model, category, EU category, base price in EUR, flag)`.
const WEAPONS: &[(&str, &str, &str, f64, &str)] = &[
    ("Glock 19", "firearm/pistol", "B", 900.0, ""),
    ("CZ 75", "firearm/pistol", "B", 700.0, ""),
    (
        "Zastava M70",
        "firearm/assault_rifle",
        "A",
        450.0,
        "automatic",
    ),
    ("Zoraki 917", "firearm/pistol", "B", 250.0, "converted"),
    ("Makarov PM", "firearm/pistol", "B", 400.0, ""),
    ("Tokarev TT", "firearm/pistol", "B", 350.0, ""),
    ("Beretta 92", "firearm/pistol", "B", 800.0, ""),
];

/// Sale phrase and item word per language.
fn phrase(lang: &str) -> (&'static str, &'static str) {
    match lang {
        "mk" => ("Се продава", "пиштол"),
        "sq" => ("Shitet", "pistoletë"),
        "sr" => ("Prodajem", "pištolj"),
        _ => ("For sale", "pistol"),
    }
}

/// Rate used to write prices in local currency (inverse of [`crate::currency`]).
fn per_eur(currency: &str) -> f64 {
    crate::currency::to_eur(1.0, currency).map_or(1.0, |eur| 1.0 / eur)
}

/// `n` synthetic listing pages with the extraction the rules would give them, in capture order.
/// About one listing in ten is a re-crawl of an earlier one with a new price; sellers' phone
/// numbers repeat across sites.
pub fn listings(n: u64, seed: u64) -> impl Iterator<Item = (Page, Extraction)> {
    let mut rng = Rng(seed);
    let start = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    (0..n).map(move |i| {
        let recrawl = i > 10 && rng.below(10) == 0;
        let number = if recrawl { rng.next() % i } else { i };
        let mut item = Rng(seed ^ number.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let (site, lang, currency, region) = *item.pick(SITES);
        let (weapon, category, eu, base, flag) = *item.pick(WEAPONS);
        let (sale, word) = phrase(lang);
        let seller = format!("seller{}", item.below(5_000));
        // Every phone of the pool of 1,000 appears within the first 1,000 listings, then repeats.
        let phone = format!("+38970{:06}", number.wrapping_mul(7_919) % 1_000);
        let jitter = if recrawl {
            0.8 + (rng.below(40) as f64) / 100.0
        } else {
            1.0
        };
        let eur = (base * (0.7 + item.below(60) as f64 / 100.0) * jitter).round();
        let amount = (eur * per_eur(currency)).round();
        let price_text = format!("{amount} {currency}");
        let title = format!("{sale} {word} {weapon}");
        let description = format!(
            "{sale} {word} {weapon}, {}. Kontakt {phone}. Listing {number}.",
            if flag.is_empty() { "ok" } else { flag }
        );
        let text = [
            title.as_str(),
            description.as_str(),
            price_text.as_str(),
            seller.as_str(),
        ]
        .join("\n");
        let fetched_at = start + Duration::seconds(i64::try_from(i).unwrap_or(i64::MAX) * 37);
        let span = |needle: &str| {
            let s = text.find(needle).unwrap_or(0);
            [s, s + needle.len()]
        };
        let mut entities = vec![Entity {
            kind: "weapon".into(),
            value: weapon.into(),
            normalized: weapon.into(),
            span: span(weapon),
            rule: "synth.weapon".into(),
            make: weapon.split(' ').next().map(str::to_string),
            model: weapon.split(' ').nth(1).map(str::to_string),
            amount: None,
            currency: None,
        }];
        let price_span = span(&price_text);
        entities.push(Entity {
            kind: "price".into(),
            value: price_text.clone(),
            normalized: price_text.clone(),
            span: price_span,
            rule: "synth.price".into(),
            make: None,
            model: None,
            amount: Some(amount),
            currency: Some(currency.into()),
        });
        entities.push(Entity {
            kind: "phone".into(),
            value: phone.clone(),
            normalized: phone.clone(),
            span: span(&phone),
            rule: "synth.phone".into(),
            make: None,
            model: None,
            amount: None,
            currency: None,
        });
        entities.sort_by_key(|e| e.span[0]);
        let page = Page {
            site: site.into(),
            url: format!("http://{site}.test/ad/{number}"),
            fetched_at,
            status: 200,
            content_type: "text/html".into(),
            route: Route::Clearnet,
            is_listing: true,
            fields: PageFields {
                listing_id: Some(number.to_string()),
                title: Some(title),
                price: Some(price_text),
                description: Some(description),
                seller: Some(seller),
                ..PageFields::default()
            },
            text,
            phone_region: Some(region.into()),
            capture: CaptureRef {
                warc_file: format!("synth-{:05}.warc.gz", i / 10_000),
                offset: i * 4096,
                length: 4000,
                record_id: format!("<urn:uuid:synth-{seed}-{i}>"),
                payload_digest: format!("sha256:synth{seed}x{i}"),
            },
        };
        let extraction = Extraction {
            id: number.to_string(),
            relevant: true,
            score: 0.9,
            language: Some(lang.into()),
            categories: vec![category.into()],
            eu_category: Some(eu.into()),
            eu_category_reason: None,
            flags: if flag.is_empty() {
                vec![]
            } else {
                vec![flag.into()]
            },
            entities,
            entities_omitted: 0,
            rule_pack: PackRef {
                id: "synth".into(),
                version: "0".into(),
            },
            rule_packs: Vec::new(),
        };
        (page, extraction)
    })
}

/// One line of `salwatch bench gen`: the listing id and rules text (the `{"id", "text"}` that
/// `salwatch extract --input ndjson` reads), the page as the crawler would hand it over, and the
/// extraction the generator planted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynthRecord {
    /// The stable listing id ([`crate::listing::listing_id`]).
    pub id: String,
    /// The text the rules run over ([`crate::listing::listing_text`]).
    pub text: String,
    /// The page.
    pub page: Page,
    /// The planted extraction.
    pub extraction: Extraction,
}

/// [`listings`] as [`SynthRecord`]s.
pub fn records(n: u64, seed: u64) -> impl Iterator<Item = SynthRecord> {
    listings(n, seed).map(|(page, extraction)| SynthRecord {
        id: crate::listing::listing_id(&page),
        text: crate::listing::listing_text(&page),
        page,
        extraction,
    })
}

/// Ten representative queries for latency figures.
pub fn bench_queries() -> Vec<(&'static str, SearchQuery)> {
    let q = SearchQuery::default;
    let text = |t: &str| SearchQuery {
        text: t.into(),
        ..q()
    };
    vec![
        (
            "all, newest",
            SearchQuery {
                sort: SortOrder::Newest,
                ..q()
            },
        ),
        ("word", text("glock")),
        ("cyrillic words", text("пиштол глок")),
        ("phrase", text("\"zastava m70\"")),
        (
            "word + site",
            SearchQuery {
                sites: vec!["tregu-al".into()],
                ..text("pistol")
            },
        ),
        (
            "category + price sort",
            SearchQuery {
                categories: vec!["firearm/pistol".into()],
                sort: SortOrder::Price,
                ..q()
            },
        ),
        (
            "price range",
            SearchQuery {
                min_price_eur: Some(200.0),
                max_price_eur: Some(400.0),
                ..q()
            },
        ),
        (
            "flag + eu",
            SearchQuery {
                flags: vec!["converted".into()],
                eu_category: Some("B".into()),
                ..q()
            },
        ),
        (
            "entity",
            SearchQuery {
                entity: Some(("phone".into(), "+38970000042".into())),
                ..q()
            },
        ),
        (
            "word + facets",
            SearchQuery {
                facets: true,
                ..text("makarov")
            },
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_consistent() {
        let a: Vec<_> = listings(200, 7).collect();
        let b: Vec<_> = listings(200, 7).collect();
        assert_eq!(a, b);
        assert_ne!(a, listings(200, 8).collect::<Vec<_>>());
        for (page, ex) in &a {
            let text = crate::listing::listing_text(page);
            for e in &ex.entities {
                assert_eq!(&text[e.span[0]..e.span[1]], e.value, "{e:?}");
            }
        }
        let ids: std::collections::HashSet<_> = a
            .iter()
            .map(|(p, _)| crate::listing::listing_id(p))
            .collect();
        assert!(ids.len() < a.len(), "some re-crawls");
    }
}
