//! Fuzz target: loading and compiling a rule pack from arbitrary bytes must return `Ok` or a
//! clear `Err`, never panic or hang; a pack that compiles must lint and run its own examples.
//!
//! `cargo fuzz run pack_load -s none` (stable Rust), or with AddressSanitizer
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run pack_load`. Seeds: `corpus/pack_load`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use salwatch_rules::RuleEngine;
use salwatch_rules::pack::Pack;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(pack) = Pack::from_parts("fuzz", &[("fuzz.toml".to_owned(), text.into_owned())])
        && let Ok(engine) = RuleEngine::from_packs(vec![pack])
    {
        let _ = engine.lint();
        let _ = engine.test_examples(&[]);
    }
});
