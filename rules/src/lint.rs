//! `salwatch rules lint`: problems a pack can have that still load (load errors are [`crate::Error`]),
//! and the diff of two extractions that `salwatch rules backtest` reports.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::engine::RuleEngine;
use crate::extraction::Extraction;
use crate::normalize::normalize;
use crate::pack::Source;

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    /// `error` (duplicate id in one pack) or `warning`.
    pub severity: &'static str,
    /// Rule id.
    pub rule: String,
    /// `file:line` of the rule.
    pub location: String,
    /// What is wrong.
    pub message: String,
}

impl RuleEngine {
    /// Lints every loaded pack: duplicate ids within a pack, rules without `should_match`
    /// examples, terms claimed by two rules of the same kind (overlapping rules), and patterns
    /// over the folded text that hold letters the normalizer never produces (upper case,
    /// diacritics, Cyrillic): such a pattern, or that branch of it, can never match.
    pub fn lint(&self) -> Vec<LintFinding> {
        let mut out = Vec::new();
        for pack in self.loaded_packs() {
            let mut ids: HashMap<&str, usize> = HashMap::new();
            let mut term_owner: BTreeMap<(String, String), String> = BTreeMap::new();
            for r in &pack.rules {
                let location = format!("{}:{}", r.origin.file, r.origin.line);
                let mut push = |severity, message: String| {
                    out.push(LintFinding {
                        severity,
                        rule: r.id.clone(),
                        location: location.clone(),
                        message,
                    });
                };
                *ids.entry(&r.id).or_default() += 1;
                if ids[r.id.as_str()] == 2 {
                    push(
                        "error",
                        format!("duplicate rule id `{}` in pack {}", r.id, pack.header.id),
                    );
                }
                if r.should_match.is_empty() {
                    push("warning", "rule has no should_match example".to_owned());
                }
                let folded_patterns = r
                    .pattern
                    .iter()
                    .filter(|_| r.source == Source::Folded)
                    .map(|p| ("pattern", p))
                    .chain(r.exclude.iter().map(|p| ("exclude pattern", p)));
                for (what, p) in folded_patterns {
                    let bad = unfoldable_letters(p);
                    if !bad.is_empty() {
                        push(
                            "warning",
                            format!(
                                "{what} `{p}` holds {} that the folded text never contains \
                                 (write them as the normalizer folds them: lower case, Latin, \
                                 no diacritics): that part can never match",
                                bad.iter()
                                    .map(|(c, f)| format!("`{c}` (folds to `{f}`)"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        );
                    }
                }
                for t in &r.terms {
                    if t.starts_with('@') {
                        continue;
                    }
                    let folded = normalize(t.trim_end_matches('*')).text.trim().to_owned();
                    let key = (r.kind.clone(), folded.clone());
                    match term_owner.get(&key) {
                        Some(other) if other != &r.id && r.kind != "cue" => push(
                            "warning",
                            format!(
                                "term `{t}` (folded `{folded}`) also belongs to `{other}` of the same kind"
                            ),
                        ),
                        Some(_) => {}
                        None => {
                            term_owner.insert(key, r.id.clone());
                        }
                    }
                }
            }
        }
        out
    }
}

/// Letters of a regex over the folded text that the normalizer would change, with what they
/// fold to. Escapes (`\\S`, `\\p{Lu}`), group names and case-insensitive patterns are skipped.
pub fn unfoldable_letters(pattern: &str) -> Vec<(char, String)> {
    if pattern.contains("(?i") {
        return Vec::new();
    }
    let mut out: Vec<(char, String)> = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(e) = chars.next()
                    && matches!(e, 'p' | 'P')
                    && chars.peek() == Some(&'{')
                {
                    for x in chars.by_ref() {
                        if x == '}' {
                            break;
                        }
                    }
                }
            }
            '(' if chars.peek() == Some(&'?') => {
                // Group syntax: `(?P<name>`, `(?<name>`, `(?:`, `(?x)` — not text to match.
                chars.next();
                if chars.peek() == Some(&'P') {
                    chars.next();
                }
                if chars.peek() == Some(&'<') {
                    for x in chars.by_ref() {
                        if x == '>' {
                            break;
                        }
                    }
                } else {
                    while chars
                        .next_if(|x| x.is_ascii_alphabetic() || *x == '-')
                        .is_some()
                    {}
                }
            }
            _ if c.is_alphabetic() => {
                let one = c.to_string();
                let folded = normalize(&one).text;
                if folded != one && !out.iter().any(|(o, _)| *o == c) {
                    out.push((c, folded));
                }
            }
            _ => {}
        }
    }
    out
}

/// What changed between two extractions of one document (old pack → new pack), one line per
/// change: relevance, categories, flags, EU category, and entities gained (`+`) or lost (`-`).
pub fn diff_extractions(old: &Extraction, new: &Extraction) -> Vec<String> {
    let mut out = Vec::new();
    if old.relevant != new.relevant {
        out.push(format!(
            "relevant {} -> {} (score {} -> {})",
            old.relevant, new.relevant, old.score, new.score
        ));
    }
    if old.categories != new.categories {
        out.push(format!(
            "categories {:?} -> {:?}",
            old.categories, new.categories
        ));
    }
    if old.flags != new.flags {
        out.push(format!("flags {:?} -> {:?}", old.flags, new.flags));
    }
    if old.eu_category != new.eu_category {
        out.push(format!(
            "eu_category {:?} -> {:?}",
            old.eu_category, new.eu_category
        ));
    }
    let key = |x: &Extraction| -> BTreeSet<(String, String, [usize; 2])> {
        x.entities
            .iter()
            .map(|e| (e.kind.clone(), e.normalized.clone(), e.span))
            .collect()
    };
    let (a, b) = (key(old), key(new));
    for (kind, norm, span) in a.difference(&b) {
        out.push(format!("- {kind} {norm:?} at {span:?}"));
    }
    for (kind, norm, span) in b.difference(&a) {
        out.push(format!("+ {kind} {norm:?} at {span:?}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Document;

    #[test]
    fn default_pack_lints_without_errors() {
        let e = RuleEngine::default_pack().expect("default pack");
        let findings = e.lint();
        let errors: Vec<_> = findings.iter().filter(|f| f.severity == "error").collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert!(
            !findings
                .iter()
                .any(|f| f.message.contains("no should_match")),
            "{findings:?}"
        );
    }

    #[test]
    fn letters_the_folded_text_never_holds_are_found() {
        assert!(unfoldable_letters(r"glock\s?(?P<Model>\d+)\p{Lu}").is_empty());
        assert!(unfoldable_letters("(?i)Glock").is_empty());
        let bad = unfoldable_letters("Glock|pištolj|пиштол");
        let letters: Vec<char> = bad.iter().map(|(c, _)| *c).collect();
        assert_eq!(letters[..2], ['G', 'š']);
        assert!(letters.contains(&'п'));
        assert_eq!(bad[0].1, "g");
    }

    #[test]
    fn lint_warns_on_a_pattern_that_can_never_match() {
        let pack = crate::pack::Pack::from_parts(
            "x",
            &[(
                "x.toml".into(),
                "[pack]\nid = \"x\"\nversion = \"1\"\n[[rule]]\nid = \"w.bad\"\nkind = \"weapon\"\n\
                 terms = [\"glock\"]\npattern = 'Glock \\d+'\nshould_match = [{ text = \"glock 1\" }]\n"
                    .into(),
            )],
        )
        .expect("parses");
        let e = RuleEngine::from_packs(vec![pack]).expect("compiles");
        let f = e.lint();
        assert!(
            f.iter().any(|f| f.rule == "w.bad"
                && f.location == "x.toml:5"
                && f.message.contains("`G` (folds to `g`)")),
            "{f:?}"
        );
    }

    #[test]
    fn diff_names_gained_and_lost() {
        let e = RuleEngine::default_pack().expect("default pack");
        let a = e.extract(&Document {
            id: "a",
            text: "Glock 19",
            default_region: None,
        });
        let b = e.extract(&Document {
            id: "a",
            text: "Prodajem Glock 19, 300 eur",
            default_region: None,
        });
        let d = diff_extractions(&a, &b);
        assert!(
            d.iter().any(|l| l.starts_with("relevant false -> true")),
            "{d:?}"
        );
        assert!(
            d.iter().any(|l| l.starts_with("+ price \"300 EUR\"")),
            "{d:?}"
        );
        assert!(diff_extractions(&b, &b).is_empty());
    }
}
