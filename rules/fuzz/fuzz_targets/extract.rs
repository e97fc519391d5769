//! Fuzz target: extraction with the default pack over arbitrary bytes (decoded lossily) must
//! not panic, every entity span must lie inside the text on char boundaries, normalizing
//! twice must change nothing, and the normalizer's fast path must give exactly what its unit
//! passes alone give (text and offset map).
//!
//! `cargo fuzz run extract -s none` (stable Rust), or with AddressSanitizer
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run extract`. Seeds: `corpus/extract`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use salwatch_rules::normalize::{normalize, normalize_units};
use salwatch_rules::{Document, RuleEngine, decode_lossy};

fn engine() -> &'static RuleEngine {
    static ENGINE: OnceLock<RuleEngine> = OnceLock::new();
    ENGINE.get_or_init(|| RuleEngine::default_pack().expect("the default pack compiles"))
}

fuzz_target!(|data: &[u8]| {
    let text = decode_lossy("fuzz", data);
    let x = engine().extract(&Document {
        id: "fuzz",
        text: &text,
        default_region: Some("MK"),
    });
    for e in &x.entities {
        let [s, end] = e.span;
        assert!(
            s <= end && end <= text.len(),
            "span {s}..{end} outside the text"
        );
        assert!(
            text.is_char_boundary(s) && text.is_char_boundary(end),
            "span not on char boundaries"
        );
    }
    let n = normalize(&text);
    assert_eq!(
        n,
        normalize_units(&text),
        "the fast path and the unit passes disagree"
    );
    assert_eq!(
        normalize(&n.text).text,
        n.text,
        "normalizing twice changed the text"
    );
});
