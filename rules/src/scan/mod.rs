//! Finding hits in one chunk of text: the term automaton over the folded text, patterns near
//! term hits, whole-text patterns, validators, exclusions.
//!
//! One submodule per job: [`terms`] (the term pass and the patterns near its hits), [`whole`]
//! (whole-text rules), [`entity`] (a match made into a hit and its entity), [`exclude`], and the
//! pieces they share ([`found`], [`seen`], [`text`]). Their small helpers, and `for_each_match`
//! (one caller), are `#[inline]`: the fast-iteration profile (16 codegen units, no LTO) does not
//! inline across modules otherwise, and lost ~1,000 instructions a listing when this was one
//! file; release builds (fat LTO) inline either way.

mod entity;
mod exclude;
mod found;
mod seen;
mod terms;
#[cfg(test)]
mod tests;
mod text;
mod whole;

use std::ops::Range;

use exclude::{EXCLUDABLE_LIST_MAX, drop_excluded};
use seen::Seen;
use terms::{NearMemo, for_each_term, near_hit, push_literal_hit};
use text::{ceil, word_at, word_before};
use whole::whole_text_rules;

use crate::compile::Compiled;
use crate::extraction::Entity;
use crate::ident::Region;
use crate::normalize::Normalized;

/// One rule hit: the rule, where (original and folded), and the entity it makes (none for cues).
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub rule: usize,
    pub span: Range<usize>,
    pub folded: Option<Range<usize>>,
    pub entity: Option<Entity>,
}

/// Scans one chunk. `original` is the chunk's original text, `norm` its normalization;
/// spans in the hits are relative to the chunk.
pub(crate) fn scan(
    c: &Compiled,
    original: &str,
    norm: &Normalized,
    region: Option<Region>,
) -> Vec<Hit> {
    let (mut hits, excludable) = find_hits(c, original, norm, region);
    drop_excluded(c, &norm.text, &mut hits, &excludable);
    hits
}

/// Every hit of a chunk before exclusions, and the (rule, start, end) of each exclude literal
/// the term pass met in the folded text (`CompiledRule::exclude_gated`), sorted when there are
/// more than `EXCLUDABLE_LIST_MAX`.
#[allow(clippy::type_complexity)]
fn find_hits(
    c: &Compiled,
    original: &str,
    norm: &Normalized,
    region: Option<Region>,
) -> (Vec<Hit>, Vec<(usize, usize, usize)>) {
    let folded = norm.text.as_str();
    let mut hits = Vec::with_capacity(32);
    let mut seen = Seen::new();
    let mut memo = NearMemo::new();
    // (rule, start, end) of each exclude literal the term pass met (`CompiledRule::exclude_gated`).
    let mut excludable: Vec<(usize, usize, usize)> = Vec::new();
    if let Some(dfa) = &c.automaton {
        for_each_term(dfa, folded.as_bytes(), |pid, s, e| {
            for &r in &c.exclude_marks[pid] {
                excludable.push((r, s, e));
            }
            let (starts_word, ends_word) = c.term_edges[pid];
            if starts_word && word_before(folded, s) {
                return;
            }
            for tr in &c.terms[pid] {
                let mut end = e;
                if tr.prefix {
                    while word_at(folded, end) {
                        end = ceil(folded, end + 1);
                    }
                } else if ends_word && word_at(folded, end) {
                    continue;
                }
                let rule = &c.rules[tr.rule];
                match &rule.regex {
                    None => {
                        if seen.insert((tr.rule, s, end)) {
                            push_literal_hit(tr.rule, rule, original, norm, s..end, &mut hits);
                        }
                    }
                    Some(_) => {
                        near_hit(
                            tr.rule,
                            rule,
                            original,
                            norm,
                            s..end,
                            region,
                            &mut seen,
                            &mut hits,
                            Some(&mut memo),
                        );
                    }
                }
            }
        });
    }
    whole_text_rules(
        c,
        &c.whole_folded,
        c.folded_set.as_ref(),
        folded,
        Some(norm),
        original,
        region,
        &mut seen,
        &mut hits,
    );
    whole_text_rules(
        c,
        &c.whole_original,
        c.original_set.as_ref(),
        original,
        None,
        original,
        region,
        &mut seen,
        &mut hits,
    );
    if excludable.len() > EXCLUDABLE_LIST_MAX {
        excludable.sort_unstable();
    }
    (hits, excludable)
}
