use crate::helpers::{expect_error, spawn_app, tomorrow_at_two};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn patient_sends_and_researcher_receives_in_the_api_shape() {
    let app = spawn_app().await;
    let patient = app.patient().await;
    let researcher = app.researcher().await;
    let sarah = app.expert_id(&patient, "Dr. Sarah Smith").await;

    let res = app
        .send_request(
            &patient,
            sarah,
            "  Hi, I'd like to discuss diabetes treatment options  ",
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let sent: Value = res.json().await.unwrap();
    assert_eq!(sent["type"], "sent");
    assert_eq!(sent["status"], "pending");
    assert_eq!(sent["expert"]["full_name"], "Dr. Sarah Smith");
    assert_eq!(sent["expert"]["role"], "researcher");
    assert!(sent.get("requester").is_none());
    assert_eq!(sent["meeting_type"], "Video Call");
    assert_eq!(sent["time_zone"], "Europe/Paris");
    assert_eq!(sent["decision_reason"], Value::Null);
    // 14:00 at +01:00 is 13:00 UTC; Paris shows the patient's wall clock.
    assert!(
        sent["preferred_at"]
            .as_str()
            .unwrap()
            .ends_with("T13:00:00Z")
    );
    let message = sent["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "Hi, I'd like to discuss diabetes treatment options\n\nPreferred Date & Time: "
        ),
        "{message}"
    );
    assert!(
        message.contains(", 02:00 PM (Europe/Paris)\nMeeting Type: Video Call"),
        "{message}"
    );

    let received: Value = researcher
        .get(app.url("/api/meetings/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let item = &received[0];
    assert_eq!(item["type"], "received");
    assert_eq!(item["requester"]["full_name"], "John Doe");
    assert_eq!(item["requester"]["role"], "patient");
    assert!(item.get("expert").is_none());
    assert_eq!(item["message"], sent["message"]);
    for key in [
        "id",
        "created_at",
        "updated_at",
        "preferred_at",
        "meeting_type",
        "time_zone",
        "decision_reason",
        "status",
    ] {
        assert!(item.get(key).is_some(), "{key}");
    }
    // No trailing slash works too.
    let same: Value = researcher
        .get(app.url("/api/meetings"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(same, received);
}

#[tokio::test]
async fn only_patients_create_and_only_to_researchers() {
    let app = spawn_app().await;
    let patient = app.patient().await;
    let researcher = app.researcher().await;
    let sarah = app.expert_id(&patient, "Dr. Sarah Smith").await;
    let james = app.expert_id(&patient, "Dr. James Chen").await;

    let res = app
        .send_request(&researcher, james, "hello colleague")
        .await;
    assert_eq!(
        expect_error(res, StatusCode::FORBIDDEN).await.0,
        "forbidden"
    );

    let me: Value = patient
        .get(app.url("/api/auth/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let my_id = me["user"]["id"].as_i64().unwrap();
    let res = app.send_request(&patient, my_id, "to myself").await;
    assert_eq!(
        expect_error(res, StatusCode::BAD_REQUEST)
            .await
            .1
            .as_deref(),
        Some("expert_id")
    );

    let other_patient = app.login("patient2@test.com", "password123").await;
    let me2: Value = other_patient
        .get(app.url("/api/auth/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = app
        .send_request(
            &patient,
            me2["user"]["id"].as_i64().unwrap(),
            "to a patient",
        )
        .await;
    assert_eq!(
        expect_error(res, StatusCode::BAD_REQUEST)
            .await
            .1
            .as_deref(),
        Some("expert_id")
    );

    let res = app.send_request(&patient, 999_999, "to nobody").await;
    assert_eq!(
        expect_error(res, StatusCode::NOT_FOUND).await.0,
        "not_found"
    );

    assert_eq!(app.count_rows("meeting_requests").await, 0);
    assert_eq!(
        app.send_request(&patient, sarah, "fine").await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_named_and_stores_nothing() {
    let app = spawn_app().await;
    let patient = app.patient().await;
    let sarah = app.expert_id(&patient, "Dr. Sarah Smith").await;
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let far = (chrono::Utc::now() + chrono::Duration::days(400)).to_rfc3339();
    let cases = [
        (json!({"message": "   "}), "message"),
        (json!({"message": "x".repeat(2001)}), "message"),
        (json!({"preferred_at": past}), "preferred_at"),
        (json!({"preferred_at": far}), "preferred_at"),
        (
            json!({"preferred_at": "2030-01-01T10:00:00"}),
            "preferred_at",
        ),
        (json!({"preferred_at": "next tuesday"}), "preferred_at"),
        (json!({"meeting_type": "Carrier Pigeon"}), "meeting_type"),
        (json!({"time_zone": "Mars/Olympus_Mons"}), "time_zone"),
        (json!({"expert_id": "two"}), "expert_id"),
    ];
    for (patch, field) in cases {
        let mut body = json!({
            "expert_id": sarah,
            "message": "Hello",
            "preferred_at": tomorrow_at_two(),
            "meeting_type": "Video Call",
            "time_zone": "Europe/Paris",
        });
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let res = patient
            .post(app.url("/api/meetings/"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let (code, got) = expect_error(res, StatusCode::BAD_REQUEST).await;
        assert_eq!(code, "validation_error");
        assert_eq!(got.as_deref(), Some(field), "{patch}");
    }
    let res = patient
        .post(app.url("/api/meetings/"))
        .json(&json!({"expert_id": sarah, "preferred_at": tomorrow_at_two(), "meeting_type": "Video Call", "time_zone": "UTC"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(res, StatusCode::BAD_REQUEST)
            .await
            .1
            .as_deref(),
        Some("message")
    );
    let res = patient
        .post(app.url("/api/meetings/"))
        .body("not json")
        .send()
        .await
        .unwrap();
    expect_error(res, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    let res = patient
        .post(app.url("/api/meetings/"))
        .header("content-type", "application/json")
        .body("{\"message\": ")
        .send()
        .await
        .unwrap();
    expect_error(res, StatusCode::BAD_REQUEST).await;
    let res = patient
        .post(app.url("/api/meetings/"))
        .header("content-type", "application/json")
        .body(vec![b' '; 300 * 1024])
        .send()
        .await
        .unwrap();
    expect_error(res, StatusCode::PAYLOAD_TOO_LARGE).await;

    assert_eq!(app.count_rows("meeting_requests").await, 0);
    assert_eq!(app.count_rows("meeting_request_events").await, 0);
    // The boundary itself is fine: exactly 2,000 characters.
    let res = patient
        .post(app.url("/api/meetings/"))
        .json(&json!({"expert_id": sarah, "message": "é".repeat(2000), "preferred_at": tomorrow_at_two(), "meeting_type": "In Person", "time_zone": "UTC"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn one_pending_request_per_pair() {
    let app = spawn_app().await;
    let patient = app.patient().await;
    let researcher = app.researcher().await;
    let sarah = app.expert_id(&patient, "Dr. Sarah Smith").await;
    let james = app.expert_id(&patient, "Dr. James Chen").await;
    let first: Value = app
        .send_request(&patient, sarah, "first")
        .await
        .json()
        .await
        .unwrap();
    let res = app.send_request(&patient, sarah, "second").await;
    assert_eq!(expect_error(res, StatusCode::CONFLICT).await.0, "conflict");
    // Another expert is another pair.
    assert_eq!(
        app.send_request(&patient, james, "other").await.status(),
        StatusCode::CREATED
    );
    // Once answered, a new request to the same expert is allowed.
    let id = first["id"].as_i64().unwrap();
    let res = researcher
        .put(app.url(&format!("/api/meetings/{id}/status")))
        .json(&json!({"status": "accepted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.send_request(&patient, sarah, "again").await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn status_flow_and_who_may_change_it() {
    let app = spawn_app().await;
    let patient = app.patient().await;
    let researcher = app.researcher().await;
    let james_client = app.login("james.chen@test.com", "password123").await;
    let maria = app.login("patient2@test.com", "password123").await;
    let sarah = app.expert_id(&patient, "Dr. Sarah Smith").await;
    let created: Value = app
        .send_request(&patient, sarah, "please")
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let url = app.url(&format!("/api/meetings/{id}/status"));

    // Strangers see nothing: 404, exactly like an id that does not exist.
    for stranger in [&james_client, &maria] {
        let res = stranger
            .put(&url)
            .json(&json!({"status": "accepted"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            expect_error(res, StatusCode::NOT_FOUND).await.0,
            "not_found"
        );
    }
    let missing = researcher
        .put(app.url("/api/meetings/987654/status"))
        .json(&json!({"status": "accepted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(missing, StatusCode::NOT_FOUND).await.0,
        "not_found"
    );
    let junk = researcher
        .put(app.url("/api/meetings/abc/status"))
        .json(&json!({"status": "accepted"}))
        .send()
        .await
        .unwrap();
    expect_error(junk, StatusCode::NOT_FOUND).await;
    let maria_list: Value = maria
        .get(app.url("/api/meetings/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(maria_list, json!([]));

    // The patient may not answer; the researcher may not cancel.
    let res = patient
        .put(&url)
        .json(&json!({"status": "accepted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(res, StatusCode::FORBIDDEN).await.0,
        "forbidden"
    );
    let res = researcher
        .put(&url)
        .json(&json!({"status": "cancelled"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(res, StatusCode::FORBIDDEN).await.0,
        "forbidden"
    );
    let res = researcher
        .put(&url)
        .json(&json!({"status": "pending"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(res, StatusCode::BAD_REQUEST)
            .await
            .1
            .as_deref(),
        Some("status")
    );
    let res = researcher
        .put(&url)
        .json(&json!({"status": "declined", "reason": "r".repeat(501)}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(res, StatusCode::BAD_REQUEST)
            .await
            .1
            .as_deref(),
        Some("reason")
    );

    // `declined` is an alias of `rejected`; the reason is kept.
    let res = researcher
        .put(&url)
        .json(&json!({"status": "declined", "reason": "Outside my field"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let item: Value = res.json().await.unwrap();
    assert_eq!(item["status"], "rejected");
    assert_eq!(item["decision_reason"], "Outside my field");
    assert_eq!(item["type"], "received");
    assert!(item["updated_at"].is_string());

    // Nothing leaves a final state.
    for (client, status) in [(&researcher, "accepted"), (&patient, "cancelled")] {
        let res = client
            .put(&url)
            .json(&json!({"status": status}))
            .send()
            .await
            .unwrap();
        assert_eq!(expect_error(res, StatusCode::CONFLICT).await.0, "conflict");
    }
    let seen: Value = patient
        .get(app.url("/api/meetings/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen[0]["status"], "rejected");
    assert_eq!(seen[0]["type"], "sent");
    // Creation and the decision: two events, append-only.
    assert_eq!(app.count_rows("meeting_request_events").await, 2);
}

#[tokio::test]
async fn the_patient_can_cancel_a_pending_request() {
    let app = spawn_app().await;
    let patient = app.patient().await;
    let sarah = app.expert_id(&patient, "Dr. Sarah Smith").await;
    let created: Value = app
        .send_request(&patient, sarah, "please")
        .await
        .json()
        .await
        .unwrap();
    let res = patient
        .put(app.url(&format!("/api/meetings/{}/status", created["id"])))
        .json(&json!({"status": "cancelled"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "cancelled");
}

#[tokio::test]
async fn lists_are_newest_first_and_filter_by_status() {
    let app = spawn_app().await;
    let patient = app.patient().await;
    let researcher = app.researcher().await;
    let mut ids = Vec::new();
    for name in ["Dr. Sarah Smith", "Dr. James Chen", "Dr. Amara Okafor"] {
        let expert = app.expert_id(&patient, name).await;
        let item: Value = app
            .send_request(&patient, expert, name)
            .await
            .json()
            .await
            .unwrap();
        ids.push(item["id"].as_i64().unwrap());
    }
    let all: Value = patient
        .get(app.url("/api/meetings/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let order: Vec<i64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(order, newest_first);

    researcher
        .put(app.url(&format!("/api/meetings/{}/status", ids[0])))
        .json(&json!({"status": "accepted"}))
        .send()
        .await
        .unwrap();
    let pending: Value = patient
        .get(app.url("/api/meetings/?status=pending"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pending.as_array().unwrap().len(), 2);
    let accepted: Value = patient
        .get(app.url("/api/meetings?status=accepted"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(accepted[0]["id"].as_i64(), Some(ids[0]));
    let res = patient
        .get(app.url("/api/meetings/?status=maybe"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(res, StatusCode::BAD_REQUEST)
            .await
            .1
            .as_deref(),
        Some("status")
    );
}

#[tokio::test]
async fn everything_needs_a_session() {
    let app = spawn_app().await;
    let anon = app.client();
    for res in [
        anon.get(app.url("/api/experts")).send().await.unwrap(),
        anon.get(app.url("/api/meetings/")).send().await.unwrap(),
        anon.post(app.url("/api/meetings/"))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
        anon.put(app.url("/api/meetings/1/status"))
            .json(&json!({"status": "accepted"}))
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(
            expect_error(res, StatusCode::UNAUTHORIZED).await.0,
            "unauthorized"
        );
    }
    let res = anon.get(app.url("/api/nothing-here")).send().await.unwrap();
    assert_eq!(
        expect_error(res, StatusCode::NOT_FOUND).await.0,
        "not_found"
    );
}

#[tokio::test]
async fn experts_list_has_profiles() {
    let app = spawn_app().await;
    let patient = app.patient().await;
    let experts: Value = patient
        .get(app.url("/api/experts"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = experts.as_array().unwrap();
    assert!(list.len() >= 5);
    let mut specialties: Vec<&str> = list
        .iter()
        .map(|e| e["specialty"].as_str().unwrap())
        .collect();
    specialties.dedup();
    assert!(specialties.len() >= 4, "varied specialties");
    for e in list {
        assert_eq!(e["role"], "researcher");
        for key in ["id", "full_name", "institution", "bio"] {
            assert!(e.get(key).is_some());
        }
    }
}

#[tokio::test]
async fn racing_answers_have_exactly_one_winner() {
    let app = spawn_app().await;
    let patient = app.patient().await;
    let sarah = app.expert_id(&patient, "Dr. Sarah Smith").await;
    let created: Value = app
        .send_request(&patient, sarah, "race")
        .await
        .json()
        .await
        .unwrap();
    let url = app.url(&format!("/api/meetings/{}/status", created["id"]));
    let mut clients = Vec::new();
    // (The patient stays out: since SPEC 11 a cancel after an accept is a
    // move of its own, not a lost race.)
    for _ in 0..4 {
        clients.push((app.researcher().await, "accepted"));
        clients.push((app.researcher().await, "rejected"));
        clients.push((app.researcher().await, "proposed"));
    }
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|(client, status)| {
            let url = url.clone();
            tokio::spawn(async move {
                client
                    .put(url)
                    .json(&json!({"status": status, "proposed_at": tomorrow_at_two()}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let mut ok = 0;
    let mut conflicts = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => conflicts += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((ok, conflicts), (1, 11));
    assert_eq!(app.count_rows("meeting_request_events").await, 2);
}

/// The seed's Test 3 SQL, unchanged, against the real database.
#[tokio::test]
async fn the_seeds_verification_sql_runs_unchanged() {
    let app = spawn_app().await;
    let patient = app.patient().await;
    let researcher = app.researcher().await;
    let sarah = app.expert_id(&patient, "Dr. Sarah Smith").await;
    let created: Value = app
        .send_request(
            &patient,
            sarah,
            "Hi, I'd like to discuss diabetes treatment options",
        )
        .await
        .json()
        .await
        .unwrap();
    researcher
        .put(app.url(&format!("/api/meetings/{}/status", created["id"])))
        .json(&json!({"status": "accepted"}))
        .send()
        .await
        .unwrap();
    let pool = app.db().await;
    let rows: Vec<(i64, String, String, String, String, String)> = sqlx::query_as(
        "SELECT 
  mr.id,
  p.full_name AS patient_name,
  r.full_name AS researcher_name,
  mr.message,
  mr.status,
  mr.created_at
FROM meeting_requests mr
JOIN users p ON mr.requester_id = p.id
JOIN users r ON mr.expert_id = r.id
ORDER BY mr.created_at DESC;",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
    let (_, patient_name, researcher_name, message, status, _) = &rows[0];
    assert_eq!(patient_name, "John Doe");
    assert_eq!(researcher_name, "Dr. Sarah Smith");
    assert!(
        message.contains("Preferred Date & Time: ") && message.contains("Meeting Type: Video Call")
    );
    assert_eq!(status, "accepted");
}

/// On PostgreSQL, writers of the event log take one advisory lock, so event
/// ids commit in order and `since` can never skip one. (SQLite serializes
/// all writers by itself; this test only has something to check on
/// PostgreSQL, which the test command runs it against.)
#[tokio::test]
async fn postgres_event_writers_wait_for_each_other() {
    let app = spawn_app().await;
    if !app.database_url.starts_with("postgres") {
        return;
    }
    use sqlx::Connection;
    let patient = app.patient().await;
    let sarah = app.expert_id(&patient, "Dr. Sarah Smith").await;
    let mut holder = sqlx::PgConnection::connect(&app.database_url)
        .await
        .unwrap();
    sqlx::query("SELECT pg_advisory_lock(7223)")
        .execute(&mut holder)
        .await
        .unwrap();
    let url = app.url("/api/meetings/");
    let body = json!({"expert_id": sarah, "message": "wait", "preferred_at": tomorrow_at_two(), "meeting_type": "Video Call", "time_zone": "UTC"});
    let send =
        tokio::spawn(async move { patient.post(url).json(&body).send().await.unwrap().status() });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!send.is_finished(), "the writer waits for the log's lock");
    sqlx::query("SELECT pg_advisory_unlock(7223)")
        .execute(&mut holder)
        .await
        .unwrap();
    assert_eq!(send.await.unwrap(), StatusCode::CREATED);
}

/// 200 concurrent creates from distinct pairs: every one is acknowledged
/// (SQLite orders the writes in the server; none waits on a lock and fails),
/// and every one is stored with its event.
#[tokio::test]
async fn a_burst_of_concurrent_creates_all_succeed() {
    let app = spawn_app().await;
    let some = app.patient().await;
    let experts: Vec<i64> = some
        .get(app.url("/api/experts"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["id"].as_i64())
        .collect();
    assert_eq!(experts.len(), 5);
    let app = &app;
    let patients = futures::future::join_all(
        (0..40).map(|n| async move { app.new_patient(&format!("burst{n}@example.org")).await }),
    )
    .await;
    let sends = patients.iter().flat_map(|p| {
        experts
            .iter()
            .map(move |&e| app.send_request(p, e, "burst"))
    });
    let statuses: Vec<StatusCode> = futures::future::join_all(sends)
        .await
        .into_iter()
        .map(|r| r.status())
        .collect();
    assert_eq!(statuses.len(), 200);
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{statuses:?}"
    );
    assert_eq!(app.count_rows("meeting_requests").await, 200);
    assert_eq!(app.count_rows("meeting_request_events").await, 200);
}

/// SPEC 10: `limit` (default 100, at most 500) and `before`, newest first
/// by id, still a JSON array.
#[tokio::test]
async fn lists_are_paged_by_id() {
    let app = spawn_app().await;
    let patient = app.patient().await;
    let sarah = app.expert_id(&patient, "Dr. Sarah Smith").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let res = app
            .send_request(&patient, sarah, &format!("page {n}"))
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let res = patient
            .put(app.url(&format!("/api/meetings/{id}/status")))
            .json(&json!({"status": "cancelled"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        ids.push(id);
    }
    ids.reverse();
    let page = |query: &'static str| {
        let patient = patient.clone();
        let url = app.url(&format!("/api/meetings/{query}"));
        async move {
            let res = patient.get(url).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{query}");
            res.json::<Vec<Value>>()
                .await
                .unwrap()
                .iter()
                .map(|v| v["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(page("").await, ids);
    assert_eq!(page("?limit=2").await, ids[..2]);
    let before = format!("?limit=2&before={}", ids[1]);
    let res = patient
        .get(app.url(&format!("/api/meetings/{before}")))
        .send()
        .await
        .unwrap();
    let next: Vec<i64> = res
        .json::<Vec<Value>>()
        .await
        .unwrap()
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect();
    assert_eq!(next, ids[2..4]);
    assert_eq!(page("?status=cancelled&limit=500").await, ids);
    assert!(page("?status=pending").await.is_empty());
    for (query, field) in [
        ("?limit=501", "limit"),
        ("?limit=0", "limit"),
        ("?limit=many", "limit"),
        ("?before=x", "before"),
        ("?status=maybe", "status"),
    ] {
        let res = patient
            .get(app.url(&format!("/api/meetings/{query}")))
            .send()
            .await
            .unwrap();
        let (_, got) = expect_error(res, StatusCode::BAD_REQUEST).await;
        assert_eq!(got.as_deref(), Some(field), "{query}");
    }
}
