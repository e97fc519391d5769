//! The whole-text rules' prefilter: which rules can match a text at all, in one pass.
//!
//! A set is built from the rules' patterns without word boundaries
//! (`boundary::without_boundaries`, each a superset of its rule). It used to be a
//! `regex::RegexSet`, whose `matches` runs an overlapping search of the same kind of lazy DFA:
//! generic code that handles match states, look-around and UTF-8 at every byte (~30 instructions
//! a byte). Here the lazy DFA (`MatchKind::All`, unanchored) is walked by hand: one table lookup
//! and one test of the state's tag a byte, the patterns of each match state recorded. Same
//! patterns, same kind of automaton, same answer (a property test in `scan` checks it against
//! the rules' own patterns).
//!
//! The walk also records where each pattern's last match ends (it reads the whole text: it used
//! to stop once every pattern had matched, which never happened on the corpus). A rule's real
//! matches are among its relaxed pattern's, so none ends later: once a rule's search has passed
//! that point it stops, without the search over the rest of the text that would find nothing
//! (`scan::for_each_match`).
//!
//! A fully built DFA was measured and dropped: the folded-text set is 5.3 MB and takes ~0.9 s to
//! build; the original-text set does not build within 100 MB (base58 and hex runs counted to
//! 25–94 characters over overlapping classes, the phone pattern's `{6,20}` over Unicode `\d`).
//! The lazy DFA builds only the states the texts reach.

use regex_automata::hybrid::LazyStateID;
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson;
use regex_automata::util::pool::Pool;
use regex_automata::{Input, MatchKind};

/// Bytes of transition cache each thread's lazy DFA may fill before it is cleared (what the
/// `RegexSet` had: its `dfa_size_limit`).
const CACHE_CAPACITY: usize = 8 << 20;

/// Compiled-NFA size limit (what the `RegexSet` had: its `size_limit`).
const NFA_SIZE_LIMIT: usize = 8 << 20;

/// Patterns per automaton: one bit each in a `u64`. A longer list is split into several.
const CHUNK: usize = 64;

type CachePool = Pool<Cache, Box<dyn Fn() -> Cache + Send + Sync>>;

/// A prefilter over a list of patterns: which of them can match a text.
#[derive(Debug)]
pub(crate) struct RelaxedSet {
    chunks: Vec<Chunk>,
}

/// Which patterns of a [`RelaxedSet`] matched: bit `k % 64` of word `k / 64`; and for the
/// first 64 patterns, where the last match of each ended, when the walk could tell.
pub(crate) struct Matched {
    first: u64,
    rest: Vec<u64>,
    /// The first chunk's ends are known (its lazy DFA answered, the text is under 4 GiB).
    ends_known: bool,
    /// Per pattern of the first chunk, the ends of its first and last matches (kept in place:
    /// no allocation per text, filled by [`RelaxedSet::matches_into`] without a move).
    ends: Ends,
}

/// Per pattern, the ends of its first and last matches (meaningful for matched patterns).
pub(crate) struct Ends {
    first: [u32; CHUNK],
    last: [u32; CHUNK],
}

impl Matched {
    /// Every pattern (no prefilter).
    pub fn all() -> Self {
        Matched {
            first: u64::MAX,
            rest: Vec::new(),
            ends_known: false,
            ends: Ends {
                first: [0; CHUNK],
                last: [0; CHUNK],
            },
        }
    }

    pub fn matched(&self, k: usize) -> bool {
        let word = match k / CHUNK {
            0 => self.first,
            i => self.rest.get(i - 1).copied().unwrap_or(u64::MAX),
        };
        word & (1 << (k % CHUNK)) != 0
    }

    /// Where the last match of pattern `k` ends (the largest end of any of its matches), when
    /// known: no match of the pattern, nor of a pattern whose matches are among its own (a
    /// rule's real pattern), ends after it.
    pub fn last_end(&self, k: usize) -> Option<usize> {
        (k < CHUNK && self.ends_known && self.matched(k)).then(|| self.ends.last[k] as usize)
    }

    /// Where the first match of pattern `k` ends (the smallest end of any of its matches), when
    /// known: every match of a rule's real pattern ends there or later.
    pub fn first_end(&self, k: usize) -> Option<usize> {
        (k < CHUNK && self.ends_known && self.matched(k)).then(|| self.ends.first[k] as usize)
    }
}

impl RelaxedSet {
    /// Builds the set of `patterns` (each already without word boundaries); None if there are
    /// none or they do not build within the size limits.
    pub fn new(patterns: &[String]) -> Option<Self> {
        Self::with_cache_capacity(patterns, CACHE_CAPACITY)
    }

    /// [`RelaxedSet::new`] with another transition cache size (tests fill a small one).
    fn with_cache_capacity(patterns: &[String], capacity: usize) -> Option<Self> {
        if patterns.is_empty() {
            return None;
        }
        let chunks = patterns
            .chunks(CHUNK)
            .map(|chunk| Chunk::new(chunk, capacity))
            .collect::<Option<Vec<_>>>()?;
        Some(RelaxedSet { chunks })
    }

    /// The patterns that match somewhere in `hay` (every pattern of a chunk whose lazy DFA
    /// could not answer: then its rules all run), written into `out` (which starts as
    /// [`Matched::all`]).
    pub fn matches_into(&self, hay: &str, out: &mut Matched) {
        for (i, chunk) in self.chunks.iter().enumerate() {
            if i == 0 {
                let found = chunk.matches(hay, &mut out.ends);
                out.ends_known = found.is_some() && u32::try_from(hay.len()).is_ok();
                out.first = found.unwrap_or(chunk.all);
            } else {
                let mut ends = Ends {
                    first: [0; CHUNK],
                    last: [0; CHUNK],
                };
                out.rest
                    .push(chunk.matches(hay, &mut ends).unwrap_or(chunk.all));
            }
        }
    }

    /// [`RelaxedSet::matches_into`] a new answer.
    #[cfg(test)]
    pub fn matches(&self, hay: &str) -> Matched {
        let mut out = Matched::all();
        self.matches_into(hay, &mut out);
        out
    }
}

/// Up to [`CHUNK`] patterns in one lazy DFA.
struct Chunk {
    dfa: DFA,
    /// One transition cache per thread (the lazy DFA writes into it while it searches).
    caches: CachePool,
    /// One bit per pattern.
    all: u64,
}

impl std::fmt::Debug for Chunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chunk")
            .field("patterns", &self.dfa.pattern_len())
            .finish_non_exhaustive()
    }
}

impl Chunk {
    fn new(patterns: &[String], cache_capacity: usize) -> Option<Self> {
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .cache_capacity(cache_capacity)
                    .skip_cache_capacity_check(true)
                    // Give up, as the regex crate's own lazy DFA does, when the text makes it
                    // build states faster than it reads bytes (cleared three times, fewer than 10
                    // bytes searched a state since the last clear): then every rule runs, which
                    // is exact and, on such text, far cheaper. Without this, 2 MB of base58 and
                    // hex runs spent 80 % of its time building states: 4.4 s, against 2.8 s for
                    // the `RegexSet` this replaced (whose fallback is a PikeVM) and 0.26 s now.
                    .minimum_cache_clear_count(Some(3))
                    .minimum_bytes_per_state(Some(10)),
            )
            .thompson(
                thompson::Config::new()
                    .nfa_size_limit(Some(NFA_SIZE_LIMIT))
                    .which_captures(thompson::WhichCaptures::None),
            )
            .build_many(patterns)
            .map_err(|e| tracing::debug!(error = %e, "relaxed prefilter set not built"))
            .ok()?;
        let for_pool = dfa.clone();
        let caches: CachePool = Pool::new(Box::new(move || for_pool.create_cache()));
        let all = u64::MAX >> (CHUNK - patterns.len());
        Some(Chunk { dfa, caches, all })
    }

    /// One bit per pattern that matches somewhere in `hay`, each one's last match end in
    /// `ends`; None when the lazy DFA cannot answer (it gave up on its cache, or met a quit
    /// byte).
    fn matches(&self, hay: &str, ends: &mut Ends) -> Option<u64> {
        let mut cache = self.caches.get();
        // Progress is tracked, as the crate's own searches do: the give-up rule (see `new`)
        // weighs the bytes searched since the last clear against the states built.
        cache.search_start(0);
        let found = self.walk(&mut cache, hay.as_bytes(), ends);
        cache.search_finish(hay.len());
        found
    }

    /// The walk: the DFA reports a match one byte late (in the state after the byte that ends
    /// it), and one ending at the end of the text on its end-of-input transition.
    /// Each match state met records, for its patterns, the end of the matches it reports in
    /// `ends` (they are met in text order: the last write is the last end).
    fn walk(&self, cache: &mut Cache, hay: &[u8], ends: &mut Ends) -> Option<u64> {
        let dfa = &self.dfa;
        let mut sid = dfa.start_state_forward(cache, &Input::new(hay)).ok()?;
        let mut found = 0u64;
        let mut rest = hay;
        // A tagged next state is computed first if it is unknown (the others are kept); `at`
        // is the byte's offset, the search's progress when the cache must be cleared.
        let known = |cache: &mut Cache, from, b, next: LazyStateID, at: usize| {
            if next.is_unknown() {
                cache.search_update(at);
                dfa.next_state(cache, from, b).ok()
            } else {
                Some(next)
            }
        };
        'text: loop {
            // A tagged state: a match (record it), dead or quit. Step on until the state is
            // untagged.
            while sid.is_tagged() {
                if sid.is_match() {
                    // Reported one byte late: the match ended before the byte just read.
                    let end = (hay.len() - rest.len()).saturating_sub(1);
                    found |= self.patterns_of(cache, sid, end, found, ends);
                } else if sid.is_dead() {
                    return Some(found);
                } else if sid.is_quit() {
                    return None;
                }
                let Some((&b, tail)) = rest.split_first() else {
                    break 'text;
                };
                cache.search_update(hay.len() - rest.len());
                rest = tail;
                sid = dfa.next_state(cache, sid, b).ok()?;
            }
            // The common case: untagged states, one lookup and one test a byte, four bytes a
            // round (unrolled), then the last few.
            while let Some((quad, tail)) = rest.split_first_chunk::<4>() {
                let mut s = sid;
                for (j, &b) in quad.iter().enumerate() {
                    let next = dfa.next_state_untagged(cache, s, b);
                    if next.is_tagged() {
                        sid = known(cache, s, b, next, hay.len() - rest.len() + j)?;
                        rest = &rest[j + 1..];
                        continue 'text;
                    }
                    s = next;
                }
                sid = s;
                rest = tail;
            }
            for (j, &b) in rest.iter().enumerate() {
                let next = dfa.next_state_untagged(cache, sid, b);
                if next.is_tagged() {
                    sid = known(cache, sid, b, next, hay.len() - rest.len() + j)?;
                    rest = &rest[j + 1..];
                    continue 'text;
                }
                sid = next;
            }
            break;
        }
        cache.search_update(hay.len());
        sid = dfa.next_eoi_state(cache, sid).ok()?;
        if sid.is_match() {
            found |= self.patterns_of(cache, sid, hay.len(), found, ends);
        }
        Some(found)
    }

    /// The patterns of a match state, recorded in `ends` as ending at `end` (as their first
    /// end too if they are not in `found` yet).
    fn patterns_of(
        &self,
        cache: &Cache,
        sid: LazyStateID,
        end: usize,
        found: u64,
        ends: &mut Ends,
    ) -> u64 {
        let mut bits = 0;
        // Truncated past 4 GiB: such a text's ends are not used (`Matched::last_end`).
        let end = end as u32;
        for i in 0..self.dfa.match_len(cache, sid) {
            let k = self.dfa.match_pattern(cache, sid, i).as_usize() % CHUNK;
            ends.last[k] = end;
            if found & (1 << k) == 0 {
                ends.first[k] = end;
            }
            bits |= 1u64 << k;
        }
        bits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// More patterns than one automaton holds: split, and each answers for its own.
    #[test]
    fn long_lists_are_split() {
        let patterns: Vec<String> = (0..150).map(|i| format!("x{i}y")).collect();
        let set = RelaxedSet::new(&patterns).expect("builds");
        assert_eq!(set.chunks.len(), 3);
        let m = set.matches("a x3y b x65y x149y x64");
        let hits: Vec<usize> = (0..150).filter(|&k| m.matched(k)).collect();
        assert_eq!(hits, [3, 65, 149]);
        // The end of the text ends a match too.
        assert!(set.matches("x7y").matched(7));
        assert!(!set.matches("").matched(7));
    }

    /// The end of each pattern's last match is recorded, one ending at the end of the text
    /// included; a pattern without a match has none.
    #[test]
    fn last_match_ends_are_recorded() {
        let patterns: Vec<String> = [r"x\d", "y+", "z"].map(String::from).to_vec();
        let set = RelaxedSet::new(&patterns).expect("builds");
        let m = set.matches("x1 yy x2 y");
        assert_eq!(m.last_end(0), Some(8));
        assert_eq!(m.last_end(1), Some(10));
        assert_eq!(m.last_end(2), None);
        assert_eq!((m.first_end(0), m.first_end(1)), (Some(2), Some(4)));
        assert_eq!(Matched::all().last_end(0), None);
    }

    /// Every end at which some match of `pattern` in `hay` ends (any start): what the walk's
    /// first and last ends must be the least and the greatest of.
    fn match_ends(pattern: &str, hay: &str) -> Vec<usize> {
        let whole = regex::Regex::new(&format!("^(?:{pattern})$")).expect("pattern");
        (0..=hay.len())
            .filter(|&e| (0..=e).any(|s| whole.is_match(&hay[s..e])))
            .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// For each pattern, the walk reports a match exactly when one exists, and its first
        /// and last ends are those of the earliest- and the latest-ending match, over
        /// patterns with optional parts, repetitions, alternations and empty matches (the
        /// whole-text search starts and stops by them: a wrong end loses a hit).
        #[test]
        fn first_and_last_ends_are_those_of_every_match(
            picks in proptest::collection::vec(0usize..8, 1..4),
            hay in "[abxy01 .]{0,24}",
        ) {
            const PATTERNS: [&str; 8] =
                [r"x\d", "y+", "a?b", r"(?:ab|ba)+", r"\d{2,3}", "x*", r"a\.?b", r"[ab]{3}"];
            let patterns: Vec<String> = picks.iter().map(|&i| PATTERNS[i].to_owned()).collect();
            let set = RelaxedSet::new(&patterns).expect("builds");
            let m = set.matches(&hay);
            for (k, p) in patterns.iter().enumerate() {
                let ends = match_ends(p, &hay);
                proptest::prop_assert_eq!(m.matched(k), !ends.is_empty(), "{} in {:?}", p, hay);
                proptest::prop_assert_eq!(m.first_end(k), ends.first().copied(), "{} in {:?}", p, hay);
                proptest::prop_assert_eq!(m.last_end(k), ends.last().copied(), "{} in {:?}", p, hay);
            }
        }
    }

    /// Text that makes the lazy DFA build a state every few bytes (random base58 runs against
    /// counted classes, as a hostile page can) makes it give up after three clears of its cache:
    /// every pattern is then reported (every rule runs, so nothing is missed) instead of the walk
    /// spending its time building states. A text it reads efficiently is answered exactly.
    #[test]
    fn a_text_that_thrashes_the_cache_gives_up_and_reports_every_pattern() {
        let patterns: Vec<String> = [
            r"[13][1-9A-HJ-NP-Za-km-z]{25,34}",
            r"[48][1-9A-HJ-NP-Za-km-z]{94}",
            r"never-in-the-text",
        ]
        .map(String::from)
        .to_vec();
        let set = RelaxedSet::with_cache_capacity(&patterns, 64 << 10).expect("builds");
        let mut seed = 7u64;
        let hostile: String = (0..200_000)
            .map(|i| {
                if i % 97 == 0 {
                    return ' ';
                }
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let alphabet = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
                char::from(alphabet[(seed >> 33) as usize % alphabet.len()])
            })
            .collect();
        let m = set.matches(&hostile);
        assert!(
            m.matched(2),
            "gave up: the pattern absent from the text is reported too"
        );
        let plain = "1".repeat(30) + &" x".repeat(100_000);
        let m = set.matches(&plain);
        assert!(m.matched(0) && !m.matched(1) && !m.matched(2));
    }
}
