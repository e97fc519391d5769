//! Backtesting a changed pack: the same documents run through the baseline packs and through
//! the baseline with the changed pack swapped in, and what changed for each document.

use serde::Serialize;

use crate::engine::{Document, Error, RuleEngine};
use crate::lint::diff_extractions;
use crate::pack::Pack;

/// The two engines of a backtest: before and after the change.
#[derive(Debug)]
pub struct Backtest {
    baseline: RuleEngine,
    candidate: RuleEngine,
    replaced: bool,
}

/// What changed for one document.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentChange {
    /// The document (listing) id.
    pub id: String,
    /// Relevance before the change.
    pub relevant_before: bool,
    /// Relevance after the change.
    pub relevant_after: bool,
    /// Score before the change.
    pub score_before: f32,
    /// Score after the change.
    pub score_after: f32,
    /// Entities the change adds.
    pub gained: usize,
    /// Entities the change removes.
    pub lost: usize,
    /// One line per change (see [`diff_extractions`]).
    pub changes: Vec<String>,
}

/// Totals of a backtest run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BacktestSummary {
    /// Documents compared.
    pub documents: usize,
    /// Documents whose extraction changed.
    pub changed: usize,
    /// Documents that became relevant.
    pub became_relevant: usize,
    /// Documents that stopped being relevant.
    pub became_irrelevant: usize,
    /// Entities gained over all documents.
    pub entities_gained: usize,
    /// Entities lost over all documents.
    pub entities_lost: usize,
}

impl BacktestSummary {
    /// Counts one document's change (`None`: the document did not change).
    pub fn add(&mut self, change: Option<&DocumentChange>) {
        self.documents += 1;
        let Some(c) = change else { return };
        self.changed += 1;
        self.became_relevant += usize::from(!c.relevant_before && c.relevant_after);
        self.became_irrelevant += usize::from(c.relevant_before && !c.relevant_after);
        self.entities_gained += c.gained;
        self.entities_lost += c.lost;
    }
}

impl Backtest {
    /// `baseline` packs as they are live; `changed` replaces the baseline pack with the same id
    /// (an edited pack), or is loaded after them (a new pack).
    pub fn new(baseline: Vec<Pack>, changed: Pack) -> Result<Self, Error> {
        let mut candidate = baseline.clone();
        let replaced = match candidate
            .iter_mut()
            .find(|p| p.header.id == changed.header.id)
        {
            Some(slot) => {
                *slot = changed;
                true
            }
            None => {
                candidate.push(changed);
                false
            }
        };
        Ok(Self {
            baseline: RuleEngine::from_packs(baseline)?,
            candidate: RuleEngine::from_packs(candidate)?,
            replaced,
        })
    }

    /// True when the changed pack replaced a baseline pack of the same id.
    pub fn replaced(&self) -> bool {
        self.replaced
    }

    /// The engine before the change.
    pub fn baseline(&self) -> &RuleEngine {
        &self.baseline
    }

    /// The engine after the change.
    pub fn candidate(&self) -> &RuleEngine {
        &self.candidate
    }

    /// Runs both engines over `doc`; `None` when nothing a user sees changed.
    pub fn compare(&self, doc: &Document<'_>) -> Option<DocumentChange> {
        let old = self.baseline.extract(doc);
        let new = self.candidate.extract(doc);
        let changes = diff_extractions(&old, &new);
        if changes.is_empty() {
            return None;
        }
        let count = |sign: &str| changes.iter().filter(|l| l.starts_with(sign)).count();
        Some(DocumentChange {
            id: doc.id.to_owned(),
            relevant_before: old.relevant,
            relevant_after: new.relevant,
            score_before: old.score,
            score_after: new.score,
            gained: count("+ "),
            lost: count("- "),
            changes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::embedded_packs;

    const EXTRA: &str = r#"
[pack]
id = "extra"
version = "1"

[[rule]]
id = "weapon.extra.crvena"
kind = "weapon"
terms = ["crvena zastava"]
fields = { make = "Zastava", normalized = "Zastava" }
should_match = [{ text = "crvena zastava" }]
"#;

    #[test]
    fn new_pack_is_appended_and_gains_are_counted() {
        let extra = Pack::from_parts("extra", &[("extra.toml".into(), EXTRA.into())])
            .expect("extra pack parses");
        let bt = Backtest::new(embedded_packs().expect("core"), extra).expect("compiles");
        assert!(!bt.replaced());
        let doc = Document {
            id: "d1",
            text: "Prodajem crvena zastava, cena 300 eur",
            default_region: None,
        };
        let change = bt.compare(&doc).expect("the new rule changes the document");
        assert_eq!(change.gained, 1, "{change:?}");
        assert!(
            !change.relevant_before && change.relevant_after,
            "{change:?}"
        );
        let mut sum = BacktestSummary::default();
        sum.add(Some(&change));
        sum.add(None);
        assert_eq!((sum.documents, sum.changed, sum.became_relevant), (2, 1, 1));
        let same = Document {
            id: "d2",
            text: "Prodajem Glock 19",
            default_region: None,
        };
        assert!(bt.compare(&same).is_none());
    }

    #[test]
    fn same_id_replaces_the_baseline_pack() {
        let core = embedded_packs().expect("core");
        let mut edited = core[0].clone();
        edited.rules.retain(|r| r.id != "weapon.glock");
        let bt = Backtest::new(core, edited).expect("compiles");
        assert!(bt.replaced());
        let change = bt
            .compare(&Document {
                id: "d",
                text: "Glock 19",
                default_region: None,
            })
            .expect("losing the Glock rule changes the document");
        assert!(change.lost >= 1, "{change:?}");
    }
}
