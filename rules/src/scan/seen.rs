//! The set of hits a chunk has already made ([`Seen`]), so that no (rule, span) is pushed twice.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// Hits already made, by (rule, start, end): only inserted into, never iterated. A document
/// makes a dozen hits or so: they are kept in a list searched linearly (cheaper than hashing
/// for so few), moved to a hash set once the list is long, so that a hostile page with
/// thousands of hits stays linear.
pub(super) struct Seen {
    list: Vec<(usize, usize, usize)>,
    set: Option<HashSet<(usize, usize, usize), BuildHasherDefault<FastHash>>>,
}

impl Seen {
    /// Longest list searched linearly.
    const LIST_MAX: usize = 48;

    pub(super) fn new() -> Self {
        Self {
            list: Vec::with_capacity(32),
            set: None,
        }
    }

    /// Adds `key`; false if it was already there.
    #[inline]
    pub(super) fn insert(&mut self, key: (usize, usize, usize)) -> bool {
        if let Some(set) = &mut self.set {
            return set.insert(key);
        }
        if self.list.contains(&key) {
            return false;
        }
        if self.list.len() < Self::LIST_MAX {
            self.list.push(key);
        } else {
            let mut set: HashSet<_, BuildHasherDefault<FastHash>> = self.list.drain(..).collect();
            set.insert(key);
            self.set = Some(set);
        }
        true
    }
}

/// A small multiplicative hasher for the `Seen` keys (a few integers from our own spans; no
/// untrusted key choice), much cheaper than SipHash.
#[derive(Default)]
pub(super) struct FastHash(u64);

impl Hasher for FastHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}
