//! Exclusions: a hit that one of its rule's exclude patterns overlaps is dropped.

use std::ops::Range;

use super::Hit;
use super::text::{ceil, floor};
use crate::compile::{Compiled, CompiledRule};

/// Most exclude literals met in a chunk that `drop_excluded` searches linearly (a listing meets
/// none or a few); past it they are sorted, and searched by bisection.
pub(super) const EXCLUDABLE_LIST_MAX: usize = 8;

/// Drops the hits that an exclude pattern of their rule overlaps (`excluded`), asking only
/// where the term pass met one of the rule's exclude literals (`excludable`) near the hit.
/// Past a few literals (then sorted), each hit finds its rule's literals from the window's
/// start by a binary search, and looks at most at those that start in the window's last few
/// bytes before it has its answer: a page with thousands of hits and literals stays
/// near-linear.
pub(super) fn drop_excluded(
    c: &Compiled,
    folded: &str,
    hits: &mut Vec<Hit>,
    excludable: &[(usize, usize, usize)],
) {
    hits.retain(|h| {
        let rule = &c.rules[h.rule];
        let Some(span) = &h.folded else { return true };
        if rule.excludes.is_empty() {
            return true;
        }
        // An exclude match overlapping the hit lies in `excluded`'s window and contains one of
        // the rule's exclude literals: none there, no exclusion.
        if rule.exclude_gated {
            let (ws, we) = exclude_window(folded, span);
            let near = if excludable.len() > EXCLUDABLE_LIST_MAX {
                let from = excludable.partition_point(|&(r, s, _)| (r, s) < (h.rule, ws));
                excludable[from..]
                    .iter()
                    .take_while(|&&(r, s, _)| r == h.rule && s < we)
                    .any(|&(_, _, e)| e <= we)
            } else {
                excludable
                    .iter()
                    .any(|&(r, s, e)| r == h.rule && s >= ws && e <= we)
            };
            if !near {
                return true;
            }
        }
        !excluded(rule, folded, Some(span))
    });
}

/// The part of the folded text in which `excluded` looks for exclude matches over `span`:
/// each one it finds starts at or after the first bound and ends at or before the second.
pub(super) fn exclude_window(folded: &str, span: &Range<usize>) -> (usize, usize) {
    (
        floor(folded, span.start.saturating_sub(64)),
        ceil(folded, span.end + 64),
    )
}

pub(super) fn excluded(rule: &CompiledRule, folded: &str, span: Option<&Range<usize>>) -> bool {
    let Some(span) = span else { return false };
    if rule.excludes.is_empty() {
        return false;
    }
    let (ws, we) = exclude_window(folded, span);
    let hay = &folded[..we];
    rule.excludes.iter().any(|re| {
        let mut pos = ws;
        while let Some(m) = re.find_at(hay, pos) {
            if m.start() >= span.end {
                return false;
            }
            if m.end() > span.start {
                return true;
            }
            pos = if m.end() > m.start() {
                m.end()
            } else {
                ceil(folded, m.end() + 1)
            };
            if pos > we {
                break;
            }
        }
        false
    })
}
