//! The rule pack format (TOML) and loading: embedded `salw-core`, single files, directories.
//!
//! A pack is one TOML file, or a directory of them (read in name order) of which exactly one
//! holds the `[pack]` header. See `packs/salw-core/pack.toml` for the documented format.

use std::collections::BTreeMap;
use std::path::Path;

use include_dir::{Dir, include_dir};
use serde::Deserialize;

use crate::error::Error;
use crate::vocab::Vocabulary;

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/packs");

/// The `[pack]` header.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackHeader {
    /// Pack id, e.g. `salw-core`.
    pub id: String,
    /// Pack version, e.g. `2026.11.0`.
    pub version: String,
    /// Languages the pack covers (ISO 639-1).
    #[serde(default)]
    pub languages: Vec<String>,
    /// What the pack is for.
    #[serde(default)]
    pub description: String,
}

/// Where a rule was defined.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// File label (path, or `salw-core/weapons.toml` for embedded files).
    pub file: String,
    /// 1-based line of the rule's `id`.
    pub line: usize,
}

/// An example embedded in a rule: text the rule must match, with the fields expected.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// The example text.
    pub text: String,
    /// Expected `value` (text as written) of the rule's entity.
    pub value: Option<String>,
    /// Expected `normalized`.
    pub normalized: Option<String>,
    /// Expected `make`.
    pub make: Option<String>,
    /// Expected `model`.
    pub model: Option<String>,
    /// Expected `amount`.
    pub amount: Option<f64>,
    /// Expected `currency`.
    pub currency: Option<String>,
    /// Expected document-level relevance of the whole text.
    pub relevant: Option<bool>,
    /// Flags the whole text must carry.
    pub flags: Option<Vec<String>>,
    /// Categories the whole text must carry.
    pub categories: Option<Vec<String>>,
    /// Expected EU category of the whole text.
    pub eu_category: Option<String>,
    /// Expected language of the whole text.
    pub language: Option<String>,
    /// Default phone region for this example.
    pub region: Option<String>,
}

/// Which text a rule's pattern runs over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The normalized (folded) text: case, script, diacritics and obfuscation folded.
    #[default]
    Folded,
    /// The original text as written (identifiers, whose case and checksums matter).
    Original,
}

/// One rule as written in a pack.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique id (`weapon.glock`); a later pack's rule with the same id replaces this one.
    pub id: String,
    /// What the rule finds.
    #[serde(default)]
    pub description: String,
    /// Entity kind produced (DESIGN.md §3), or `signal` for classification-only rules.
    pub kind: String,
    /// Literal terms (folded like the text; `term*` = word prefix; `@word` = every vocabulary
    /// variant of `word`). They feed the shared prefilter automaton.
    #[serde(default)]
    pub terms: Vec<String>,
    /// Regex run near term hits (or over the whole text when the rule has no terms).
    pub pattern: Option<String>,
    /// Text the pattern runs over.
    #[serde(default)]
    pub source: Source,
    /// Capture group whose span is the entity (default: the whole match).
    pub group: Option<String>,
    /// Validator the matched string must pass (`btc`, `phone`, `onion` …).
    pub validate: Option<String>,
    /// Field templates: `normalized`, `make`, `model`, `amount`, `currency`; `{name}` is a
    /// capture group of the pattern, `{name:upper}` / `{name:title}` / `{name:compact}` transform it.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Categories the document gets when the rule hits.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Flags the document gets when the rule hits.
    #[serde(default)]
    pub flags: Vec<String>,
    /// EU Firearms Directive category suggested by this rule.
    pub eu_category: Option<String>,
    /// Why that category.
    pub eu_reason: Option<String>,
    /// Relevance weight (default by kind; negative for hard negatives).
    pub weight: Option<f32>,
    /// Regexes over the folded text: a hit overlapped by a match of one is dropped.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Bytes before and after a term hit searched by the pattern (default `[48, 48]`).
    pub window: Option<[usize; 2]>,
    /// Texts the rule must match, with expected fields.
    #[serde(default)]
    pub should_match: Vec<Example>,
    /// Texts the rule must not match.
    #[serde(default)]
    pub should_not_match: Vec<String>,
    /// Where the rule was defined (filled by the loader).
    #[serde(skip)]
    pub origin: Origin,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    pack: Option<PackHeader>,
    #[serde(default)]
    vocabulary: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    languages: BTreeMap<String, Vec<String>>,
    #[serde(default, rename = "rule")]
    rules: Vec<RuleSpec>,
}

/// A loaded (not yet compiled) pack.
#[derive(Debug, Clone)]
pub struct Pack {
    /// The header.
    pub header: PackHeader,
    /// Where it came from.
    pub source: String,
    /// Canonical word → variants.
    pub vocabulary: BTreeMap<String, Vec<String>>,
    /// Language code → marker words (folded) used by language detection.
    pub language_markers: BTreeMap<String, Vec<String>>,
    /// Rules in file order.
    pub rules: Vec<RuleSpec>,
}

impl Pack {
    /// Adds this pack's vocabulary to `v`.
    pub fn fill_vocabulary(&self, v: &mut Vocabulary) {
        for (canonical, variants) in &self.vocabulary {
            v.insert(canonical, canonical);
            for variant in variants {
                v.insert(canonical, variant);
            }
        }
    }

    /// Parses a pack from one or more `(file label, TOML text)` parts.
    pub fn from_parts(label: &str, parts: &[(String, String)]) -> Result<Self, Error> {
        let mut header: Option<PackHeader> = None;
        let mut vocabulary = BTreeMap::new();
        let mut language_markers: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut rules = Vec::new();
        for (file, text) in parts {
            let parsed: PackFile = toml::from_str(text).map_err(|e| Error::Parse {
                file: file.clone(),
                line: e.span().map_or(1, |s| line_of(text, s.start)),
                message: e.message().to_owned(),
            })?;
            if let Some(h) = parsed.pack {
                if header.is_some() {
                    return Err(Error::Pack {
                        file: file.clone(),
                        message: format!("a second [pack] header in pack {label}"),
                    });
                }
                header = Some(h);
            }
            vocabulary.extend(parsed.vocabulary);
            for (lang, words) in parsed.languages {
                language_markers.entry(lang).or_default().extend(words);
            }
            for mut r in parsed.rules {
                r.origin = Origin {
                    file: file.clone(),
                    line: rule_line(text, &r.id),
                };
                rules.push(r);
            }
        }
        let header = header.ok_or_else(|| Error::Pack {
            file: label.to_owned(),
            message: "no [pack] header (id, version) in any file of the pack".to_owned(),
        })?;
        Ok(Pack {
            header,
            source: label.to_owned(),
            vocabulary,
            language_markers,
            rules,
        })
    }

    /// Loads a pack file, or a directory of `.toml` files.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let io = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        let mut parts = Vec::new();
        if meta.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(path)
                .map_err(io)?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            files.sort();
            for f in files {
                let text = std::fs::read_to_string(&f).map_err(|source| Error::Io {
                    path: f.clone(),
                    source,
                })?;
                parts.push((f.display().to_string(), text));
            }
            if parts.is_empty() {
                return Err(Error::Pack {
                    file: path.display().to_string(),
                    message: "directory holds no .toml pack files".to_owned(),
                });
            }
        } else {
            parts.push((
                path.display().to_string(),
                std::fs::read_to_string(path).map_err(io)?,
            ));
        }
        Self::from_parts(&path.display().to_string(), &parts)
    }
}

/// The packs embedded in the binary (`packs/<id>/*.toml`), in directory-name order.
pub fn embedded_packs() -> Result<Vec<Pack>, Error> {
    let mut dirs: Vec<&Dir<'_>> = EMBEDDED.dirs().collect();
    dirs.sort_by_key(|d| d.path());
    let mut packs = Vec::new();
    for d in dirs {
        let mut files: Vec<_> = d
            .files()
            .filter(|f| f.path().extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort_by_key(|f| f.path());
        let parts: Vec<(String, String)> = files
            .iter()
            .map(|f| {
                (
                    f.path().display().to_string(),
                    f.contents_utf8().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        packs.push(Pack::from_parts(&d.path().display().to_string(), &parts)?);
    }
    Ok(packs)
}

/// 1-based line of byte offset `pos` in `text`.
pub(crate) fn line_of(text: &str, pos: usize) -> usize {
    text.as_bytes()[..pos.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Line of `id = "<id>"` in `text` (1 when not found).
fn rule_line(text: &str, id: &str) -> usize {
    for quote in ['"', '\''] {
        let needle = format!("{quote}{id}{quote}");
        for (pos, _) in text.match_indices(&needle) {
            let line_start = text[..pos].rfind('\n').map_or(0, |p| p + 1);
            let before = text[line_start..pos].trim();
            if before.starts_with("id") && before.ends_with('=') {
                return line_of(text, pos);
            }
        }
    }
    1
}
