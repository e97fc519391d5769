//! Running the binary, serving the samples, reading the ground truth.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// Path of the `salwatch` binary cargo built for these tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_salwatch"))
}

/// The repository's samples/ directory.
pub fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

/// The planted ground truth of the samples.
pub fn ground_truth() -> Value {
    let path = samples_dir().join("ground_truth.json");
    let text = std::fs::read_to_string(&path).expect("samples/ground_truth.json is readable");
    serde_json::from_str(&text).expect("ground_truth.json is JSON")
}

/// Runs `salwatch ARGS` (quiet, no colours) and returns its output.
pub fn run(args: &[&str]) -> Output {
    run_with_stdin(args, None)
}

/// Runs `salwatch ARGS` with `stdin` fed to it.
pub fn run_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(bin())
        .args(args)
        .arg("--quiet")
        .env_remove("SALWATCH_WORKSPACE")
        .env("RUST_LOG", "warn")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the salwatch binary starts");
    if let Some(bytes) = stdin {
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(bytes)
            .expect("stdin accepts the input");
    }
    child
        .wait_with_output()
        .expect("salwatch runs to completion")
}

/// Runs `salwatch ARGS`, asserts success, returns stdout.
pub fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "salwatch {args:?} failed with {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

/// Runs a search in `ws` and returns the hits as JSON values.
pub fn search(ws: &Path, extra: &[&str]) -> Vec<Value> {
    let ws = ws.to_str().expect("temp paths are UTF-8");
    let mut args = vec!["-w", ws, "search", "--format", "json", "--limit", "500"];
    args.extend_from_slice(extra);
    let stdout = ok(&args);
    let value: Value = serde_json::from_str(&stdout).expect("search --format json prints JSON");
    value.as_array().expect("an array of hits").clone()
}

/// Copies the repository's samples/ to `to`, for a test that edits pages between crawls.
pub fn copy_samples(to: &Path) {
    copy_dir(&samples_dir(), to);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("the copy's directory can be created");
    for entry in std::fs::read_dir(from).expect("samples/ is readable") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("a sample file copies");
        }
    }
}

/// A JSON array of strings as a vector (empty when not an array).
pub fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().expect("a string").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// `salwatch samples serve --init WS` running in the background; killed on drop.
pub struct Served {
    child: Child,
    /// `(site, base URL)` as printed.
    pub sites: Vec<(String, String)>,
}

impl Served {
    /// Serves the built-in samples on ephemeral ports and initialises `ws` to crawl them.
    pub fn start(ws: &Path) -> Self {
        Self::serve(None, ws)
    }

    /// Serves a samples directory on disk (a copy a test may edit between crawls) and
    /// initialises `ws` to crawl it.
    pub fn start_dir(samples: &Path, ws: &Path) -> Self {
        Self::serve(Some(samples), ws)
    }

    fn serve(samples: Option<&Path>, ws: &Path) -> Self {
        let mut command = Command::new(bin());
        command.args(["samples", "serve", "--addr", "127.0.0.1:0"]);
        if let Some(dir) = samples {
            command.arg("--dir").arg(dir);
        }
        let mut child = command
            .arg("--init")
            .arg(ws)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("samples serve starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut sites = Vec::new();
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("samples serve prints its sites and `ready` within 30 s");
            if line == "ready" {
                break;
            }
            let (name, url) = line.split_once('\t').expect("lines are NAME<TAB>URL");
            sites.push((name.to_owned(), url.to_owned()));
        }
        Self { child, sites }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
