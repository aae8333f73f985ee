use leptos::config::LeptosOptions;
use meeting_requests::server::config::Config;
use meeting_requests::server::startup::Application;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;

pub struct TestApp {
    pub addr: String,
    /// The app's own fresh database: SQLite in a temporary directory, or a
    /// new PostgreSQL database when `TEST_POSTGRES_URL` names a server.
    pub database_url: String,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the app with demo accounts and extra environment settings.
pub async fn spawn_app_with(vars: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::Builder::new()
        .prefix("meeting-requests-test-")
        .tempdir()
        .expect("temp dir");
    let database_url = match std::env::var("TEST_POSTGRES_URL") {
        Ok(admin_url) => fresh_postgres_database(&admin_url).await,
        Err(_) => format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display()),
    };
    start(database_url, vars, dir).await
}

/// A fresh PostgreSQL database for several instances, when the tests have a
/// server (`TEST_POSTGRES_URL`).
pub async fn fresh_shared_database() -> Option<String> {
    let admin_url = std::env::var("TEST_POSTGRES_URL").ok()?;
    Some(fresh_postgres_database(&admin_url).await)
}

/// One more instance of the app on an existing database.
pub async fn spawn_instance(database_url: &str) -> TestApp {
    spawn_instance_with(database_url, &[]).await
}

/// One more instance of the app on an existing database, with settings.
pub async fn spawn_instance_with(database_url: &str, vars: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    start(database_url.to_string(), vars, dir).await
}

async fn start(database_url: String, vars: &[(&str, &str)], dir: tempfile::TempDir) -> TestApp {
    let mut env: HashMap<String, String> = HashMap::from([
        ("APP_DEMO".into(), "true".into()),
        ("APP_ENV".into(), "test".into()),
        ("APP_AUTH_RATE_PER_MINUTE".into(), "100000".into()),
        ("DATABASE_URL".into(), database_url.clone()),
    ]);
    for (k, v) in vars {
        env.insert(k.to_string(), v.to_string());
    }
    let leptos = LeptosOptions::builder()
        .output_name("meeting-requests")
        .site_addr(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .build();
    let config = Config::from_lookup(|k| env.get(k).cloned(), leptos).expect("config");
    let app = Application::build(config).await.expect("app builds");
    let addr = format!("127.0.0.1:{}", app.local_addr().expect("addr").port());
    let server = tokio::spawn(app.run_until_stopped());
    TestApp {
        addr,
        database_url,
        server,
        _dir: dir,
    }
}

/// Creates an empty database `mr_test_…` on the server of `admin_url` (a URL
/// whose role may create databases) and returns its URL.
async fn fresh_postgres_database(admin_url: &str) -> String {
    use sqlx::Connection;
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = format!(
        "mr_test_{}_{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut admin)
        .await
        .expect("drop old test database");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create test database");
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .expect("URL with a database");
    format!("{base}/{name}")
}

impl TestApp {
    /// Stops accepting connections (an instance that died).
    pub fn stop(&self) {
        self.server.abort();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A client with its own cookie jar (one browser).
    pub fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    pub async fn login(&self, email: &str, password: &str) -> Client {
        let client = self.client();
        let res = client
            .post(self.url("/api/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("login request");
        assert_eq!(res.status(), StatusCode::OK, "login as {email}");
        client
    }

    /// Registers a new patient and returns a logged-in client.
    pub async fn new_patient(&self, email: &str) -> Client {
        let res = self
            .client()
            .post(self.url("/api/auth/register"))
            .json(&json!({"email": email, "password": "a-test-password", "full_name": format!("Patient {email}"), "role": "patient"}))
            .send()
            .await
            .expect("register");
        assert_eq!(res.status(), StatusCode::CREATED, "register {email}");
        self.login(email, "a-test-password").await
    }

    pub async fn patient(&self) -> Client {
        self.login("patient@test.com", "password123").await
    }

    pub async fn researcher(&self) -> Client {
        self.login("researcher@test.com", "password123").await
    }

    pub async fn expert_id(&self, client: &Client, email_name: &str) -> i64 {
        let experts: Value = client
            .get(self.url("/api/experts"))
            .send()
            .await
            .expect("experts")
            .json()
            .await
            .expect("json");
        experts
            .as_array()
            .expect("array")
            .iter()
            .find(|e| e["full_name"] == email_name)
            .and_then(|e| e["id"].as_i64())
            .expect("expert present")
    }

    /// Sends a valid request from `client` to the expert named `name`.
    pub async fn send_request(&self, client: &Client, expert_id: i64, note: &str) -> Response {
        client
            .post(self.url("/api/meetings/"))
            .json(&json!({
                "expert_id": expert_id,
                "message": note,
                "preferred_at": tomorrow_at_two(),
                "meeting_type": "Video Call",
                "time_zone": "Europe/Paris",
            }))
            .send()
            .await
            .expect("create request")
    }

    /// Sends a request from `client` to `expert_id` and cancels it at once
    /// (two events for the expert); returns the created item.
    pub async fn send_and_cancel(&self, client: &Client, expert_id: i64, note: &str) -> Value {
        let created: Value = self
            .send_request(client, expert_id, note)
            .await
            .json()
            .await
            .expect("created item");
        let res = client
            .put(self.url(&format!("/api/meetings/{}/status", created["id"])))
            .json(&json!({"status": "cancelled"}))
            .send()
            .await
            .expect("cancel");
        assert_eq!(res.status(), StatusCode::OK, "cancel");
        created
    }

    /// A direct connection to the app's database, for checks behind the API.
    pub async fn db(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.database_url)
            .await
            .expect("open db")
    }

    pub async fn count_rows(&self, table: &str) -> i64 {
        let pool = self.db().await;
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .expect("count");
        n
    }
}

pub fn tomorrow_at_two() -> String {
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
    format!("{}T14:00:00+01:00", tomorrow.format("%Y-%m-%d"))
}

/// Asserts the API's error shape and returns its code and field.
pub async fn expect_error(res: Response, status: StatusCode) -> (String, Option<String>) {
    assert_eq!(res.status(), status);
    let body: Value = res.json().await.expect("error body is JSON");
    let code = body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_string();
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    (code, body["error"]["field"].as_str().map(str::to_string))
}

/// Asserts a 400 in the API's error shape and returns the field it names.
pub async fn bad_field(res: Response) -> Option<String> {
    expect_error(res, StatusCode::BAD_REQUEST).await.1
}

impl TestApp {
    /// Logs in and returns the `Cookie` header value of the new session.
    pub async fn cookie_for(&self, email: &str) -> String {
        let res = Client::new()
            .post(self.url("/api/auth/login"))
            .json(&json!({"email": email, "password": "password123"}))
            .send()
            .await
            .expect("login");
        assert_eq!(res.status(), StatusCode::OK);
        let set = res
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .expect("cookie");
        set.split(';').next().expect("pair").to_string()
    }

    /// A client that sends this cookie (a second tab, say).
    pub fn client_with_cookie(&self, cookie: &str) -> Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::COOKIE, cookie.parse().expect("header"));
        Client::builder()
            .default_headers(headers)
            .build()
            .expect("client")
    }
}

/// `days` from today at `hh:mm` UTC, as RFC 3339.
pub fn day_at(days: i64, hh_mm: &str) -> String {
    let day = chrono::Utc::now().date_naive() + chrono::Duration::days(days);
    format!("{}T{hh_mm}:00Z", day.format("%Y-%m-%d"))
}

/// POSTs a new request that must be created; returns the item.
pub async fn post_request(app: &TestApp, patient: &Client, body: Value) -> Value {
    let res = patient
        .post(app.url("/api/meetings/"))
        .json(&body)
        .send()
        .await
        .expect("create request");
    assert_eq!(res.status(), StatusCode::CREATED, "{body}");
    res.json().await.expect("created item")
}

/// PUTs a change of status.
pub async fn put_status(app: &TestApp, client: &Client, id: &Value, body: Value) -> Response {
    client
        .put(app.url(&format!("/api/meetings/{id}/status")))
        .json(&body)
        .send()
        .await
        .expect("change status")
}

/// PUTs a change of status that must succeed; returns the updated item.
pub async fn moved(app: &TestApp, client: &Client, id: &Value, body: Value) -> Value {
    let res = put_status(app, client, id, body.clone()).await;
    assert_eq!(res.status(), StatusCode::OK, "{body}");
    res.json().await.expect("updated item")
}
