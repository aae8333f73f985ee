//! SPEC 13: what a hostile or careless client can and cannot do. Each item
//! of the section has its test here (the login lockout is in `auth`).

use crate::helpers::{TestApp, expect_error, spawn_app, spawn_app_with, tomorrow_at_two};
use crate::live::{Socket, connect, next};
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// Waits for the server to close `socket` and returns the close code.
async fn close_code(socket: &mut Socket, within: Duration) -> u16 {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, socket.next()).await {
            Err(_) => panic!("the socket was not closed within {within:?}"),
            Ok(Some(Ok(Message::Close(Some(frame))))) => return u16::from(frame.code),
            Ok(Some(Ok(Message::Close(None)))) | Ok(None) | Ok(Some(Err(_))) => {
                panic!("closed without a code")
            }
            Ok(Some(Ok(_))) => {}
        }
    }
}

async fn sarah(app: &TestApp, client: &reqwest::Client) -> i64 {
    app.expert_id(client, "Dr. Sarah Smith").await
}

#[tokio::test]
async fn an_eleventh_socket_closes_the_oldest_with_4001() {
    let app = spawn_app().await;
    let cookie = app.cookie_for("researcher@test.com").await;
    let mut sockets = Vec::new();
    for _ in 0..10 {
        let mut ws = connect(&app, Some(&cookie), "", None).await.unwrap();
        assert_eq!(next(&mut ws).await["type"], "pending_count");
        sockets.push(ws);
    }
    let mut eleventh = connect(&app, Some(&cookie), "", None).await.unwrap();
    assert_eq!(next(&mut eleventh).await["type"], "pending_count");
    assert_eq!(
        close_code(&mut sockets[0], Duration::from_secs(5)).await,
        4001
    );
    // The others stay open and live.
    let patient = app.patient().await;
    let id = sarah(&app, &patient).await;
    assert_eq!(
        app.send_request(&patient, id, "still here?").await.status(),
        StatusCode::CREATED
    );
    for ws in sockets[1..].iter_mut().chain([&mut eleventh]) {
        assert_eq!(next(ws).await["type"], "meeting_request.created");
    }
}

#[tokio::test]
async fn past_the_server_wide_cap_the_upgrade_answers_503() {
    let app = spawn_app_with(&[("APP_MAX_SOCKETS", "2")]).await;
    let researcher = app.cookie_for("researcher@test.com").await;
    let patient = app.cookie_for("patient@test.com").await;
    let _a = connect(&app, Some(&researcher), "", None).await.unwrap();
    let b = connect(&app, Some(&patient), "", None).await.unwrap();
    match connect(&app, Some(&patient), "", None).await {
        Err(WsError::Http(res)) => assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE),
        other => panic!("expected 503, got {:?}", other.map(|_| ())),
    }
    // A closed socket frees its place.
    drop(b);
    let mut tries = 0;
    while connect(&app, Some(&patient), "", None).await.is_err() {
        tries += 1;
        assert!(tries < 50, "the place of a closed socket was never freed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_replay_of_more_than_1000_events_is_a_resync_then_live() {
    let app = spawn_app_with(&[("APP_REQUESTS_PER_PAIR_PER_DAY", "0")]).await;
    let researcher = app.cookie_for("researcher@test.com").await;
    // 4 patients x 126 (create, cancel) = 1,008 events for the researcher.
    let app = &app;
    let patients = futures::future::join_all(
        (0..4).map(|n| async move { app.new_patient(&format!("many{n}@example.org")).await }),
    )
    .await;
    let expert = sarah(app, &patients[0]).await;
    futures::future::join_all(patients.iter().map(|p| async {
        for _ in 0..126 {
            app.send_and_cancel(p, expert, "x").await;
        }
    }))
    .await;

    let mut ws = connect(app, Some(&researcher), "?since=0", None)
        .await
        .unwrap();
    assert_eq!(next(&mut ws).await, json!({"type": "resync"}));
    assert_eq!(
        next(&mut ws).await,
        json!({"type": "pending_count", "count": 0})
    );
    // Then live events as usual.
    app.send_request(&patients[0], expert, "after the resync")
        .await;
    assert_eq!(next(&mut ws).await["type"], "meeting_request.created");

    // A shorter replay is sent in full.
    let (last,): (i64,) = sqlx::query_as("SELECT MAX(id) FROM meeting_request_events")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    let mut ws = connect(
        app,
        Some(&researcher),
        &format!("?since={}", last - 3),
        None,
    )
    .await
    .unwrap();
    for _ in 0..3 {
        assert!(next(&mut ws).await["event_id"].as_i64().unwrap() > last - 3);
    }
}

#[tokio::test]
async fn a_socket_closes_soon_after_logout() {
    let app = spawn_app().await;
    let cookie = app.cookie_for("patient@test.com").await;
    let mut ws = connect(&app, Some(&cookie), "", None).await.unwrap();
    let res = app
        .client_with_cookie(&cookie)
        .post(app.url("/api/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(close_code(&mut ws, Duration::from_secs(5)).await, 4002);
}

#[tokio::test]
async fn a_socket_closes_within_5_seconds_of_its_session_idling_out() {
    let app = spawn_app_with(&[("APP_SESSION_IDLE_SECS", "2")]).await;
    let cookie = app.cookie_for("patient@test.com").await;
    let mut ws = connect(&app, Some(&cookie), "", None).await.unwrap();
    // Idle ends 2 s after the last request; the close comes within 5 s of that.
    assert_eq!(close_code(&mut ws, Duration::from_secs(7)).await, 4002);
    let res = app
        .client_with_cookie(&cookie)
        .get(app.url("/api/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_socket_closes_within_5_seconds_of_its_session_lifetime() {
    let app = spawn_app_with(&[("APP_SESSION_MAX_SECS", "3")]).await;
    let cookie = app.cookie_for("patient@test.com").await;
    let mut ws = connect(&app, Some(&cookie), "", None).await.unwrap();
    let client = app.client_with_cookie(&cookie);
    let started = Instant::now();
    // Activity does not extend the absolute lifetime.
    let keep_busy = async {
        for _ in 0..6 {
            let _ = client.get(app.url("/api/auth/me")).send().await;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    };
    let (code, ()) = tokio::join!(close_code(&mut ws, Duration::from_secs(8)), keep_busy);
    assert_eq!(code, 4002);
    assert!(started.elapsed() >= Duration::from_secs(2));
}

#[tokio::test]
async fn control_and_direction_characters_are_refused_and_nul_never_answers_500() {
    let app = spawn_app().await;
    let register = |name: &str| {
        app.client()
            .post(app.url("/api/auth/register"))
            .json(&json!({"email": "new@example.org", "password": "long-enough", "full_name": name, "role": "patient"}))
            .send()
    };
    for bad in ["Ada\u{202E}", "Ada\u{0}", "Ada\u{1b}[2J", "Ada\nLovelace"] {
        let (code, field) =
            expect_error(register(bad).await.unwrap(), StatusCode::BAD_REQUEST).await;
        assert_eq!(
            (code.as_str(), field.as_deref()),
            ("validation_error", Some("full_name"))
        );
    }
    // A NUL byte in a login email is a wrong login, not a database error.
    let res = app
        .client()
        .post(app.url("/api/auth/login"))
        .json(&json!({"email": "patient\u{0}@test.com", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let patient = app.patient().await;
    let expert = sarah(&app, &patient).await;
    let create = |message: &str, zone: &str| {
        patient
            .post(app.url("/api/meetings/"))
            .json(
                &json!({"expert_id": expert, "message": message, "preferred_at": tomorrow_at_two(),
                          "meeting_type": "Video Call", "time_zone": zone}),
            )
            .send()
    };
    for bad in ["hello\u{0}", "see \u{2066}this\u{2069}", "bell\u{7}"] {
        let (_, field) = expect_error(
            create(bad, "Europe/Paris").await.unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(field.as_deref(), Some("message"), "{bad:?}");
    }
    let (_, field) = expect_error(
        create("hi", "Europe/Paris\u{0}").await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(field.as_deref(), Some("time_zone"));
    // Paragraphs keep their newlines and tabs.
    let res = create("Line one\r\n\tLine two", "Europe/Paris")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let item: Value = res.json().await.unwrap();
    assert!(
        item["message"]
            .as_str()
            .unwrap()
            .contains("Line one\n\tLine two")
    );
    let res = patient
        .put(app.url(&format!("/api/meetings/{}/status", item["id"])))
        .json(&json!({"status": "cancelled", "reason": "oops\u{202E}"}))
        .send()
        .await
        .unwrap();
    let (_, field) = expect_error(res, StatusCode::BAD_REQUEST).await;
    assert_eq!(field.as_deref(), Some("reason"));
    assert_eq!(app.count_rows("users").await, 7, "nothing was registered");
}

#[tokio::test]
async fn odd_input_never_answers_500() {
    let app = spawn_app().await;
    let patient = app.patient().await;
    let bodies = [
        json!({"expert_id": 1e308, "message": "x"}),
        json!({"expert_id": -9223372036854775808i64, "message": "x", "preferred_at": "x", "meeting_type": "Video Call", "time_zone": "UTC"}),
        json!({"expert_id": "1", "message": ["x"]}),
        json!({"expert_id": 2, "message": "\u{FFFF}\u{10FFFF}", "preferred_at": "9999-12-31T23:59:59+14:00", "meeting_type": "Video Call", "time_zone": "\u{0}"}),
        json!(null),
        json!([]),
    ];
    for body in bodies {
        let res = patient
            .post(app.url("/api/meetings/"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_client_error(), "{body} -> {}", res.status());
    }
    for query in [
        "?limit=99999999999999999999",
        "?before=-1",
        "?status=%00",
        "?limit=1e3",
        "?before=%F0%9F",
    ] {
        let res = patient
            .get(app.url(&format!("/api/meetings/{query}")))
            .send()
            .await
            .unwrap();
        assert!(
            !res.status().is_server_error(),
            "{query} -> {}",
            res.status()
        );
    }
    for path in [
        "/api/meetings/99999999999999999999/status",
        "/api/meetings/%00/status",
    ] {
        let res = patient
            .put(app.url(path))
            .json(&json!({"status": "cancelled"}))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_client_error(), "{path} -> {}", res.status());
    }
}

#[tokio::test]
async fn a_patient_may_send_one_researcher_a_bounded_number_of_requests_a_day() {
    let app = spawn_app_with(&[("APP_REQUESTS_PER_PAIR_PER_DAY", "2")]).await;
    let patient = app.patient().await;
    let expert = sarah(&app, &patient).await;
    for _ in 0..2 {
        app.send_and_cancel(&patient, expert, "hello").await;
    }
    let before = app.count_rows("meeting_requests").await;
    let res = app.send_request(&patient, expert, "third").await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 23 * 3600 && retry <= 24 * 3600, "{retry}");
    let (code, _) = expect_error(res, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(code, "rate_limited");
    assert_eq!(
        app.count_rows("meeting_requests").await,
        before,
        "nothing stored"
    );
    // Another researcher is still reachable.
    let other = app.expert_id(&patient, "Dr. James Chen").await;
    assert_eq!(
        app.send_request(&patient, other, "hi").await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn pages_and_answers_carry_the_security_headers() {
    let app = spawn_app().await;
    let page = app.client().get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let h = page.headers().clone();
    let csp = h["content-security-policy"].to_str().unwrap().to_string();
    let html = page.text().await.unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the policy names a nonce");
    assert!(nonce.len() >= 16);
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline"));
    // Every script of the page carries that nonce.
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "{html}"
    );
    // A second page gets another nonce.
    let again = app.client().get(app.url("/login")).send().await.unwrap();
    assert_ne!(
        again.headers()["content-security-policy"].to_str().unwrap(),
        csp
    );

    let patient = app.patient().await;
    for res in [
        h,
        patient
            .get(app.url("/api/meetings/"))
            .send()
            .await
            .unwrap()
            .headers()
            .clone(),
        patient
            .get(app.url("/dashboard/patient"))
            .send()
            .await
            .unwrap()
            .headers()
            .clone(),
        app.client()
            .get(app.url("/api/auth/me"))
            .send()
            .await
            .unwrap()
            .headers()
            .clone(),
    ] {
        assert_eq!(res["x-content-type-options"], "nosniff");
        assert_eq!(res["referrer-policy"], "same-origin");
        assert_eq!(res["cache-control"], "no-store");
        assert!(
            res["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        assert!(
            !res.contains_key("strict-transport-security"),
            "not over plain HTTP"
        );
    }

    let tls = spawn_app_with(&[("APP_COOKIE_SECURE", "true")]).await;
    let res = tls
        .client()
        .get(tls.url("/api/experts"))
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
}

/// A request whose headers never end is cut after the header read timeout.
#[tokio::test]
async fn a_request_whose_headers_never_end_is_cut() {
    let app = spawn_app().await;
    let mut stream = tokio::net::TcpStream::connect(&app.addr).await.unwrap();
    stream
        .write_all(b"GET /api/experts HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 256];
    // Trickle a header byte now and then; the server must still give up.
    let cut = loop {
        tokio::select! {
            read = stream.read(&mut buf) => break read,
            () = tokio::time::sleep(Duration::from_secs(1)) => {
                if stream.write_all(b"X").await.is_err() {
                    break Ok(0);
                }
            }
        }
        assert!(started.elapsed() < Duration::from_secs(20), "never cut");
    };
    let elapsed = started.elapsed();
    assert!(matches!(cut, Ok(_) | Err(_)));
    assert!(
        elapsed >= Duration::from_secs(5) && elapsed < Duration::from_secs(20),
        "{elapsed:?}"
    );
    // A normal request meanwhile is answered at once.
    let res = app.client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
