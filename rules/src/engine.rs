//! The rule engine: loaded packs compiled once, run over documents.

use std::cmp::Reverse;
use std::path::PathBuf;

use serde::Serialize;

use crate::classify::{detect_language, judge, region_for_language};
use crate::compile::{Compiled, CompiledRule};
pub use crate::error::Error;
use crate::extraction::{ENTITY_KINDS, Entity, Extraction, PackRef};
use crate::ident::{Region, region};
use crate::normalize::normalize;
use crate::pack::{Pack, embedded_packs};
use crate::scan::{Hit, scan};

/// Texts longer than this are processed in chunks (split at a line break or space), so memory
/// stays bounded whatever the input size: each chunk's hits are merged into entities and
/// dropped before the next chunk is read.
const CHUNK: usize = 1 << 20;

/// Entities reported per document unless [`RuleEngine::with_entity_limit`] says otherwise.
///
/// A listing carries a few dozen at most and a forum thread or channel page a few hundred; a
/// hostile or dumped page can carry hundreds of thousands (10 MB of ads: 476,190), each with
/// its own strings, and the indexer would store them all under one listing. Past the limit
/// entities are counted in [`Extraction::entities_omitted`] instead, so memory is bounded by the
/// text and this number. Relevance, categories and flags still read the whole text.
pub const DEFAULT_ENTITY_LIMIT: usize = 10_000;

/// One document to extract from.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    /// Caller's id, echoed in the extraction.
    pub id: &'a str,
    /// The text (markup already stripped).
    pub text: &'a str,
    /// Default phone region (ISO 3166 alpha-2, e.g. `MK`), from the site profile.
    pub default_region: Option<&'a str>,
}

/// All loaded packs, compiled once. `Send + Sync`: share one engine between threads.
#[derive(Debug)]
pub struct RuleEngine {
    compiled: Compiled,
    packs: Vec<Pack>,
    entity_limit: usize,
}

/// One rule hit, as `explain` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct HitReport {
    /// Rule id.
    pub rule: String,
    /// Rule kind (entity kind or `cue`).
    pub kind: String,
    /// Byte range in the original text.
    pub span: [usize; 2],
    /// Byte range in the normalized text, when the rule matched there.
    pub folded_span: Option<[usize; 2]>,
    /// The original text of the hit.
    pub text: String,
    /// The entity made, if any.
    pub entity: Option<Entity>,
}

/// What `salwatch rules explain` prints: the normalized text, every hit, the final extraction.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The normalized (folded) text of the first chunk.
    pub normalized: String,
    /// Every hit after exclusions, before overlapping entities are merged.
    pub hits: Vec<HitReport>,
    /// The final extraction.
    pub extraction: Extraction,
}

impl RuleEngine {
    /// The embedded default pack `salw-core`.
    pub fn default_pack() -> Result<Self, Error> {
        Self::from_packs(embedded_packs()?)
    }

    /// The default pack followed by extra pack files or directories (later packs override rules by id).
    pub fn with_packs(extra: &[PathBuf]) -> Result<Self, Error> {
        let mut packs = embedded_packs()?;
        for p in extra {
            packs.push(Pack::load(p)?);
        }
        Self::from_packs(packs)
    }

    /// Only the given pack files or directories, without the embedded default.
    pub fn load_files(paths: &[PathBuf]) -> Result<Self, Error> {
        let packs = paths
            .iter()
            .map(|p| Pack::load(p))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_packs(packs)
    }

    /// Compiles already-loaded packs.
    pub fn from_packs(packs: Vec<Pack>) -> Result<Self, Error> {
        if packs.is_empty() {
            return Err(Error::Pack {
                file: "<none>".to_owned(),
                message: "no rule pack given".to_owned(),
            });
        }
        let compiled = Compiled::new(&packs)?;
        tracing::debug!(
            rules = compiled.rules.len(),
            packs = packs.len(),
            "rule engine compiled"
        );
        Ok(Self {
            compiled,
            packs,
            entity_limit: DEFAULT_ENTITY_LIMIT,
        })
    }

    /// The same engine reporting at most `limit` entities per document (the rest are counted
    /// in [`Extraction::entities_omitted`]); see [`DEFAULT_ENTITY_LIMIT`].
    #[must_use]
    pub fn with_entity_limit(mut self, limit: usize) -> Self {
        self.entity_limit = limit;
        self
    }

    /// Packs in load order.
    pub fn packs(&self) -> Vec<PackRef> {
        self.packs
            .iter()
            .map(|p| PackRef {
                id: p.header.id.clone(),
                version: p.header.version.clone(),
            })
            .collect()
    }

    /// The loaded packs themselves (rules, examples, vocabulary), in load order.
    pub fn loaded_packs(&self) -> &[Pack] {
        &self.packs
    }

    /// The merged vocabulary of all loaded packs.
    pub fn vocabulary(&self) -> &crate::vocab::Vocabulary {
        &self.compiled.vocabulary
    }

    /// Number of compiled rules (after overrides).
    pub fn rule_count(&self) -> usize {
        self.compiled.rules.len()
    }

    /// Runs every loaded rule over one document.
    pub fn extract(&self, doc: &Document<'_>) -> Extraction {
        self.run(doc, None)
    }

    /// Extraction plus every hit and the normalized text, for `salwatch rules explain`.
    pub fn explain(&self, doc: &Document<'_>) -> Explanation {
        let mut kept = Kept::default();
        let extraction = self.run(doc, Some(&mut kept));
        let Kept { hits, normalized } = kept;
        let hits = hits
            .into_iter()
            .map(|h| HitReport {
                rule: self.compiled.rules[h.rule].spec.id.clone(),
                kind: self.compiled.rules[h.rule].spec.kind.clone(),
                span: [h.span.start, h.span.end],
                folded_span: h.folded.map(|f| [f.start, f.end]),
                text: doc.text.get(h.span.clone()).unwrap_or_default().to_owned(),
                entity: h.entity.map(|e| {
                    // Show the final form (e.g. ammunition normalized to its calibre).
                    extraction
                        .entities
                        .iter()
                        .find(|f| f.span == e.span && f.rule == e.rule)
                        .cloned()
                        .unwrap_or(e)
                }),
            })
            .collect();
        Explanation {
            normalized,
            hits,
            extraction,
        }
    }

    /// Extracts one document. With `kept` the hits keep their entities and are stored there
    /// with the normalized text of the first chunk (for `explain`); without, the entities move
    /// into the extraction (no copies). The extraction is returned alone, not in a tuple with
    /// those, so that it is built where the caller receives it rather than copied out.
    ///
    /// Chunk by chunk: a chunk's hits all lie before the next chunk's, so sorting each chunk's
    /// hits gives the document's order, and only what outlives the chunk is kept: the entities
    /// (up to the limit) and which rules hit, in the order of their first hits, which is all the
    /// verdict reads.
    pub(crate) fn run(&self, doc: &Document<'_>, mut kept: Option<&mut Kept>) -> Extraction {
        let text = doc.text;
        let keep_hits = kept.is_some();
        // The rules that hit, each once, in the order of their first hit: all the verdict reads
        // (a rule id rather than a copy of the hit). This thread's buffer, and the one for the
        // hits' order below, are reused from document to document rather than allocated and
        // freed for each (an allocation and a free cost ~80 instructions; a listing is ~80,000).
        let mut first_rules: Vec<usize> = BUFFERS.with(|b| b.first_rules.take());
        first_rules.clear();
        let mut order: Vec<SortKey> = BUFFERS.with(|b| b.order.take());
        // On the stack for packs of up to 128 rules (the default has 89): no allocation.
        let mut seen_small = [false; 128];
        let mut seen_large = Vec::new();
        let n_rules = self.compiled.rules.len();
        let seen_rules: &mut [bool] = if n_rules <= seen_small.len() {
            &mut seen_small[..n_rules]
        } else {
            seen_large.resize(n_rules, false);
            &mut seen_large
        };
        let mut entities = Entities::new(self.entity_limit);
        let mut language = None;
        let mut reg: Option<Region> = doc.default_region.and_then(region);
        let mut start = 0;
        while start < text.len() || (start == 0 && text.is_empty()) {
            let end = chunk_end(text, start);
            let chunk = &text[start..end];
            let norm = normalize(chunk);
            if start == 0 {
                language = detect_language(&self.compiled, chunk, &norm.text);
                if reg.is_none() {
                    reg = region_for_language(language.as_deref());
                }
            }
            let mut hits = scan(&self.compiled, chunk, &norm, reg);
            if start > 0 {
                for h in &mut hits {
                    h.span = h.span.start + start..h.span.end + start;
                    if let Some(e) = h.entity.as_mut() {
                        e.span = [e.span[0] + start, e.span[1] + start];
                    }
                }
            }
            span_order(&hits, &mut order);
            for &(.., i) in &order {
                let rule = hits[i].rule;
                if !std::mem::replace(&mut seen_rules[rule], true) {
                    first_rules.push(rule);
                }
            }
            entities.merge(&self.compiled.rules, &mut hits, &order, keep_hits);
            if let Some(kept) = kept.as_deref_mut() {
                let mut slots: Vec<Option<Hit>> = hits.into_iter().map(Some).collect();
                kept.hits
                    .extend(order.iter().filter_map(|&(.., i)| slots[i].take()));
                if start == 0 {
                    kept.normalized = norm.text;
                }
            }
            if end <= start {
                break;
            }
            start = end;
        }
        let verdict = judge(&self.compiled, &first_rules);
        BUFFERS.with(|b| {
            // Kept only while small, so that one huge document does not pin its memory.
            if first_rules.capacity() <= 1024 {
                b.first_rules.set(first_rules);
            }
            if order.capacity() <= 1024 {
                b.order.set(order);
            }
        });
        let Entities {
            list: mut entities,
            omitted,
            ..
        } = entities;
        if omitted > 0 {
            tracing::warn!(
                id = doc.id,
                reported = entities.len(),
                omitted,
                "document has more entities than the per-document limit; the rest are counted, not reported"
            );
        }
        ammunition_calibers(&mut entities);
        let packs = self.packs();
        Extraction {
            id: doc.id.to_owned(),
            relevant: verdict.relevant,
            score: verdict.score,
            language,
            categories: verdict.categories,
            eu_category: verdict.eu_category,
            eu_category_reason: verdict.eu_reason,
            flags: verdict.flags,
            entities,
            entities_omitted: omitted,
            rule_pack: packs[0].clone(),
            rule_packs: packs,
        }
    }
}

/// A document's entities as its chunks are read: in span order; of overlapping entities of one
/// kind the longest (first) is kept, and one value is reported once per span; past `limit`
/// only counted.
struct Entities {
    list: Vec<Entity>,
    limit: usize,
    omitted: usize,
    /// End of the last entity kept, by the kind's place in ENTITY_KINDS (packs are refused with
    /// any other kind).
    last_end: [usize; ENTITY_KINDS.len() + 1],
}

impl Entities {
    fn new(limit: usize) -> Self {
        Self {
            list: Vec::new(),
            limit,
            omitted: 0,
            last_end: [0; ENTITY_KINDS.len() + 1],
        }
    }

    /// Takes the entities of `hits`, visited in `order` (span order, after every earlier
    /// chunk's; see [`span_order`]); with `keep_hits` copies them and leaves the hits whole.
    fn merge(
        &mut self,
        rules: &[CompiledRule],
        hits: &mut [Hit],
        order: &[SortKey],
        keep_hits: bool,
    ) {
        // Sized once for the chunk's entities rather than grown push by push (each growth is an
        // allocation and a copy of the entities so far).
        let with_entity = hits.iter().filter(|h| h.entity.is_some()).count();
        self.list
            .reserve(with_entity.min(self.limit.saturating_sub(self.list.len())));
        for &(.., i) in order {
            let h = &mut hits[i];
            let Some(e) = &h.entity else { continue };
            // The entity's kind is its rule's.
            let end = &mut self.last_end[rules[h.rule].kind_slot];
            if e.span[0] < *end {
                continue;
            }
            *end = e.span[1];
            if self.list.len() >= self.limit {
                self.omitted += 1;
            } else if keep_hits {
                self.list.push(e.clone());
            } else if let Some(e) = h.entity.take() {
                self.list.push(e);
            }
        }
    }
}

/// What [`RuleEngine::run`] keeps for `explain`: every hit in span order and the normalized
/// text of the first chunk.
#[derive(Default)]
pub(crate) struct Kept {
    hits: Vec<Hit>,
    normalized: String,
}

/// Per-thread buffers of [`RuleEngine::run`], reused from document to document.
#[derive(Default)]
struct Buffers {
    first_rules: std::cell::Cell<Vec<usize>>,
    order: std::cell::Cell<Vec<SortKey>>,
}

thread_local! {
    static BUFFERS: Buffers = Buffers::default();
}

/// A hit's place in span order: start, longest first, rule, then its index in the chunk's hits.
type SortKey = (usize, Reverse<usize>, usize, usize);

/// The hits' indices in span order: by start, the longest first, then by rule; hits equal in
/// all three keep the order `scan` made them in (the index breaks the tie, so an unstable sort
/// gives the stable order). The keys are sorted rather than the hits themselves: a hit carries
/// its entity (a few hundred bytes), and sorting moved every one of them, several times.
///
/// Written into `order` (cleared first), a buffer the caller reuses.
fn span_order(hits: &[Hit], order: &mut Vec<SortKey>) {
    order.clear();
    order.extend(
        hits.iter()
            .enumerate()
            .map(|(i, h)| (h.span.start, Reverse(h.span.end), h.rule, i)),
    );
    order.sort_unstable();
}

/// DESIGN.md §3: an `ammunition` entity is normalized to its calibre when one is written next
/// to it (within 48 bytes), else stays `ammunition`; of two at the same distance the first.
///
/// Calibres are entities of one kind, so they do not overlap: sorted by start they are sorted
/// by end too, and the nearest to an ammunition entity is the first one overlapping it, else
/// the last one before it or the first one after it. Two binary searches per ammunition entity,
/// so a page of nothing but ammunition ads costs `n log n`, not `n²` (4 MB of them took 14 s).
///
/// Nothing to do (and nothing collected) without an ammunition entity; the calibres are listed
/// by index rather than by a copy of their text (only ammunition entities change).
fn ammunition_calibers(entities: &mut [Entity]) {
    if !entities.iter().any(|e| e.kind == "ammunition") {
        return;
    }
    let calibers: Vec<([usize; 2], usize)> = entities
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == "caliber")
        .map(|(i, e)| (e.span, i))
        .collect();
    // Each ammunition entity with its calibre, found first, then written: no entity is read and
    // written in one pass.
    let pairs: Vec<(usize, usize)> = entities
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == "ammunition")
        .filter_map(|(i, e)| nearest_caliber(&calibers, e.span).map(|c| (i, calibers[c].1)))
        .collect();
    for (ammunition, caliber) in pairs {
        let normalized = entities[caliber].normalized.clone();
        entities[ammunition].normalized = normalized;
    }
}

/// Index of the calibre nearest to `span` within 48 bytes (the first of equals), in calibres
/// that do not overlap one another, sorted by start.
fn nearest_caliber<T>(calibers: &[([usize; 2], T)], span: [usize; 2]) -> Option<usize> {
    const NEAR: usize = 48;
    // Calibres starting before the entity ends lie before it or overlap it.
    let after = calibers.partition_point(|(s, _)| s[0] < span[1]);
    // Of those, the first ending at or after its start overlaps or touches it: distance 0.
    let touching = calibers[..after].partition_point(|(s, _)| s[1] < span[0]);
    if touching < after {
        return Some(touching);
    }
    let gap_before = after
        .checked_sub(1)
        .map(|i| (i, span[0] - calibers[i].0[1]));
    let gap_after = calibers.get(after).map(|(s, _)| (after, s[0] - span[1]));
    let (i, gap) = match (gap_before, gap_after) {
        (Some(b), Some(a)) => {
            if a.1 < b.1 {
                a
            } else {
                b
            }
        }
        (b, a) => b.or(a)?,
    };
    (gap <= NEAR).then_some(i)
}

/// End of the chunk starting at `start`: `CHUNK` bytes on, moved back to a line break or space.
fn chunk_end(text: &str, start: usize) -> usize {
    chunk_end_at(text, start, CHUNK)
}

/// [`chunk_end`] for a chunk of `chunk` bytes (at least 8, so that a chunk holds a character):
/// the end is a character boundary after `start`, moved back to just after the last line break
/// or space of the chunk's second half, if it has one.
fn chunk_end_at(text: &str, start: usize, chunk: usize) -> usize {
    if text.len() - start <= chunk {
        return text.len();
    }
    let floor = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let end = floor(start + chunk);
    // The middle may fall inside a character (Cyrillic, €): the second half starts before it.
    let half = floor(start + chunk / 2);
    let window = &text[half..end];
    if let Some(p) = window.rfind('\n').or_else(|| window.rfind(' ')) {
        return half + p + 1;
    }
    end
}

/// Decodes bytes as UTF-8, replacing invalid sequences (with a warning naming the document).
pub fn decode_lossy<'a>(id: &str, bytes: &'a [u8]) -> std::borrow::Cow<'a, str> {
    let text = String::from_utf8_lossy(bytes);
    if let std::borrow::Cow::Owned(_) = text {
        tracing::warn!(
            document = id,
            "input is not valid UTF-8; invalid bytes replaced with U+FFFD"
        );
    }
    text
}

#[cfg(test)]
mod tests;
