//! Email through the outbox (SPEC 12), against a real SMTP server: aiosmtpd
//! started from `scripts/smtp-sink.py` with the Python the test command
//! installs (`TEST_SMTP_PYTHON`, from `scripts/test-smtp.sh`).

use crate::helpers::{
    TestApp, day_at, expect_error, fresh_shared_database, moved, post_request, spawn_app,
    spawn_app_with, spawn_instance_with,
};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The SMTP server of one test; stopped when dropped.
struct Sink {
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python() -> String {
    std::env::var("TEST_SMTP_PYTHON").expect(
        "TEST_SMTP_PYTHON names a Python with aiosmtpd (scripts/test-smtp.sh; scripts/test.sh sets it)",
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Sink {
    async fn start(port: u16) -> Sink {
        let dir = tempfile::tempdir().unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/smtp-sink.py");
        // Owned at once, so that its `Drop` stops and reaps it on any path.
        let sink = Sink {
            child: Command::new(python())
                .arg(script)
                .arg(port.to_string())
                .arg(dir.path())
                .stdout(Stdio::null())
                .spawn()
                .expect("start the SMTP server"),
            dir,
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return sink;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the SMTP server did not start on port {port}");
    }

    /// Every message received so far, decoded enough to read.
    fn messages(&self) -> Vec<Mail> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| Mail::parse(&std::fs::read_to_string(p).unwrap()))
            .collect()
    }

    /// Waits until `n` messages arrived, then a little longer to catch any
    /// extra copy; returns them.
    async fn expect(&self, n: usize) -> Vec<Mail> {
        for _ in 0..300 {
            if self.messages().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let got = self.messages();
        assert_eq!(
            got.len(),
            n,
            "emails: {:#?}",
            got.iter().map(|m| &m.subject).collect::<Vec<_>>()
        );
        got
    }
}

#[derive(Debug)]
struct Mail {
    to: String,
    subject: String,
    message_id: String,
    /// The whole message with quoted-printable undone.
    text: String,
}

impl Mail {
    fn parse(raw: &str) -> Mail {
        let header = |name: &str| {
            raw.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                .unwrap_or_default()
                .to_string()
        };
        Mail {
            to: header("X-Envelope-To"),
            subject: header("Subject"),
            message_id: header("Message-ID"),
            text: unquote(raw),
        }
    }
}

/// Undoes quoted-printable: soft line breaks and `=XX` escapes.
fn unquote(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn mail_settings(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("APP_SMTP_URL", format!("smtp://127.0.0.1:{port}")),
        ("APP_MAIL_FROM", "CareBridge <noreply@care.example>".into()),
        ("APP_PUBLIC_URL", "https://care.example".into()),
    ]
}

async fn app_mailing_to(port: u16) -> TestApp {
    let vars = mail_settings(port);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_app_with(&vars).await
}

async fn create(app: &TestApp, patient: &Client, expert: i64, note: &str, days: i64) -> Value {
    let body = json!({
        "expert_id": expert,
        "message": note,
        "preferred_at": day_at(days, "09:00"),
        "meeting_type": "Phone Call",
        "time_zone": "Europe/Paris",
    });
    post_request(app, patient, body).await
}

async fn change(app: &TestApp, client: &Client, id: &Value, body: Value) {
    moved(app, client, id, body).await;
}

async fn outbox_rows(app: &TestApp) -> i64 {
    app.count_rows("email_outbox").await
}

#[tokio::test]
async fn each_party_hears_of_the_other_partys_moves_and_never_of_health_data() {
    let port = free_port();
    let sink = Sink::start(port).await;
    let app = app_mailing_to(port).await;
    let patient = app.patient().await;
    let researcher = app.researcher().await;
    let sarah = app.expert_id(&patient, "Dr. Sarah Smith").await;

    let first = create(&app, &patient, sarah, "SECRET-NOTE about my symptoms", 3).await;
    change(
        &app,
        &researcher,
        &first["id"],
        json!({"status": "proposed", "proposed_at": day_at(4, "10:00"), "reason": "SECRET-REASON"}),
    )
    .await;
    change(&app, &patient, &first["id"], json!({"status": "accepted"})).await;
    change(
        &app,
        &researcher,
        &first["id"],
        json!({"status": "cancelled", "reason": "SECRET-REASON 2"}),
    )
    .await;
    let second = create(&app, &patient, sarah, "SECRET-NOTE again", 5).await;
    change(
        &app,
        &researcher,
        &second["id"],
        json!({"status": "accepted", "details": "SECRET-DETAILS https://meet.example/x"}),
    )
    .await;

    let mails = sink.expect(6).await;
    let got: Vec<(&str, &str)> = mails
        .iter()
        .map(|m| (m.to.as_str(), m.subject.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "researcher@test.com",
                "CareBridge: New meeting request from John Doe"
            ),
            (
                "patient@test.com",
                "CareBridge: Dr. Sarah Smith proposed another time"
            ),
            (
                "researcher@test.com",
                "CareBridge: John Doe accepted the new time"
            ),
            (
                "patient@test.com",
                "CareBridge: Dr. Sarah Smith cancelled the meeting"
            ),
            (
                "researcher@test.com",
                "CareBridge: New meeting request from John Doe"
            ),
            (
                "patient@test.com",
                "CareBridge: Dr. Sarah Smith accepted your meeting request"
            ),
        ]
    );
    for mail in &mails {
        assert!(
            !mail.text.contains("SECRET"),
            "health data in an email: {}",
            mail.text
        );
        assert!(
            mail.text
                .contains("From: CareBridge <noreply@care.example>")
        );
        assert!(
            mail.text.contains("https://care.example/dashboard/"),
            "{}",
            mail.text
        );
        assert!(mail.text.contains("Content-Type: text/html"));
        assert!(mail.text.contains("Phone Call"));
    }
    // The patient's emails give the time in the patient's zone.
    assert!(
        mails[1].text.contains("(Europe/Paris)"),
        "{}",
        mails[1].text
    );
    assert!(mails[1].text.contains("Status: Proposed"));
    // One Message-ID per event and recipient.
    let mut ids: Vec<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6);
    assert!(
        ids.iter().all(|id| id.ends_with("@care.example>")),
        "{ids:?}"
    );
}

#[tokio::test]
async fn a_recipient_the_server_refuses_does_not_hold_up_the_queue() {
    let port = free_port();
    let sink = Sink::start(port).await;
    let app = app_mailing_to(port).await;
    let refused = app.new_patient("refuse-me@example.org").await;
    let researcher = app.researcher().await;
    let sarah = app.expert_id(&refused, "Dr. Sarah Smith").await;
    let first = create(&app, &refused, sarah, "one", 3).await;
    // To the refused address: refused for good, marked failed.
    change(
        &app,
        &researcher,
        &first["id"],
        json!({"status": "rejected"}),
    )
    .await;
    let patient = app.patient().await;
    create(&app, &patient, sarah, "two", 4).await;
    let mails = sink.expect(2).await;
    assert!(mails.iter().all(|m| m.to == "researcher@test.com"));
    let pool = app.db().await;
    let (failed, sent): (i64, i64) =
        sqlx::query_as("SELECT COUNT(failed_at), COUNT(sent_at) FROM email_outbox")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((failed, sent), (1, 2));
}

#[tokio::test]
async fn preferences_say_whether_anything_is_queued() {
    let port = free_port();
    let sink = Sink::start(port).await;
    let app = app_mailing_to(port).await;
    let researcher = app.researcher().await;
    let url = app.url("/api/me/preferences");
    let prefs: Value = researcher
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(prefs, json!({"email_notifications": true}));
    for bad in [
        json!({}),
        json!({"email_notifications": "no"}),
        json!({"email_notifications": 0}),
    ] {
        let res = researcher.put(&url).json(&bad).send().await.unwrap();
        let (_, field) = expect_error(res, StatusCode::BAD_REQUEST).await;
        assert_eq!(field.as_deref(), Some("email_notifications"));
    }
    let res = researcher
        .put(&url)
        .json(&json!({"email_notifications": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let prefs: Value = researcher
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(prefs["email_notifications"], false);
    assert_eq!(
        app.client().get(&url).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    let patient = app.patient().await;
    let sarah = app.expert_id(&patient, "Dr. Sarah Smith").await;
    create(&app, &patient, sarah, "nobody is told", 3).await;
    assert_eq!(outbox_rows(&app).await, 0);
    sink.expect(0).await;

    // Without APP_SMTP_URL the outbox is never filled.
    let quiet = spawn_app().await;
    let patient = quiet.patient().await;
    let sarah = quiet.expert_id(&patient, "Dr. Sarah Smith").await;
    create(&quiet, &patient, sarah, "no mail server", 3).await;
    assert_eq!(outbox_rows(&quiet).await, 0);
}

#[tokio::test]
async fn while_the_mail_server_is_down_nothing_is_lost_and_nothing_is_sent_twice() {
    let port = free_port();
    let app = app_mailing_to(port).await;
    let sarah = app.expert_id(&app.patient().await, "Dr. Sarah Smith").await;
    for n in 0..3 {
        let patient = app.new_patient(&format!("down{n}@test.com")).await;
        create(&app, &patient, sarah, "while down", 3 + n).await;
    }
    assert_eq!(outbox_rows(&app).await, 3);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let sink = Sink::start(port).await;
    let mails = sink.expect(3).await;
    let mut ids: Vec<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "each email once");
}

#[tokio::test]
async fn a_server_killed_with_emails_due_sends_them_once_after_a_restart() {
    let port = free_port();
    let first = app_mailing_to(port).await;
    let sarah = first
        .expert_id(&first.patient().await, "Dr. Sarah Smith")
        .await;
    for n in 0..2 {
        let patient = first.new_patient(&format!("killed{n}@test.com")).await;
        create(&first, &patient, sarah, "before the crash", 3 + n).await;
    }
    first.stop();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sink = Sink::start(port).await;
    let vars = mail_settings(port);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let _second = spawn_instance_with(&first.database_url, &vars).await;
    sink.expect(2).await;
}

#[tokio::test]
async fn with_two_instances_each_email_goes_out_once() {
    let Some(url) = fresh_shared_database().await else {
        eprintln!("skipped: several instances need PostgreSQL (TEST_POSTGRES_URL)");
        return;
    };
    let port = free_port();
    let sink = Sink::start(port).await;
    let vars = mail_settings(port);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (a, b) = tokio::join!(
        spawn_instance_with(&url, &vars),
        spawn_instance_with(&url, &vars)
    );
    let researcher = b.researcher().await;
    let sarah = a.expert_id(&researcher, "Dr. Sarah Smith").await;
    for n in 0..8 {
        let patient = a.new_patient(&format!("twice{n}@test.com")).await;
        let item = create(&a, &patient, sarah, "two instances", 3 + n).await;
        change(&b, &researcher, &item["id"], json!({"status": "accepted"})).await;
    }
    let mails = sink.expect(16).await;
    let mut ids: Vec<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 16, "each email once");
}
