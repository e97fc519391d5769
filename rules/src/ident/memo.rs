//! Checksummed identifiers remembered per thread: a seller's wallet address recurs across their
//! listings, and checking one costs thousands of instructions (Monero: base58 blocks and a
//! Keccak-256, ~9,600; a segwit address ~4,900; base58check with its double SHA-256 ~10,700).
//! A remembered answer costs a hash of the address and a copy of the answer.
//!
//! The answer is the validator's own for the same text (a pure function of it), so the result is
//! the same with or without the memo. Bounded: cleared when full, and long texts (no address of
//! a default-pack kind is over 106 characters) are not kept.

use std::cell::RefCell;

use rustc_hash::FxHashMap;

use super::crypto;

/// Most texts kept per thread before the memo is cleared. The keys are seller-written text
/// hashed with FxHash (no protection against chosen collisions), which this bound keeps harmless:
/// a flood of colliding addresses costs at most this many entries' probing before a clear.
const MAX_ENTRIES: usize = 1024;

/// Longest text kept.
const MAX_LEN: usize = 128;

/// The checksummed kinds the memo keeps. Each names its own check, so an answer can only be
/// stored under the kind that computed it.
#[derive(Debug, Clone, Copy)]
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

/// Per kind (by its index), text → the check's answer; `len` counts the entries of all kinds.
#[derive(Default)]
struct Memo {
    by_kind: [FxHashMap<Box<str>, Option<String>>; 4],
    len: usize,
}

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
}

/// `kind`'s check of `s`, remembered.
pub(super) fn checked(kind: Checksummed, s: &str) -> Option<String> {
    if s.len() > MAX_LEN {
        return kind.check()(s);
    }
    let k = kind as usize;
    let hit = MEMO.with(|m| m.borrow().by_kind[k].get(s).cloned());
    if let Some(answer) = hit {
        return answer;
    }
    let answer = kind.check()(s);
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.len >= MAX_ENTRIES {
            m.by_kind.iter_mut().for_each(FxHashMap::clear);
            m.len = 0;
        }
        if m.by_kind[k].insert(s.into(), answer.clone()).is_none() {
            m.len += 1;
        }
    });
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
            MEMO.with(|m| assert!(m.borrow().len <= MAX_ENTRIES));
        }
        let long = "1".repeat(MAX_LEN + 1);
        assert_eq!(Validator::Btc.check(&long, None), crypto::btc(&long));
        MEMO.with(|m| {
            let m = m.borrow();
            assert!(
                m.by_kind
                    .iter()
                    .flat_map(|k| k.keys())
                    .all(|k| k.len() <= MAX_LEN)
            );
            assert_eq!(m.len, m.by_kind.iter().map(|k| k.len()).sum::<usize>());
        });
    }
}
