//! What an analyst asks ([`SearchQuery`]) and how it becomes a tantivy query: the text through
//! the `salwatch` tokenizer over `title^2 body`, the filters as zero-score required clauses.

use std::ops::Bound;

use chrono::{DateTime, Utc};
use salwatch_rules::ident::{self, Validator};
use serde::{Deserialize, Serialize};
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, QueryParserError,
    RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Index, Term};

use crate::document::{category_facet, entity_key, tantivy_date};
use crate::error::IndexError;
use crate::schema::Fields;

/// Weight of a title match against a body match in relevance scores.
pub(crate) const TITLE_BOOST: f32 = 2.0;

/// Most words a search text may have. Every word is a term to find in every listing (words are
/// joined by AND), so the cost grows with their number times the listings each matches: at 1 M
/// listings 512 copies of a common word took 0.9 s, 5,000 took 17 s. A pasted ad is well under.
pub const MAX_QUERY_WORDS: usize = 512;

/// Deepest nesting of parentheses a search text may have. tantivy's query parser (0.25) parses
/// a group holding a single clause twice, so its time doubles with every level of
/// parentheses: 20 levels took 0.5 s, 25 took 15 s, and a few thousand overflowed the stack
/// and aborted the process. A real search nests two or three levels.
pub const MAX_QUERY_NESTING: usize = 12;

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// Best text match first (BM25, title boosted ×2).
    #[default]
    Relevance,
    /// Most recently posted (or first seen, when the posted date is unknown) first.
    Newest,
    /// Cheapest (in EUR) first; listings without a price last.
    Price,
}

impl std::str::FromStr for SortOrder {
    type Err = String;

    /// `relevance`, `newest` or `price`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "relevance" => Ok(Self::Relevance),
            "newest" => Ok(Self::Newest),
            "price" => Ok(Self::Price),
            other => Err(format!(
                "unknown sort order {other:?}: use relevance, newest or price"
            )),
        }
    }
}

/// Every entity kind of DESIGN.md §3 (what `--entity KIND:VALUE` accepts).
pub use salwatch_rules::ENTITY_KINDS;

/// Reads `KIND:VALUE` (as typed after `--entity`) into `(kind, value)`; the value is the
/// entity's normalized form (`phone:+38970123456`, `eth_address:0xab…`).
pub fn parse_entity(arg: &str) -> Result<(String, String), String> {
    let Some((kind, value)) = arg.split_once(':') else {
        return Err(format!("expected KIND:VALUE, got {arg:?}"));
    };
    let kind = kind.trim().to_ascii_lowercase();
    let value = value.trim();
    if !ENTITY_KINDS.contains(&kind.as_str()) {
        return Err(format!(
            "unknown entity kind {kind:?}: use one of {}",
            ENTITY_KINDS.join(", ")
        ));
    }
    if value.is_empty() {
        return Err(format!("empty value for entity kind {kind}"));
    }
    Ok((kind, value.to_string()))
}

/// The validator the rules use for each identifier kind (see `rules/packs/salw-core`).
fn validator_of(kind: &str) -> Option<Validator> {
    Some(match kind {
        "btc_address" => Validator::Btc,
        "ltc_address" => Validator::Ltc,
        "eth_address" => Validator::Eth,
        "trx_address" => Validator::Trx,
        "xmr_address" => Validator::Xmr,
        "onion" => Validator::Onion,
        "pgp_fingerprint" => Validator::PgpFingerprint,
        "email" => Validator::Email,
        "phone" => Validator::Phone,
        "telegram" => Validator::Telegram,
        "session" => Validator::Session,
        "threema" => Validator::Threema,
        "whatsapp" => Validator::WhatsApp,
        "signal" | "wickr" => Validator::Lower,
        "url" => Validator::Url,
        _ => return None,
    })
}

/// Folds a typed entity value into the `normalized` form the rules give that kind
/// (DESIGN.md §3), with the rules' own validators: `070 123 456` with region `MK` and
/// `+389 70 123 456` both become `+38970123456`, a bech32 address is lower-cased, an e-mail
/// lower-cased, a PGP fingerprint upper-cased without spaces. Kinds without a validator
/// (`weapon`, `caliber` …) are taken as typed. A value the validator rejects can never match
/// and is an error that says why.
pub fn normalize_entity(kind: &str, value: &str, region: Option<&str>) -> Result<String, String> {
    let value = value.trim();
    let Some(validator) = validator_of(kind) else {
        return Ok(value.to_string());
    };
    let region = match region.map(str::trim).filter(|r| !r.is_empty()) {
        Some(code) => Some(ident::region(code).ok_or_else(|| {
            format!(
                "unknown phone region {code:?}: use an ISO 3166 alpha-2 code such as MK, AL, RS, XK"
            )
        })?),
        None => None,
    };
    if let Some(normalized) = validator.check(value, region) {
        return Ok(normalized);
    }
    // A WhatsApp contact is a phone number: accept it written as one.
    if kind == "whatsapp"
        && let Some(normalized) = Validator::Phone.check(value, region)
    {
        return Ok(normalized);
    }
    let national = matches!(kind, "phone" | "whatsapp")
        && region.is_none()
        && !value.starts_with('+')
        && !value.starts_with("00");
    Err(if national {
        format!(
            "{value:?} has no country code: write it as +389… or give the region it was \
             dialled in (--region MK)"
        )
    } else {
        format!("{value:?} is not a valid {kind} (it fails the same check the rules apply)")
    })
}

/// A search. Filters of one kind are alternatives (any of the sites, any of the categories);
/// flags must all be present; different filters must all hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// Tantivy query syntax over `title` (boost 2) and `body`; words are ANDed by default.
    /// Empty: every listing.
    pub text: String,
    /// Only these sites.
    pub sites: Vec<String>,
    /// Only these categories; a parent category (`firearm`) matches its children (`firearm/pistol`).
    pub categories: Vec<String>,
    /// Only this EU category (`A`–`D`).
    pub eu_category: Option<String>,
    /// Only listings carrying all these flags.
    pub flags: Vec<String>,
    /// Only listings with this entity: `(kind, normalized)`, e.g. `("phone", "+38970123456")`.
    pub entity: Option<(String, String)>,
    /// Only listings the rules judged relevant.
    pub relevant_only: bool,
    /// First seen or posted at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// First seen or posted at or before this time.
    pub until: Option<DateTime<Utc>>,
    /// Minimum price in EUR (listings without a price are excluded).
    pub min_price_eur: Option<f64>,
    /// Maximum price in EUR (listings without a price are excluded).
    pub max_price_eur: Option<f64>,
    /// Order of hits.
    pub sort: SortOrder,
    /// Hits to return (0: count only).
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// Also count the matches per site, category, EU category, flag and language.
    pub facets: bool,
}

impl Default for SearchQuery {
    fn default() -> Self {
        Self {
            text: String::new(),
            sites: Vec::new(),
            categories: Vec::new(),
            eu_category: None,
            flags: Vec::new(),
            entity: None,
            relevant_only: false,
            since: None,
            until: None,
            min_price_eur: None,
            max_price_eur: None,
            sort: SortOrder::Relevance,
            limit: 20,
            offset: 0,
            facets: false,
        }
    }
}

/// A parsed query: the text part (for snippets), the full query, and any syntax warnings.
pub(crate) struct Parsed {
    /// The text part, `None` when the text is empty.
    pub text: Option<Box<dyn Query>>,
    /// Text and filters together.
    pub full: Box<dyn Query>,
    /// Syntax errors that a lenient parse worked around.
    pub warnings: Vec<String>,
}

/// Builds the tantivy query of a search.
pub(crate) fn build(index: &Index, f: &Fields, q: &SearchQuery) -> Result<Parsed, IndexError> {
    let mut warnings = Vec::new();
    let words = q.text.split_whitespace().count();
    if words > MAX_QUERY_WORDS {
        return Err(IndexError::Query {
            query: q.text.chars().take(80).collect::<String>() + "…",
            reason: format!(
                "it has {words} words, and a search takes at most {MAX_QUERY_WORDS}: keep the \
                 distinctive ones (a name, a phone, a model), or look an identifier up with \
                 --entity KIND:VALUE"
            ),
        });
    }
    let depth = nesting_depth(&q.text);
    if depth > MAX_QUERY_NESTING {
        return Err(IndexError::Query {
            query: q.text.chars().take(80).collect::<String>() + "…",
            reason: format!(
                "it nests parentheses {depth} deep, and a search takes at most \
                 {MAX_QUERY_NESTING} levels: remove the parentheses that group a single clause"
            ),
        });
    }
    let (rest, prefixes) = split_prefix_words(&q.text);
    let prefixes = prefixes
        .iter()
        .map(|word| prefix_query(f, &q.text, word))
        .collect::<Result<Vec<_>, _>>()?;
    let parsed = if rest.trim().is_empty() {
        None
    } else {
        let mut parser = QueryParser::for_index(index, vec![f.title, f.body]);
        parser.set_field_boost(f.title, TITLE_BOOST);
        parser.set_conjunction_by_default();
        Some(match parser.parse_query(&rest) {
            Ok(query) => query,
            // A field name that does not exist is a mistake to fix, not a typo to work around:
            // dropping the clause would silently widen the search.
            Err(QueryParserError::FieldDoesNotExist(field)) => {
                return Err(IndexError::Query {
                    query: q.text.clone(),
                    reason: format!(
                        "there is no field {field:?}; search title, body, seller, site, \
                         categories, eu_category, flags, language or entity (e.g. site:forum)"
                    ),
                });
            }
            Err(strict) => {
                let (query, _) = parser.parse_query_lenient(&rest);
                warnings.push(format!(
                    "query syntax error ({strict}); searched leniently, ignoring the parts that do not parse"
                ));
                query
            }
        })
    };
    let text: Option<Box<dyn Query>> = match (parsed, prefixes.is_empty()) {
        (parsed, true) => parsed,
        (parsed, false) => Some(Box::new(BooleanQuery::new(
            parsed
                .into_iter()
                .chain(prefixes)
                .map(|clause| (Occur::Must, clause))
                .collect(),
        ))),
    };
    let filters = filters(f, q)?;
    let full: Box<dyn Query> = match (&text, filters.is_empty()) {
        (None, true) => Box::new(AllQuery),
        (Some(t), true) => t.box_clone(),
        (t, false) => {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            if let Some(t) = t {
                clauses.push((Occur::Must, t.box_clone()));
            }
            clauses.extend(filters.into_iter().map(|c| (Occur::Must, zero_score(c))));
            Box::new(BooleanQuery::new(clauses))
        }
    };
    Ok(Parsed {
        text,
        full,
        warnings,
    })
}

/// The deepest nesting of parentheses in a search text, as tantivy's parser reads them:
/// parentheses inside a quoted phrase and escaped ones (`\(`) do not count, a `)` without its
/// `(` closes nothing, and an unclosed `(` counts as open (the lenient parse still descends into
/// it).
fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut quoted = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => quoted = !quoted,
            '(' if !quoted => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' if !quoted => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Shortest prefix, in folded characters, that `word*` takes (a shorter one matches a large
/// part of the vocabulary).
pub const MIN_PREFIX_CHARS: usize = 2;

/// The words of a plain query that end in `*` (`glo*`, `пиш*`), taken out of the text, and the
/// rest of it. tantivy's parser reads `*` only after a phrase of two words or more; a single
/// word ending in `*` is a prefix search, which an analyst types out of habit. Only plain texts
/// (words joined by AND: no `OR`, parentheses or quotes) are split; in any other the `*` stays
/// for the parser.
fn split_prefix_words(text: &str) -> (String, Vec<String>) {
    let plain = !text.contains(['(', ')', '"']) && !text.split_whitespace().any(|w| w == "OR");
    if !plain {
        return (text.to_string(), Vec::new());
    }
    let mut rest = Vec::new();
    let mut prefixes = Vec::new();
    for word in text.split_whitespace() {
        match word.strip_suffix('*') {
            Some(stem)
                if !stem.is_empty() && stem.chars().all(|c| c.is_alphanumeric() || c == '.') =>
            {
                prefixes.push(stem.to_string());
            }
            _ => rest.push(word),
        }
    }
    (rest.join(" "), prefixes)
}

/// `stem*` over title and body: every indexed word that starts with the stem folded as the
/// index folds words (so `пиш*` finds `пиштол` and `pistoletë`, `GLO*` finds `Glock`).
fn prefix_query(f: &Fields, text: &str, stem: &str) -> Result<Box<dyn Query>, IndexError> {
    let refuse = |reason: String| IndexError::Query {
        query: text.to_string(),
        reason,
    };
    let folded = match crate::tokenizer::terms(stem).as_slice() {
        [one] => one.clone(),
        _ => {
            return Err(refuse(format!(
                "`{stem}*` is not one word; a prefix is one word"
            )));
        }
    };
    if folded.chars().count() < MIN_PREFIX_CHARS {
        return Err(refuse(format!(
            "`{stem}*` is too short a prefix: at least {MIN_PREFIX_CHARS} letters"
        )));
    }
    if !folded.chars().all(char::is_alphanumeric) {
        return Err(refuse(format!("`{stem}*`: a prefix is letters and digits")));
    }
    let clause = |field: Field| -> Result<(Occur, Box<dyn Query>), IndexError> {
        let regex = RegexQuery::from_pattern(&format!("{folded}.*"), field)
            .map_err(IndexError::tantivy(format!("searching the prefix {stem}*")))?;
        Ok((Occur::Should, Box::new(regex)))
    };
    Ok(Box::new(BooleanQuery::new(vec![
        clause(f.title)?,
        clause(f.body)?,
    ])))
}

/// The filter clauses (each must hold).
fn filters(f: &Fields, q: &SearchQuery) -> Result<Vec<Box<dyn Query>>, IndexError> {
    let mut out: Vec<Box<dyn Query>> = Vec::new();
    if !q.sites.is_empty() {
        out.push(any_term(
            q.sites.iter().map(|s| Term::from_field_text(f.site, s)),
        ));
    }
    if !q.categories.is_empty() {
        out.push(any_term(
            q.categories
                .iter()
                .map(|c| Term::from_facet(f.category_facet, &category_facet(c))),
        ));
    }
    if let Some(eu) = &q.eu_category {
        out.push(term(Term::from_field_text(f.eu_category, eu.trim())));
    }
    for flag in &q.flags {
        out.push(term(Term::from_field_text(f.flags, flag.trim())));
    }
    if let Some((kind, value)) = &q.entity {
        out.push(term(Term::from_field_text(
            f.entity,
            &entity_key(kind.trim(), value.trim()),
        )));
    }
    if q.relevant_only {
        out.push(term(Term::from_field_bool(f.relevant, true)));
    }
    if q.since.is_some() || q.until.is_some() {
        let range = |field: Field| -> Box<dyn Query> {
            let lo = q.since.map_or(Bound::Unbounded, |t| {
                Bound::Included(Term::from_field_date(field, tantivy_date(t)))
            });
            let hi = q.until.map_or(Bound::Unbounded, |t| {
                Bound::Included(Term::from_field_date(field, tantivy_date(t)))
            });
            Box::new(RangeQuery::new(lo, hi))
        };
        out.push(Box::new(BooleanQuery::new(vec![
            (Occur::Should, range(f.first_seen)),
            (Occur::Should, range(f.posted_at)),
        ])));
    }
    if q.min_price_eur.is_some() || q.max_price_eur.is_some() {
        for (name, v) in [("min", q.min_price_eur), ("max", q.max_price_eur)] {
            if v.is_some_and(|v| !v.is_finite()) {
                return Err(IndexError::Query {
                    query: q.text.clone(),
                    reason: format!("the {name} price is not a number"),
                });
            }
        }
        let lo = q.min_price_eur.map_or(Bound::Unbounded, |v| {
            Bound::Included(Term::from_field_f64(f.price_eur, v))
        });
        let hi = q.max_price_eur.map_or(Bound::Unbounded, |v| {
            Bound::Included(Term::from_field_f64(f.price_eur, v))
        });
        out.push(Box::new(RangeQuery::new(lo, hi)));
    }
    Ok(out)
}

fn term(t: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(t, IndexRecordOption::Basic))
}

fn any_term(terms: impl Iterator<Item = Term>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        terms.map(|t| (Occur::Should, term(t))).collect(),
    ))
}

fn zero_score(q: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(q, 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_depth_counts_what_the_parser_nests() {
        assert_eq!(nesting_depth("glock 19"), 0);
        assert_eq!(nesting_depth("(a OR b) AND (c OR (d e))"), 2);
        assert_eq!(nesting_depth("((((x"), 4, "an unclosed group still nests");
        assert_eq!(nesting_depth(")))(x)"), 1, "a stray ) closes nothing");
        assert_eq!(nesting_depth(r#""(((" \(\(\( (x)"#), 1);
        assert_eq!(
            nesting_depth(r#""a \" ((" (x)"#),
            1,
            "an escaped quote stays inside"
        );
    }

    #[test]
    fn sort_orders_parse() {
        assert_eq!("Newest".parse::<SortOrder>(), Ok(SortOrder::Newest));
        assert!("cheapest".parse::<SortOrder>().is_err());
    }

    #[test]
    fn entities_parse() {
        assert_eq!(
            parse_entity("phone:+38970123456"),
            Ok(("phone".into(), "+38970123456".into()))
        );
        assert_eq!(
            parse_entity("URL:http://x.test/a"),
            Ok(("url".into(), "http://x.test/a".into()))
        );
        assert!(parse_entity("phone").is_err());
        assert!(
            parse_entity("shoe:42")
                .unwrap_err()
                .contains("unknown entity kind")
        );
        assert!(parse_entity("email: ").is_err());
    }

    #[test]
    fn entities_normalize_like_the_rules() {
        let phone = |v: &str, r: Option<&str>| normalize_entity("phone", v, r);
        assert_eq!(phone("070 123 456", Some("mk")), Ok("+38970123456".into()));
        assert_eq!(phone("+389 70 123 456", None), Ok("+38970123456".into()));
        assert_eq!(phone("00389 70-123-456", None), Ok("+38970123456".into()));
        assert!(phone("070 123 456", None).unwrap_err().contains("--region"));
        assert!(
            phone("070 123 456", Some("ZZ"))
                .unwrap_err()
                .contains("region")
        );
        assert_eq!(
            normalize_entity("whatsapp", "070 123 456", Some("MK")),
            Ok("+38970123456".into())
        );
        assert_eq!(
            normalize_entity(
                "btc_address",
                "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
                None
            ),
            Ok("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4".into())
        );
        assert!(
            normalize_entity(
                "btc_address",
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
                None
            )
            .unwrap_err()
            .contains("not a valid btc_address")
        );
        assert_eq!(
            normalize_entity("email", "Dealer.Marko@Example.TEST", None),
            Ok("dealer.marko@example.test".into())
        );
        assert_eq!(
            normalize_entity("telegram", "t.me/Glock_Seller", None),
            Ok("@glock_seller".into())
        );
        assert_eq!(
            normalize_entity(
                "pgp_fingerprint",
                "abcd 1234 ABCD 1234 abcd 1234 ABCD 1234 abcd 1234",
                None
            ),
            Ok("ABCD1234ABCD1234ABCD1234ABCD1234ABCD1234".into())
        );
        assert_eq!(
            normalize_entity("weapon", " Glock 19 ", None),
            Ok("Glock 19".into())
        );
    }
}
