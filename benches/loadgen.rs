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

mod support;

use futures::StreamExt;
use reqwest::Client;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{accounts, percentile, rss_kib, start_server, ws_connect};
use tokio_tungstenite::tungstenite::Message;

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

#[derive(Default)]
struct Timing {
    sent: Option<Instant>,
    returned: Option<Instant>,
    arrived: Option<Instant>,
}

#[tokio::main]
async fn main() {
    let o = options();
    let (server, base) = start_server(&o.server);
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
    let researchers = accounts(&http, &base, "researcher", "researcher", o.researchers).await;
    let patients = accounts(&http, &base, "patient", "patient", o.patients).await;
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
    for researcher in &researchers {
        let mut socket = ws_connect(&base, &researcher.cookie).await;
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
        .map(|patient| {
            let cookie = &patient.cookie;
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
            "expert_id": researchers[r].id,
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
