//! A private Tor network on 127.0.0.1, built with Debian's `tor` and `tor-gencert` only: three
//! directory authorities, three relays and one onion service whose `HiddenServicePort` points at
//! a loopback port. Every process is stopped by its PID on drop; on a panic the notice log of
//! every node is printed. Readiness is polled (consensus lists every relay; the service has
//! uploaded its descriptor; a C-tor client gets an answer through it), never slept for.
//!
//! The settings without which nothing works on one host are explained in docs/TOR.md.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

/// Voting interval of the authorities, seconds (the consensus `hsdir_interval` follows it).
const VOTING_INTERVAL: u64 = 20;
/// Directory authorities.
const AUTHORITIES: usize = 3;
/// Plain relays (guards, middles, HSDirs, introduction and rendezvous points).
const RELAYS: usize = 3;
/// Ports per network: an OR and a Dir port for each relay and authority, and the SOCKS port of
/// a C-tor client (the benchmark's peer, and the readiness probe of the onion service).
const PORTS: u16 = 2 * (AUTHORITIES + RELAYS) as u16 + 1;

static NEXT_BLOCK: AtomicU16 = AtomicU16::new(0);

/// True when `tor` and `tor-gencert` can be run.
pub fn tor_available() -> bool {
    ["tor", "tor-gencert"].iter().all(|t| {
        Command::new(t)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    })
}

/// One directory authority's identities.
#[derive(Debug, Clone)]
pub struct Authority {
    /// Nickname.
    pub name: String,
    /// v3 identity (the authority certificate's fingerprint).
    pub v3ident: String,
    /// RSA identity fingerprint.
    pub rsa: String,
    /// Ed25519 identity, base64.
    pub ed: String,
    /// OR port.
    pub orport: u16,
    /// Dir port.
    pub dirport: u16,
}

struct Node {
    name: String,
    dir: PathBuf,
    child: Child,
}

/// A running private network.
pub struct TorNet {
    nodes: Vec<Node>,
    /// The authorities (for the client's `[tor.network]`).
    pub authorities: Vec<Authority>,
    /// The onion service's host name (`<56 chars>.onion`).
    pub onion: String,
    /// When the first tor process was launched.
    pub launched: Instant,
    /// SOCKS port of a plain C-tor client on the network (for comparisons).
    pub socks_port: u16,
    hs_dir: PathBuf,
}

fn port_block() -> u16 {
    let pid = std::process::id() as u16;
    for _ in 0..40 {
        let n = NEXT_BLOCK.fetch_add(1, Ordering::SeqCst);
        let base = 20_000 + ((pid % 1500).wrapping_mul(7) + n * 3) % 1500 * 24;
        let free =
            (base..base + PORTS).all(|p| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok());
        if free {
            return base;
        }
    }
    panic!("no free block of {PORTS} loopback ports found for the private Tor network");
}

fn run_ok(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn second_field(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("{}: no identity in {text:?}", path.display()))
        .to_owned()
}

/// Generates an authority's keys in `dir` and reads its three identities.
fn make_authority(dir: &Path, name: &str, orport: u16, dirport: u16) -> Authority {
    let keys = dir.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let mut gencert = Command::new("tor-gencert")
        .current_dir(dir)
        .args(["--create-identity-key", "-m", "12", "-a"])
        .arg(format!("127.0.0.1:{dirport}"))
        .args([
            "-i",
            "keys/authority_identity_key",
            "-s",
            "keys/authority_signing_key",
            "-c",
            "keys/authority_certificate",
            "--passphrase-fd",
            "0",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tor-gencert starts");
    gencert.stdin.take().unwrap().write_all(b"\n").unwrap();
    let out = gencert.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "tor-gencert: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cert = std::fs::read_to_string(keys.join("authority_certificate")).unwrap();
    let v3ident = cert
        .lines()
        .find_map(|l| l.strip_prefix("fingerprint "))
        .expect("the certificate has a fingerprint line")
        .trim()
        .to_owned();
    run_ok(
        Command::new("tor")
            .args(["--list-fingerprint", "--orport", "1", "--datadirectory"])
            .arg(dir)
            .args(["--nickname", name, "--quiet"]),
        "tor --list-fingerprint",
    );
    Authority {
        name: name.to_owned(),
        v3ident,
        rsa: second_field(&dir.join("fingerprint")),
        ed: second_field(&dir.join("fingerprint-ed25519")),
        orport,
        dirport,
    }
}

fn common(authorities: &[Authority], dir: &Path, name: &str) -> String {
    let mut t = format!(
        "TestingTorNetwork 1\nDataDirectory {}\nNickname {name}\nLog notice file {}\n\
         SafeLogging 0\nRunAsDaemon 0\nTestingDirAuthVoteGuard *\nTestingDirAuthVoteHSDir *\n\
         TestingDirAuthVoteExit *\nTestingMinExitFlagThreshold 0\nPathsNeededToBuildCircuits 0.67\n\
         V3AuthNIntervalsValid 2\nContactInfo salwatch-test@example.invalid\n",
        dir.display(),
        dir.join("notice.log").display()
    );
    for a in authorities {
        t.push_str(&format!(
            "DirAuthority {} orport={} no-v2 v3ident={} 127.0.0.1:{} {}\n",
            a.name, a.orport, a.v3ident, a.dirport, a.rsa
        ));
    }
    t
}

fn relay(orport: u16, dirport: u16) -> String {
    format!(
        "Address 127.0.0.1\nORPort {orport}\nDirPort {dirport}\nSocksPort 0\nAssumeReachable 1\n\
         ExitRelay 0\nExitPolicy reject *:*\n"
    )
}

fn authority_extra() -> String {
    let v = VOTING_INTERVAL;
    format!(
        "AuthoritativeDirectory 1\nV3AuthoritativeDirectory 1\nAuthDirTestReachability 0\n\
         AuthDirMaxServersPerAddr 0\nV3AuthVotingInterval {v}\nV3AuthVoteDelay 4\nV3AuthDistDelay 4\n\
         TestingV3AuthInitialVotingInterval {v}\nTestingV3AuthInitialVoteDelay 4\n\
         TestingV3AuthInitialDistDelay 4\n"
    )
}

impl TorNet {
    /// Generates keys and configurations under `root` and launches every node. The onion
    /// service forwards its port 80 to `127.0.0.1:target_port`.
    pub fn start(root: &Path, target_port: u16) -> Self {
        let base = port_block();
        let mut authorities = Vec::new();
        for i in 0..AUTHORITIES {
            let port = base + 2 * i as u16;
            let name = format!("auth{i}");
            authorities.push(make_authority(&root.join(&name), &name, port, port + 1));
        }
        let mut configs = Vec::new();
        for a in &authorities {
            let dir = root.join(&a.name);
            let text = common(&authorities, &dir, &a.name)
                + &relay(a.orport, a.dirport)
                + &authority_extra();
            configs.push((a.name.clone(), dir, text));
        }
        for i in 0..RELAYS {
            let port = base + 2 * (AUTHORITIES + i) as u16;
            let name = format!("relay{i}");
            let dir = root.join(&name);
            let text = common(&authorities, &dir, &name) + &relay(port, port + 1);
            configs.push((name, dir, text));
        }
        let hs = root.join("hs");
        let hs_dir = hs.join("service");
        let text = common(&authorities, &hs, "hs")
            + &format!(
                "SocksPort 0\nHiddenServiceDir {}\nHiddenServicePort 80 127.0.0.1:{target_port}\n\
                 VanguardsLiteEnabled 0\nLog info file {}\n",
                hs_dir.display(),
                hs.join("info.log").display()
            );
        configs.push(("hs".to_owned(), hs.clone(), text));
        let socks_port = base + PORTS - 1;
        let client = root.join("client");
        let text = common(&authorities, &client, "client")
            + &format!("SocksPort 127.0.0.1:{socks_port}\nVanguardsLiteEnabled 0\n");
        configs.push(("client".to_owned(), client, text));

        let launched = Instant::now();
        let mut nodes = Vec::new();
        for (name, dir, text) in configs {
            std::fs::create_dir_all(&dir).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
            }
            let torrc = dir.join("torrc");
            std::fs::write(&torrc, text).unwrap();
            let child = Command::new("tor")
                .arg("-f")
                .arg(&torrc)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("tor ({name}) starts: {e}"));
            nodes.push(Node { name, dir, child });
        }
        let mut net = Self {
            nodes,
            authorities,
            onion: String::new(),
            launched,
            socks_port,
            hs_dir,
        };
        let hostname = net.hs_dir.join("hostname");
        net.onion = net
            .poll(
                Duration::from_secs(30),
                "the onion service's hostname file",
                || {
                    std::fs::read_to_string(&hostname)
                        .ok()
                        .map(|h| h.trim().to_owned())
                        .filter(|h| h.ends_with(".onion"))
                },
            )
            .unwrap_or_else(|e| net.fail(&e));
        net
    }

    /// Polls `check` every 500 ms until it yields, failing with the logs after `timeout`.
    fn poll<T>(
        &self,
        timeout: Duration,
        what: &str,
        mut check: impl FnMut() -> Option<T>,
    ) -> Result<T, String> {
        let start = Instant::now();
        loop {
            if let Some(v) = check() {
                return Ok(v);
            }
            if start.elapsed() > timeout {
                return Err(format!(
                    "timed out after {:.0}s waiting for {what}",
                    timeout.as_secs_f64()
                ));
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Prints every node's notice log, then panics with `message`.
    pub fn fail(&self, message: &str) -> ! {
        self.print_logs();
        panic!("private Tor network: {message}");
    }

    /// Prints every node's notice log to stderr.
    pub fn print_logs(&self) {
        for n in &self.nodes {
            let log = std::fs::read_to_string(n.dir.join("notice.log")).unwrap_or_default();
            eprintln!("===== tor {} notice log =====\n{log}", n.name);
        }
    }

    /// Relays listed in the current consensus of the first authority.
    fn relays_in_consensus(&self) -> usize {
        let a = &self.authorities[0];
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", a.dirport)) else {
            return 0;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let req =
            "GET /tor/status-vote/current/consensus-microdesc HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
        if s.write_all(req.as_bytes()).is_err() {
            return 0;
        }
        let mut body = String::new();
        let _ = s.read_to_string(&mut body);
        if !body.starts_with("HTTP/1.0 200") {
            return 0;
        }
        body.lines().filter(|l| l.starts_with("r ")).count()
    }

    /// Waits until the consensus lists every authority and relay.
    pub fn wait_for_consensus(&self, timeout: Duration) -> Duration {
        let want = AUTHORITIES + RELAYS;
        self.poll(timeout, &format!("a consensus with {want} relays"), || {
            (self.relays_in_consensus() >= want).then_some(())
        })
        .unwrap_or_else(|e| self.fail(&e));
        self.launched.elapsed()
    }

    /// Waits until the onion service reports its descriptor uploaded.
    pub fn wait_for_descriptor(&self, timeout: Duration) -> Duration {
        let log = self
            .nodes
            .iter()
            .find(|n| n.name == "hs")
            .map(|n| n.dir.join("info.log"))
            .expect("the hs node");
        self.poll(timeout, "the onion service's descriptor upload", || {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            text.lines()
                .any(|l| {
                    let l = l.to_ascii_lowercase();
                    l.contains("descriptor") && l.contains("upload") && l.contains("success")
                })
                .then_some(())
        })
        .unwrap_or_else(|e| self.fail(&e));
        self.launched.elapsed()
    }

    /// Waits until the C-tor client of the network fetches `/robots.txt` through the onion
    /// service: the descriptor being uploaded does not mean the service can be reached yet (it
    /// may still be building its introduction circuits: seen on a loaded 2-core machine, where a
    /// crawl started then found robots.txt unreachable and, as designed, fetched nothing).
    pub fn wait_for_reachable(&self, timeout: Duration) -> Duration {
        self.poll(timeout, "an answer through the onion service", || {
            self.fetch_through_client("/robots.txt")
                .filter(|head| head.starts_with("HTTP/1."))
                .map(|_| ())
        })
        .unwrap_or_else(|e| self.fail(&e));
        self.launched.elapsed()
    }

    /// The first bytes of the answer to `GET path` sent to the onion address through the C-tor
    /// client's SOCKS5 port (RFC 1928, the name resolved by Tor), if any.
    fn fetch_through_client(&self, path: &str) -> Option<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.socks_port)).ok()?;
        // Tor gives up on an onion connection within two minutes; wait a little longer.
        s.set_read_timeout(Some(Duration::from_secs(150))).ok()?;
        s.write_all(&[5, 1, 0]).ok()?;
        let mut reply = [0u8; 2];
        s.read_exact(&mut reply).ok()?;
        if reply != [5, 0] {
            return None;
        }
        let host = self.onion.as_bytes();
        let mut connect = vec![5, 1, 0, 3, u8::try_from(host.len()).ok()?];
        connect.extend_from_slice(host);
        connect.extend_from_slice(&80u16.to_be_bytes());
        s.write_all(&connect).ok()?;
        // Version, status, reserved, address type 1 (IPv4), address, port.
        let mut reply = [0u8; 10];
        s.read_exact(&mut reply).ok()?;
        if reply[1] != 0 {
            return None;
        }
        let request = format!("GET {path} HTTP/1.0\r\nHost: {}\r\n\r\n", self.onion);
        s.write_all(request.as_bytes()).ok()?;
        let mut head = [0u8; 64];
        let n = s.read(&mut head).ok()?;
        Some(String::from_utf8_lossy(&head[..n]).into_owned())
    }

    /// The `[tor]` table that points salwatch at this network.
    pub fn salwatch_tor_table(&self) -> String {
        let mut t = String::from(
            "[tor]\nenabled = true\nbootstrap_timeout_secs = 120\nattempt_timeout_secs = 30\n\
             connect_budget_secs = 240\nretry_backoff_ms = 2000\n\n[tor.network]\nauthorities = [",
        );
        let ids: Vec<String> = self
            .authorities
            .iter()
            .map(|a| format!("\"{}\"", a.v3ident))
            .collect();
        t.push_str(&ids.join(", "));
        t.push_str(&format!(
            "]\nipv4_subnet_family_prefix = 33\nipv6_subnet_family_prefix = 129\n\
             net_params = {{ hsdir_interval = {} }}\n",
            24 * VOTING_INTERVAL / 60
        ));
        for a in &self.authorities {
            t.push_str(&format!(
                "\n[[tor.network.fallbacks]]\nrsa_identity = \"{}\"\ned_identity = \"{}\"\n\
                 orports = [\"127.0.0.1:{}\"]\n",
                a.rsa, a.ed, a.orport
            ));
        }
        t
    }
}

impl Drop for TorNet {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.print_logs();
        }
        for n in &mut self.nodes {
            let _ = n.child.kill();
            let _ = n.child.wait();
        }
    }
}
