//! Several instances on one PostgreSQL database (SPEC 10): live frames cross
//! between instances through LISTEN/NOTIFY. These run when the tests have a
//! PostgreSQL server (`TEST_POSTGRES_URL`, set by the test command for its
//! PostgreSQL pass); on SQLite, which serves one instance, they skip.

use crate::helpers::{TestApp, fresh_shared_database, spawn_instance};
use crate::live::{Socket, connect, next, next_of};
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// Two instances started at the same moment on one fresh database.
async fn two_instances() -> Option<(TestApp, TestApp)> {
    let Some(url) = fresh_shared_database().await else {
        eprintln!("skipped: several instances need PostgreSQL (TEST_POSTGRES_URL)");
        return None;
    };
    Some(tokio::join!(spawn_instance(&url), spawn_instance(&url)))
}

/// Sarah's socket on `app`, her cookie, and the socket's opening frame.
async fn researcher_on(app: &TestApp) -> (String, Socket, Value) {
    let cookie = app.cookie_for("researcher@test.com").await;
    let mut socket = connect(app, Some(&cookie), "", None).await.unwrap();
    let opening = next(&mut socket).await;
    (cookie, socket, opening)
}

async fn create(app: &TestApp, patient: &reqwest::Client, expert: i64, note: &str) -> i64 {
    let res = app.send_request(patient, expert, note).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn frames_and_counts_cross_between_instances_both_ways() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let (researcher_cookie, mut researcher, opening) = researcher_on(&a).await;
    assert_eq!(opening, json!({"type": "pending_count", "count": 0}));
    let patient_cookie = b.cookie_for("patient@test.com").await;
    let mut patient_socket = connect(&b, Some(&patient_cookie), "", None).await.unwrap();
    let patient = b.client_with_cookie(&patient_cookie);
    let sarah = b.expert_id(&patient, "Dr. Sarah Smith").await;

    // Created on B, seen on A.
    let id = create(&b, &patient, sarah, "across instances").await;
    let created = next(&mut researcher).await;
    assert_eq!(created["type"], "meeting_request.created");
    assert_eq!(created["request"]["id"], id);
    assert_eq!(created["request"]["requester"]["full_name"], "John Doe");
    assert_eq!(
        next(&mut researcher).await,
        json!({"type": "pending_count", "count": 1})
    );

    // Accepted on A, seen on B.
    let res = a
        .client_with_cookie(&researcher_cookie)
        .put(a.url(&format!("/api/meetings/{id}/status")))
        .json(&json!({"status": "accepted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let changed = next_of(&mut patient_socket, "meeting_request.status_changed").await;
    assert_eq!(changed["request"]["id"], id);
    assert_eq!(changed["request"]["status"], "accepted");
    assert_eq!(changed["request"]["expert"]["full_name"], "Dr. Sarah Smith");
    assert_eq!(
        next_of(&mut researcher, "pending_count").await,
        json!({"type": "pending_count", "count": 0})
    );
}

#[tokio::test]
async fn a_client_of_a_stopped_instance_resumes_on_another_and_loses_nothing() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let (researcher_cookie, mut researcher, _) = researcher_on(&a).await;
    let patient = b.client_with_cookie(&b.cookie_for("patient@test.com").await);
    let sarah = b.expert_id(&patient, "Dr. Sarah Smith").await;
    let first = create(&b, &patient, sarah, "before the outage").await;
    let seen = next_of(&mut researcher, "meeting_request.created").await;
    let last_seen = seen["event_id"].as_i64().unwrap();

    // Instance A dies; meanwhile the patient withdraws and asks again on B.
    a.stop();
    drop(researcher);
    let res = patient
        .put(b.url(&format!("/api/meetings/{first}/status")))
        .json(&json!({"status": "cancelled"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let second = create(&b, &patient, sarah, "during the outage").await;

    // The researcher's client reconnects to B from the last event it saw.
    let mut resumed = connect(
        &b,
        Some(&researcher_cookie),
        &format!("?since={last_seen}"),
        None,
    )
    .await
    .unwrap();
    let cancelled = next(&mut resumed).await;
    assert_eq!(cancelled["type"], "meeting_request.status_changed");
    assert_eq!(cancelled["request"]["id"], first);
    assert_eq!(cancelled["request"]["status"], "cancelled");
    let created = next(&mut resumed).await;
    assert_eq!(created["type"], "meeting_request.created");
    assert_eq!(created["request"]["id"], second);
    assert_eq!(
        next(&mut resumed).await,
        json!({"type": "pending_count", "count": 1})
    );
}

/// A burst of 20 requests made on one instance reaches the other complete
/// and in event order.
#[tokio::test]
async fn a_burst_arrives_complete_and_in_order_on_the_other_instance() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let (_, mut researcher, _) = researcher_on(&a).await;
    let sarah = b.expert_id(&b.patient().await, "Dr. Sarah Smith").await;
    let b = &b;
    let patients = futures::future::join_all(
        (0..20).map(|n| async move { b.new_patient(&format!("cluster{n}@example.org")).await }),
    )
    .await;
    let ids: Vec<i64> = futures::future::join_all(
        patients
            .iter()
            .map(|p| create(b, p, sarah, "burst across instances")),
    )
    .await;
    let mut event_ids = Vec::new();
    let mut request_ids = Vec::new();
    while request_ids.len() < ids.len() {
        let frame = next_of(&mut researcher, "meeting_request.created").await;
        event_ids.push(frame["event_id"].as_i64().unwrap());
        request_ids.push(frame["request"]["id"].as_i64().unwrap());
    }
    assert!(event_ids.windows(2).all(|w| w[0] < w[1]), "{event_ids:?}");
    request_ids.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(request_ids, expected);
    // The count ends where it should.
    let mut last_count = None;
    while let Ok(Some(Ok(Message::Text(text)))) =
        tokio::time::timeout(Duration::from_millis(500), researcher.next()).await
    {
        let frame: Value = serde_json::from_str(&text).unwrap();
        if frame["type"] == "pending_count" {
            last_count = frame["count"].as_i64();
        }
    }
    if let Some(count) = last_count {
        assert_eq!(count, 20);
    }
}

/// Logging out on one instance closes that session's sockets on the other.
#[tokio::test]
async fn a_logout_on_one_instance_closes_sockets_on_the_other() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let (cookie, mut socket, _) = researcher_on(&a).await;
    let res = b
        .client_with_cookie(&cookie)
        .post(b.url("/api/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match socket.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the socket on the other instance stayed open"
    );
}

/// An instance answers from the rows it wrote itself (`server/recent.rs`);
/// a move made meanwhile on another instance still decides: the patient's
/// instance last wrote the request as pending, the researcher proposed
/// another time on the other one, and accepting that time works, at that
/// time, on either.
#[tokio::test]
async fn a_move_on_one_instance_decides_the_next_on_the_other() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let patient = b.client_with_cookie(&b.cookie_for("patient@test.com").await);
    let researcher = a.client_with_cookie(&a.cookie_for("researcher@test.com").await);
    let sarah = b.expert_id(&patient, "Dr. Sarah Smith").await;
    let id = json!(create(&b, &patient, sarah, "propose across").await);
    let new_time = crate::helpers::day_at(4, "15:00");
    let proposed = crate::helpers::moved(
        &a,
        &researcher,
        &id,
        json!({"status": "proposed", "proposed_at": new_time}),
    )
    .await;
    assert_eq!(proposed["status"], "proposed");
    // B wrote it as pending: as pending, a patient could not accept it.
    let accepted = crate::helpers::moved(&b, &patient, &id, json!({"status": "accepted"})).await;
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["preferred_at"], new_time);
    // And a move B's row no longer allows is refused as the stored row says.
    let late =
        crate::helpers::put_status(&a, &researcher, &id, json!({"status": "rejected"})).await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
    let cancelled = crate::helpers::moved(&b, &patient, &id, json!({"status": "cancelled"})).await;
    assert_eq!(cancelled["status"], "cancelled");
}
