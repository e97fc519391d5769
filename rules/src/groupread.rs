//! The capture groups of a near-hit pattern's match, read off the match without a capture engine.
//!
//! A rule searched near its term hits (`scan::terms::near_hit`) that reads groups used the regex
//! crate's `captures_at`: after its DFAs find the match, a bounded backtracker runs over it,
//! ~1,700 instructions a match (callgrind), more than the DFA search itself. The backtracker is
//! needed in general because the patterns are ambiguous (`glock\s?-?\s?(?P<model>\d{2,3})`: a
//! space can be the first `\s?` or the last), and `spancaps` covers only one group between a
//! prefix and a suffix that cannot consume the group's first and last characters. The near
//! patterns have other shapes: a literal make, separators, then a model that runs to the end of
//! the match, often inside an optional part (`berett?a(?:\s?-?\s?(?P<model>92\s?fs|…))?\b`).
//!
//! A [`GroupReader`] is a short program of [`Step`]s derived from the pattern's syntax tree,
//! walking a cursor `k` from the match's start:
//! - `Lit(L)`: the items here match only the strings of a finite set `L` in which no string is a
//!   prefix of another: `k` moves past the one string of `L` the text at `k` starts with;
//! - `Skip(F)`: the items here (the "gap") consume no character of `F`, and the next item (a
//!   group) is never empty and begins with a character of `F`: `k` moves to the first character
//!   of `F` at or after `k`;
//! - `Open(g)` / `Close(g)`: group `g` starts / ends at `k`;
//! - `End`: nothing after this point consumes a character (only look-around follows): `k` is the
//!   match's end;
//! - `Opt`: an optional part without groups (`(?:zastava\s?(?:arms\s?)?)?` before the model),
//!   never empty when it takes part, whose first characters cannot begin what follows it: it
//!   took part exactly when the character at `k` is one of its first characters (if it did not,
//!   that character was consumed by what follows, or the match ends at `k`); its own steps run
//!   only then. This is how a gap that could consume the group's first character (the `m` of
//!   `arms` before `m70`) is still read;
//! - optional parts (`(?:…)?`) holding groups, with nothing consumed after them: when nothing is
//!   pending, `k` at the match's end means the part (or what is left of it) took no part
//!   ([`Step::AbsentAtEnd`]); a `Skip` that opens such a part and finds no character of its set
//!   means the same.
//!
//! Exactness. Whatever path through the pattern the regex crate chose for a match, the match is
//! the concatenation of what each top-level item consumed, and each step holds for every such
//! path: the position `k` before a `Lit` is exact, and the literal there is the only string of
//! its set that prefixes the text (another one would be a prefix of it or it of the other); the
//! characters between an exact `k` and a group's start were consumed by gap items, none in `F`,
//! while the group's first character is in `F`, so that start is the first character of `F`; a
//! group followed only by look-around ends where the match ends. For an optional part followed
//! only by look-around: if it took part, its groups (never empty; optional within it only as
//! nested optional parts of the same kind) consume
//! at least one character at or after `k`, so the match goes past `k` and holds a character of
//! the group's `F`; if it did not, the characters after `k` came from gap items (none in `F`) and
//! nothing else. So the groups do not depend on which of the ambiguous paths the engine took,
//! and the reader gives the groups `captures_at` gives. Sets are over-approximated
//! (`spancaps::sets`), which only makes the conditions harder to meet. A pattern the walk does
//! not understand gets no reader; a step that finds the text not as it expects (none should, by
//! the argument; the property test counts one as a failure) makes the caller fall back to
//! `captures_at`. Property test:
//! `scan::tests::group_reader_reads_groups_as_captures`.

use regex_syntax::hir::{Class, ClassUnicode, Hir, HirKind};

use crate::spancaps::{CharSet, sets};

/// The most groups a reader handles (the default pack's near patterns have one or two).
pub(crate) const MAX_GROUPS: usize = 3;

/// The most strings a literal set may have.
const MAX_LITERALS: usize = 32;

/// The groups of one match: `Some((start, end))` for each group 1..=MAX_GROUPS that took part.
pub(crate) type Groups = [Option<(usize, usize)>; MAX_GROUPS];

/// One step of a [`GroupReader`] (see the module documentation).
#[derive(Debug)]
enum Step {
    /// Move past the one string of the set that the text at the cursor starts with.
    Lit(Vec<Box<[u8]>>),
    /// Move to the first character of the set; `or_absent`: when there is none, the groups not
    /// yet read took no part.
    Skip { to: CharSet, or_absent: bool },
    /// At the match's end, the groups not yet read took no part.
    AbsentAtEnd,
    /// An optional part without groups: it took part when the character at the cursor is one of
    /// its first characters; else the next `skip` steps (its own) are passed over.
    Opt { first: CharSet, skip: usize },
    /// The next group starts at the cursor.
    Open,
    /// Group `n` (1-based, as the pattern numbers it) ends at the cursor.
    Close(usize),
    /// Move to the match's end.
    End,
}

/// The groups of a pattern read off its match (module documentation).
#[derive(Debug)]
pub(crate) struct GroupReader {
    steps: Vec<Step>,
}

impl GroupReader {
    /// The reader of `pattern` (tests only).
    #[cfg(test)]
    pub fn new(pattern: &str) -> Option<Self> {
        Self::of(&regex_syntax::Parser::new().parse(pattern).ok()?)
    }

    /// The reader of a pattern already parsed (as the regex crate parses it by default); None
    /// when its shape is not one the steps cover.
    pub fn of(hir: &Hir) -> Option<Self> {
        let groups = hir.properties().explicit_captures_len();
        if groups == 0 || groups > MAX_GROUPS {
            return None;
        }
        let mut b = Builder {
            steps: Vec::new(),
            gap: ClassUnicode::empty(),
            pending: false,
            opened: 0,
        };
        b.walk(top_items(hir), &Follow::end(), true, false)?;
        (b.opened == groups).then_some(GroupReader { steps: b.steps })
    }

    /// The groups of the match `start..end` of `hay`; None when the text is not as the steps
    /// expect (the caller then runs the capture engine).
    pub fn read(&self, hay: &str, start: usize, end: usize) -> Option<Groups> {
        let bytes = hay.as_bytes().get(..end)?;
        let mut out: Groups = [None; MAX_GROUPS];
        let mut k = start;
        let mut open = start;
        let mut i = 0;
        while let Some(step) = self.steps.get(i) {
            i += 1;
            match step {
                Step::Lit(set) => {
                    let rest = &bytes[k..];
                    k += set.iter().find(|l| rest.starts_with(l))?.len();
                }
                Step::Skip { to, or_absent } => match find(to, hay, k, end) {
                    Some(p) => k = p,
                    None if *or_absent => return Some(out),
                    None => return None,
                },
                Step::AbsentAtEnd => {
                    if k == end {
                        return Some(out);
                    }
                }
                Step::Opt { first, skip } => {
                    if !(k < end && starts_with(first, hay, k)) {
                        i += skip;
                    }
                }
                Step::Open => open = k,
                Step::Close(g) => out[*g - 1] = Some((open, k)),
                Step::End => k = end,
            }
        }
        Some(out)
    }
}

/// Whether the character at `at` of `hay` (a character boundary before its end) is in `set`.
#[inline]
fn starts_with(set: &CharSet, hay: &str, at: usize) -> bool {
    match hay.as_bytes()[at] {
        b if b < 0x80 => set.has_byte(b),
        _ => hay[at..].chars().next().is_some_and(|c| set.contains(c)),
    }
}

/// The first position in `from..to` of `hay` holding a character of `set`.
#[inline]
fn find(set: &CharSet, hay: &str, from: usize, to: usize) -> Option<usize> {
    let bytes = hay.as_bytes();
    let mut i = from;
    while i < to {
        let b = bytes[i];
        if b < 0x80 {
            if set.has_byte(b) {
                return Some(i);
            }
            i += 1;
        } else {
            let c = hay.get(i..)?.chars().next()?;
            if set.contains(c) {
                return Some(i);
            }
            i += c.len_utf8();
        }
    }
    None
}

/// The items of a pattern's top-level concatenation (the pattern itself when it is not one).
fn top_items(hir: &Hir) -> &[Hir] {
    match hir.kind() {
        HirKind::Concat(items) => items,
        _ => std::slice::from_ref(hir),
    }
}

/// Builds the steps: `gap` holds what the items since the last exact position can consume
/// (`pending` when there are such items), `opened` counts the groups read.
struct Builder {
    steps: Vec<Step>,
    gap: ClassUnicode,
    pending: bool,
    opened: usize,
}

impl Builder {
    /// Adds the steps of `items`; `cont`: what can follow them; `rest_empty`: nothing after them
    /// consumes a character; `optional`: they are the inside of an optional part (with
    /// `rest_empty`).
    fn walk(
        &mut self,
        items: &[Hir],
        cont: &Follow,
        rest_empty: bool,
        optional: bool,
    ) -> Option<()> {
        // True while no step of this optional part with groups has been added: the first one
        // also says "the part took no part" when the match shows nothing of it.
        let mut opening = optional;
        let mut i = 0;
        while i < items.len() {
            let item = &items[i];
            let after_empty = rest_empty && items[i + 1..].iter().all(consumes_nothing);
            if item.properties().explicit_captures_len() == 0 {
                if !self.pending
                    && let Some((j, set)) = literal_run(&items[i..])
                {
                    if opening {
                        self.steps.push(Step::AbsentAtEnd);
                        opening = false;
                    }
                    self.steps.push(Step::Lit(set));
                    i += j;
                    continue;
                }
                if self.optional_part(item, &items[i + 1..], cont, opening, after_empty)? {
                    opening = false;
                    i += 1;
                    continue;
                }
                let s = sets(item)?;
                if !s.all.ranges().is_empty() {
                    self.gap.union(&s.all);
                    self.pending = true;
                }
                i += 1;
                continue;
            }
            match item.kind() {
                HirKind::Capture(c) if c.sub.properties().explicit_captures_len() == 0 => {
                    let g = sets(&c.sub)?;
                    if g.nullable {
                        return None;
                    }
                    if self.pending {
                        let mut common = g.first.clone();
                        common.intersect(&self.gap);
                        if !common.ranges().is_empty() {
                            return None;
                        }
                        self.steps.push(Step::Skip {
                            to: CharSet::new(&g.first),
                            or_absent: opening,
                        });
                        self.gap = ClassUnicode::empty();
                        self.pending = false;
                    } else if opening {
                        self.steps.push(Step::AbsentAtEnd);
                    }
                    opening = false;
                    let index = c.index as usize;
                    self.steps.push(Step::Open);
                    match literal_set(&c.sub).filter(|s| prefix_free(s)) {
                        Some(set) => self.steps.push(Step::Lit(into_boxed(set))),
                        None if after_empty => self.steps.push(Step::End),
                        None => return None,
                    }
                    self.steps.push(Step::Close(index));
                    self.opened += 1;
                }
                HirKind::Repetition(r) if r.min == 0 && r.max == Some(1) && after_empty => {
                    self.walk(top_items(&r.sub), &Follow::end(), true, true)?;
                }
                _ => return None,
            }
            i += 1;
        }
        Some(())
    }
}

impl Builder {
    /// Adds an [`Step::Opt`] block for `item` when it is an optional part without groups, never
    /// empty when it takes part, whose first characters cannot begin what follows it (`rest`,
    /// then `cont`): then whether it took part shows in the character at the cursor (if it did
    /// not, that character is consumed by what follows, or the match ends there). With items
    /// pending, the cursor first moves to the first character that either can begin (the gap
    /// must not consume one). Some(false) when the item is not such a part.
    fn optional_part(
        &mut self,
        item: &Hir,
        rest: &[Hir],
        cont: &Follow,
        opening: bool,
        rest_empty: bool,
    ) -> Option<bool> {
        let HirKind::Repetition(r) = item.kind() else {
            return Some(false);
        };
        let x = sets(&r.sub)?;
        if r.min != 0 || r.max != Some(1) || x.nullable {
            return Some(false);
        }
        let follow = Follow::of(rest, cont)?;
        let mut common = x.first.clone();
        common.intersect(&follow.first);
        if !common.ranges().is_empty() {
            return Some(false);
        }
        let mut begin = x.first.clone();
        begin.union(&follow.first);
        if self.pending {
            let mut common = begin.clone();
            common.intersect(&self.gap);
            if !common.ranges().is_empty() {
                return Some(false);
            }
            // No character of `begin` left in the match: neither the part nor anything after
            // it consumed one (what follows begins, through its nullable items, with a
            // character of `follow`), so the groups not yet read took no part, whether or not
            // this part opens an optional part with groups.
            self.steps.push(Step::Skip {
                to: CharSet::new(&begin),
                or_absent: true,
            });
            self.gap = ClassUnicode::empty();
            self.pending = false;
        } else if opening {
            self.steps.push(Step::AbsentAtEnd);
        }
        let at = self.steps.len();
        self.steps.push(Step::Opt {
            first: CharSet::new(&x.first),
            skip: 0,
        });
        self.walk(top_items(&r.sub), &follow, rest_empty, false)?;
        let own = self.steps.len() - at - 1;
        if let Step::Opt { skip, .. } = &mut self.steps[at] {
            *skip = own;
        }
        Some(true)
    }
}

/// The characters that can begin what follows a point of the pattern (when it is not empty).
struct Follow {
    first: ClassUnicode,
}

impl Follow {
    /// The end of the pattern: nothing follows.
    fn end() -> Self {
        Follow {
            first: ClassUnicode::empty(),
        }
    }

    /// What follows a point where `items` come next, then `cont`.
    fn of(items: &[Hir], cont: &Follow) -> Option<Self> {
        let mut first = ClassUnicode::empty();
        for item in items {
            let s = sets(item)?;
            first.union(&s.first);
            if !s.nullable {
                return Some(Follow { first });
            }
        }
        first.union(&cont.first);
        Some(Follow { first })
    }
}

/// Whether `hir` consumes no character (look-around and the empty pattern only).
fn consumes_nothing(hir: &Hir) -> bool {
    sets(hir).is_some_and(|s| s.all.ranges().is_empty())
}

/// The longest run of items at the start of `items`, without groups, whose strings form a
/// prefix-free literal set: the number of items and the set.
fn literal_run(items: &[Hir]) -> Option<(usize, Vec<Box<[u8]>>)> {
    let mut acc: Vec<Vec<u8>> = vec![Vec::new()];
    let mut best = None;
    for (n, item) in items.iter().enumerate() {
        if item.properties().explicit_captures_len() != 0 {
            break;
        }
        let Some(next) = literal_set(item).and_then(|s| product(&acc, &s)) else {
            break;
        };
        acc = next;
        if prefix_free(&acc) {
            best = Some((n + 1, acc.clone()));
        }
    }
    best.map(|(n, set)| (n, into_boxed(set)))
}

fn into_boxed(set: Vec<Vec<u8>>) -> Vec<Box<[u8]>> {
    set.into_iter().map(Vec::into_boxed_slice).collect()
}

/// Every string of `a` followed by every string of `b` (None past `MAX_LITERALS`).
fn product(a: &[Vec<u8>], b: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if a.len() * b.len() > MAX_LITERALS {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut s = x.clone();
            s.extend_from_slice(y);
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    Some(out)
}

/// Whether no string of `set` is empty or a prefix of another one.
fn prefix_free(set: &[Vec<u8>]) -> bool {
    set.iter().enumerate().all(|(i, a)| {
        !a.is_empty()
            && set
                .iter()
                .enumerate()
                .all(|(j, b)| i == j || !b.starts_with(a))
    })
}

/// Every string `hir` matches, when they are few (look-around and byte classes refused).
fn literal_set(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    Some(match hir.kind() {
        HirKind::Empty => vec![Vec::new()],
        HirKind::Literal(lit) => {
            std::str::from_utf8(&lit.0).ok()?;
            vec![lit.0.to_vec()]
        }
        HirKind::Class(Class::Unicode(c)) => {
            let mut out = Vec::new();
            for r in c.ranges() {
                for ch in r.start()..=r.end() {
                    if out.len() == MAX_LITERALS {
                        return None;
                    }
                    out.push(ch.to_string().into_bytes());
                }
            }
            out
        }
        HirKind::Class(Class::Bytes(_)) | HirKind::Look(_) => return None,
        HirKind::Capture(c) => literal_set(&c.sub)?,
        HirKind::Repetition(r) => {
            let max = r.max.filter(|&m| m <= 4)?;
            let sub = literal_set(&r.sub)?;
            let mut power = vec![Vec::new()];
            for _ in 0..r.min {
                power = product(&power, &sub)?;
            }
            let mut out = power.clone();
            for _ in r.min..max {
                power = product(&power, &sub)?;
                for s in &power {
                    if !out.contains(s) {
                        out.push(s.clone());
                    }
                }
                if out.len() > MAX_LITERALS {
                    return None;
                }
            }
            out
        }
        HirKind::Concat(items) => {
            let mut acc = vec![Vec::new()];
            for item in items {
                acc = product(&acc, &literal_set(item)?)?;
            }
            acc
        }
        HirKind::Alternation(subs) => {
            let mut out: Vec<Vec<u8>> = Vec::new();
            for sub in subs {
                for s in literal_set(sub)? {
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
                if out.len() > MAX_LITERALS {
                    return None;
                }
            }
            out
        }
    })
}
