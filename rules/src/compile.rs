//! Compiling loaded packs: rule overrides by id, terms into one Aho-Corasick automaton,
//! regexes built with size limits (a pathological pattern is refused), validators resolved.

use std::collections::{BTreeMap, HashMap, HashSet};

use regex::{Regex, RegexBuilder};
use rustc_hash::FxHashMap;

use crate::boundary::{ascii_boundaries, has_boundaries, without_boundaries};
use crate::classify::Counts;
use crate::classify::MarkerFilter;

use crate::error::Error;
use crate::extraction::ENTITY_KINDS;
use crate::groupread::GroupReader;
use crate::ident::Validator;
use crate::normalize::normalize;
use crate::pack::{Pack, RuleSpec, Source};
use crate::prefilter::RelaxedSet;
use crate::spancaps::{CharSet, SpanCaps, consumed};
use crate::template::{Derived, Template};
use crate::vocab::Vocabulary;

/// Entity kinds that are the object of a sale (firearms, parts, ammunition, explosives).
pub(crate) const OBJECT_KINDS: &[&str] =
    &["weapon", "weapon_type", "part", "ammunition", "explosive"];

/// The classification-only kind: a cue moves the score or sets a flag, and yields no entity.
const CUE_KIND: &str = "cue";

/// Compiled-regex size limit: larger patterns are refused as pathological.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// One rule ready to run.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub spec: RuleSpec,
    pub regex: Option<Regex>,
    /// The pattern with ASCII word boundaries: same matches as `regex` on an ASCII haystack,
    /// and fast there (None when the pattern has no boundary, or the variant failed to build).
    pub ascii: Option<Regex>,
    /// The pattern without word boundaries (matches wherever `regex` does, and more): finds
    /// candidate starts fast on any haystack (None when the pattern has no boundary).
    pub relaxed: Option<Regex>,
    /// The most characters a match of the pattern can have, when bounded: how far a match
    /// starting at a given position can look (`scan::for_each_match`).
    pub max_chars: Option<usize>,
    /// The pattern and its ASCII-boundary variant as regex-automata meta engines, for searches
    /// anchored at a candidate (`scan::for_each_match`): the regex crate has no anchored search,
    /// and its unanchored one runs a reverse scan to find the start the caller already knows.
    /// Only for rules searched candidate by candidate (with boundaries and bounded matches).
    pub anchored: Option<Anchored>,
    /// The characters the pattern can consume (a superset), for a whole-text rule whose matches
    /// are not empty: a match ending at or after a position covers the run of such characters
    /// before it, so the search can start where that run starts (`scan::for_each_match`).
    pub consumed: Option<CharSet>,
    /// Every match of the pattern is at least one byte long: a search from a position at or
    /// after the end of the last possible match finds nothing (`scan::for_each_match`).
    pub nonempty: bool,
    /// The most bytes a match of the pattern can have, when bounded and without end-of-text
    /// assertions (as `max_chars`): how far past its start a match looks (`scan::NearMemo`).
    pub max_bytes: Option<usize>,
    pub excludes: Vec<Regex>,
    /// Whether the rule's exclude patterns have literals one of which each of their matches
    /// contains ([`exclude_literals`]), put in the term automaton: a text in which the term pass
    /// met none of them excludes none of the rule's hits, and the exclude searches are skipped.
    pub exclude_gated: bool,
    /// How the verdict counts the rule (from its kind and EU category).
    pub counts: Counts,
    /// The kind's place in `ENTITY_KINDS` (its length for `cue`): which entities overlap-merge
    /// together, without comparing kind strings per entity.
    pub kind_slot: usize,
    /// The kind is `price` (an entity without an amount is dropped).
    pub price: bool,
    pub validator: Option<Validator>,
    pub weight: f32,
    pub window: [usize; 2],
    /// The `fields` templates, parsed once.
    pub fields: FieldTemplates,
    /// Whether a match needs its capture groups (`group`, or a template naming one); if not,
    /// matches are found without running a capture engine.
    pub needs_groups: bool,
    /// The index of the `group` the rule reports, resolved once (not looked up by name per
    /// match).
    pub group: Option<usize>,
    /// For a rule that reads its one group, when the pattern's shape fixes where the group lies
    /// in a match (`spancaps`): the group read off the match, without a capture search.
    pub span_caps: Option<SpanCaps>,
    /// For a rule searched near its term hits that reads groups, when the pattern's shape fixes
    /// them (`groupread`): the groups read off the match, without a capture search.
    pub group_reader: Option<GroupReader>,
}

/// A rule's pattern and its ASCII-boundary variant, built for anchored searches.
#[derive(Debug)]
pub(crate) struct Anchored {
    pub regex: regex_automata::meta::Regex,
    pub ascii: regex_automata::meta::Regex,
}

/// A meta engine of a pattern, configured as the regex crate configures its own (the same
/// size limits); None if it does not build.
fn meta_regex(pattern: &str) -> Option<regex_automata::meta::Regex> {
    regex_automata::meta::Regex::builder()
        .configure(
            regex_automata::meta::Config::new()
                .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                .hybrid_cache_capacity(REGEX_SIZE_LIMIT * 2),
        )
        .build(pattern)
        .ok()
}

/// A rule's field templates (`fields` in the pack), parsed once at compile time.
#[derive(Debug, Default)]
pub(crate) struct FieldTemplates {
    pub normalized: Option<Template>,
    pub make: Option<Template>,
    pub model: Option<Template>,
    pub amount: Option<Template>,
    pub currency: Option<Template>,
    /// Whether `normalized` is made from `make` and `model` rather than filled on its own.
    pub normalized_from: Derived,
}

impl FieldTemplates {
    fn read_groups(&self) -> bool {
        [
            &self.normalized,
            &self.make,
            &self.model,
            &self.amount,
            &self.currency,
        ]
        .into_iter()
        .flatten()
        .any(Template::reads_groups)
    }

    fn new(spec: &RuleSpec, regex: Option<&Regex>) -> Self {
        let index_of = |name: &str| regex?.capture_names().position(|n| n == Some(name));
        let get = |name: &str| {
            spec.fields.get(name).map(|t| {
                let mut t = Template::parse(t);
                t.resolve(index_of);
                t
            })
        };
        let text = |name: &str| spec.fields.get(name).map(String::as_str);
        let normalized_from = text("normalized").map_or(Derived::Own, |n| {
            Derived::of(n, text("make"), text("model"))
        });
        Self {
            normalized: get("normalized"),
            make: get("make"),
            model: get("model"),
            amount: get("amount"),
            currency: get("currency"),
            normalized_from,
        }
    }
}

impl CompiledRule {
    /// True for classification-only rules (no entity).
    pub fn is_cue(&self) -> bool {
        self.spec.kind == "cue"
    }

    /// The regex to run over a haystack: the ASCII-boundary variant where ASCII and Unicode word
    /// boundaries agree on it (`boundary::ascii_boundaries_exact`), which finds the same matches
    /// there on the DFA.
    pub fn pick(&self, ascii_exact: bool) -> Option<&Regex> {
        if ascii_exact {
            self.ascii.as_ref().or(self.regex.as_ref())
        } else {
            self.regex.as_ref()
        }
    }
}

/// A term occurrence in the automaton: which rule, and whether it is a word prefix.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TermRef {
    pub rule: usize,
    pub prefix: bool,
}

/// All loaded packs compiled.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub rules: Vec<CompiledRule>,
    /// The term automaton: every term and exclude literal (`term_strings`), walked by hand
    /// (`scan::for_each_term`) for all their occurrences.
    pub automaton: Option<TermTable>,
    pub terms: Vec<Vec<TermRef>>,
    /// For each automaton pattern, whether its first and its last character are alphanumeric
    /// (the word tests around a hit need them), decided once.
    pub term_edges: Vec<(bool, bool)>,
    /// The automaton's patterns, by pattern id (the tests build the library's own search of
    /// them).
    #[cfg(test)]
    pub term_strings: Vec<String>,
    /// For each automaton pattern, the rules (`exclude_gated`) of which it is an exclude
    /// literal: a text where the term pass meets it may exclude their hits.
    pub exclude_marks: Vec<Vec<usize>>,
    pub whole_folded: Vec<usize>,
    pub whole_original: Vec<usize>,
    /// Prefilter over `whole_folded`: the same patterns without word boundaries (a superset).
    pub folded_set: Option<RelaxedSet>,
    /// Prefilter over `whole_original`, likewise.
    pub original_set: Option<RelaxedSet>,
    pub vocabulary: Vocabulary,
    pub markers: Vec<(String, HashSet<String>)>,
    /// Marker word → indices (into `markers`) of the languages it marks: one lookup per word.
    pub marker_index: FxHashMap<String, Vec<usize>>,
    /// A cheap test every marker word passes, asked before `marker_index` is looked up.
    pub marker_filter: MarkerFilter,
}

fn default_weight(kind: &str) -> f32 {
    match kind {
        "weapon" => 0.5,
        "explosive" => 0.45,
        "weapon_type" | "ammunition" => 0.35,
        "part" => 0.3,
        "caliber" | "price" => 0.15,
        "btc_address" | "ltc_address" | "eth_address" | "trx_address" | "xmr_address" | "onion"
        | "pgp_fingerprint" => 0.1,
        "cue" | "url" => 0.0,
        _ => 0.05,
    }
}

fn rule_err(r: &RuleSpec, message: String) -> Error {
    Error::Rule {
        file: r.origin.file.clone(),
        line: r.origin.line,
        rule: r.id.clone(),
        message,
    }
}

fn build_regex(r: &RuleSpec, pattern: &str, what: &str) -> Result<Regex, Error> {
    let re = RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT * 2)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => rule_err(
                r,
                format!(
                    "{what} refused: it compiles to more than {limit} bytes (pathological \
                     pattern; split it or bound its repetitions)"
                ),
            ),
            other => rule_err(r, format!("{what}: {other}")),
        })?;
    if re.is_match("") {
        return Err(rule_err(
            r,
            format!("{what} matches the empty string: `{pattern}`"),
        ));
    }
    Ok(re)
}

impl Compiled {
    /// Merges packs (later rules replace earlier ones by id) and compiles everything.
    pub fn new(packs: &[Pack]) -> Result<Self, Error> {
        let mut vocabulary = Vocabulary::default();
        let mut markers: BTreeMap<String, HashSet<String>> = BTreeMap::new();
        for p in packs {
            p.fill_vocabulary(&mut vocabulary);
            for (lang, words) in &p.language_markers {
                let set = markers.entry(lang.clone()).or_default();
                set.extend(words.iter().map(|w| normalize(w).text.trim().to_owned()));
            }
        }
        let mut order: Vec<(usize, RuleSpec)> = Vec::new();
        let mut by_id: HashMap<String, usize> = HashMap::new();
        for (pi, p) in packs.iter().enumerate() {
            for r in &p.rules {
                match by_id.get(&r.id) {
                    Some(&i) => order[i] = (pi, r.clone()),
                    None => {
                        by_id.insert(r.id.clone(), order.len());
                        order.push((pi, r.clone()));
                    }
                }
            }
        }
        let mut rules = Vec::with_capacity(order.len());
        let mut term_map: HashMap<String, Vec<TermRef>> = HashMap::new();
        // Exclude literal → the rules whose exclusions need one of their literals.
        let mut exclude_map: HashMap<String, Vec<usize>> = HashMap::new();
        let mut whole_folded = Vec::new();
        let mut whole_original = Vec::new();
        for (_pack, spec) in order {
            let idx = rules.len();
            if spec.kind != CUE_KIND && !ENTITY_KINDS.contains(&spec.kind.as_str()) {
                return Err(rule_err(
                    &spec,
                    format!(
                        "unknown kind `{}` (known: {} {CUE_KIND})",
                        spec.kind,
                        ENTITY_KINDS.join(" ")
                    ),
                ));
            }
            let regex = spec
                .pattern
                .as_deref()
                .map(|p| build_regex(&spec, p, "pattern"))
                .transpose()?;
            if let (Some(re), Some(g)) = (&regex, &spec.group)
                && !re.capture_names().flatten().any(|n| n == g)
            {
                return Err(rule_err(
                    &spec,
                    format!("group `{g}` is not a named group of the pattern"),
                ));
            }
            let ascii = spec
                .pattern
                .as_deref()
                .filter(|p| has_boundaries(p))
                .and_then(|p| fast_regex(&ascii_boundaries(p)));
            let relaxed = spec
                .pattern
                .as_deref()
                .filter(|p| has_boundaries(p))
                .and_then(|p| fast_regex(&without_boundaries(p)));
            let hir = spec
                .pattern
                .as_deref()
                .and_then(|p| regex_syntax::Parser::new().parse(p).ok());
            let max_chars = hir.as_ref().and_then(max_chars);
            let nonempty = hir
                .as_ref()
                .and_then(|h| h.properties().minimum_len())
                .is_some_and(|n| n > 0);
            let anchored = spec
                .pattern
                .as_deref()
                .filter(|p| has_boundaries(p) && max_chars.is_some() && spec.terms.is_empty())
                .and_then(|p| {
                    Some(Anchored {
                        regex: meta_regex(p)?,
                        ascii: meta_regex(&ascii_boundaries(p))?,
                    })
                });
            let consumed = hir
                .as_ref()
                .filter(|_| nonempty && spec.terms.is_empty())
                .and_then(consumed);
            let max_bytes = hir
                .as_ref()
                .filter(|_| max_chars.is_some())
                .and_then(|h| h.properties().maximum_len());
            let excludes = spec
                .exclude
                .iter()
                .map(|p| build_regex(&spec, p, "exclude pattern"))
                .collect::<Result<Vec<_>, _>>()?;
            let validator = spec
                .validate
                .as_deref()
                .map(|v| v.parse::<Validator>().map_err(|m| rule_err(&spec, m)))
                .transpose()?;
            if spec.terms.is_empty() && regex.is_none() {
                return Err(rule_err(
                    &spec,
                    "a rule needs `terms`, a `pattern`, or both".to_owned(),
                ));
            }
            if !spec.terms.is_empty() && spec.source == Source::Original {
                return Err(rule_err(
                    &spec,
                    "`terms` match the folded text; a rule with source = \"original\" uses a pattern only"
                        .to_owned(),
                ));
            }
            let mut folded_terms = Vec::new();
            for term in &spec.terms {
                let expanded: Vec<String> = match term.strip_prefix('@') {
                    Some(word) => {
                        if !vocabulary.knows(word) {
                            return Err(rule_err(
                                &spec,
                                format!("term `{term}`: `{word}` is not in any [vocabulary]"),
                            ));
                        }
                        vocabulary.variants_of(word)
                    }
                    None => vec![term.clone()],
                };
                for t in expanded {
                    let (body, prefix) = match t.strip_suffix('*') {
                        Some(b) => (b, true),
                        None => (t.as_str(), false),
                    };
                    let folded = normalize(body).text.trim().to_owned();
                    if folded.is_empty() {
                        return Err(rule_err(
                            &spec,
                            format!("term `{t}` folds to nothing and can never match"),
                        ));
                    }
                    folded_terms.push(folded.clone());
                    term_map
                        .entry(folded)
                        .or_default()
                        .push(TermRef { rule: idx, prefix });
                }
            }
            if spec.terms.is_empty() {
                match spec.source {
                    Source::Folded => whole_folded.push(idx),
                    Source::Original => whole_original.push(idx),
                }
            }
            let weight = spec.weight.unwrap_or_else(|| default_weight(&spec.kind));
            let window = spec.window.unwrap_or([48, 48]);
            let fields = FieldTemplates::new(&spec, regex.as_ref());
            let needs_groups = spec.group.is_some() || fields.read_groups();
            let group = spec
                .group
                .as_deref()
                .and_then(|g| regex.as_ref()?.capture_names().position(|n| n == Some(g)));
            // Only whole-text rules read groups off the span (`near_hit` runs the capture search).
            let span_caps = hir
                .as_ref()
                .filter(|_| needs_groups && spec.terms.is_empty())
                .and_then(SpanCaps::of);
            let group_reader = hir
                .as_ref()
                .filter(|_| needs_groups && !spec.terms.is_empty())
                .and_then(GroupReader::of);
            let exclude_lits = exclude_literals(&spec.exclude, &folded_terms);
            let exclude_gated = exclude_lits.is_some();
            for lit in exclude_lits.into_iter().flatten() {
                let marks = exclude_map.entry(lit).or_default();
                if !marks.contains(&idx) {
                    marks.push(idx);
                }
            }
            rules.push(CompiledRule {
                counts: Counts::of(&spec.kind, spec.eu_category.as_deref()),
                kind_slot: ENTITY_KINDS
                    .iter()
                    .position(|k| *k == spec.kind)
                    .unwrap_or(ENTITY_KINDS.len()),
                price: spec.kind == "price",
                needs_groups,
                group,
                span_caps,
                group_reader,
                fields,
                spec,
                regex,
                ascii,
                relaxed,
                max_chars,
                nonempty,
                consumed,
                anchored,
                max_bytes,
                excludes,
                exclude_gated,
                validator,
                weight,
                window,
            });
        }
        for lit in exclude_map.keys() {
            term_map.entry(lit.clone()).or_default();
        }
        let mut patterns: Vec<(String, Vec<TermRef>)> = term_map.into_iter().collect();
        patterns.sort_by(|a, b| a.0.cmp(&b.0));
        let exclude_marks = patterns
            .iter()
            .map(|(p, _)| exclude_map.get(p).cloned().unwrap_or_default())
            .collect();
        let automaton = if patterns.is_empty() {
            None
        } else {
            let dfa = aho_corasick::dfa::DFA::builder()
                .prefilter(false)
                .start_kind(aho_corasick::StartKind::Unanchored)
                .build(patterns.iter().map(|(p, _)| p.as_str()))
                .map_err(|e| Error::Pack {
                    file: "<all packs>".to_owned(),
                    message: format!("term automaton: {e}"),
                })?;
            Some(TermTable::new(&dfa))
        };
        let term_edges = patterns
            .iter()
            .map(|(p, _)| {
                (
                    p.chars().next().is_some_and(char::is_alphanumeric),
                    p.chars().next_back().is_some_and(char::is_alphanumeric),
                )
            })
            .collect();
        #[cfg(test)]
        let term_strings = patterns.iter().map(|(p, _)| p.clone()).collect();
        let terms = patterns.into_iter().map(|(_, t)| t).collect();
        let folded_set = relaxed_set(&rules, &whole_folded);
        let original_set = relaxed_set(&rules, &whole_original);
        Ok(Compiled {
            rules,
            automaton,
            terms,
            term_edges,
            #[cfg(test)]
            term_strings,
            exclude_marks,
            whole_folded,
            whole_original,
            folded_set,
            original_set,
            vocabulary,
            marker_filter: MarkerFilter::new(markers.values().flatten().map(String::as_str)),
            marker_index: marker_index(&markers),
            markers: markers.into_iter().collect(),
        })
    }
}

/// The most characters a match of `hir` can consume (None when unbounded): `maximum_len` counts
/// bytes, up to four per character of a Unicode class, which would make the windows of
/// `scan::ascii_window` needlessly wide. A byte class (only in `(?-u)` patterns) is counted as a
/// character too, which can only overestimate.
pub(crate) fn max_chars(hir: &regex_syntax::hir::Hir) -> Option<usize> {
    use regex_syntax::hir::{HirKind, Look};
    match hir.kind() {
        // An end-of-text assertion would hold at the end of a window cut from the text, where
        // the text goes on: such a pattern is searched over the whole text.
        HirKind::Look(Look::End | Look::EndLF | Look::EndCRLF) => None,
        HirKind::Empty | HirKind::Look(_) => Some(0),
        HirKind::Literal(lit) => Some(String::from_utf8_lossy(&lit.0).chars().count()),
        HirKind::Class(_) => Some(1),
        HirKind::Repetition(r) => max_chars(&r.sub)?.checked_mul(r.max? as usize),
        HirKind::Capture(c) => max_chars(&c.sub),
        HirKind::Concat(subs) => subs
            .iter()
            .try_fold(0usize, |n, h| n.checked_add(max_chars(h)?)),
        HirKind::Alternation(subs) => subs
            .iter()
            .try_fold(0usize, |n, h| Some(n.max(max_chars(h)?))),
    }
}

/// The term automaton's unanchored overlapping search as a plain transition table, read from
/// aho-corasick's DFA (the same states and transitions, renumbered densely; bytes that no state
/// tells apart share a class). Each entry is the next state's row offset, with `MATCH` set when
/// that state reports patterns, so that the walk (`scan::for_each_term`) costs a class lookup,
/// a table lookup and a bit test a byte, with everything in registers: the library's own walk
/// reloads its table and limits from memory at every byte.
#[derive(Debug)]
pub(crate) struct TermTable {
    /// Each byte's class (its column in a row).
    pub classes: [u8; 256],
    /// The rows of all states, one after the other, padded to a power-of-two length.
    pub trans: Vec<u32>,
    /// The start state's row offset.
    pub start: u32,
    /// Classes per state (the row length).
    pub stride: u32,
    /// For each state (by index), its range in `matches`.
    pub match_ranges: Vec<(u32, u32)>,
    /// (pattern, length in bytes) of the patterns reported in each match state, in the DFA's
    /// order.
    pub matches: Vec<(u32, u32)>,
}

impl TermTable {
    /// The flag of a transition into a state that reports patterns.
    pub const MATCH: u32 = 1 << 31;

    fn new(dfa: &aho_corasick::dfa::DFA) -> Self {
        use aho_corasick::Anchored;
        use aho_corasick::automaton::{Automaton, StateID};
        let start = dfa
            .start_state(Anchored::No)
            .expect("an unanchored start state");
        // Every state reachable from the start, numbered in the order met; meanwhile the bytes
        // are split into classes, two bytes sharing one while every state so far sends them to
        // the same state. Rows are looked at one at a time and not kept: a pack of 20,000 terms
        // has ~100,000 states, and full 256-entry rows of them all would take ~100 MB at load.
        let mut index: FxHashMap<StateID, u32> = FxHashMap::default();
        index.insert(start, 0);
        let mut states = vec![start];
        let mut class_of_byte = [0u16; 256];
        let mut split: FxHashMap<(u16, u32), u16> = FxHashMap::default();
        let mut k = 0;
        while k < states.len() {
            let sid = states[k];
            split.clear();
            for (b, class) in class_of_byte.iter_mut().enumerate() {
                let to = dfa.next_state(Anchored::No, sid, b as u8);
                let n = states.len() as u32;
                let to = *index.entry(to).or_insert_with(|| {
                    states.push(to);
                    n
                });
                let fresh = split.len() as u16;
                *class = *split.entry((*class, to)).or_insert(fresh);
            }
            k += 1;
        }
        // Classes renumbered in the order of their first byte, each with that byte as its
        // representative.
        let mut classes = [0u8; 256];
        let mut renumber: FxHashMap<u16, u8> = FxHashMap::default();
        let mut representatives = Vec::new();
        for (b, class) in classes.iter_mut().enumerate() {
            let n = renumber.len() as u8;
            *class = *renumber.entry(class_of_byte[b]).or_insert_with(|| {
                representatives.push(b);
                n
            });
        }
        let stride = representatives.len() as u32;
        let mut match_ranges = Vec::with_capacity(states.len());
        let mut matches = Vec::new();
        for &sid in &states {
            let from = matches.len() as u32;
            if dfa.is_match(sid) {
                for i in 0..dfa.match_len(sid) {
                    let pid = dfa.match_pattern(sid, i);
                    matches.push((pid.as_u32(), dfa.pattern_len(pid) as u32));
                }
            }
            match_ranges.push((from, matches.len() as u32));
        }
        let mut trans =
            Vec::with_capacity((states.len() * representatives.len()).next_power_of_two());
        for &sid in &states {
            for &b in &representatives {
                let to = index[&dfa.next_state(Anchored::No, sid, b as u8)];
                let (from, end) = match_ranges[to as usize];
                let flag = if end > from { Self::MATCH } else { 0 };
                trans.push((to * stride) | flag);
            }
        }
        // A power-of-two length: the walk masks its index instead of checking it (the padding
        // is never read: every index is a row offset plus a class).
        trans.resize(trans.len().next_power_of_two(), 0);
        Self {
            classes,
            trans,
            start: 0,
            stride,
            match_ranges,
            matches,
        }
    }
}

/// Literals one of which every match of every pattern in `excludes` contains (None if some
/// pattern has no such set): the exclusion checks of a rule's hits can only succeed in a text
/// that holds one. Of the choices [`required_literals`] makes, it avoids literals that overlap
/// the rule's own `terms` (folded): a term is in every text the rule hits, so such a literal
/// (`pistol` in `pistol[a-z]* … silikon`) would rule nothing out.
fn exclude_literals(excludes: &[String], terms: &[String]) -> Option<Vec<String>> {
    if excludes.is_empty() {
        return None;
    }
    let mut all = Vec::new();
    for p in excludes {
        let hir = regex_syntax::Parser::new().parse(p).ok()?;
        for lit in required_literals(&hir, terms)? {
            all.push(String::from_utf8(lit).ok()?);
        }
    }
    Some(all)
}

/// A set of literals one of which every match of `hir` contains (None when there is none
/// that this simple walk finds): a literal is itself; an alternation, the union of its
/// branches' sets; a concatenation, the set of one of its parts (each part's match is a piece
/// of the whole match); a repetition of at least one, its body's set. Among the parts of a
/// concatenation it prefers a set with no literal overlapping one of `terms`, then the one
/// whose shortest literal is longest (rarer in text).
pub(crate) fn required_literals(
    hir: &regex_syntax::hir::Hir,
    terms: &[String],
) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Literal(lit) => Some(vec![lit.0.to_vec()]),
        HirKind::Empty | HirKind::Look(_) | HirKind::Class(_) => None,
        HirKind::Repetition(r) if r.min >= 1 => required_literals(&r.sub, terms),
        HirKind::Repetition(_) => None,
        HirKind::Capture(c) => required_literals(&c.sub, terms),
        HirKind::Alternation(subs) => {
            let mut all = Vec::new();
            for h in subs {
                all.extend(required_literals(h, terms)?);
            }
            Some(all)
        }
        HirKind::Concat(subs) => {
            let overlaps_term = |set: &[Vec<u8>]| {
                set.iter().any(|l| {
                    terms.iter().any(|t| {
                        let t = t.as_bytes();
                        contains(t, l) || contains(l, t)
                    })
                })
            };
            subs.iter()
                .filter_map(|h| required_literals(h, terms))
                .max_by_key(|set| {
                    let shortest = set.iter().map(Vec::len).min().unwrap_or(0);
                    (!overlaps_term(set), shortest)
                })
        }
    }
}

/// Whether `needle` occurs in `hay` (both bytes).
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// A speed-only variant of an already validated pattern; None if it does not build.
fn fast_regex(pattern: &str) -> Option<Regex> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT * 2)
        .build()
        .ok()
}

/// The prefilter of the given rules: their patterns without word boundaries, as one set. A
/// match of a rule's real pattern is also a match of its relaxed one, so a rule whose relaxed
/// pattern is absent from a text cannot match it. None (no prefilter: every rule runs) if it
/// does not build.
pub(crate) fn relaxed_set(rules: &[CompiledRule], which: &[usize]) -> Option<RelaxedSet> {
    let patterns: Vec<String> = which
        .iter()
        .map(|&i| rules[i].spec.pattern.as_deref().map(without_boundaries))
        .collect::<Option<Vec<_>>>()?;
    RelaxedSet::new(&patterns)
}

/// Inverts the marker sets: word → languages (by their index in the sorted marker list).
fn marker_index(markers: &BTreeMap<String, HashSet<String>>) -> FxHashMap<String, Vec<usize>> {
    let mut index: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (li, words) in markers.values().enumerate() {
        for w in words {
            index.entry(w.clone()).or_default().push(li);
        }
    }
    index
}
