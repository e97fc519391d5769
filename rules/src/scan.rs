//! Finding hits in one chunk of text: the term automaton over the folded text, patterns near
//! term hits, whole-text patterns, validators, exclusions.

use std::collections::HashSet;
use std::ops::Range;

use regex::Captures;

use crate::compile::{Compiled, CompiledRule};
use crate::extraction::Entity;
use crate::ident::Region;
use crate::normalize::Normalized;
use crate::pack::Source;
use crate::price::{format_amount, parse_amount};
use crate::template::fill;

/// One rule hit: the rule, where (original and folded), and the entity it makes (none for cues).
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub rule: usize,
    pub span: Range<usize>,
    pub folded: Option<Range<usize>>,
    pub entity: Option<Entity>,
}

fn word_before(t: &str, pos: usize) -> bool {
    t[..pos]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric)
}

fn word_at(t: &str, pos: usize) -> bool {
    t[pos..].chars().next().is_some_and(char::is_alphanumeric)
}

fn floor(t: &str, mut i: usize) -> usize {
    i = i.min(t.len());
    while !t.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil(t: &str, mut i: usize) -> usize {
    i = i.min(t.len());
    while !t.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Scans one chunk. `original` is the chunk's original text, `norm` its normalization;
/// spans in the hits are relative to the chunk.
pub(crate) fn scan(
    c: &Compiled,
    original: &str,
    norm: &Normalized,
    region: Option<Region>,
) -> Vec<Hit> {
    let folded = norm.text.as_str();
    let mut hits = Vec::new();
    let mut seen: HashSet<(usize, usize, usize)> = HashSet::new();
    let t0 = std::time::Instant::now();
    if let Some(ac) = &c.automaton {
        for m in ac.find_overlapping_iter(folded) {
            let (s, e) = (m.start(), m.end());
            let term = &folded[s..e];
            let starts_word = term.chars().next().is_some_and(char::is_alphanumeric);
            if starts_word && word_before(folded, s) {
                continue;
            }
            let ends_word = term.chars().next_back().is_some_and(char::is_alphanumeric);
            for tr in &c.terms[m.pattern().as_usize()] {
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
                            let hit = literal_hit(tr.rule, rule, original, norm, s..end);
                            hits.push(hit);
                        }
                    }
                    Some(re) => {
                        near_hit(
                            tr.rule,
                            rule,
                            re,
                            original,
                            norm,
                            s..end,
                            region,
                            &mut seen,
                            &mut hits,
                        );
                    }
                }
            }
        }
    }
    prof(0, t0);
    for &ri in &c.whole_folded {
        let t0 = std::time::Instant::now();
        let rule = &c.rules[ri];
        if let Some(re) = &rule.regex {
            for caps in re.captures_iter(folded) {
                push_caps(
                    ri,
                    rule,
                    &caps,
                    original,
                    Some(norm),
                    region,
                    &mut seen,
                    &mut hits,
                );
            }
        }
        prof(1 + ri, t0);
    }
    for &ri in &c.whole_original {
        let t0 = std::time::Instant::now();
        let rule = &c.rules[ri];
        if let Some(re) = &rule.regex {
            for caps in re.captures_iter(original) {
                push_caps(
                    ri, rule, &caps, original, None, region, &mut seen, &mut hits,
                );
            }
        }
        prof(1 + ri, t0);
    }
    let t0 = std::time::Instant::now();
    hits.retain(|h| !excluded(&c.rules[h.rule], folded, h.folded.as_ref()));
    prof(119, t0);
    hits
}

fn literal_hit(
    ri: usize,
    rule: &CompiledRule,
    original: &str,
    norm: &Normalized,
    f: Range<usize>,
) -> Hit {
    let span = norm.original_range(f.clone());
    let matched = &norm.text[f.clone()];
    let entity = (!rule.is_cue()).then(|| {
        let get = |n: &str| (n == "0").then_some(matched);
        make_entity(rule, &original[span.clone()], span.clone(), &get, matched)
    });
    Hit {
        rule: ri,
        span,
        folded: Some(f),
        entity,
    }
}

#[allow(clippy::too_many_arguments)]
fn near_hit(
    ri: usize,
    rule: &CompiledRule,
    re: &regex::Regex,
    original: &str,
    norm: &Normalized,
    hit: Range<usize>,
    region: Option<Region>,
    seen: &mut HashSet<(usize, usize, usize)>,
    hits: &mut Vec<Hit>,
) {
    let text = norm.text.as_str();
    let mut ws = floor(text, hit.start.saturating_sub(rule.window[0]));
    let limit = ws.saturating_sub(32);
    while ws > limit && word_before(text, ws) {
        ws = floor(text, ws - 1);
    }
    let mut we = ceil(text, hit.end + rule.window[1]);
    let limit = we + 32;
    while we < limit && word_at(text, we) {
        we = ceil(text, we + 1);
    }
    let hay = &text[..we];
    let mut pos = ws;
    while pos <= we {
        let Some(caps) = re.captures_at(hay, pos) else {
            break;
        };
        let Some(m) = caps.get(0) else { break };
        if m.start() >= hit.end {
            break;
        }
        if m.end() > hit.start {
            push_caps(ri, rule, &caps, original, Some(norm), region, seen, hits);
        }
        pos = if m.end() > m.start() {
            m.end()
        } else {
            ceil(text, m.end() + 1)
        };
        if m.end() == we {
            break;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn push_caps(
    ri: usize,
    rule: &CompiledRule,
    caps: &Captures<'_>,
    original: &str,
    norm: Option<&Normalized>,
    region: Option<Region>,
    seen: &mut HashSet<(usize, usize, usize)>,
    hits: &mut Vec<Hit>,
) {
    let m = rule
        .spec
        .group
        .as_deref()
        .and_then(|g| caps.name(g))
        .or_else(|| caps.get(0));
    let Some(m) = m else { return };
    if !seen.insert((ri, m.start(), m.end())) {
        return;
    }
    let (span, folded) = match (rule.spec.source, norm) {
        (Source::Folded, Some(n)) => (n.original_range(m.range()), Some(m.range())),
        _ => (m.range(), None),
    };
    let value = &original[span.clone()];
    let get = |n: &str| {
        if n == "0" {
            Some(m.as_str())
        } else {
            caps.name(n).map(|g| g.as_str())
        }
    };
    let entity = if rule.is_cue() {
        None
    } else {
        let mut base = m.as_str();
        let validated;
        if let Some(v) = rule.validator {
            let input = if rule.spec.source == Source::Original {
                value
            } else {
                m.as_str()
            };
            match v.check(input, region) {
                Some(n) => {
                    validated = n;
                    base = &validated;
                }
                None => return,
            }
        }
        let e = make_entity(rule, value, span.clone(), &get, base);
        if rule.spec.kind == "price" && e.amount.is_none() {
            return;
        }
        Some(e)
    };
    hits.push(Hit {
        rule: ri,
        span,
        folded,
        entity,
    });
}

fn make_entity<'a>(
    rule: &CompiledRule,
    value: &str,
    span: Range<usize>,
    get: &dyn Fn(&str) -> Option<&'a str>,
    base: &str,
) -> Entity {
    let field = |name: &str| {
        rule.spec
            .fields
            .get(name)
            .map(|t| fill(t, get))
            .filter(|s| !s.is_empty())
    };
    let mut normalized = field("normalized").unwrap_or_else(|| base.to_owned());
    let mut amount = None;
    let mut currency = None;
    if rule.spec.kind == "price" {
        currency = field("currency");
        let crypto = matches!(currency.as_deref(), Some("BTC" | "XMR" | "ETH" | "LTC"));
        amount = field("amount").and_then(|a| parse_amount(&a, crypto));
        if let (Some(a), Some(cur)) = (amount, &currency) {
            normalized = format!("{} {cur}", format_amount(a));
        }
    }
    Entity {
        kind: rule.spec.kind.clone(),
        value: value.to_owned(),
        normalized,
        span: [span.start, span.end],
        rule: rule.spec.id.clone(),
        make: field("make"),
        model: field("model"),
        amount,
        currency,
    }
}

fn excluded(rule: &CompiledRule, folded: &str, span: Option<&Range<usize>>) -> bool {
    let Some(span) = span else { return false };
    if rule.excludes.is_empty() {
        return false;
    }
    let ws = floor(folded, span.start.saturating_sub(64));
    let we = ceil(folded, span.end + 64);
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

pub static PROF: [std::sync::atomic::AtomicU64; 128] = [const { std::sync::atomic::AtomicU64::new(0) }; 128];
pub(crate) fn prof(i: usize, t0: std::time::Instant) { PROF[i].fetch_add(t0.elapsed().as_nanos() as u64, std::sync::atomic::Ordering::Relaxed); }
pub fn dump_prof(c: &Compiled) { for (i, p) in PROF.iter().enumerate() { let v = p.load(std::sync::atomic::Ordering::Relaxed); if v > 0 { let name = if i >= 120 { format!("engine{i}") } else if i == 0 { "terms".to_string() } else { c.rules[i-1].spec.id.clone() }; eprintln!("{:8.3}s {}", v as f64 / 1e9, name); } } }
