//! `salwatch rules test | lint | explain | backtest`: the rule maintainer's tools, end to end.

use std::path::Path;

use serde_json::Value;

use crate::harness::{Served, ground_truth, ok, run};

/// A Macedonian rule the default pack does not have: `автомат` (an automatic rifle).
const MK_PACK: &str = r#"
[pack]
id = "mk-extra"
version = "2026.11.1"
languages = ["mk"]

[[rule]]
id = "weapon_type.assault_rifle.mk_avtomat"
description = "Macedonian 'автомат' (an automatic rifle); not 'автомат за кафе'"
kind = "weapon_type"
terms = ["avtomat", "avtomati", "avtomatot"]
fields = { normalized = "assault_rifle" }
categories = ["firearm/assault_rifle"]
eu_category = "A"
exclude = ['avtomat[a-z]*\s+za\s+[a-z]+']
should_match = [{ text = "Се продава автомат Калашников", normalized = "assault_rifle", value = "автомат" }]
should_not_match = ["Продавам автомат за кафе"]
"#;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn default_pack_examples_all_pass() {
    let stdout = ok(&["rules", "test"]);
    assert!(stdout.contains("test result: ok."), "{stdout}");
    let json: Value =
        serde_json::from_str(&ok(&["rules", "test", "salw-core", "--format", "json"]))
            .expect("rules test --format json prints JSON");
    assert!(json["run"].as_u64().unwrap() > 100, "{json}");
    assert_eq!(json["failures"].as_array().unwrap().len(), 0);
}

#[test]
fn a_bad_regex_fails_with_exit_2_naming_file_line_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let pack = write(
        dir.path(),
        "bad.toml",
        "[pack]\nid = \"bad\"\nversion = \"1\"\n\n[[rule]]\nid = \"weapon.broken\"\nkind = \"weapon\"\n\
         pattern = 'glock(\\d+'\nshould_match = [{ text = \"glock 19\" }]\n",
    );
    for args in [
        vec!["rules", "test", pack.as_str()],
        vec!["rules", "lint", "--pack", pack.as_str()],
        vec!["rules", "explain", "glock 19", "--pack", pack.as_str()],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(&format!("{pack}:6")), "{err}");
        assert!(err.contains("weapon.broken"), "{err}");
        assert!(err.contains("unclosed group"), "{err}");
    }
}

#[test]
fn a_new_rule_in_an_extra_pack_is_tested_and_failures_are_diffs() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "mk.toml", MK_PACK);
    let stdout = ok(&["rules", "test", &good]);
    assert!(
        stdout.contains("test result: ok. 2 examples, 0 failed"),
        "only the extra pack's examples run: {stdout}"
    );
    let broken = MK_PACK.replace(
        "normalized = \"assault_rifle\", value",
        "normalized = \"rifle\", value",
    );
    let bad = write(dir.path(), "mk-bad.toml", &broken);
    let out = run(&["rules", "test", &bad]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("FAIL weapon_type.assault_rifle.mk_avtomat"),
        "{stdout}"
    );
    assert!(
        stdout.contains("- value=Some(\"автомат\") normalized=Some(\"rifle\")"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+ value=\"автомат\" normalized=Some(\"assault_rifle\")"),
        "{stdout}"
    );
    let out = run(&["rules", "test", "no-such-pack"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn lint_reports_rules_without_examples_and_unmatchable_patterns() {
    let dir = tempfile::tempdir().unwrap();
    let pack = write(
        dir.path(),
        "lint.toml",
        "[pack]\nid = \"l\"\nversion = \"1\"\n[[rule]]\nid = \"weapon.upper\"\nkind = \"weapon\"\n\
         terms = [\"glock\"]\npattern = 'Glock \\d+'\n",
    );
    let out = run(&["rules", "lint", "--pack", &pack, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "warnings only: {}",
        stderr(&out)
    );
    let findings: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mine: Vec<&Value> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "weapon.upper")
        .collect();
    assert!(
        mine.iter()
            .any(|f| f["message"].as_str().unwrap().contains("no should_match"))
    );
    assert!(mine.iter().any(|f| {
        f["message"]
            .as_str()
            .unwrap()
            .contains("`G` (folds to `g`)")
    }));
    assert!(mine.iter().all(|f| f["location"] == format!("{pack}:5")));
    let out = run(&["rules", "lint", "--pack", &pack, "--deny-warnings"]);
    assert_eq!(out.status.code(), Some(1));
    let out = run(&["rules", "lint"]);
    assert_eq!(out.status.code(), Some(0), "salw-core lints without errors");
}

#[test]
fn explain_shows_normalized_text_hits_and_extraction() {
    let stdout = ok(&["rules", "explain", "Продавам пиштол Глок 19, 350 евра"]);
    assert!(
        stdout.contains("normalized: prodavam pistol glok 19, 350 evra"),
        "{stdout}"
    );
    assert!(stdout.contains("weapon.glock"), "{stdout}");
    assert!(stdout.contains("relevant: true"), "{stdout}");
    let json: Value = serde_json::from_str(&ok(&[
        "rules",
        "explain",
        "Pistoletë silikoni profesionale, 1300 lekë",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json["extraction"]["relevant"], false, "{json}");
    let rules: Vec<&str> = json["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"cue.tool"), "{rules:?}");
    assert!(
        !rules.contains(&"weapon_type.pistol"),
        "glue gun is no pistol: {rules:?}"
    );
}

#[test]
fn backtest_over_a_crawled_workspace_reports_gains() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let served = Served::start(&ws);
    ok(&["-w", ws.to_str().unwrap(), "crawl"]);
    drop(served);
    let pack = write(dir.path(), "mk.toml", MK_PACK);
    let out = run(&[
        "-w",
        ws.to_str().unwrap(),
        "rules",
        "backtest",
        &pack,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let changes: Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes = changes.as_array().unwrap();
    assert!(
        !changes.is_empty(),
        "the Macedonian rule changes some listings"
    );
    let kalashnikov = changes
        .iter()
        .find(|c| c["listing_id"] == "classifieds:40685")
        .expect("`Се продава автомат Калашников АК-47` gains the new rule");
    assert!(kalashnikov["gained"].as_u64().unwrap() >= 1);
    assert!(
        kalashnikov["changes"].as_array().unwrap().iter().any(|l| l
            .as_str()
            .unwrap()
            .starts_with("+ weapon_type \"assault_rifle\"")),
        "{kalashnikov}"
    );
    assert!(
        changes.iter().all(|c| c["lost"] == 0),
        "adding a rule loses nothing"
    );
    let err = stderr(&out);
    let listings = ground_truth()["counts"]["listings"].as_u64().unwrap();
    assert!(err.contains(&format!(": {listings} listings")), "{err}");
    assert!(err.contains("added to the live packs"), "{err}");
    // Without a workspace it is a usage error.
    let out = run(&[
        "-w",
        dir.path().to_str().unwrap(),
        "rules",
        "backtest",
        &pack,
    ]);
    assert_eq!(out.status.code(), Some(2));
}
