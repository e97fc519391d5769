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

use super::Validator;

/// Most texts kept per thread before the memo is cleared.
const MAX_ENTRIES: usize = 1024;

/// Longest text kept.
const MAX_LEN: usize = 128;

/// Validator → text → the validator's answer; keyed by validator first so that a lookup
/// borrows the text instead of copying it into a key.
type Memo = FxHashMap<Validator, FxHashMap<Box<str>, Option<String>>>;

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
}

/// `check(s)` through the memo; `check` must be `v`'s validation of `s`.
pub(super) fn remembered(
    v: Validator,
    s: &str,
    check: impl FnOnce(&str) -> Option<String>,
) -> Option<String> {
    if s.len() > MAX_LEN {
        return check(s);
    }
    let hit = MEMO.with(|m| m.borrow().get(&v).and_then(|by| by.get(s).cloned()));
    if let Some(answer) = hit {
        return answer;
    }
    let answer = check(s);
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.values().map(FxHashMap::len).sum::<usize>() >= MAX_ENTRIES {
            m.clear();
        }
        m.entry(v).or_default().insert(s.into(), answer.clone());
    });
    answer
}

#[cfg(test)]
mod tests {
    use super::super::{Validator, crypto};

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
}
