//! Validator answers remembered per thread ([`Bounded`]): the phone parses of `contact` and the
//! checksummed addresses here. A seller's phone and wallet recur across their listings, and
//! checking one costs thousands of instructions (a phone parse ~40,000 the first time; Monero:
//! base58 blocks and a Keccak-256, ~9,600; a segwit address ~4,900; base58check with its double
//! SHA-256 ~10,700). A remembered answer costs a hash of the text and a copy of the answer.
//!
//! The answer is the validator's own for the same text and key (a pure function of them), so the
//! result is the same with or without the memo. Bounded: cleared when full, and long texts (no
//! address of a default-pack kind is over 106 characters) are not kept.

use std::cell::RefCell;
use std::hash::Hash;

use rustc_hash::FxHashMap;

use super::crypto;

/// Validator answers for texts, grouped by a key the answer also depends on (a checksum kind, a
/// phone's default region), bounded: cleared when `max` texts are kept. Keyed by that key first
/// so that a lookup borrows the text instead of copying it into a key. FxHash on seller-written
/// text has no protection against chosen collisions; the bound keeps a flood of colliding texts
/// to at most `max` entries' probing before a clear. Used per thread (no locking).
pub(super) struct Bounded<K> {
    by_key: FxHashMap<K, FxHashMap<Box<str>, Option<String>>>,
    len: usize,
    max: usize,
}

impl<K: Hash + Eq> Bounded<K> {
    pub(super) fn new(max: usize) -> Self {
        Self {
            by_key: FxHashMap::default(),
            len: 0,
            max,
        }
    }

    /// The answer kept for `text` under `key`, if any.
    pub(super) fn get(&self, key: &K, text: &str) -> Option<Option<String>> {
        self.by_key.get(key).and_then(|m| m.get(text).cloned())
    }

    /// Keeps `answer` for `text` under `key`, first clearing everything if the memo is full.
    pub(super) fn insert(&mut self, key: K, text: &str, answer: Option<String>) {
        if self.len >= self.max {
            self.by_key.clear();
            self.len = 0;
        }
        let kept = self.by_key.entry(key).or_default();
        if kept.insert(text.into(), answer).is_none() {
            self.len += 1;
        }
    }

    /// How many texts are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.len
    }

    /// The texts kept.
    #[cfg(test)]
    fn texts(&self) -> impl Iterator<Item = &str> {
        self.by_key.values().flat_map(|m| m.keys().map(|k| &**k))
    }
}

/// Most checksummed texts kept per thread before the memo is cleared.
const MAX_ENTRIES: usize = 1024;

/// Longest text kept.
const MAX_LEN: usize = 128;

/// The checksummed kinds the memo keeps. Each names its own check, so an answer can only be
/// stored under the kind that computed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Checksummed {
    Btc,
    Ltc,
    Trx,
    Xmr,
}

impl Checksummed {
    fn check(self) -> fn(&str) -> Option<String> {
        match self {
            Self::Btc => crypto::btc,
            Self::Ltc => crypto::ltc,
            Self::Trx => crypto::trx,
            Self::Xmr => crypto::xmr,
        }
    }
}

thread_local! {
    static MEMO: RefCell<Bounded<Checksummed>> = RefCell::new(Bounded::new(MAX_ENTRIES));
}

/// `kind`'s check of `s`, remembered.
pub(super) fn checked(kind: Checksummed, s: &str) -> Option<String> {
    if s.len() > MAX_LEN {
        return kind.check()(s);
    }
    if let Some(answer) = MEMO.with(|m| m.borrow().get(&kind, s)) {
        return answer;
    }
    let answer = kind.check()(s);
    MEMO.with(|m| m.borrow_mut().insert(kind, s, answer.clone()));
    answer
}

#[cfg(test)]
mod tests {
    use super::super::{Validator, crypto};
    use super::{MAX_ENTRIES, MAX_LEN, MEMO};

    /// A validator without the memo.
    type Check = fn(&str) -> Option<String>;

    /// Addresses valid for one validator and not the others, and broken ones.
    const POOL: [&str; 8] = [
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
        "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
        "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9",
        "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
        "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
        "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
        "",
    ];

    proptest::proptest! {
        /// Any sequence of checks answers as the validators do without the memo.
        #[test]
        fn remembered_as_checked(calls in proptest::collection::vec((0usize..4, 0usize..POOL.len()), 1..40)) {
            let validators: [(Validator, Check); 4] = [
                (Validator::Btc, crypto::btc),
                (Validator::Ltc, crypto::ltc),
                (Validator::Trx, crypto::trx),
                (Validator::Xmr, crypto::xmr),
            ];
            for (v, s) in calls {
                let (validator, direct) = validators[v];
                proptest::prop_assert_eq!(validator.check(POOL[s], None), direct(POOL[s]));
            }
        }
    }

    /// Thousands of distinct address-shaped texts (a hostile page) keep the memo within its
    /// bound, answering as the validator does; a text over the length limit is not kept.
    #[test]
    fn the_memo_stays_bounded() {
        for i in 0..3 * MAX_ENTRIES {
            let s = format!("1A1zP1eP5QGefi2DMPTfTL5SLmv7D{i:06}");
            assert_eq!(Validator::Btc.check(&s, None), crypto::btc(&s));
            MEMO.with(|m| assert!(m.borrow().len() <= MAX_ENTRIES));
        }
        let long = "1".repeat(MAX_LEN + 1);
        assert_eq!(Validator::Btc.check(&long, None), crypto::btc(&long));
        MEMO.with(|m| {
            let m = m.borrow();
            assert!(m.texts().all(|k| k.len() <= MAX_LEN));
            assert_eq!(m.len(), m.texts().count());
        });
    }
}
