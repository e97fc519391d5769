//! The output contract of the rule engine (DESIGN.md §3): what `salwatch extract --format ndjson`
//! prints, what the indexer stores, and what tests assert on. Field names are part of a public
//! contract that scripts depend on: change them only with a DESIGN.md change.

use serde::{Deserialize, Serialize};

/// Every entity kind of DESIGN.md §3, in the order of its table. Rules may only produce these
/// (plus the classification-only kind `cue`), and `--entity KIND:VALUE` accepts exactly these.
pub const ENTITY_KINDS: &[&str] = &[
    "weapon",
    "weapon_type",
    "part",
    "ammunition",
    "explosive",
    "caliber",
    "price",
    "btc_address",
    "ltc_address",
    "eth_address",
    "trx_address",
    "xmr_address",
    "onion",
    "pgp_fingerprint",
    "email",
    "phone",
    "telegram",
    "signal",
    "wickr",
    "session",
    "threema",
    "whatsapp",
    "url",
];

/// The entity kinds that identify a seller: two listings sharing one are likely one actor.
pub const IDENTIFIER_KINDS: &[&str] = &[
    "phone",
    "btc_address",
    "ltc_address",
    "eth_address",
    "trx_address",
    "xmr_address",
    "pgp_fingerprint",
    "email",
    "telegram",
    "signal",
    "wickr",
    "session",
    "threema",
    "whatsapp",
];

/// Which rule pack (id and version) produced an extraction, so every field can be traced back
/// to the exact rules that were live when it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackRef {
    /// Pack id, e.g. `salw-core`.
    pub id: String,
    /// Pack version, e.g. `2026.11.0`.
    pub version: String,
}

/// One entity found in a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// Entity kind, one of the kinds of DESIGN.md §3 (`weapon`, `price`, `phone`, `btc_address` …).
    pub kind: String,
    /// The text as written in the original document.
    pub value: String,
    /// The canonical form for this kind (DESIGN.md §3 table).
    pub normalized: String,
    /// Byte range `[start, end)` into the original text.
    pub span: [usize; 2],
    /// Id of the rule that produced this entity.
    pub rule: String,
    /// Weapon maker, for `weapon` entities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub make: Option<String>,
    /// Weapon model, for `weapon` entities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Amount, for `price` entities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    /// ISO 4217 code or `BTC`/`XMR`, for `price` entities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// The result of running the loaded rule packs over one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extraction {
    /// The caller's document id.
    pub id: String,
    /// True when the document reads as an offer to sell (or a request to buy) firearms, parts,
    /// ammunition or explosives.
    pub relevant: bool,
    /// Relevance in `[0, 1]`.
    pub score: f32,
    /// Detected language (ISO 639-1: `sq`, `mk`, `sr`, `hr`, `bs`, `en`, `de`), if any.
    #[serde(default)]
    pub language: Option<String>,
    /// Categories such as `firearm/pistol`, `ammunition`, `explosive`, `part/suppressor`.
    #[serde(default)]
    pub categories: Vec<String>,
    /// EU Firearms Directive category `A`–`D`, when one can be assigned.
    #[serde(default)]
    pub eu_category: Option<String>,
    /// Why that EU category was chosen (human-readable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eu_category_reason: Option<String>,
    /// Flags: `converted`, `reactivated`, `deactivated`, `3d_printed`, `automatic`, `replica`, `wanted`.
    #[serde(default)]
    pub flags: Vec<String>,
    /// Every entity found, relevant document or not, in span order, up to the engine's
    /// per-document limit ([`crate::DEFAULT_ENTITY_LIMIT`] unless set otherwise).
    #[serde(default)]
    pub entities: Vec<Entity>,
    /// Entities found past that limit and left out of `entities` (absent when none were). A
    /// hostile or dumped page can hold hundreds of thousands; the capture still holds them all,
    /// and `salwatch extract --max-entities` reads them again with a higher limit.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub entities_omitted: usize,
    /// The first (primary) pack used; all packs are in `rule_packs`.
    pub rule_pack: PackRef,
    /// Every pack loaded when this extraction was made, in load order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rule_packs: Vec<PackRef>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Extraction {
    /// Entities of one kind, in span order.
    pub fn entities_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Entity> + 'a {
        self.entities.iter().filter(move |e| e.kind == kind)
    }
}
