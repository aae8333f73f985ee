//! What the load generators share: starting the release server on a fresh
//! SQLite file, registering accounts, opening their sockets, reading the
//! server's memory, and percentiles.

#![allow(dead_code)]

use reqwest::Client;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The server's allocator in the load generators too: with the C library's
/// malloc, a read buffer's allocation (over 1 KiB) after many small frees
/// sets off a consolidation of its free lists, a tenth of the generator's
/// CPU that the server beside it would otherwise have.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

pub const PASSWORD: &str = "load-test-password";

/// The project's release server on a fresh SQLite file, killed on drop.
pub struct Server {
    pub child: Child,
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = &self.dir;
    }
}

pub fn start_server(path: &str) -> (Server, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = Command::new(path)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()),
        )
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("APP_ENV", "test")
        .env("APP_AUTH_RATE_PER_MINUTE", "10000000")
        .env("APP_REQUESTS_PER_PAIR_PER_DAY", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("could not start {path}: {e} (run `cargo leptos build --release` first)")
        });
    (Server { child, dir }, format!("http://127.0.0.1:{port}"))
}

pub fn rss_kib(pid: u32) -> u64 {
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

/// One logged-in account: its id and session cookie.
#[derive(Clone)]
pub struct Account {
    pub id: i64,
    pub cookie: String,
}

pub async fn account(http: &Client, base: &str, email: &str, role: &str) -> Account {
    let mut body = json!({"email": email, "password": PASSWORD, "full_name": format!("Bench {email}"), "role": role});
    if role == "researcher" {
        body["specialty"] = json!("Load testing");
        body["institution"] = json!("Bench Lab");
        body["bio"] = json!("");
    }
    let res = http
        .post(format!("{base}/api/auth/register"))
        .json(&body)
        .send()
        .await
        .expect("register");
    assert_eq!(
        res.status(),
        201,
        "register {email}: {}",
        res.text().await.unwrap_or_default()
    );
    let res = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
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
    let user: Value = res.json().await.expect("json");
    Account {
        id: user["user"]["id"].as_i64().expect("id"),
        cookie,
    }
}

pub async fn accounts(
    http: &Client,
    base: &str,
    prefix: &str,
    role: &str,
    n: usize,
) -> Vec<Account> {
    let limit = Arc::new(Semaphore::new(8));
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (http, base, limit) = (http.clone(), base.to_string(), limit.clone());
            let email = format!("{prefix}{i}.{}.{run}@bench.test", std::process::id());
            let role = role.to_string();
            tokio::spawn(async move {
                let _permit = limit.acquire().await.expect("permit");
                account(&http, &base, &email, &role).await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}

/// A socket on `base`'s `/api/ws` with `cookie`'s session.
///
/// Its read buffer is 4 KiB, where tungstenite's default is 128 KiB: the
/// client zero-fills the whole buffer before every read, and gives a frame's
/// part of it away, so each frame cost a 128 KiB `memset` and a fresh
/// allocation of that size. That was a fifth of the load generator's CPU,
/// taken from the server beside it. Frames here are a few hundred bytes;
/// a longer one is read in several reads.
pub async fn ws_connect(base: &str, cookie: &str) -> WebSocketStream<MaybeTlsStream<TcpStream>> {
    let mut request = format!("{}/api/ws", base.replacen("http", "ws", 1))
        .into_client_request()
        .expect("request");
    request
        .headers_mut()
        .insert("cookie", cookie.parse().expect("cookie"));
    let config = WebSocketConfig::default().read_buffer_size(4096);
    tokio_tungstenite::connect_async_with_config(request, Some(config), false)
        .await
        .expect("websocket")
        .0
}

/// The value at percentile `p` (0-100) of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}
