//! Fuzz target: extraction with the default pack over arbitrary bytes (decoded lossily) must
//! not panic, and every entity span must lie inside the text on char boundaries.
//!
//! A plain `fn main` harness built on stable (nightly, needed by `cargo fuzz run`, is not
//! available here): it runs every file (or every file of every directory) named on the command
//! line, e.g. `cargo run --release --bin extract -- corpus/extract`.

use salwatch_rules::{Document, RuleEngine, decode_lossy};

fn one(engine: &RuleEngine, data: &[u8]) {
    let text = decode_lossy("fuzz", data);
    let x = engine.extract(&Document {
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
    let n = salwatch_rules::normalize::normalize(&text);
    assert_eq!(
        salwatch_rules::normalize::normalize(&n.text).text,
        n.text,
        "normalizing twice changed the text"
    );
}

fn main() {
    let engine = match RuleEngine::default_pack() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("default pack: {e}");
            std::process::exit(2);
        }
    };
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
                one(&engine, &data);
                n += 1;
            }
        }
    }
    eprintln!("extract: {n} inputs, no panic");
}
