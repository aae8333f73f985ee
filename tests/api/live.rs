use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub async fn connect(
    app: &TestApp,
    cookie: Option<&str>,
    query: &str,
    origin: Option<&str>,
) -> Result<Socket, WsError> {
    let mut request = format!("ws://{}/api/ws{query}", app.addr).into_client_request()?;
    if let Some(cookie) = cookie {
        request
            .headers_mut()
            .insert("cookie", cookie.parse().unwrap());
    }
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
    }
    Ok(tokio_tungstenite::connect_async(request).await?.0)
}

/// The next JSON text frame, or panic after a few seconds.
pub async fn next(socket: &mut Socket) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a frame in time")
            .expect("stream open")
            .expect("frame");
        if let Message::Text(text) = msg {
            return serde_json::from_str(&text).expect("JSON frame");
        }
    }
}

/// The next frame of `kind`, skipping the others (pending counts interleave).
pub async fn next_of(socket: &mut Socket, kind: &str) -> Value {
    loop {
        let frame = next(socket).await;
        if frame["type"] == kind {
            return frame;
        }
    }
}

/// Asserts that nothing arrives for a moment.
async fn quiet(socket: &mut Socket) {
    match tokio::time::timeout(Duration::from_millis(400), socket.next()).await {
        Err(_) => {}
        Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
        Ok(other) => panic!("expected silence, got {other:?}"),
    }
}

async fn sarah_id(app: &TestApp, patient: &reqwest::Client) -> i64 {
    app.expert_id(patient, "Dr. Sarah Smith").await
}

#[tokio::test]
async fn refused_without_a_session_or_from_a_foreign_origin() {
    let app = spawn_app().await;
    match connect(&app, None, "", None).await {
        Err(WsError::Http(res)) => assert_eq!(res.status(), StatusCode::UNAUTHORIZED),
        other => panic!("expected 401, got {:?}", other.map(|_| ())),
    }
    let cookie = app.cookie_for("researcher@test.com").await;
    match connect(&app, Some(&cookie), "", Some("https://evil.example")).await {
        Err(WsError::Http(res)) => assert_eq!(res.status(), StatusCode::FORBIDDEN),
        other => panic!("expected 403, got {:?}", other.map(|_| ())),
    }
    let same_site = format!("http://{}", app.addr);
    assert!(
        connect(&app, Some(&cookie), "", Some(&same_site))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn the_expert_gets_created_and_counts_the_patient_gets_answers() {
    let app = spawn_app().await;
    let researcher_cookie = app.cookie_for("researcher@test.com").await;
    let patient_cookie = app.cookie_for("patient@test.com").await;
    let other_cookie = app.cookie_for("james.chen@test.com").await;
    let mut sarah_ws = connect(&app, Some(&researcher_cookie), "", None)
        .await
        .unwrap();
    let mut sarah_tab2 = connect(&app, Some(&researcher_cookie), "", None)
        .await
        .unwrap();
    let mut james_ws = connect(&app, Some(&other_cookie), "", None).await.unwrap();
    let mut patient_ws = connect(&app, Some(&patient_cookie), "", None)
        .await
        .unwrap();

    // Researchers hear their count right after connecting; patients do not.
    assert_eq!(
        next(&mut sarah_ws).await,
        json!({"type": "pending_count", "count": 0})
    );
    assert_eq!(
        next(&mut sarah_tab2).await,
        json!({"type": "pending_count", "count": 0})
    );
    assert_eq!(next(&mut james_ws).await["type"], "pending_count");

    let patient = app.client_with_cookie(&patient_cookie);
    let sarah = sarah_id(&app, &patient).await;
    let created: Value = app
        .send_request(&patient, sarah, "live please")
        .await
        .json()
        .await
        .unwrap();

    for ws in [&mut sarah_ws, &mut sarah_tab2] {
        let frame = next(ws).await;
        assert_eq!(frame["type"], "meeting_request.created");
        assert!(frame["event_id"].as_i64().unwrap() > 0);
        assert_eq!(frame["request"]["id"], created["id"]);
        assert_eq!(frame["request"]["type"], "received");
        assert_eq!(frame["request"]["requester"]["full_name"], "John Doe");
        assert_eq!(next(ws).await, json!({"type": "pending_count", "count": 1}));
    }
    quiet(&mut james_ws).await;
    // The patient's own connections (other tabs) hear of it too, with the
    // item as the patient sees it.
    let frame = next(&mut patient_ws).await;
    assert_eq!(frame["type"], "meeting_request.created");
    assert_eq!(frame["request"]["type"], "sent");
    assert_eq!(frame["request"]["expert"]["full_name"], "Dr. Sarah Smith");
    quiet(&mut patient_ws).await;

    let researcher = app.client_with_cookie(&researcher_cookie);
    let res = researcher
        .put(app.url(&format!("/api/meetings/{}/status", created["id"])))
        .json(&json!({"status": "accepted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let frame = next(&mut patient_ws).await;
    assert_eq!(frame["type"], "meeting_request.status_changed");
    assert_eq!(frame["request"]["status"], "accepted");
    assert_eq!(frame["request"]["type"], "sent");
    assert_eq!(frame["request"]["expert"]["full_name"], "Dr. Sarah Smith");
    assert_eq!(frame["by"], "expert");
    // The researcher's own tabs hear of their answer, then the count.
    for ws in [&mut sarah_ws, &mut sarah_tab2] {
        let frame = next(ws).await;
        assert_eq!(frame["type"], "meeting_request.status_changed");
        assert_eq!(frame["request"]["status"], "accepted");
        assert_eq!(frame["request"]["type"], "received");
        assert_eq!(next(ws).await, json!({"type": "pending_count", "count": 0}));
    }
    quiet(&mut james_ws).await;

    // A cancellation goes to the expert.
    let second: Value = app
        .send_request(&patient, sarah, "again")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next(&mut sarah_ws).await["type"], "meeting_request.created");
    assert_eq!(next(&mut sarah_ws).await["count"], 1);
    assert_eq!(
        next(&mut patient_ws).await["type"],
        "meeting_request.created"
    );
    patient
        .put(app.url(&format!("/api/meetings/{}/status", second["id"])))
        .json(&json!({"status": "cancelled"}))
        .send()
        .await
        .unwrap();
    let frame = next(&mut sarah_ws).await;
    assert_eq!(frame["type"], "meeting_request.status_changed");
    assert_eq!(frame["request"]["status"], "cancelled");
    assert_eq!(frame["by"], "requester");
    assert_eq!(next(&mut sarah_ws).await["count"], 0);
    let frame = next(&mut patient_ws).await;
    assert_eq!(frame["request"]["status"], "cancelled");
    quiet(&mut patient_ws).await;
}

#[tokio::test]
async fn since_replays_what_was_missed_without_gaps_or_duplicates() {
    let app = spawn_app().await;
    let researcher_cookie = app.cookie_for("researcher@test.com").await;
    let patient_cookie = app.cookie_for("patient@test.com").await;
    let patient = app.client_with_cookie(&patient_cookie);
    let sarah = sarah_id(&app, &patient).await;

    let mut ws = connect(&app, Some(&researcher_cookie), "", None)
        .await
        .unwrap();
    next(&mut ws).await; // count
    let first: Value = app
        .send_request(&patient, sarah, "one")
        .await
        .json()
        .await
        .unwrap();
    let frame = next(&mut ws).await;
    let last_seen = frame["event_id"].as_i64().unwrap();
    next(&mut ws).await; // count
    drop(ws);

    // While disconnected: the patient cancels and sends another request.
    patient
        .put(app.url(&format!("/api/meetings/{}/status", first["id"])))
        .json(&json!({"status": "cancelled"}))
        .send()
        .await
        .unwrap();
    let second: Value = app
        .send_request(&patient, sarah, "two")
        .await
        .json()
        .await
        .unwrap();

    let mut ws = connect(
        &app,
        Some(&researcher_cookie),
        &format!("?since={last_seen}"),
        None,
    )
    .await
    .unwrap();
    let a = next(&mut ws).await;
    assert_eq!(a["type"], "meeting_request.status_changed");
    assert_eq!(a["request"]["id"], first["id"]);
    assert_eq!(a["request"]["status"], "cancelled");
    let b = next(&mut ws).await;
    assert_eq!(b["type"], "meeting_request.created");
    assert_eq!(b["request"]["id"], second["id"]);
    assert!(b["event_id"].as_i64() > a["event_id"].as_i64());
    assert_eq!(
        next(&mut ws).await,
        json!({"type": "pending_count", "count": 1})
    );
    quiet(&mut ws).await;

    // A bad `since` is a clear 400.
    match connect(&app, Some(&researcher_cookie), "?since=soon", None).await {
        Err(WsError::Http(res)) => assert_eq!(res.status(), StatusCode::BAD_REQUEST),
        other => panic!("expected 400, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn a_client_that_does_not_read_does_not_delay_another() {
    // 60 requests to one researcher: lift the per-pair daily limit.
    let app = spawn_app_with(&[("APP_REQUESTS_PER_PAIR_PER_DAY", "0")]).await;
    let researcher_cookie = app.cookie_for("researcher@test.com").await;
    let patient_cookie = app.cookie_for("patient@test.com").await;
    let patient = app.client_with_cookie(&patient_cookie);
    let sarah = sarah_id(&app, &patient).await;
    // This one never reads.
    let _stalled = connect(&app, Some(&researcher_cookie), "", None)
        .await
        .unwrap();
    let mut reader = connect(&app, Some(&researcher_cookie), "", None)
        .await
        .unwrap();
    next(&mut reader).await;

    let started = std::time::Instant::now();
    for i in 0..60 {
        app.send_and_cancel(&patient, sarah, &format!("n{i}")).await;
    }
    // Every event reaches the reading client: 60 × (created, cancelled),
    // with pending counts between them.
    let mut events = 0;
    while events < 120 {
        if next(&mut reader).await["type"] != "pending_count" {
            events += 1;
        }
    }
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn logout_closes_that_sessions_sockets() {
    let app = spawn_app().await;
    let cookie = app.cookie_for("researcher@test.com").await;
    let mut ws = connect(&app, Some(&cookie), "", None).await.unwrap();
    next(&mut ws).await;
    let res = app
        .client_with_cookie(&cookie)
        .post(app.url("/api/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the socket was closed");
    let _ = ws.send(Message::Text("bye".into())).await;
}

/// A burst of 40 requests reaches the researcher's socket complete, in
/// event order, with the count ending at 40 (the socket writes what is
/// queued together, up to a bound per write).
#[tokio::test]
async fn a_burst_reaches_the_socket_complete_and_in_order() {
    let app = spawn_app().await;
    let cookie = app.cookie_for("researcher@test.com").await;
    let mut researcher = connect(&app, Some(&cookie), "", None).await.unwrap();
    assert_eq!(
        next(&mut researcher).await,
        json!({"type": "pending_count", "count": 0})
    );
    let sarah = sarah_id(&app, &app.patient().await).await;
    let app = &app;
    let patients = futures::future::join_all(
        (0..40)
            .map(|n| async move { app.new_patient(&format!("live-burst{n}@example.org")).await }),
    )
    .await;
    let created = futures::future::join_all(
        patients
            .iter()
            .map(|p| app.send_request(p, sarah, "a burst")),
    )
    .await;
    let mut ids: Vec<i64> = Vec::new();
    for res in created {
        assert_eq!(res.status(), StatusCode::CREATED);
        ids.push(res.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let mut event_ids = Vec::new();
    let mut request_ids = Vec::new();
    let mut last_count = 0;
    while request_ids.len() < ids.len() || last_count < 40 {
        let frame = next(&mut researcher).await;
        match frame["type"].as_str() {
            Some("meeting_request.created") => {
                event_ids.push(frame["event_id"].as_i64().unwrap());
                request_ids.push(frame["request"]["id"].as_i64().unwrap());
            }
            Some("pending_count") => last_count = frame["count"].as_i64().unwrap(),
            other => panic!("unexpected frame {other:?}"),
        }
    }
    assert!(event_ids.windows(2).all(|w| w[0] < w[1]), "{event_ids:?}");
    request_ids.sort();
    ids.sort();
    assert_eq!(request_ids, ids);
    assert_eq!(last_count, 40);
}
