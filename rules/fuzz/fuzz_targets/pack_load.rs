//! Fuzz target: loading and compiling a rule pack from arbitrary bytes must return `Ok` or a
//! clear `Err`, never panic or hang.
//!
//! Nightly Rust (which `cargo fuzz run` needs for its sanitizers) is not available where this
//! was written, so the target is a plain `fn main` harness built on stable: it runs every file
//! (or every file of every directory) named on the command line, e.g.
//! `cargo run --release -- corpus/pack_load`. Feed it inputs from any fuzzer (AFL++ in
//! file mode, honggfuzz, radamsa) the same way.

use salwatch_rules::RuleEngine;
use salwatch_rules::pack::Pack;

fn one(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(pack) = Pack::from_parts("fuzz", &[("fuzz.toml".to_owned(), text.into_owned())]) {
        if let Ok(engine) = RuleEngine::from_packs(vec![pack]) {
            let _ = engine.lint();
            let _ = engine.test_examples(&[]);
        }
    }
}

fn main() {
    let mut n = 0;
    for arg in std::env::args().skip(1) {
        let path = std::path::Path::new(&arg);
        let files: Vec<std::path::PathBuf> = if path.is_dir() {
            std::fs::read_dir(path)
                .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
                .unwrap_or_default()
        } else {
            vec![path.to_path_buf()]
        };
        for f in files {
            if let Ok(data) = std::fs::read(&f) {
                one(&data);
                n += 1;
            }
        }
    }
    eprintln!("pack_load: {n} inputs, no panic");
}
