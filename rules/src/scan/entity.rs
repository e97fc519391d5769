//! A match turned into a hit: validated, its entity made from the rule's field templates.

use std::borrow::Cow;
use std::ops::Range;

use super::Hit;
use super::found::Found;
use super::seen::Seen;
use crate::compile::CompiledRule;
use crate::extraction::Entity;
use crate::ident::Region;
use crate::normalize::Normalized;
use crate::pack::Source;
use crate::price::{format_price, parse_price};
use crate::template::{Derived, Template, join};

#[allow(clippy::too_many_arguments)]
pub(super) fn push_caps(
    ri: usize,
    rule: &CompiledRule,
    caps: &Found<'_>,
    original: &str,
    norm: Option<&Normalized>,
    region: Option<Region>,
    seen: &mut Seen,
    hits: &mut Vec<Hit>,
) {
    // A group that took no part in the match gives the whole match, as it always did.
    let m = match rule.group {
        Some(g) => caps.get(g).or_else(|| caps.whole()),
        None => caps.whole(),
    };
    let Some(m) = m else { return };
    if !seen.insert((ri, m.start(), m.end())) {
        return;
    }
    let (span, folded) = match (rule.spec.source, norm) {
        (Source::Folded, Some(n)) => (n.original_range(m.range()), Some(m.range())),
        _ => (m.range(), None),
    };
    let value = &original[span.clone()];
    let get = |n: &str, group: Option<usize>| {
        if n == "0" {
            Some(m.as_str())
        } else {
            group.and_then(|g| caps.get(g)).map(|g| g.as_str())
        }
    };
    if rule.is_cue() {
        hits.push(Hit {
            rule: ri,
            span,
            folded,
            entity: None,
        });
        return;
    }
    let mut base = Cow::Borrowed(m.as_str());
    if let Some(v) = rule.validator {
        let input = if rule.spec.source == Source::Original {
            value
        } else {
            m.as_str()
        };
        match v.check(input, region) {
            Some(n) => base = Cow::Owned(n),
            None => return,
        }
    }
    // The entity is made straight into the hit being pushed (an entity is a few hundred bytes:
    // each move through a local is a copy), and a price without an amount taken back out.
    hits.push(Hit {
        rule: ri,
        span: span.clone(),
        folded,
        entity: Some(make_entity(rule, value, span, &get, base)),
    });
    if rule.price
        && hits
            .last()
            .and_then(|h| h.entity.as_ref())
            .is_some_and(|e| e.amount.is_none())
    {
        hits.pop();
    }
}

pub(super) fn make_entity<'a>(
    rule: &CompiledRule,
    value: &str,
    span: Range<usize>,
    get: &dyn Fn(&str, Option<usize>) -> Option<&'a str>,
    base: Cow<'_, str>,
) -> Entity {
    let field = |t: &Option<Template>| t.as_ref().map(|t| t.fill(get)).filter(|s| !s.is_empty());
    let f = &rule.fields;
    let mut amount = None;
    let mut currency = None;
    // A price with an amount and a currency is normalized to both; only other entities fill
    // the `normalized` template (filling it and dropping it cost a string).
    let mut price = None;
    if rule.price {
        currency = field(&f.currency);
        let crypto = matches!(currency.as_deref(), Some("BTC" | "XMR" | "ETH" | "LTC"));
        // The amount is parsed, not kept: read in place where the template allows.
        amount = f
            .amount
            .as_ref()
            .map(|t| t.fill_str(get))
            .filter(|a| !a.is_empty())
            .and_then(|a| parse_price(&a, crypto));
        if let (Some(a), Some(cur)) = (&amount, &currency) {
            price = Some(format_price(a, cur));
        }
    }
    let make = field(&f.make);
    let model = field(&f.model);
    let normalized = price.or_else(|| match f.normalized_from {
        Derived::Own => field(&f.normalized),
        Derived::Make => make.clone(),
        Derived::Model => model.clone(),
        Derived::MakeModel => join(make.as_deref(), model.as_deref()),
    });
    Entity {
        kind: rule.spec.kind.clone(),
        value: value.to_owned(),
        normalized: normalized.unwrap_or_else(|| base.into_owned()),
        span: [span.start, span.end],
        rule: rule.spec.id.clone(),
        make,
        model,
        amount: amount.map(|a| a.value),
        currency,
    }
}
