//! The scan's fast paths against plain references.

use std::sync::OnceLock;

use proptest::prelude::*;
use regex::Regex;

use super::entity::push_caps;
use super::exclude::excluded;
use super::found::Found;
use super::terms::near_window;
use super::text::floor;
use super::whole::{for_each_match, window_end};
use super::*;
use crate::boundary::ascii_boundaries_exact;
use crate::compile::{CompiledRule, max_chars};
use crate::groupread::{GroupReader, MAX_GROUPS};
use crate::pack::embedded_packs;
use crate::spancaps::SpanCaps;

fn compiled() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(|| Compiled::new(&embedded_packs().expect("packs")).expect("compiles"))
}

type Spans = Vec<Vec<Option<(usize, usize)>>>;

/// Every match of the pattern as written, as `captures_iter` yields it: the whole match and
/// each group (only the whole match when the rule does not read groups).
fn reference(rule: &CompiledRule, hay: &str) -> Spans {
    let re = rule.regex.as_ref().expect("pattern");
    re.captures_iter(hay)
        .map(|c| {
            let n = if rule.needs_groups { c.len() } else { 1 };
            (0..n)
                .map(|g| c.get(g).map(|m| (m.start(), m.end())))
                .collect()
        })
        .collect()
}

fn fast(rule: &CompiledRule, hay: &str, ends: Option<(usize, usize)>) -> Spans {
    let n = if rule.needs_groups {
        rule.regex.as_ref().expect("pattern").captures_len()
    } else {
        1
    };
    let mut out = Vec::new();
    for_each_match(rule, hay, ascii_boundaries_exact(hay), ends, |f| {
        out.push(
            (0..n)
                .map(|g| f.get(g).map(|m| (m.start(), m.end())))
                .collect(),
        );
    });
    out
}

/// Every whole-text rule finds what `captures_iter` finds: searched over the whole text, and
/// searched between where its prefilter says its first and last possible matches end. The
/// prefilter is built anew for each text: the engine's own, shared by thousands of test
/// texts, fills its cache and gives up (then it knows no ends, and the bounded search would
/// go untested).
fn check(hay: &str) -> Result<(), TestCaseError> {
    let c = compiled();
    for which in [&c.whole_folded, &c.whole_original] {
        let set = crate::compile::relaxed_set(&c.rules, which).expect("prefilter built");
        let maybe = set.matches(hay);
        for (k, &ri) in which.iter().enumerate() {
            let rule = &c.rules[ri];
            let expected = reference(rule, hay);
            prop_assert_eq!(
                fast(rule, hay, None),
                expected.clone(),
                "rule {}",
                rule.spec.id
            );
            if maybe.matched(k) {
                prop_assert!(
                    maybe.last_end(k).is_some(),
                    "a fresh prefilter knows its ends"
                );
                let ends = maybe
                    .first_end(k)
                    .zip(maybe.last_end(k))
                    .filter(|_| rule.nonempty);
                prop_assert_eq!(
                    fast(rule, hay, ends),
                    expected,
                    "rule {} searched within {:?}",
                    rule.spec.id,
                    ends
                );
            }
        }
    }
    Ok(())
}

proptest! {
    /// The word tests at every character boundary answer as `char::is_alphanumeric` of the
    /// character before / at the position.
    #[test]
    fn word_tests_as_chars(t in "[a-z0-9 .,€é\u{301}ёђЀ-ӿ·–🔫ß\u{a0}²½٣]{0,24}") {
        for pos in (0..=t.len()).filter(|&i| t.is_char_boundary(i)) {
            prop_assert_eq!(
                word_before(&t, pos),
                t[..pos].chars().next_back().is_some_and(char::is_alphanumeric)
            );
            prop_assert_eq!(
                word_at(&t, pos),
                t[pos..].chars().next().is_some_and(char::is_alphanumeric)
            );
        }
    }
}

proptest! {
    /// `Seen` answers as a set does, across the switch from its list to its hash set.
    #[test]
    fn seen_is_a_set(keys in proptest::collection::vec((0usize..4, 0usize..30, 0usize..3), 0..200)) {
        let mut seen = Seen::new();
        let mut reference = std::collections::HashSet::new();
        for k in keys {
            prop_assert_eq!(seen.insert(k), reference.insert(k));
        }
    }
}

/// `near_hit` as first written: every match of the rule's real pattern (Unicode boundaries,
/// with its groups) from the window's start, until one starts at or after the hit's end.
fn near_hit_reference(
    ri: usize,
    rule: &CompiledRule,
    original: &str,
    norm: &Normalized,
    hit: Range<usize>,
    seen: &mut Seen,
    hits: &mut Vec<Hit>,
) {
    let text = norm.text.as_str();
    let (ws, we) = near_window(text, rule, &hit);
    let hay = &text[..we];
    let re = rule.regex.as_ref().expect("pattern");
    let mut pos = ws;
    while pos <= we {
        let Some(caps) = re.captures_at(hay, pos) else {
            break;
        };
        let m = caps.get(0).expect("group 0");
        if m.start() >= hit.end {
            break;
        }
        let found = Found::Groups(caps);
        if m.end() > hit.start {
            push_caps(ri, rule, &found, original, Some(norm), None, seen, hits);
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

/// Every term hit of a rule with a pattern in `text` (without the word tests of `scan`,
/// which only make fewer), each run through `near_hit` and through the reference: the same
/// hits with the same entities.
fn check_near(text: &str) -> Result<(), TestCaseError> {
    let norm = crate::normalize::normalize(text);
    let folded = norm.text.as_str();
    each_patterned_term_hit(folded, |ri, rule, range| {
        let key = |h: &Hit| (h.rule, h.span.clone(), h.folded.clone(), h.entity.clone());
        let (mut seen, mut hits) = (Seen::new(), Vec::new());
        near_hit(
            ri,
            rule,
            text,
            &norm,
            range.clone(),
            None,
            &mut seen,
            &mut hits,
            None,
        );
        let (mut seen_r, mut hits_r) = (Seen::new(), Vec::new());
        near_hit_reference(
            ri,
            rule,
            text,
            &norm,
            range.clone(),
            &mut seen_r,
            &mut hits_r,
        );
        prop_assert_eq!(
            hits.iter().map(key).collect::<Vec<_>>(),
            hits_r.iter().map(key).collect::<Vec<_>>(),
            "rule {} at {:?} in {:?}",
            &rule.spec.id,
            range,
            folded
        );
        Ok(())
    })
}

/// Calls `f` with every term hit, in the order of the overlapping term pass (without the
/// word tests of `scan`, which only make fewer), of a rule that has a pattern.
fn each_patterned_term_hit(
    folded: &str,
    mut f: impl FnMut(usize, &CompiledRule, Range<usize>) -> Result<(), TestCaseError>,
) -> Result<(), TestCaseError> {
    let c = compiled();
    let ac = aho_corasick::AhoCorasick::new(&c.term_strings).expect("builds");
    for m in ac.find_overlapping_iter(folded) {
        for tr in &c.terms[m.pattern().as_usize()] {
            let rule = &c.rules[tr.rule];
            if rule.regex.is_some() {
                f(tr.rule, rule, m.range())?;
            }
        }
    }
    Ok(())
}

/// Every term hit of a rule with a pattern in `text`, in the order of the term pass, run
/// through `near_hit` with one `Seen` for all, with and without the memo of matches already
/// pushed: the same hits.
fn check_memo(text: &str) -> Result<(), TestCaseError> {
    let norm = crate::normalize::normalize(text);
    let folded = norm.text.as_str();
    let (mut seen, mut hits, mut memo) = (Seen::new(), Vec::new(), NearMemo::new());
    let (mut seen_r, mut hits_r) = (Seen::new(), Vec::new());
    each_patterned_term_hit(folded, |ri, rule, range| {
        near_hit(
            ri,
            rule,
            text,
            &norm,
            range.clone(),
            None,
            &mut seen,
            &mut hits,
            Some(&mut memo),
        );
        near_hit(
            ri,
            rule,
            text,
            &norm,
            range,
            None,
            &mut seen_r,
            &mut hits_r,
            None,
        );
        Ok(())
    })?;
    let key = |h: &Hit| (h.rule, h.span.clone(), h.folded.clone(), h.entity.clone());
    prop_assert_eq!(
        hits.iter().map(key).collect::<Vec<_>>(),
        hits_r.iter().map(key).collect::<Vec<_>>(),
        "in {:?}",
        folded
    );
    Ok(())
}

#[test]
fn near_hits_on_examples() {
    for text in [
        "Prodajem Glock 19 gen5 i Zastava M70 AB2, cz 99, tt-33, ak 47 bomba m75",
        "пиштол Глок 17 ш zastava m57 m88 ekol firat blow f92 beretta 92fs",
        "bomba bomba m 52 granata m-75 automatik ak jurisna puska pistolj za silikon",
    ] {
        check_near(text).expect("same near hits");
        check_memo(text).expect("same near hits with the memo");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    /// The patterns near term hits find what the plain search loop finds, on ad-like text
    /// dense in the terms of pattern rules (several hits of one rule in one window, models
    /// beside and away from their make, Cyrillic and accented words around them).
    #[test]
    fn near_hits_as_plain_loop(
        text in "(?:glock|glok|gl0ck|Глок|zastava|m70|m 70|m-84|m57|m88|m|cz|cz 99|99|75|ak|ak47|ak-74|47|74|tt|tt33|tokarev|tetejac|zoraki|ekol|retay|blow|f 92|beretta|92fs|walther|ppk|p 99|skorpion|vz61|hk|mp5|usp|bomba|bombe|granata|m75|m52|rucna|kasikara|automatik|jurisna puska|assault rifle|pistol|pistolj|silikon|za|cena|[0-9]{1,3}|[a-z]{1,4}|[ \\-/.,]|\n|ш|пиштол|é|€){0,30}",
    ) {
        check_near(&text)?;
        check_memo(&text)?;
    }
}

/// The hits of `text` after `drop_excluded` and after every hit's exclusion check.
fn check_excluded(text: &str) -> Result<(), TestCaseError> {
    let c = compiled();
    let norm = crate::normalize::normalize(text);
    let (hits, excludable) = find_hits(c, text, &norm, None);
    let mut fast = hits.clone();
    drop_excluded(c, &norm.text, &mut fast, &excludable);
    let mut plain = hits;
    plain.retain(|h| !excluded(&c.rules[h.rule], &norm.text, h.folded.as_ref()));
    let key = |h: &Hit| (h.rule, h.span.clone());
    prop_assert_eq!(
        fast.iter().map(key).collect::<Vec<_>>(),
        plain.iter().map(key).collect::<Vec<_>>(),
        "in {:?}",
        &norm.text
    );
    Ok(())
}

#[test]
fn exclusions_on_examples() {
    for text in [
        "Prodajem pištolj za silikon, nov, 800 din",
        "glue pistol, airsoft municija, bomba cena 5e, okvir za sliku, vazdusna puska",
        "pistol pistol pistol pistol pistol pistol pistol pistol pistol pistol za silikon",
    ] {
        check_excluded(text).expect("same exclusions");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    /// The exclusions skipped for want of an exclude literal near a hit are those that
    /// would not have matched: the same hits survive, on text dense in the excluded
    /// rules' terms and in their exclude patterns' words, near and far from each other.
    #[test]
    fn exclusions_as_every_check(
        text in "(?:pistol|pistolj|pištolj|pishtol|Пиштол|silikon|silicon|glue|hot air|za|na|me|vodeni|water|uji|boja|bomba|bombe|granata|cena|cijena|ponuda|jabuka|okvir|okviri|slika|sliku|foto|magazine|subscription|puska|rifle|vazdusna|air|pcp|co2|luft|municija|ammo|metak|airsoft|bb|gel|paintball|[0-9]{1,3}|[a-z]{1,6}|[ .,\n]|ш|é){0,40}",
    ) {
        check_excluded(&text)?;
    }
}

/// Every occurrence `for_each_term` reports, against the library's overlapping search
/// over the same patterns.
fn check_terms(text: &str) -> Result<(), TestCaseError> {
    let c = compiled();
    let ac = aho_corasick::AhoCorasick::new(&c.term_strings).expect("builds");
    let reference: Vec<(usize, usize, usize)> = ac
        .find_overlapping_iter(text)
        .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
        .collect();
    let mut got = Vec::new();
    for_each_term(
        c.automaton.as_ref().expect("terms"),
        text.as_bytes(),
        |p, s, e| got.push((p, s, e)),
    );
    prop_assert_eq!(got, reference, "in {:?}", text);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    /// The hand walk of the term automaton finds the occurrences the library's overlapping
    /// iterator finds, in the same order, on text made of terms and exclude literals (many
    /// overlapping: `pistol`/`pistolj`, a term inside another) glued by a few characters.
    #[test]
    fn term_walk_as_overlapping_iter(
        parts in proptest::collection::vec((0usize..100_000, "[a-z .,0-9\\-]{0,3}|ш|é|€"), 0..24),
    ) {
        let terms = &compiled().term_strings;
        let text: String = parts
            .iter()
            .map(|(i, glue)| format!("{}{glue}", terms[i % terms.len()]))
            .collect();
        check_terms(&text)?;
    }
}

#[test]
fn required_literals_of_patterns() {
    let lits = |p: &str, terms: &[&str]| {
        let terms: Vec<String> = terms.iter().map(|t| (*t).to_owned()).collect();
        let hir = regex_syntax::Parser::new().parse(p).expect("parses");
        crate::compile::required_literals(&hir, &terms).map(|set| {
            set.into_iter()
                .map(|l| String::from_utf8(l).expect("utf-8"))
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(lits("ab|cd", &[]), Some(vec!["ab".into(), "cd".into()]));
    assert_eq!(lits("a*", &[]), None);
    assert_eq!(lits("(?:ab)?c+", &[]), Some(vec!["c".into()]));
    assert_eq!(lits(r"\b[a-z]+\b", &[]), None);
    // The term's own literal is passed over for the other part.
    assert_eq!(
        lits(r"(?:pistol|pishtol)[a-z]*\s+(?:glue|uji)", &["pistol"]),
        Some(vec!["glue".into(), "uji".into()])
    );
    assert_eq!(
        lits(r"(?:pistol|pishtol)[a-z]*\s+(?:glue|uji)", &[]),
        Some(vec!["pistol".into(), "pishtol".into()])
    );
}

#[test]
fn max_chars_counts_characters() {
    let m = |p: &str| max_chars(&regex_syntax::Parser::new().parse(p).expect("parses"));
    assert_eq!(m(r"\b\d{2,3}\s?eur\b"), Some(7));
    assert_eq!(m(r"€|ab"), Some(2));
    assert_eq!(m(r"(?:\+\s?)?\b\d[\d \t\-./()]{6,20}\d\b"), Some(24));
    assert_eq!(m(r"a+"), None);
    // Text-end assertions hold at a window's end: no window for them.
    assert_eq!(m(r"\d{3}$"), None);
    assert_eq!(m(r"(?m)\d{3}$"), None);
    assert_eq!(m(r"\d{3}\z"), None);
    assert_eq!(m(r"^\d{3}"), Some(3));
}

#[test]
fn whole_text_matches_near_cyrillic() {
    for hay in [
        "Објавено: 24.11.2026 · Куманово\nCena: 280€ тел 070 123 456",
        "тел:070123456ш 071-222-333 +389 70 123 456 Цена 3.500 ден",
        "ш1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa 9x19 кал.12 .22lr",
    ] {
        check(hay).expect("same matches");
    }
}

/// The prefilter sets answer as a `RegexSet` of the same boundary-free patterns (which they
/// replaced), or report every pattern when their lazy DFA gave up; and they report every
/// rule whose real pattern matches `hay`.
fn check_prefilter(hay: &str) -> Result<(), TestCaseError> {
    let c = compiled();
    for (which, set) in [
        (&c.whole_folded, c.folded_set.as_ref()),
        (&c.whole_original, c.original_set.as_ref()),
    ] {
        let set = set.expect("prefilter built");
        let got = set.matches(hay);
        let relaxed: Vec<String> = which
            .iter()
            .map(|&ri| {
                crate::boundary::without_boundaries(
                    c.rules[ri].spec.pattern.as_deref().expect("pattern"),
                )
            })
            .collect();
        let reference = regex::RegexSet::new(&relaxed).expect("set").matches(hay);
        // The lazy DFA may give up on a cache that many diverse texts have filled (as the
        // thousands of texts of these tests do): it then reports every pattern.
        let gave_up = (0..which.len()).all(|k| got.matched(k));
        for (k, &ri) in which.iter().enumerate() {
            let rule = &c.rules[ri];
            if !gave_up {
                prop_assert_eq!(
                    got.matched(k),
                    reference.matched(k),
                    "rule {}",
                    rule.spec.id
                );
            }
            if rule.regex.as_ref().expect("pattern").is_match(hay) {
                prop_assert!(
                    got.matched(k),
                    "rule {} matches but not reported",
                    rule.spec.id
                );
            }
        }
    }
    Ok(())
}

#[test]
fn prefilter_reports_matching_rules() {
    for hay in [
        "",
        "Cena: 280€ тел 070 123 456",
        "9mm para, 7.62x39 cal.12 .22lr 350 eur",
        "btc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa https://t.me/prodavac_1 mail@example.com",
        "0x52908400098527886E0F7030069857D2E4169EE7 signal: ab_cd.1234 wickr: x_y",
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\nabc\n-----END PGP PUBLIC KEY BLOCK-----",
    ] {
        check_prefilter(hay).expect("prefilter is a superset");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    /// The prefilters on ad-like text, with identifiers (base58 and hex runs, links, e-mail
    /// addresses, handles) beside prices and calibres.
    #[test]
    fn prefilter_reports_what_patterns_match(
        hay in "(?:[0-9]{1,4}|[ .,:/()+\\-]|\n|€|·|eur|den|lek|din|usd|\\$|btc|xmr|monero|mm|x|9x19|7[.,]62|\\.22|lr|acp|kal\\.?|ga|тел|Цена|ш|@[a-z_]{1,8}|[a-zA-Z]{1,4}|[1-9A-HJ-NP-Za-km-z]{4,12}|0x[0-9a-f]{4,8}|[0-9a-f]{4,16}|https?://|t\\.me/|wa\\.me/|\\.onion|signal|wickr|threema|pgp|fpr|é){0,60}",
    ) {
        check_prefilter(&hay)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    /// The whole-text rules find the same matches and groups as `captures_iter` of their
    /// patterns, on ad-like text that mixes digits, separators, currency words and Cyrillic
    /// (so that both the ASCII-exact path and the per-candidate windows run).
    #[test]
    fn whole_text_matches_as_captures_iter(
        hay in "(?:[0-9]{1,4}|[ .,:/()+\\-]|\\n|€|·|eur|euro|den|lek|din|usd|\\$|btc|xmr|mm|x|9x19|7[.,]62|\\.22|lr|acp|kal\\.?|ga|тел|Цена|ш|Куманово|@[a-z_]{1,6}|[a-zA-Z]{1,4}|0x[0-9a-f]{3}|1[1-9A-Za-z]{3}|T[a-z]{2}|é|[٣０\u{a0}₿]|threema id: |wickr: |signal: ){0,40}",
    ) {
        check(&hay)?;
    }
}

proptest! {
    /// The window's end, found at once over ASCII, is the end of character `n` after `at`
    /// counted one by one.
    #[test]
    fn window_end_counts_characters(t in "[a-z0-9 ш€é🔫]{0,30}", at in 0usize..40, n in 0usize..12) {
        let at = floor(&t, at);
        let counted = t[at..]
            .char_indices()
            .nth(n + 1)
            .map_or(t.len(), |(i, _)| at + i);
        prop_assert_eq!(window_end(&t, at, n), counted);
    }
}

/// The rules whose group is read off the match (`spancaps`): every price rule with one
/// amount group and the Telegram handle; not the rules whose prefix can consume the group's
/// characters (`threema` before `[A-Z0-9*]{8}`), nor `price.usd` (two groups).
#[test]
fn span_caps_apply_where_the_shape_allows() {
    let c = compiled();
    let with: Vec<&str> = c
        .rules
        .iter()
        .filter(|r| r.span_caps.is_some())
        .map(|r| r.spec.id.as_str())
        .collect();
    for id in [
        "price.eur",
        "price.eur_prefix",
        "price.mkd",
        "price.rsd",
        "price.all",
        "price.btc",
        "price.xmr",
        "id.telegram.handle",
    ] {
        assert!(with.contains(&id), "{id} in {with:?}");
    }
    for id in [
        "price.usd",
        "id.threema",
        "id.wickr",
        "id.signal",
        "id.pgp_fingerprint.labelled",
    ] {
        assert!(!with.contains(&id), "{id} in {with:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]
    /// Every rule whose group is read off the match reads the group `captures_iter` gives,
    /// on text with prices, handles, Unicode digits (`٣`, `０`) and spaces (no-break), and
    /// so do shapes written for the test: the group at the start, with a prefix, nested
    /// groups inside it, alternatives and optional parts.
    #[test]
    fn span_caps_read_the_group_as_captures(
        hay in "(?:[0-9]{1,4}|[ .,:/()+\\-]|\\n|€|eur|euro|den|lek|btc|₿|xmr|[٣０\u{a0}]|@[a-z_]{1,6}|[a-zA-Z]{1,4}|é|ш|x){0,40}",
    ) {
        let c = compiled();
        let extra: Vec<(String, SpanCaps)> = [
            r"\b(?P<n>\d+(?:[.,]\d{1,2})?)\s?(?:eur|€)",
            r"(?:€|lek)\s?(?P<n>\d(?:\d| \d)*)\b",
            r"-?(?P<n>[a-z]+(?:@[a-z]+)?)\d",
            r"[^\w@](?P<h>@[a-z]{2,}|@_)\b",
            // The example of docs/RULES.md, "What a rule costs".
            r"\b(?P<amount>\d[\d.,]*\d|\d)\s?(?:€|eur)",
        ]
        .into_iter()
        .map(|p| (p.to_owned(), SpanCaps::new(p).expect("the shape")))
        .collect();
        let mut cases: Vec<(&Regex, &SpanCaps)> = c
            .rules
            .iter()
            .filter_map(|r| Some((r.regex.as_ref()?, r.span_caps.as_ref()?)))
            .collect();
        let built: Vec<Regex> = extra.iter().map(|(p, _)| Regex::new(p).expect("regex")).collect();
        cases.extend(built.iter().zip(&extra).map(|(re, (_, sc))| (re, sc)));
        for (re, sc) in cases {
            for caps in re.captures_iter(&hay) {
                let m = caps.get(0).expect("match");
                let g = caps.get(1).map(|g| (g.start(), g.end()));
                prop_assert_eq!(sc.group(&hay, m.start(), m.end()), g, "pattern {}", re.as_str());
            }
        }
    }
}

/// Shapes the reader must refuse: the group's characters can also be consumed before or
/// after it, the group can be empty, it is repeated or inside an alternative, or there are two.
#[test]
fn span_caps_refuse_other_shapes() {
    for p in [
        r"\d(?P<n>\d+)",
        r"(?P<n>\d+)x?\d",
        r"(?P<n>\d*)eur",
        r"(?:(?P<n>\d)x)+",
        r"(?P<n>\d)eur|x",
        r"(?P<a>\d+)eur(?P<b>\d)",
        r"(?i:threema)\s?(?P<id>[A-Z0-9*]{8})\b",
        r"eur",
        // The counter-example of docs/RULES.md.
        r"(?P<n>\d+)\s?\d*x",
    ] {
        assert!(SpanCaps::new(p).is_none(), "{p}");
    }
}

/// The near rules whose groups are read off the match (`groupread`): a make given as literals,
/// separators, then a model running to the match's end, inside an optional part or not.
#[test]
fn group_reader_applies_where_the_shape_allows() {
    let c = compiled();
    let with: Vec<&str> = c
        .rules
        .iter()
        .filter(|r| r.group_reader.is_some())
        .map(|r| r.spec.id.as_str())
        .collect();
    for id in [
        "weapon.glock",
        "weapon.kalashnikov.ak",
        "weapon.cz",
        "weapon.beretta",
        "weapon.skorpion",
        "weapon.converted.alarm",
        "weapon.converted.blow",
        "weapon.walther",
        "weapon.zastava.rifle",
        "weapon.zastava.pistol",
    ] {
        assert!(with.contains(&id), "{id} in {with:?}");
    }
}

/// Patterns written for the tests of [`GroupReader`]: a group of literals at the start, groups
/// at the end, optional parts (with and without separators before the group), two groups.
const READER_SHAPES: [&str; 11] = [
    r"(?:xa\s?(?:ab\s?)?)?(?P<n>(?:b\s?\d|c-?\d))\b",
    r"(?:y\s?)?-?(?P<n>x\d?|\d)",
    r"(?P<a>ab|b|cd)\s?-?\s?(?P<b>\d+[a-z]?)\b",
    r"x[a-z]{0,2}(?:\s?(?P<n>\d{1,3}))?",
    r"(?:xy|z)(?:(?P<n>\d\s?\d?))?\b",
    r"ab?c(?:\s?-?\s?(?P<n>\d|[pq]\s?\d))?\b",
    r"(?:yx\s?)?x\s?(?P<n>\d+)",
    r"(?P<a>x|y)(?:-(?P<b>\d))?\b",
    r"xx?(?P<a>[0-9])\d*",
    // A gap before an optional part that, like all after it, may take no part (`a` alone).
    r"(?P<n>a)-*(?:b)?",
    // The example docs/RULES.md gives of a pattern that qualifies.
    r"glock\s?-?\s?(?P<model>\d{2,3})\b",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]
    /// Every near rule whose groups are read off the match, and the shapes above, read the
    /// groups `captures_at` gives, for the match `find_at` gives from every position, with both
    /// of the rule's regexes (Unicode and ASCII word boundaries), on text with the rules'
    /// makes and models, separators, Unicode digits and spaces.
    #[test]
    fn group_reader_reads_groups_as_captures(
        hay in "(?:glock|glok|glockk|zastava|arms|zastava arms |m70|heckler und koch |usp|hk|mp5|zoraki|ekol|bruni|beretta|bereta|apx|px4|cz|ak|blow|walther|valter|skorpion|scorpion|vz\\.|evo|mini|magnum|firat|[mpfqtrxyzabcd]|[0-9]{1,4}|[ \\-\\n.]|[٣０\u{a0}\u{2003}]|é|ш){0,24}",
    ) {
        let c = compiled();
        let mut cases: Vec<(&Regex, &GroupReader)> = Vec::new();
        for r in &c.rules {
            if let Some(gr) = &r.group_reader {
                cases.extend(r.regex.iter().chain(&r.ascii).map(|re| (re, gr)));
            }
        }
        let extra: Vec<(Regex, GroupReader)> = READER_SHAPES
            .iter()
            .map(|p| (Regex::new(p).expect("regex"), GroupReader::new(p).expect("the shape")))
            .collect();
        cases.extend(extra.iter().map(|(re, gr)| (re, gr)));
        for (re, gr) in cases {
            for (pos, _) in hay.char_indices() {
                let Some(caps) = re.captures_at(&hay, pos) else { break };
                let m = re.find_at(&hay, pos).expect("the same match");
                prop_assert_eq!((m.start(), m.end()), (caps.get(0).unwrap().start(), caps.get(0).unwrap().end()));
                let mut want = [None; MAX_GROUPS];
                for (g, slot) in want.iter_mut().enumerate().take(caps.len() - 1) {
                    *slot = caps.get(g + 1).map(|p| (p.start(), p.end()));
                }
                prop_assert_eq!(gr.read(&hay, m.start(), m.end()), Some(want), "pattern {}", re.as_str());
            }
        }
    }
}

/// Shapes the group reader must refuse: a gap that can consume the group's first character, a
/// group not at the end that is not a set of literals, an optional group, one inside an
/// alternative or a repetition, nested groups, and literals one of which prefixes another.
#[test]
fn group_reader_refuses_other_shapes() {
    for p in [
        r"(?:zastava\s?(?:arms\s?)?)?(?P<model>(?:a|m)\s?\d+)\b",
        r"x\s?(?P<n>\d+)y",
        r"(?P<n>\d)?x",
        r"(?:x(?P<n>\d)|y)",
        r"(?:x(?P<n>\d))+",
        r"(?P<a>x(?P<b>\d))",
        r"(?P<a>ab|abc)\d",
        r"a\s?(?P<n>\d*)",
        r"(?:ab)?(?P<n>a\d)",
        r"eur",
    ] {
        assert!(GroupReader::new(p).is_none(), "{p}");
    }
}
