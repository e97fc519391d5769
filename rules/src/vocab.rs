//! The cross-language vocabulary: folded variants (`pistolj`, `pishtol`, `пиштол`) mapped to one
//! canonical word (`pistol`), so a query and a listing meet whatever language they use.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::normalize::normalize;

/// Variant → canonical map. A variant ending in `*` is a stem: it matches any word starting
/// with it (`pistolet*` matches `pistoleta`, `pistoletë`), longest stem first.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    exact: HashMap<String, String>,
    stems: HashMap<String, String>,
    stem_lens: Vec<usize>,
}

impl Vocabulary {
    /// Adds `variant` (normalized here; trailing `*` = stem) as a form of `canonical`.
    /// Later additions override earlier ones.
    pub fn insert(&mut self, canonical: &str, variant: &str) {
        let (body, stem) = match variant.strip_suffix('*') {
            Some(b) => (b, true),
            None => (variant, false),
        };
        let folded = normalize(body).text.trim().to_owned();
        if folded.is_empty() {
            return;
        }
        if stem {
            if !self.stem_lens.contains(&folded.len()) {
                self.stem_lens.push(folded.len());
                self.stem_lens.sort_unstable_by(|a, b| b.cmp(a));
            }
            self.stems.insert(folded, canonical.to_owned());
        } else {
            self.exact.insert(folded, canonical.to_owned());
        }
    }

    /// The canonical form of one folded word, if known.
    pub fn canonical(&self, word: &str) -> Option<&str> {
        if let Some(c) = self.exact.get(word) {
            return Some(c);
        }
        for &len in &self.stem_lens {
            if len <= word.len()
                && word.is_char_boundary(len)
                && let Some(c) = self.stems.get(&word[..len])
            {
                return Some(c);
            }
        }
        None
    }

    /// Every variant (folded, stems with their `*`) of one canonical word, for rule terms `@name`.
    pub fn variants_of(&self, canonical: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .exact
            .iter()
            .filter(|(_, c)| c.as_str() == canonical)
            .map(|(v, _)| v.clone())
            .chain(
                self.stems
                    .iter()
                    .filter(|(_, c)| c.as_str() == canonical)
                    .map(|(v, _)| format!("{v}*")),
            )
            .collect();
        out.sort();
        out
    }

    /// True when `canonical` has at least one variant.
    pub fn knows(&self, canonical: &str) -> bool {
        self.exact
            .values()
            .chain(self.stems.values())
            .any(|c| c == canonical)
    }

    /// Number of variants.
    pub fn len(&self) -> usize {
        self.exact.len() + self.stems.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

static DEFAULT: LazyLock<Vocabulary> = LazyLock::new(|| match crate::pack::embedded_packs() {
    Ok(packs) => {
        let mut v = Vocabulary::default();
        for p in &packs {
            p.fill_vocabulary(&mut v);
        }
        v
    }
    Err(e) => {
        tracing::error!(
            "embedded rule pack failed to load, tokenizer runs without vocabulary: {e}"
        );
        Vocabulary::default()
    }
});

/// The default pack's vocabulary (built once).
pub fn default_vocabulary() -> &'static Vocabulary {
    &DEFAULT
}
