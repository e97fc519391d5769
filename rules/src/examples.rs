//! Running the examples embedded in rules (`should_match`, `should_not_match`): what
//! `salwatch rules test` prints and what the default pack's unit test asserts.

use serde::Serialize;

use crate::engine::{Document, RuleEngine};
use crate::pack::Example;

/// One failed example, with a diff-like explanation.
#[derive(Debug, Clone, Serialize)]
pub struct ExampleFailure {
    /// Pack id of the rule.
    pub pack: String,
    /// Rule id.
    pub rule: String,
    /// File and line of the rule.
    pub location: String,
    /// The example text.
    pub text: String,
    /// `- expected` / `+ got` lines.
    pub diff: String,
}

/// Counts of a test run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExampleReport {
    /// Examples run.
    pub run: usize,
    /// Failures, in pack and rule order.
    pub failures: Vec<ExampleFailure>,
}

impl RuleEngine {
    /// Runs every example of every rule of the given packs (all loaded packs when `only` is empty).
    /// Rules overridden by a later pack are tested in their final form.
    pub fn test_examples(&self, only: &[String]) -> ExampleReport {
        let mut report = ExampleReport::default();
        let mut seen = std::collections::HashSet::new();
        for pack in self.loaded_packs().iter().rev() {
            if !only.is_empty() && !only.contains(&pack.header.id) {
                continue;
            }
            for rule in &pack.rules {
                if !seen.insert(rule.id.clone()) {
                    continue; // overridden by a later pack
                }
                let location = format!("{}:{}", rule.origin.file, rule.origin.line);
                let fail = |text: &str, diff: String| ExampleFailure {
                    pack: pack.header.id.clone(),
                    rule: rule.id.clone(),
                    location: location.clone(),
                    text: text.to_owned(),
                    diff,
                };
                for ex in &rule.should_match {
                    report.run += 1;
                    if let Some(diff) = self.check_match(&rule.id, ex) {
                        report.failures.push(fail(&ex.text, diff));
                    }
                }
                for text in &rule.should_not_match {
                    report.run += 1;
                    let doc = Document {
                        id: "example",
                        text,
                        default_region: None,
                    };
                    let ex = self.explain(&doc);
                    let got: Vec<String> = ex
                        .hits
                        .iter()
                        .filter(|h| h.rule == rule.id)
                        .map(|h| format!("+ hit {:?} at {:?}", h.text, h.span))
                        .collect();
                    if !got.is_empty() {
                        report.failures.push(fail(
                            text,
                            format!("- no hit of `{}`\n{}", rule.id, got.join("\n")),
                        ));
                    }
                }
            }
        }
        report.failures.reverse();
        report
    }

    fn check_match(&self, rule: &str, ex: &Example) -> Option<String> {
        let doc = Document {
            id: "example",
            text: &ex.text,
            default_region: ex.region.as_deref(),
        };
        let exp = self.explain(&doc);
        let mut diff = Vec::new();
        let mine: Vec<_> = exp.hits.iter().filter(|h| h.rule == rule).collect();
        if mine.is_empty() {
            diff.push(format!("- a hit of `{rule}`"));
            diff.push(format!("+ no hit (normalized text: {:?})", exp.normalized));
        } else {
            let fields_ok = |h: &&crate::engine::HitReport| {
                let e = h.entity.as_ref();
                let eq = |want: &Option<String>, got: Option<&String>| {
                    want.as_ref().is_none_or(|w| Some(w) == got)
                };
                eq(&ex.value, Some(&h.text))
                    && eq(&ex.normalized, e.map(|e| &e.normalized))
                    && eq(&ex.make, e.and_then(|e| e.make.as_ref()))
                    && eq(&ex.model, e.and_then(|e| e.model.as_ref()))
                    && eq(&ex.currency, e.and_then(|e| e.currency.as_ref()))
                    && ex.amount.is_none_or(|a| {
                        e.and_then(|e| e.amount)
                            .is_some_and(|g| (g - a).abs() < 1e-9)
                    })
            };
            if !mine.iter().any(fields_ok) {
                diff.push(format!(
                    "- value={:?} normalized={:?} make={:?} model={:?} amount={:?} currency={:?}",
                    ex.value, ex.normalized, ex.make, ex.model, ex.amount, ex.currency
                ));
                for h in &mine {
                    let e = h.entity.as_ref();
                    diff.push(format!(
                        "+ value={:?} normalized={:?} make={:?} model={:?} amount={:?} currency={:?}",
                        h.text,
                        e.map(|e| &e.normalized),
                        e.and_then(|e| e.make.as_ref()),
                        e.and_then(|e| e.model.as_ref()),
                        e.and_then(|e| e.amount),
                        e.and_then(|e| e.currency.as_ref())
                    ));
                }
            }
        }
        let x = &exp.extraction;
        if let Some(r) = ex.relevant
            && r != x.relevant
        {
            diff.push(format!(
                "- relevant={r}\n+ relevant={} (score {})",
                x.relevant, x.score
            ));
        }
        if let Some(flags) = &ex.flags {
            for f in flags {
                if !x.flags.contains(f) {
                    diff.push(format!("- flag {f}\n+ flags {:?}", x.flags));
                }
            }
        }
        if let Some(cats) = &ex.categories {
            for c in cats {
                if !x.categories.contains(c) {
                    diff.push(format!("- category {c}\n+ categories {:?}", x.categories));
                }
            }
        }
        if ex.eu_category.is_some() && ex.eu_category != x.eu_category {
            diff.push(format!(
                "- eu_category={:?}\n+ eu_category={:?}",
                ex.eu_category, x.eu_category
            ));
        }
        if ex.language.is_some() && ex.language != x.language {
            diff.push(format!(
                "- language={:?}\n+ language={:?}",
                ex.language, x.language
            ));
        }
        (!diff.is_empty()).then(|| diff.join("\n"))
    }
}
