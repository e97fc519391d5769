//! Field templates: `Glock {model}`, `{model:compact:upper}`; `{0}` is the whole match.
//!
//! A template is parsed once when its pack is compiled ([`Template::parse`]) and filled for every
//! entity the rule makes, so filling is the hot part: it writes into one string and only falls
//! back to the general whitespace collapse when the filled text needs it.

use std::borrow::Cow;

/// A transformation applied to a filled-in value, in the order written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Upper,
    Lower,
    Compact,
    Title,
    /// An unknown name: leaves the value as it is (packs are checked by `rules lint`).
    Keep,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    /// `group` is the capture-group index of `name` in the rule's pattern, resolved once.
    Field {
        name: String,
        group: Option<usize>,
        ops: Vec<Op>,
    },
}

/// A parsed field template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    parts: Vec<Part>,
    /// The filled text of a template without placeholders (most `normalized` templates, e.g.
    /// `pistol`, and every `currency`), computed once: filling it is one copy.
    fixed: Option<String>,
}

impl Template {
    /// Parses `{name}` / `{name:op:op}` placeholders; an unclosed `{` is literal text.
    pub(crate) fn parse(template: &str) -> Self {
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            }
            let mut pieces = rest[open + 1..open + close].split(':');
            let name = pieces.next().unwrap_or_default().to_owned();
            let ops = pieces
                .map(|op| match op {
                    "upper" => Op::Upper,
                    "lower" => Op::Lower,
                    "compact" => Op::Compact,
                    "title" => Op::Title,
                    _ => Op::Keep,
                })
                .collect();
            parts.push(Part::Field {
                name,
                group: None,
                ops,
            });
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        let mut t = Self { parts, fixed: None };
        if t.parts.iter().all(|p| matches!(p, Part::Literal(_))) {
            t.fixed = Some(t.fill(|_, _| None));
        }
        t
    }

    /// Resolves each placeholder's capture-group index with `index_of(name)`, so that filling
    /// needs no lookup by name.
    pub(crate) fn resolve(&mut self, index_of: impl Fn(&str) -> Option<usize>) {
        for part in &mut self.parts {
            if let Part::Field { name, group, .. } = part {
                *group = index_of(name);
            }
        }
    }

    /// True when a placeholder names a capture group of the pattern.
    pub(crate) fn reads_groups(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Field { group: Some(_), .. }))
    }

    /// [`Template::fill`] without a new string where none is needed: the fixed text, or the
    /// value of a template that is one placeholder without ops (`{amount}`) when its whitespace
    /// needs no collapsing, are borrowed. For a field that is read and dropped (a price's
    /// amount, parsed into a number).
    pub(crate) fn fill_str<'s, 'a: 's>(
        &'s self,
        get: impl Fn(&str, Option<usize>) -> Option<&'a str>,
    ) -> Cow<'s, str> {
        if let Some(fixed) = &self.fixed {
            return Cow::Borrowed(fixed);
        }
        if let [Part::Field { name, group, ops }] = self.parts.as_slice()
            && ops.is_empty()
        {
            let value = get(name, *group).unwrap_or_default();
            if !needs_collapse(value) {
                return Cow::Borrowed(value);
            }
        }
        Cow::Owned(self.fill(get))
    }

    /// Fills the template from `get(name, group)` (a capture group's text, or `None`; `group`
    /// as resolved); whitespace runs collapse to one space and the ends are trimmed.
    pub(crate) fn fill<'a>(&self, get: impl Fn(&str, Option<usize>) -> Option<&'a str>) -> String {
        if let Some(fixed) = &self.fixed {
            return fixed.clone();
        }
        let mut out = String::with_capacity(32);
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Field { name, group, ops } => {
                    let value = get(name, *group).unwrap_or_default();
                    if ops.is_empty() {
                        out.push_str(value);
                    } else if !apply_ascii(&mut out, value, ops) {
                        out.push_str(&apply(value, ops));
                    }
                }
            }
        }
        if needs_collapse(&out) {
            out = out.split_whitespace().collect::<Vec<_>>().join(" ");
        }
        out
    }
}

/// How a rule's `normalized` template relates to its `make` and `model` templates, read from
/// their text once at compile time, so that an entity's `normalized` is made from the `make`
/// and `model` just filled instead of filling a third template (`Glock {model:upper}` next to
/// `Glock` and `{model:upper}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Derived {
    /// Filled from its own template.
    #[default]
    Own,
    /// The same text as `make`: the same filled value.
    Make,
    /// The same text as `model`: the same filled value.
    Model,
    /// `make`'s text, a space, `model`'s text: the two filled values joined by one space (just
    /// one of them when the other is empty), see [`join`].
    MakeModel,
}

impl Derived {
    /// Compares the templates' texts (`None`: the field has no template).
    pub(crate) fn of(normalized: &str, make: Option<&str>, model: Option<&str>) -> Self {
        if make == Some(normalized) {
            return Self::Make;
        }
        if model == Some(normalized) {
            return Self::Model;
        }
        if let (Some(make), Some(model)) = (make, model)
            && closes_braces(make)
            && normalized.len() == make.len() + 1 + model.len()
            && normalized.starts_with(make)
            && normalized[make.len()..].starts_with(' ')
            && normalized.ends_with(model)
        {
            return Self::MakeModel;
        }
        Self::Own
    }
}

/// True when every `{` of `template` has its `}`: parsed after it, another template's text is
/// parsed as it is on its own (its first `{` cannot close a placeholder opened here).
fn closes_braces(template: &str) -> bool {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            return false;
        };
        rest = &rest[open + close + 1..];
    }
    true
}

/// The fill of `make + " " + model` from the fills of `make` and `model` (each already
/// collapsed: no whitespace at the ends, single spaces inside). Filling collapses whitespace
/// runs and trims, so the space between them is a word break like any other: the words of the
/// one, then the words of the other.
pub(crate) fn join(make: Option<&str>, model: Option<&str>) -> Option<String> {
    match (make, model) {
        (Some(a), Some(b)) => {
            let mut s = String::with_capacity(a.len() + 1 + b.len());
            s.push_str(a);
            s.push(' ');
            s.push_str(b);
            Some(s)
        }
        (Some(a), None) | (None, Some(a)) => Some(a.to_owned()),
        (None, None) => None,
    }
}

/// Appends `apply(value, ops)` to `out` without intermediate strings, for an ASCII `value` and
/// the op sequences the packs use; false (nothing appended) otherwise. On ASCII text
/// `to_uppercase`/`to_lowercase` are the ASCII case mappings, `compact` drops ASCII whitespace,
/// `-` and `.`, and `title` upper-cases the first byte of the string and each byte after a space
/// (after `compact` there is no space left, so only the first byte).
fn apply_ascii(out: &mut String, value: &str, ops: &[Op]) -> bool {
    if !value.is_ascii() {
        return false;
    }
    let dropped = |c: char| c.is_ascii_whitespace() || c == '\x0b' || c == '-' || c == '.';
    match ops {
        [Op::Upper] => out.extend(value.chars().map(|c| c.to_ascii_uppercase())),
        [Op::Lower] => out.extend(value.chars().map(|c| c.to_ascii_lowercase())),
        [Op::Compact] => out.extend(value.chars().filter(|&c| !dropped(c))),
        [Op::Compact, Op::Upper] => out.extend(
            value
                .chars()
                .filter(|&c| !dropped(c))
                .map(|c| c.to_ascii_uppercase()),
        ),
        [Op::Title] => {
            let mut after_space = true;
            for c in value.chars() {
                out.push(if after_space {
                    c.to_ascii_uppercase()
                } else {
                    c
                });
                after_space = c == ' ';
            }
        }
        [Op::Compact, Op::Title] => {
            let mut first = true;
            for c in value.chars().filter(|&c| !dropped(c)) {
                out.push(if first { c.to_ascii_uppercase() } else { c });
                first = false;
            }
        }
        _ => return false,
    }
    true
}

fn apply(value: &str, ops: &[Op]) -> String {
    let mut value = value.to_owned();
    for op in ops {
        value = match op {
            Op::Upper => value.to_uppercase(),
            Op::Lower => value.to_lowercase(),
            Op::Compact => value
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-' && *c != '.')
                .collect(),
            Op::Title => title(&value),
            Op::Keep => value,
        };
    }
    value
}

/// True unless `s` is already what `split_whitespace` + `join(" ")` would make of it: no
/// whitespace at either end, and only single ASCII spaces inside.
/// One pass over the bytes; a non-ASCII string collapses if it has any whitespace at all.
fn needs_collapse(s: &str) -> bool {
    let ws = |c: u8| c.is_ascii_whitespace() || c == 0x0b;
    // True at the start, so that a leading space counts as a second one in a row.
    let mut after_ws = true;
    for &c in s.as_bytes() {
        if c >= 0x80 {
            return s.chars().any(char::is_whitespace);
        }
        if ws(c) {
            if after_ws || c != b' ' {
                return true;
            }
            after_ws = true;
        } else {
            after_ws = false;
        }
    }
    after_ws && !s.is_empty()
}

/// Fills `template` once (parse and fill); the engine keeps parsed templates instead.
#[cfg(test)]
pub(crate) fn fill<'a>(template: &str, get: impl Fn(&str) -> Option<&'a str>) -> String {
    Template::parse(template).fill(|name, _| get(name))
}

fn title(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::fill;

    /// The straightforward fill the parsed template must equal.
    fn reference<'a>(template: &str, get: impl Fn(&str) -> Option<&'a str>) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                out.push_str(&rest[open..]);
                rest = "";
                break;
            };
            let mut parts = rest[open + 1..open + close].split(':');
            let name = parts.next().unwrap_or_default();
            let mut value = get(name).unwrap_or_default().to_owned();
            for op in parts {
                value = match op {
                    "upper" => value.to_uppercase(),
                    "lower" => value.to_lowercase(),
                    "compact" => value
                        .chars()
                        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '.')
                        .collect(),
                    "title" => super::title(&value),
                    _ => value,
                };
            }
            out.push_str(&value);
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn templates() {
        let get = |n: &str| match n {
            "model" => Some("m 70"),
            "make" => Some("zastava"),
            _ => None,
        };
        assert_eq!(
            fill("{make:title} {model:compact:upper}", get),
            "Zastava M70"
        );
        assert_eq!(fill("Glock {missing}", get), "Glock");
        assert_eq!(fill("plain", get), "plain");
        assert_eq!(fill("  a\t{make}  b {", get), "a zastava b {");
    }

    proptest! {
        /// The ASCII fast path of the ops gives what the general `apply` gives.
        #[test]
        fn ascii_ops_equal_apply(
            value in "[a-zA-Z0-9 .\\-\\t\\x0b\\x0c\\r\\n_/é\u{a0}]{0,16}",
            ops in proptest::collection::vec(0usize..5, 0..3),
        ) {
            use super::{Op, apply, apply_ascii};
            let all = [Op::Upper, Op::Lower, Op::Compact, Op::Title, Op::Keep];
            let ops: Vec<Op> = ops.into_iter().map(|i| all[i]).collect();
            let mut out = String::from("x");
            if apply_ascii(&mut out, &value, &ops) {
                prop_assert_eq!(out, format!("x{}", apply(&value, &ops)));
            } else {
                prop_assert_eq!(out, "x");
            }
        }

        /// The borrowing fill gives what `fill` gives.
        #[test]
        fn fill_str_equals_fill(
            template in "[a-z {}:\\t\u{a0}]{0,24}|\\{[a-z]{0,3}\\}",
            value in "[a-zA-Z .\\-\u{a0}\\t]{0,12}",
        ) {
            let t = super::Template::parse(&template);
            let get = |n: &str, _: Option<usize>| (!n.is_empty()).then_some(value.as_str());
            let (borrowed, filled) = (t.fill_str(get), t.fill(get));
            prop_assert_eq!(borrowed.as_ref(), filled.as_str());
        }

        /// `normalized` made from the `make` and `model` fills gives what filling its own
        /// template gives, whenever `Derived::of` says it may. Each placeholder name has its own
        /// value, so that a make and a model swapped would show.
        #[test]
        fn derived_equals_own_fill(
            make in "[a-z {}:\t]{0,12}|[A-Z][a-z]{1,6}|\\{make(?::upper)?\\}",
            model in "[a-z {}:\t]{0,12}|\\{model(?::compact)?(?::upper)?\\}",
            glue in "[ a]",
            value in "[a-zA-Z .\\-\t]{0,10}",
            make_value in "[a-zA-Z .\\-\t]{0,10}",
            model_value in "[a-zA-Z0-9 .\\-\t]{0,10}",
            shape in 0usize..4,
        ) {
            use super::{Derived, Template, join};
            let normalized = match shape {
                0 => make.clone(),
                1 => model.clone(),
                _ => format!("{make}{glue}{model}"),
            };
            let get = |n: &str, _: Option<usize>| match n {
                "" => None,
                "make" => Some(make_value.as_str()),
                "model" => Some(model_value.as_str()),
                _ => Some(value.as_str()),
            };
            let filled = |t: &str| Some(Template::parse(t).fill(get)).filter(|s| !s.is_empty());
            let (mk, md) = (filled(&make), filled(&model));
            let derived = match Derived::of(&normalized, Some(&make), Some(&model)) {
                Derived::Own => return Ok(()),
                Derived::Make => mk,
                Derived::Model => md,
                Derived::MakeModel => join(mk.as_deref(), md.as_deref()),
            };
            prop_assert_eq!(derived, filled(&normalized));
        }

        #[test]
        fn parsed_fill_equals_reference(
            template in "[a-z {}:\\t\u{a0}]{0,24}",
            value in "[a-zA-Z .\\-\u{a0}\\t]{0,12}",
        ) {
            let get = |n: &str| (!n.is_empty()).then_some(value.as_str());
            prop_assert_eq!(fill(&template, get), reference(&template, get));
        }
    }
}
