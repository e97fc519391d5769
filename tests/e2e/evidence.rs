//! Evidence packages (issue #8) on the crawled samples: `salwatch export` writes a WACZ that the
//! independent tools accept (py-wacz `wacz validate`, `warcio check`/`test`), whose WARC records
//! are the workspace's bytes; `salwatch evidence verify` passes it and names every tampering
//! (a flipped WARC byte, an edited listings.json, a dropped file, an added file, a swapped
//! signature, another signing key). STIX 2.1 (stix2, stix2-validator) and MISP (pymisp) too.
//!
//! The Python tools come from .ci/run; under CI a missing tool fails, elsewhere it is a loud SKIP.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::harness::{Served, ok, run, search};

/// Rewrites a zip with one change (python's zipfile: independent of our zip writer).
const TAMPER: &str = r#"
import json, sys, zipfile
src, dst, op, name = sys.argv[1:5]
extra = sys.argv[5] if len(sys.argv) > 5 else None
zin = zipfile.ZipFile(src)
zout = zipfile.ZipFile(dst, "w")
for info in zin.infolist():
    data = zin.read(info.filename)
    if info.filename == name:
        if op == "drop":
            continue
        if op == "flip":
            data = bytearray(data); data[len(data) // 2] ^= 0x01; data = bytes(data)
        if op == "replace":
            old, new = extra.split("=>")
            assert old.encode() in data, "text to replace is not there"
            data = data.replace(old.encode(), new.encode(), 1)
        if op == "signature":
            other = json.loads(zipfile.ZipFile(extra).read(name))
            mine = json.loads(data)
            mine["salwatchSignature"]["signature"] = other["salwatchSignature"]["signature"]
            data = json.dumps(mine, indent=2).encode()
    zout.writestr(info, data)
if op == "add":
    zout.writestr(name, extra)
zout.close()
"#;

fn unzip(pkg: &Path, to: &Path) {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
        ])
        .arg(pkg)
        .arg(to)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tamper(dir: &Path, pkg: &Path, out: &str, op: &str, name: &str, extra: Option<&str>) -> PathBuf {
    let dst = dir.join(out);
    let mut cmd = Command::new("python3");
    cmd.args(["-c", TAMPER]).arg(pkg).arg(&dst).args([op, name]);
    if let Some(e) = extra {
        cmd.arg(e);
    }
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "tamper {op} {name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    dst
}

/// True when `python3 -c CODE` (or the command) works; panics under CI when it does not.
fn tool(what: &str, args: &[&str]) -> bool {
    let present = Command::new(args[0])
        .args(&args[1..])
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        if std::env::var_os("CI").is_some() {
            panic!("{what} is not installed but CI is set: .ci/run must install it");
        }
        eprintln!("\n\n*** SKIP: {what} is not installed; that check was NOT run ***\n\n");
    }
    present
}

/// `evidence verify` findings as (kind, path, detail), and the exit code.
fn verify(pkg: &Path, key: Option<&Path>) -> (Option<i32>, Vec<(String, String, String)>) {
    let mut args = vec![
        "evidence".to_string(),
        "verify".into(),
        pkg.display().to_string(),
        "--format".into(),
        "json".into(),
    ];
    if let Some(k) = key {
        args.extend(["--key".into(), k.display().to_string()]);
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&refs);
    let findings: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let findings = findings
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["kind"].as_str().unwrap_or("").to_owned(),
                        f["path"].as_str().unwrap_or("").to_owned(),
                        f["detail"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (out.status.code(), findings)
}

fn find_sub(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn exported_package_is_valid_byte_exact_and_every_tampering_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ws = d.join("ws");
    let _served = Served::start(&ws);
    let w = ws.to_str().unwrap();
    ok(&["-w", w, "crawl"]);
    let hits = search(&ws, &["glock"]);
    assert!(hits.len() >= 3, "the samples have Glock listings");
    let ids: Vec<String> = hits[..3]
        .iter()
        .map(|h| h["listing"]["listing_id"].as_str().unwrap().to_owned())
        .collect();
    ok(&["-w", w, "case", "new", "op-glock", "--analyst", "ana"]);
    for id in &ids {
        ok(&[
            "-w",
            w,
            "case",
            "add",
            "op-glock",
            "--listing",
            id,
            "--analyst",
            "ana",
        ]);
    }
    ok(&[
        "-w",
        w,
        "case",
        "note",
        "op-glock",
        "same <b>engraving</b>",
        "--analyst",
        "ana",
    ]);

    // Usage errors: unknown case, missing package, not a zip.
    assert_eq!(
        run(&["-w", w, "export", "nope", "--out", "x.wacz"])
            .status
            .code(),
        Some(2)
    );
    let missing = d.join("missing.wacz");
    assert_eq!(verify(&missing, None).0, Some(2));
    let not_zip = d.join("not.wacz");
    std::fs::write(&not_zip, b"hello").unwrap();
    assert_eq!(verify(&not_zip, None).0, Some(2));

    // 1. Export.
    let pkg = d.join("op-glock.wacz");
    let p = pkg.to_str().unwrap();
    let summary: Value = serde_json::from_str(&ok(&[
        "-w",
        w,
        "export",
        "op-glock",
        "--out",
        p,
        "--analyst",
        "bo",
        "--format",
        "json",
    ]))
    .unwrap();
    let summary = &summary[0];
    assert_eq!(summary["listings"], 3);
    assert!(summary["records"].as_u64().unwrap() >= 4, "{summary}");
    let key_file = ws.join("keys").join("evidence-ed25519.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key is owner-only");
    }
    let x = d.join("x");
    unzip(&pkg, &x);
    let pem = x.join("salwatch").join("public-key.pem");
    let fingerprint = summary["key_fingerprint"].as_str().unwrap();
    let report = std::fs::read_to_string(x.join("salwatch/report.html")).unwrap();
    assert!(report.contains(fingerprint), "the report names the key");
    assert!(!report.contains("<script"), "no scripts");
    assert!(
        report.contains("src=\"data:image/png;base64,"),
        "the listings' photos are embedded"
    );
    assert!(
        report.contains("same &lt;b&gt;engraving&lt;/b&gt;"),
        "captured text is escaped"
    );

    // The custody log: the case's audit log, then the export, chained by hashes.
    let custody = std::fs::read_to_string(x.join("salwatch/custody.jsonl")).unwrap();
    let entries: Vec<Value> = custody
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        entries.len(),
        1 + 3 + 1 + 1,
        "created, 3 added, noted, exported"
    );
    let last = entries.last().unwrap();
    assert_eq!(
        (last["action"].as_str(), last["who"].as_str()),
        (Some("exported"), Some("bo"))
    );
    assert!(last["tool"].as_str().unwrap().starts_with("salwatch "));
    assert!(
        !last["archive"].as_array().unwrap().is_empty(),
        "names the source WARC files"
    );

    // The capture records are the workspace archive's bytes, found through the CDXJ index.
    let listings: Value =
        serde_json::from_slice(&std::fs::read(x.join("salwatch/listings.json")).unwrap()).unwrap();
    let cdxj = std::fs::read_to_string(x.join("indexes/index.cdxj")).unwrap();
    assert_eq!(listings.as_array().unwrap().len(), 3);
    for l in listings.as_array().unwrap() {
        let c = &l["capture"];
        let file = c["warc_file"].as_str().unwrap();
        let (off, len) = (
            c["offset"].as_u64().unwrap() as usize,
            c["length"].as_u64().unwrap() as usize,
        );
        let source = std::fs::read(ws.join("archive").join(file)).unwrap();
        let member = &source[off..off + len];
        let line = cdxj
            .lines()
            .find(|line| line.contains(c["payload_digest"].as_str().unwrap()))
            .unwrap_or_else(|| panic!("no CDXJ line for {}", l["listing_id"]));
        let entry: Value = serde_json::from_str(line.splitn(3, ' ').nth(2).unwrap()).unwrap();
        let exported =
            std::fs::read(x.join("archive").join(entry["filename"].as_str().unwrap())).unwrap();
        let new_off: usize = entry["offset"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            &exported[new_off..new_off + len],
            member,
            "byte-for-byte copy"
        );
        assert!(find_sub(&exported, member).is_some());
    }

    // 2. The independent tools.
    if tool("py-wacz (pip install wacz)", &["wacz", "--help"]) {
        let v = Command::new("wacz")
            .args(["validate", "-f"])
            .arg(&pkg)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&v.stdout);
        assert!(
            v.status.success() && text.contains("is valid"),
            "wacz validate:\n{text}"
        );
    }
    let warcs: Vec<PathBuf> = std::fs::read_dir(x.join("archive"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!warcs.is_empty());
    if tool("warcio (pip install warcio)", &["warcio", "--version"]) {
        let check = Command::new("warcio")
            .args(["check", "-v"])
            .args(&warcs)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&check.stdout);
        assert!(
            check.status.success()
                && text.contains("digest pass")
                && !text.contains("digest failed"),
            "warcio check:\n{text}"
        );
        if Command::new("warcio")
            .args(["test", "--help"])
            .output()
            .is_ok_and(|o| o.status.success())
        {
            let t = Command::new("warcio")
                .arg("test")
                .args(&warcs)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&t.stdout);
            assert!(
                t.status.success() && !text.contains("error:"),
                "warcio test:\n{text}"
            );
        } else {
            eprintln!(
                "NOTE: the installed warcio has no `test` subcommand; ran `warcio check` and `warcio index`"
            );
            for f in &warcs {
                let i = Command::new("warcio").arg("index").arg(f).output().unwrap();
                assert!(
                    i.status.success(),
                    "warcio index cannot parse {}",
                    f.display()
                );
                assert_eq!(
                    String::from_utf8_lossy(&i.stdout).lines().count() as u64,
                    summary["records"].as_u64().unwrap() / warcs.len() as u64
                );
            }
        }
    }

    // 3. Verify: intact, then each tampering named.
    let (code, findings) = verify(&pkg, Some(&pem));
    assert_eq!((code, findings.len()), (Some(0), 0), "{findings:?}");
    let warc_name = format!(
        "archive/{}",
        warcs[0].file_name().unwrap().to_str().unwrap()
    );
    let has = |f: &[(String, String, String)], kind: &str, path: &str| {
        f.iter().any(|(k, p, _)| k == kind && p == path)
    };

    let flipped = tamper(d, &pkg, "flipped.wacz", "flip", &warc_name, None);
    let (code, f) = verify(&flipped, Some(&pem));
    assert_eq!(code, Some(1));
    assert!(has(&f, "altered", &warc_name), "{f:?}");

    let title = listings[0]["title"].as_str().unwrap();
    let edit = format!(
        "{}=>{}",
        serde_json::to_string(title).unwrap(),
        "\"Air rifle\""
    );
    let edited = tamper(
        d,
        &pkg,
        "edited.wacz",
        "replace",
        "salwatch/listings.json",
        Some(&edit),
    );
    let (code, f) = verify(&edited, Some(&pem));
    assert_eq!(code, Some(1));
    assert!(has(&f, "altered", "salwatch/listings.json"), "{f:?}");
    assert_eq!(f.len(), 1, "only listings.json: {f:?}");

    let dropped = tamper(
        d,
        &pkg,
        "dropped.wacz",
        "drop",
        "salwatch/timeline.json",
        None,
    );
    let (code, f) = verify(&dropped, Some(&pem));
    assert_eq!(code, Some(1));
    assert!(has(&f, "removed", "salwatch/timeline.json"), "{f:?}");

    let added = tamper(
        d,
        &pkg,
        "added.wacz",
        "add",
        "salwatch/extra.txt",
        Some("planted"),
    );
    let (code, f) = verify(&added, Some(&pem));
    assert_eq!(code, Some(1));
    assert!(has(&f, "added", "salwatch/extra.txt"), "{f:?}");

    // A second package signed by another key (the workspace key moved away meanwhile).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let keys = ws.join("keys");
    let kept = d.join("keys-kept");
    std::fs::rename(&keys, &kept).unwrap();
    let other = d.join("other.wacz");
    ok(&[
        "-w",
        w,
        "export",
        "op-glock",
        "--out",
        other.to_str().unwrap(),
        "--analyst",
        "eve",
    ]);
    std::fs::remove_dir_all(&keys).unwrap();
    std::fs::rename(&kept, &keys).unwrap();
    let swapped = tamper(
        d,
        &pkg,
        "swapped.wacz",
        "signature",
        "datapackage-digest.json",
        Some(other.to_str().unwrap()),
    );
    let (code, f) = verify(&swapped, Some(&pem));
    assert_eq!(code, Some(1));
    assert!(has(&f, "signature", "datapackage-digest.json"), "{f:?}");
    // The other package is intact but signed by another key: only a pinned key tells.
    assert_eq!(verify(&other, None).0, Some(0));
    let (code, f) = verify(&other, Some(&pem));
    assert_eq!(code, Some(1));
    assert!(
        f.iter()
            .any(|(k, _, d)| k == "signature" && d.contains("not by the expected key")),
        "{f:?}"
    );

    // 4. Sharing: a case covering wallets, e-mail, PGP, phones and Telegram as STIX and MISP.
    let all = search(&ws, &[]);
    let mut share: Vec<String> = Vec::new();
    for kind in [
        "btc_address",
        "xmr_address",
        "email",
        "pgp_fingerprint",
        "telegram",
        "phone",
    ] {
        let hit = all
            .iter()
            .find(|h| {
                h["listing"]["entities"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["kind"] == kind)
            })
            .unwrap_or_else(|| panic!("the samples have a {kind}"));
        share.push(hit["listing"]["listing_id"].as_str().unwrap().to_owned());
    }
    ok(&["-w", w, "case", "new", "op-share", "--analyst", "ana"]);
    for id in &share {
        ok(&[
            "-w",
            w,
            "case",
            "add",
            "op-share",
            "--listing",
            id,
            "--analyst",
            "ana",
        ]);
    }
    let stix = d.join("share.stix.json");
    let misp = d.join("share.misp.json");
    ok(&[
        "-w",
        w,
        "export",
        "op-share",
        "--stix",
        stix.to_str().unwrap(),
        "--misp",
        misp.to_str().unwrap(),
        "--tlp",
        "green",
    ]);
    let bundle: Value = serde_json::from_slice(&std::fs::read(&stix).unwrap()).unwrap();
    let types: Vec<&str> = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["type"].as_str().unwrap())
        .collect();
    for t in [
        "observed-data",
        "report",
        "url",
        "email-addr",
        "user-account",
        "cryptocurrency-wallet",
        "extension-definition",
        "marking-definition",
    ] {
        assert!(types.contains(&t), "no {t} in the bundle: {types:?}");
    }
    if tool(
        "stix2 (pip install stix2)",
        &["python3", "-c", "import stix2"],
    ) {
        let code = "import json, sys, stix2\n\
b = json.load(open(sys.argv[1]))\n\
p = stix2.parse(b, allow_custom=True)\n\
ext = [o for o in b['objects'] if o['type'] == 'extension-definition'][0]['id']\n\
w = [o for o in p.objects if o['type'] == 'cryptocurrency-wallet']\n\
assert w and all(ext in o['extensions'] for o in w), 'wallets declare the extension'\n\
m = [o for o in p.objects if o['type'] == 'marking-definition'][0]\n\
assert m['name'] == 'TLP:GREEN', m\n\
print(len(p.objects))";
        let o = Command::new("python3")
            .args(["-c", code])
            .arg(&stix)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "stix2 rejects the bundle: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    if tool(
        "stix2-validator (pip install stix2-validator)",
        &["stix2_validator", "--help"],
    ) {
        let o = Command::new("stix2_validator").arg(&stix).output().unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && text.contains("STIX JSON: Valid"),
            "stix2-validator:\n{text}"
        );
    }
    if tool(
        "pymisp (pip install pymisp)",
        &["python3", "-c", "import pymisp"],
    ) {
        let code = "import json, sys, pymisp\n\
ev = pymisp.MISPEvent()\n\
ev.load(json.load(open(sys.argv[1])))\n\
for o in ev.objects: o.to_json(strict=True)\n\
names = {o.name for o in ev.objects}\n\
need = {'url', 'physical-object', 'coin-address', 'pgp-meta', 'telegram-account', 'phone-number'}\n\
assert need <= names, names\n\
tags = [t.name for t in ev.tags]\n\
assert 'dark-web:topic=\"weapons\"' in tags and 'tlp:green' in tags, tags\n\
print(len(ev.objects))";
        let o = Command::new("python3")
            .args(["-c", code])
            .arg(&misp)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "pymisp rejects the event: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
