//! The command surface without a crawl: extract's contract, init, exit codes, help.

use serde_json::Value;

use crate::harness::{ok, run, run_with_stdin};

#[test]
fn extract_follows_the_ndjson_contract_for_a_macedonian_ad() {
    let text = "Продавам пиштол Глок 19, 350 евра, тел 070 123 456";
    let out = run_with_stdin(&["extract", "--region", "MK"], Some(text.as_bytes()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one object per document: {stdout}");
    let x: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(x["id"], "stdin");
    assert_eq!(x["relevant"], true);
    assert_eq!(x["rule_pack"]["id"], "salw-core");
    assert!(
        x["categories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "firearm/pistol")
    );
    let entities = x["entities"].as_array().unwrap();
    let find = |kind: &str| {
        entities
            .iter()
            .find(|e| e["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} entity in {stdout}"))
    };
    assert_eq!(find("weapon")["normalized"], "Glock 19");
    assert_eq!(find("price")["normalized"], "350 EUR");
    let phone = find("phone");
    assert_eq!(phone["normalized"], "+38970123456");
    // spans are byte ranges into the original text
    let span = phone["span"].as_array().unwrap();
    let (start, end) = (
        span[0].as_u64().unwrap() as usize,
        span[1].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[start..end], phone["value"].as_str().unwrap());
}

#[test]
fn extract_reads_ndjson_in_order_and_keeps_ids() {
    let input = concat!(
        r#"{"id": "a", "text": "Prodajem pištolj za silikon, nov, 800 din"}"#,
        "\n",
        r#"{"id": "b", "text": "Shes pistoletë gl0ck 17 me municion, çmimi 350e"}"#,
        "\n"
    );
    let out = run_with_stdin(&["extract", "--input", "ndjson"], Some(input.as_bytes()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["id"], "a");
    assert_eq!(
        docs[0]["relevant"], false,
        "a glue gun is not a firearm sale: {}",
        docs[0]
    );
    assert!(
        !docs[0]["categories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c.as_str().unwrap_or("").starts_with("firearm")),
        "{}",
        docs[0]
    );
    assert_eq!(docs[1]["id"], "b");
    assert_eq!(docs[1]["relevant"], true, "{}", docs[1]);
}

#[test]
fn extract_workers_keep_input_order_across_batches() {
    // More documents than one batch (2,048), three workers: the output must equal one worker's,
    // line for line.
    let texts = [
        "Prodajem pištolj za silikon, nov, 800 din",
        "Shes pistoletë gl0ck 17 me municion, çmimi 350e",
        "Продавам пиштол Глок 19, 350 евра, тел 070 123 456",
        "Verkaufe Fahrrad, 50 EUR",
    ];
    let input: String = (0..5000)
        .map(|i| {
            let doc = serde_json::json!({ "id": format!("d{i}"), "text": texts[i % texts.len()] });
            format!("{doc}\n")
        })
        .collect();
    let run_jobs = |jobs: &str| {
        let out = run_with_stdin(
            &["extract", "--input", "ndjson", "--jobs", jobs],
            Some(input.as_bytes()),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let one = run_jobs("1");
    let three = run_jobs("3");
    assert_eq!(one.lines().count(), 5000);
    for (i, line) in three.lines().enumerate() {
        let doc: Value = serde_json::from_str(line).unwrap();
        assert_eq!(doc["id"], format!("d{i}"));
    }
    assert!(one == three, "three workers changed the output");
}

#[test]
fn extract_rejects_malformed_ndjson_with_the_line_number() {
    let out = run_with_stdin(
        &["extract", "--input", "ndjson"],
        Some(b"{\"id\": \"a\", \"text\": \"ok\"}\nnot json\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stdin:2"), "{stderr}");
}

#[test]
fn invalid_utf8_in_an_ndjson_line_is_decoded_lossily_with_a_warning() {
    let out = run_with_stdin(
        &["extract", "--input", "ndjson"],
        Some(b"{\"id\": \"a\", \"text\": \"Glock 19 \xff\xfe 350e\"}\n{\"id\": \"b\", \"text\": \"Zastava M70\"}\n"),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("stdin:1") && stderr.contains("invalid UTF-8"),
        "{stderr}"
    );
    let docs: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2, "the next line is not lost");
    assert_eq!(docs[0]["entities"][0]["value"], "Glock 19");
    assert_eq!(docs[1]["id"], "b");
}

/// 12 MB of nothing but ads (more than the crawler's 10 MiB page limit): about 700,000
/// entities. The first 10,000 are reported, the rest counted, and the process stays within a
/// few hundred MB (without the limit: 490 MB here; 50 MB of such text took 2.0 GB before the
/// limit and the chunk-by-chunk merge). Peak memory is read by Python's `getrusage`, the
/// only portable way to read a child's peak without unsafe code.
#[test]
fn extract_of_a_huge_entity_dense_text_reports_the_first_entities_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dump.txt");
    let ads = "Продавам пиштол Глок 19, цена 350 €, тел 070 123 456. \
               Prodajem municiju 9x19mm, 50 kom, 20 eur. ";
    std::fs::write(&path, ads.repeat(12_000_000 / ads.len())).unwrap();
    let output = dir.path().join("dump.ndjson");
    // argv: the output file, then the command; prints the child's peak resident KB.
    let script = "import resource, subprocess, sys\n\
                  with open(sys.argv[1], 'wb') as out:\n    \
                  code = subprocess.run(sys.argv[2:], stdout=out).returncode\n\
                  print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n\
                  sys.exit(code)";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&output)
        .arg(crate::harness::bin())
        .args(["extract", "--jobs", "1"])
        .arg(&path)
        .output()
        .expect("python3 runs (installed by .ci/run)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let peak_kb: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!(peak_kb < 300_000, "peak resident memory {peak_kb} KB");
    assert!(
        stderr.contains("per-document limit") && stderr.contains("dump.txt"),
        "{stderr}"
    );
    let x: Value = serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    let entities = x["entities"].as_array().unwrap();
    assert_eq!(entities.len(), 10_000);
    assert!(
        x["entities_omitted"].as_u64().unwrap() > 500_000,
        "{}",
        x["entities_omitted"]
    );
    assert_eq!(x["relevant"], true);
    // The reported ones are the first ones, in order, whole (the calibre reaches the ammunition).
    assert_eq!(entities[0]["value"], "пиштол");
    assert_eq!(entities[0]["span"][0], "Продавам ".len());
    assert!(
        entities
            .iter()
            .filter(|e| e["kind"] == "ammunition")
            .all(|e| e["normalized"] == "9x19mm")
    );
}

/// `--max-entities N` reports the first N entities and counts the rest; `0` reports them all
/// (and the count is absent).
#[test]
fn extract_max_entities_sets_the_per_document_limit() {
    let ads = "Prodajem Glock 19, 350 eur, tel 064 123 4567. ".repeat(6);
    let extract = |limit: &str| -> Value {
        let out = run_with_stdin(&["extract", "--max-entities", limit], Some(ads.as_bytes()));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let all = extract("0");
    let n = all["entities"].as_array().unwrap().len();
    assert!(n > 10, "{all}");
    assert!(all.get("entities_omitted").is_none(), "{all}");
    let two = extract("2");
    assert_eq!(
        two["entities"].as_array().unwrap()[..],
        all["entities"].as_array().unwrap()[..2]
    );
    assert_eq!(two["entities_omitted"], n - 2);
}

/// `salwatch extract … | head -1`: the reader closes the pipe after one line, and the command
/// stops quietly with exit 0 (it used to print "error: Broken pipe" and exit 3).
#[test]
fn extract_stops_quietly_when_its_reader_closes_the_pipe() {
    use std::io::{BufRead as _, BufReader, Write as _};
    use std::process::{Command, Stdio};
    let mut child = Command::new(crate::harness::bin())
        .args(["extract", "--input", "ndjson"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let line = "{\"id\": \"a\", \"text\": \"Prodajem Glock 19, 350 eur\"}\n";
        // Fails once the command has stopped: that is expected.
        let _ = stdin.write_all(line.repeat(200_000).as_bytes());
    });
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("Glock 19"), "{first}");
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?} {stderr}", out.status);
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn init_writes_a_documented_config_and_refuses_to_overwrite_it() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let ws_str = ws.to_str().unwrap();
    ok(&["init", ws_str]);
    let config = std::fs::read_to_string(ws.join("salwatch.toml")).unwrap();
    assert!(config.contains("[[sites]]"));
    assert!(ws.join("profiles").is_dir());
    assert!(ws.join("archive").is_dir());
    let again = run(&["init", ws_str]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "a second init must not overwrite"
    );
    ok(&["init", ws_str, "--force"]);
}

#[test]
fn a_damaged_state_database_is_named_once_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let ws_str = ws.to_str().unwrap();
    ok(&["init", ws_str]);
    // Not a SQLite file at all (a disk fault, a bad copy).
    std::fs::write(ws.join("state.db"), vec![0x5a; 8192]).unwrap();
    let out = run(&["-w", ws_str, "crawl", "status"]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("file is not a database").count(),
        1,
        "each cause said once: {stderr}"
    );
    assert!(
        stderr.contains("state.db is damaged")
            && stderr.contains("salwatch index rebuild")
            && stderr.contains("cases and their audit log"),
        "{stderr}"
    );
}

#[test]
fn commands_outside_a_workspace_exit_2_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["-w", dir.path().to_str().unwrap(), "search", "glock"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("salwatch init"), "{stderr}");
}

#[test]
fn a_broken_config_exits_2_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("salwatch.toml"),
        "[crawl]\nrequests_per_minit = 3\n",
    )
    .unwrap();
    let out = run(&["-w", dir.path().to_str().unwrap(), "crawl"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("salwatch.toml"), "{stderr}");
    assert!(stderr.contains("requests_per_minit"), "{stderr}");
}

#[test]
fn help_teaches_with_examples() {
    let help = ok(&["search", "--help"]);
    assert!(help.contains("--entity"));
    assert!(help.contains("Examples"));
}
