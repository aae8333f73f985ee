//! Load generator: starts the release server on a fresh SQLite database,
//! logs in N researchers over WebSocket and M patients over HTTP, sends
//! meeting requests at a fixed rate, and reports the delay from a patient's
//! `POST` returning to the researcher's frame arriving, the requests per
//! second achieved, and the server's memory per idle socket.
//!
//! cargo leptos build --release
//! ulimit -n 20000
//! cargo bench --features ssr --bench loadgen -- --researchers 1000 --patients 50 --rate 100 --seconds 30
//!
//! Options: --server PATH (default target/release/meeting-requests, or
//! $CARGO_TARGET_DIR/release/...), --researchers N, --patients M, --rate R
//! (requests per second), --seconds S.

use futures::StreamExt;
use reqwest::Client;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

struct Options {
    server: String,
    researchers: usize,
    patients: usize,
    rate: f64,
    seconds: u64,
}

fn options() -> Options {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let mut o = Options {
        server: format!("{target}/release/meeting-requests"),
        researchers: 1000,
        patients: 50,
        rate: 100.0,
        seconds: 30,
    };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--server" => o.server = value,
            "--researchers" => o.researchers = value.parse().expect("--researchers N"),
            "--patients" => o.patients = value.parse().expect("--patients M"),
            "--rate" => o.rate = value.parse().expect("--rate R"),
            "--seconds" => o.seconds = value.parse().expect("--seconds S"),
            // `cargo bench` passes --bench; ignore anything else.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

struct Server {
    child: Child,
    addr: String,
    _dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self._dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start_server(path: &str) -> Server {
    let dir = std::env::temp_dir().join(format!("loadgen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let addr = format!("127.0.0.1:{}", free_port());
    let child = Command::new(path)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/load.db?mode=rwc", dir.display()),
        )
        .env("LEPTOS_SITE_ADDR", &addr)
        .env("APP_ENV", "test")
        .env("APP_AUTH_RATE_PER_MINUTE", "10000000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("could not start {path}: {e} (run `cargo leptos build --release` first)")
        });
    Server {
        child,
        addr,
        _dir: dir,
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Registers and logs in one account; returns its id and session cookie.
async fn account(base: &str, http: &Client, email: &str, role: &str) -> (i64, String) {
    let mut body =
        json!({"email": email, "password": "load-test-password", "full_name": email, "role": role});
    if role == "researcher" {
        body["specialty"] = json!("Load testing");
        body["institution"] = json!("Bench Lab");
    }
    let res = http
        .post(format!("{base}/api/auth/register"))
        .json(&body)
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), 201, "register {email}");
    let user: Value = res.json().await.expect("json");
    let res = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"email": email, "password": "load-test-password"}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200, "login {email}");
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_string();
    (user["user"]["id"].as_i64().expect("id"), cookie)
}

async fn accounts(
    base: &str,
    http: &Client,
    prefix: &str,
    role: &str,
    n: usize,
) -> Vec<(i64, String)> {
    let limit = Arc::new(Semaphore::new(8));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (base, http, limit) = (base.to_string(), http.clone(), limit.clone());
            let email = format!("{prefix}{i}@load.test");
            let role = role.to_string();
            tokio::spawn(async move {
                let _p = limit.acquire().await.expect("permit");
                account(&base, &http, &email, &role).await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[derive(Default)]
struct Timing {
    sent: Option<Instant>,
    returned: Option<Instant>,
    arrived: Option<Instant>,
}

#[tokio::main]
async fn main() {
    let o = options();
    let server = start_server(&o.server);
    let base = format!("http://{}", server.addr);
    let http = Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("client");
    let ready = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            break;
        }
        assert!(
            ready.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pid = server.child.id();
    println!("server {} (pid {pid}) on {base}", o.server);

    let t = Instant::now();
    let researchers = accounts(&base, &http, "researcher", "researcher", o.researchers).await;
    let patients = accounts(&base, &http, "patient", "patient", o.patients).await;
    println!(
        "registered and logged in {} researchers and {} patients in {:.1}s",
        o.researchers,
        o.patients,
        t.elapsed().as_secs_f64()
    );

    let timings: Arc<Mutex<HashMap<u64, Timing>>> = Arc::new(Mutex::new(HashMap::new()));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_before = rss_kib(pid);
    let mut readers = Vec::new();
    for (_, cookie) in &researchers {
        let mut request = format!("ws://{}/api/ws", server.addr)
            .into_client_request()
            .expect("request");
        request
            .headers_mut()
            .insert("cookie", cookie.parse().expect("cookie"));
        let (mut socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("websocket");
        // The first frame is the pending count: the socket is fully set up.
        let _ = socket.next().await;
        let timings = timings.clone();
        readers.push(tokio::spawn(async move {
            while let Some(Ok(msg)) = socket.next().await {
                if let Message::Text(text) = msg {
                    let now = Instant::now();
                    let Ok(frame) = serde_json::from_str::<Value>(&text) else {
                        continue;
                    };
                    if frame["type"] != "meeting_request.created" {
                        continue;
                    }
                    let message = frame["request"]["message"].as_str().unwrap_or("");
                    if let Some(seq) = message
                        .strip_prefix("load ")
                        .and_then(|s| s.split_whitespace().next())
                        .and_then(|s| s.parse::<u64>().ok())
                        && let Ok(mut map) = timings.lock()
                    {
                        map.entry(seq).or_default().arrived = Some(now);
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = rss_kib(pid);
    let per_socket = (rss_after.saturating_sub(rss_before)) as f64 / o.researchers.max(1) as f64;
    println!(
        "{} idle WebSockets: server RSS {} KiB -> {} KiB, {:.1} KiB per socket",
        o.researchers, rss_before, rss_after, per_socket
    );

    // Fixed-rate sends: each tick, the next (patient, researcher) pair.
    let total = (o.rate * o.seconds as f64) as u64;
    let interval = Duration::from_secs_f64(1.0 / o.rate);
    let preferred = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let started = Instant::now();
    let errors = Arc::new(Mutex::new(0u64));
    let mut sends = Vec::new();
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let patient_clients: Vec<Client> = patients
        .iter()
        .map(|(_, cookie)| {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert("cookie", cookie.parse().expect("cookie"));
            Client::builder()
                .default_headers(headers)
                .build()
                .expect("client")
        })
        .collect();
    for seq in 0..total {
        ticker.tick().await;
        let p = (seq as usize) % patients.len();
        let r = (seq as usize / patients.len()) % researchers.len();
        let client = patient_clients[p].clone();
        let body = json!({
            "expert_id": researchers[r].0,
            "message": format!("load {seq} please"),
            "preferred_at": preferred,
            "meeting_type": "Video Call",
            "time_zone": "UTC",
        });
        let (url, timings, errors) = (
            format!("{base}/api/meetings/"),
            timings.clone(),
            errors.clone(),
        );
        if let Ok(mut map) = timings.lock() {
            map.entry(seq).or_default().sent = Some(Instant::now());
        }
        sends.push(tokio::spawn(async move {
            match client.post(url).json(&body).send().await {
                Ok(res) if res.status() == 201 => {
                    let now = Instant::now();
                    if let Ok(mut map) = timings.lock() {
                        map.entry(seq).or_default().returned = Some(now);
                    }
                }
                _ => {
                    if let Ok(mut e) = errors.lock() {
                        *e += 1;
                    }
                }
            }
        }));
    }
    for s in sends {
        let _ = s.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;

    let map = timings
        .lock()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (*k, v.returned, v.arrived))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let completed = map.iter().filter(|(_, r, _)| r.is_some()).count();
    let mut delays: Vec<f64> = map
        .iter()
        .filter_map(|(_, r, a)| {
            Some(
                a.as_ref()?
                    .saturating_duration_since(*r.as_ref()?)
                    .as_secs_f64()
                    * 1000.0,
            )
        })
        .collect();
    delays.sort_by(|a, b| a.total_cmp(b));
    let missing = map
        .iter()
        .filter(|(_, r, a)| r.is_some() && a.is_none())
        .count();
    let errors = errors.lock().map(|e| *e).unwrap_or(0);
    println!();
    println!(
        "requests: {total} sent at {} /s target, {completed} created (201), {errors} errors, {missing} frames missing",
        o.rate
    );
    println!(
        "achieved: {:.1} requests/s over {elapsed:.1}s",
        completed as f64 / elapsed
    );
    println!(
        "POST returned -> researcher frame (ms, frames arriving before the POST returned count as 0): p50 {:.2}  p99 {:.2}  max {:.2}",
        percentile(&delays, 50.0),
        percentile(&delays, 99.0),
        delays.last().copied().unwrap_or(f64::NAN)
    );
    let mut sent_to_frame: Vec<f64> = timings
        .lock()
        .map(|m| {
            m.values()
                .filter_map(|t| {
                    Some(t.arrived?.saturating_duration_since(t.sent?).as_secs_f64() * 1000.0)
                })
                .collect()
        })
        .unwrap_or_default();
    sent_to_frame.sort_by(|a, b| a.total_cmp(b));
    println!(
        "POST sent -> researcher frame (ms): p50 {:.2}  p99 {:.2}  max {:.2}",
        percentile(&sent_to_frame, 50.0),
        percentile(&sent_to_frame, 99.0),
        sent_to_frame.last().copied().unwrap_or(f64::NAN)
    );
    let early = map
        .iter()
        .filter(|(_, r, a)| matches!((r, a), (Some(r), Some(a)) if a < r))
        .count();
    println!(
        "frames that arrived before their POST returned: {early} of {}",
        delays.len()
    );
    println!(
        "memory per idle WebSocket: {per_socket:.1} KiB (RSS difference / {})",
        o.researchers
    );
    for r in readers {
        r.abort();
    }
    drop(server);
}
