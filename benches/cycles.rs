//! Closed-loop cycle benchmark (see BENCHMARKS.md). N pairs of a patient and
//! a researcher cycle concurrently, each as fast as it can:
//!
//!   patient POST /api/meetings/  ->  researcher's `meeting_request.created`
//!   researcher PUT .../status accepted  ->  patient's `meeting_request.status_changed`
//!
//! Latencies are measured from the moment the POST or PUT is sent to the
//! moment the other party's frame arrives. Each cycle asks for its own time
//! (31 minutes after the previous one), so accepted meetings never overlap.
//! It also measures the server's memory per idle socket: RSS growth over
//! `--idle` sockets held by accounts of their own, at most 10 per account.
//!
//! Against the project (starts the release binary on a fresh SQLite file):
//!   cargo bench --features ssr --bench cycles -- --pairs 50 --seconds 8
//! Against any running server of the same contract:
//!   cargo bench --features ssr --bench cycles -- --url http://127.0.0.1:8002 --pid 1234 --pairs 50
//! Patients on one instance and researchers on another (two instances on
//! PostgreSQL): --url A --researcher-url B.
//!
//! Options: --pairs N (10), --seconds S (8), --idle N (0: skip), --server
//! PATH, --url BASE, --researcher-url BASE, --pid PID (for RSS with --url),
//! --label TEXT (names the result line).

mod support;

use futures::{SinkExt, StreamExt};
use reqwest::Client;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use support::{Account, accounts, percentile, rss_kib, start_server, ws_connect};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

struct Options {
    server: String,
    url: Option<String>,
    researcher_url: Option<String>,
    pid: Option<u32>,
    pairs: usize,
    seconds: u64,
    idle: usize,
    label: String,
}

fn options() -> Options {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let mut o = Options {
        server: format!("{target}/release/meeting-requests"),
        url: None,
        researcher_url: None,
        pid: None,
        pairs: 10,
        seconds: 8,
        idle: 0,
        label: "project".into(),
    };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--server" => o.server = value,
            "--url" => o.url = Some(value),
            "--researcher-url" => o.researcher_url = Some(value),
            "--pid" => o.pid = Some(value.parse().expect("--pid PID")),
            "--pairs" => o.pairs = value.parse().expect("--pairs N"),
            "--seconds" => o.seconds = value.parse().expect("--seconds S"),
            "--idle" => o.idle = value.parse().expect("--idle N"),
            "--label" => o.label = value,
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

async fn wait_ready(http: &Client, base: &str) {
    let started = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/api/experts")).send().await
            && r.status().as_u16() < 500
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{base} did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens a socket for `account` on `base`; frames arrive on the channel with
/// the instant they were read.
async fn socket(base: &str, account: &Account) -> mpsc::UnboundedReceiver<(Instant, Value)> {
    let socket = ws_connect(base, &account.cookie).await;
    let (mut write, mut read) = socket.split();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(msg)) = read.next().await {
            let now = Instant::now();
            match msg {
                Message::Text(text) => {
                    if let Ok(frame) = serde_json::from_str::<Value>(&text)
                        && tx.send((now, frame)).is_err()
                    {
                        break;
                    }
                }
                Message::Ping(p) => {
                    let _ = write.send(Message::Pong(p)).await;
                }
                _ => {}
            }
        }
    });
    rx
}

/// Waits for the frame of `kind` about request `id`.
async fn frame_for(
    frames: &mut mpsc::UnboundedReceiver<(Instant, Value)>,
    kind: &str,
    id: i64,
) -> Option<Instant> {
    let deadline = tokio::time::sleep(Duration::from_secs(10));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            frame = frames.recv() => {
                let (at, frame) = frame?;
                if frame["type"] == kind && frame["request"]["id"].as_i64() == Some(id) {
                    return Some(at);
                }
            }
            _ = &mut deadline => return None,
        }
    }
}

fn client_with(cookie: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", cookie.parse().expect("cookie"));
    Client::builder()
        .default_headers(headers)
        .pool_max_idle_per_host(4)
        .build()
        .expect("client")
}

#[derive(Default)]
struct PairResult {
    cycles: u64,
    errors: u64,
    created_ms: Vec<f64>,
    answered_ms: Vec<f64>,
}

struct Pair {
    patient: Account,
    researcher: Account,
}

async fn cycle_loop(
    pair: Pair,
    patient_base: String,
    researcher_base: String,
    stop: Arc<AtomicBool>,
    offset_minutes: i64,
) -> PairResult {
    let mut result = PairResult::default();
    let patient_http = client_with(&pair.patient.cookie);
    let researcher_http = client_with(&pair.researcher.cookie);
    let mut patient_frames = socket(&patient_base, &pair.patient).await;
    let mut researcher_frames = socket(&researcher_base, &pair.researcher).await;
    let start =
        chrono::Utc::now() + chrono::Duration::days(1) + chrono::Duration::minutes(offset_minutes);
    let mut n: i64 = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let at = start + chrono::Duration::minutes(31 * n);
        let sent = Instant::now();
        let res = patient_http
            .post(format!("{patient_base}/api/meetings/"))
            .json(&json!({
                "expert_id": pair.researcher.id,
                "message": format!("cycle {n}"),
                "preferred_at": at.to_rfc3339(),
                "meeting_type": "Video Call",
                "time_zone": "UTC",
            }))
            .send()
            .await;
        let id = match res {
            Ok(r) if r.status() == 201 => {
                r.json::<Value>().await.ok().and_then(|v| v["id"].as_i64())
            }
            _ => None,
        };
        let Some(id) = id else {
            result.errors += 1;
            continue;
        };
        let Some(arrived) = frame_for(&mut researcher_frames, "meeting_request.created", id).await
        else {
            result.errors += 1;
            continue;
        };
        result
            .created_ms
            .push(arrived.duration_since(sent).as_secs_f64() * 1000.0);
        let sent = Instant::now();
        let ok = researcher_http
            .put(format!("{researcher_base}/api/meetings/{id}/status"))
            .json(&json!({"status": "accepted"}))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        if !ok {
            result.errors += 1;
            continue;
        }
        let Some(arrived) =
            frame_for(&mut patient_frames, "meeting_request.status_changed", id).await
        else {
            result.errors += 1;
            continue;
        };
        result
            .answered_ms
            .push(arrived.duration_since(sent).as_secs_f64() * 1000.0);
        result.cycles += 1;
    }
    result
}

fn summary(mut v: Vec<f64>) -> String {
    v.sort_by(|a, b| a.total_cmp(b));
    format!(
        "p50 {:.2} p99 {:.2} max {:.2}",
        percentile(&v, 50.0),
        percentile(&v, 99.0),
        v.last().copied().unwrap_or(f64::NAN)
    )
}

/// RSS growth per socket over `n` idle sockets, 10 per account.
async fn idle_socket_cost(http: &Client, base: &str, pid: u32, n: usize) -> f64 {
    let owners = accounts(http, base, "idle", "patient", n.div_ceil(10)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kib(pid);
    let mut held = Vec::with_capacity(n);
    for i in 0..n {
        held.push(socket(base, &owners[i / 10]).await);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib(pid);
    drop(held);
    after.saturating_sub(before) as f64 / n.max(1) as f64
}

#[tokio::main]
async fn main() {
    let o = options();
    let (server, base, pid) = match &o.url {
        Some(url) => (None, url.trim_end_matches('/').to_string(), o.pid),
        None => {
            let (server, base) = start_server(&o.server);
            let pid = server.child.id();
            (Some(server), base, Some(pid))
        }
    };
    let researcher_base = o
        .researcher_url
        .clone()
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| base.clone());
    let http = Client::new();
    wait_ready(&http, &base).await;
    wait_ready(&http, &researcher_base).await;

    let patients = accounts(&http, &base, "patient", "patient", o.pairs).await;
    let researchers = accounts(&http, &researcher_base, "researcher", "researcher", o.pairs).await;
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = patients
        .into_iter()
        .zip(researchers)
        .enumerate()
        .map(|(i, (patient, researcher))| {
            tokio::spawn(cycle_loop(
                Pair {
                    patient,
                    researcher,
                },
                base.clone(),
                researcher_base.clone(),
                stop.clone(),
                i as i64,
            ))
        })
        .collect();
    // Let the sockets open, then measure for the given time.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(o.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64() + 0.5;
    let mut total = PairResult::default();
    for t in tasks {
        let r = t.await.expect("pair task");
        total.cycles += r.cycles;
        total.errors += r.errors;
        total.created_ms.extend(r.created_ms);
        total.answered_ms.extend(r.answered_ms);
    }
    let idle = match (o.idle, pid) {
        (0, _) | (_, None) => String::new(),
        (n, Some(pid)) => format!(
            "; idle socket {:.1} KiB",
            idle_socket_cost(&http, &base, pid, n).await
        ),
    };
    println!(
        "{} | pairs {} | {:.0} cycles/s ({} cycles, {} errors, {:.1}s) | create->researcher {} | answer->patient {} ms{idle}",
        o.label,
        o.pairs,
        total.cycles as f64 / elapsed,
        total.cycles,
        total.errors,
        elapsed,
        summary(total.created_ms),
        summary(total.answered_ms),
    );
    drop(server);
}
