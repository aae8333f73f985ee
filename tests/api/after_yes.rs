//! The meeting after "yes" (SPEC 11): durations, another time proposed,
//! the overlap guard, details only while accepted, the calendar file,
//! cancelling an accepted meeting, and expiry. Runs on SQLite, and on
//! PostgreSQL in the test command's PostgreSQL pass.

use crate::helpers::{
    TestApp, bad_field, day_at, expect_error, fresh_shared_database, moved, post_request,
    put_status, spawn_app, spawn_app_with, spawn_instance_with,
};
use crate::live::{Socket, connect, next_of};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// Sends a request for `at` lasting `minutes`; returns the created item.
async fn request_at(app: &TestApp, patient: &Client, expert: i64, at: &str, minutes: i64) -> Value {
    let body = json!({
        "expert_id": expert,
        "message": "About the trial",
        "preferred_at": at,
        "meeting_type": "Video Call",
        "time_zone": "Europe/Paris",
        "duration_minutes": minutes,
    });
    post_request(app, patient, body).await
}

async fn list(app: &TestApp, client: &Client) -> Vec<Value> {
    let list: Value = client
        .get(app.url("/api/meetings/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list.as_array().unwrap().clone()
}

struct Pair {
    patient: Client,
    researcher: Client,
    patient_cookie: String,
    researcher_cookie: String,
    sarah: i64,
}

async fn pair(app: &TestApp) -> Pair {
    let patient_cookie = app.cookie_for("patient@test.com").await;
    let researcher_cookie = app.cookie_for("researcher@test.com").await;
    let patient = app.client_with_cookie(&patient_cookie);
    let sarah = app.expert_id(&patient, "Dr. Sarah Smith").await;
    Pair {
        researcher: app.client_with_cookie(&researcher_cookie),
        patient,
        patient_cookie,
        researcher_cookie,
        sarah,
    }
}

#[tokio::test]
async fn durations_default_to_30_and_must_be_one_of_four() {
    let app = spawn_app().await;
    let p = pair(&app).await;
    let created: Value = app
        .send_request(&p.patient, p.sarah, "default length")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(created["duration_minutes"], 30);
    assert_eq!(created["proposed_at"], Value::Null);
    assert_eq!(created["details"], Value::Null);
    for bad in [json!(20), json!(0), json!("45"), json!(90)] {
        let res = p
            .patient
            .post(app.url("/api/meetings/"))
            .json(&json!({
                "expert_id": p.sarah,
                "message": "odd length",
                "preferred_at": day_at(3, "10:00"),
                "meeting_type": "Video Call",
                "time_zone": "Europe/Paris",
                "duration_minutes": bad,
            }))
            .send()
            .await
            .unwrap();
        let (code, field) = expect_error(res, StatusCode::BAD_REQUEST).await;
        assert_eq!(
            (code.as_str(), field.as_deref()),
            ("validation_error", Some("duration_minutes"))
        );
    }
    let item = request_at(
        &app,
        &app.new_patient("len@test.com").await,
        p.sarah,
        &day_at(4, "09:00"),
        45,
    )
    .await;
    assert_eq!(item["duration_minutes"], 45);
    assert_eq!(app.count_rows("meeting_requests").await, 2);
}

#[tokio::test]
async fn the_expert_proposes_another_time_and_the_patient_accepts_it_live() {
    let app = spawn_app().await;
    let p = pair(&app).await;
    let mut patient_ws = connect(&app, Some(&p.patient_cookie), "", None)
        .await
        .unwrap();
    let created = request_at(&app, &p.patient, p.sarah, &day_at(2, "09:00"), 45).await;
    let id = &created["id"];
    next_of(&mut patient_ws, "meeting_request.created").await;

    // A proposal needs a time in the future, within a year.
    let res = put_status(&app, &p.researcher, id, json!({"status": "proposed"})).await;
    assert_eq!(bad_field(res).await.as_deref(), Some("proposed_at"));
    for bad in [
        "2020-01-01T10:00:00Z",
        "tomorrow",
        day_at(400, "10:00").as_str(),
    ] {
        let res = put_status(
            &app,
            &p.researcher,
            id,
            json!({"status": "proposed", "proposed_at": bad}),
        )
        .await;
        assert_eq!(
            bad_field(res).await.as_deref(),
            Some("proposed_at"),
            "{bad}"
        );
    }
    // Only the expert proposes.
    let new_time = day_at(3, "15:30");
    let res = put_status(
        &app,
        &p.patient,
        id,
        json!({"status": "proposed", "proposed_at": new_time}),
    )
    .await;
    assert_eq!(
        expect_error(res, StatusCode::FORBIDDEN).await.0,
        "forbidden"
    );

    let proposed = moved(
        &app,
        &p.researcher,
        id,
        json!({"status": "proposed", "proposed_at": new_time, "reason": "Busy that morning"}),
    )
    .await;
    assert_eq!(proposed["status"], "proposed");
    assert_eq!(proposed["proposed_at"], new_time);
    assert_eq!(proposed["preferred_at"], created["preferred_at"]);
    let frame = next_of(&mut patient_ws, "meeting_request.status_changed").await;
    assert_eq!(frame["request"]["status"], "proposed");
    assert_eq!(frame["request"]["proposed_at"], new_time);
    assert_eq!(frame["by"], "expert");

    // While the patient has not answered, the expert cannot answer again.
    for status in ["accepted", "rejected", "proposed"] {
        let res = put_status(
            &app,
            &p.researcher,
            id,
            json!({"status": status, "proposed_at": day_at(5, "10:00")}),
        )
        .await;
        assert_eq!(
            expect_error(res, StatusCode::CONFLICT).await.0,
            "conflict",
            "{status}"
        );
    }
    // Nor can the expert decline the proposal for the patient.
    let res = put_status(&app, &p.researcher, id, json!({"status": "cancelled"})).await;
    assert_eq!(
        expect_error(res, StatusCode::FORBIDDEN).await.0,
        "forbidden"
    );

    let mut researcher_ws = connect(&app, Some(&p.researcher_cookie), "", None)
        .await
        .unwrap();
    let accepted = moved(&app, &p.patient, id, json!({"status": "accepted"})).await;
    assert_eq!(accepted["status"], "accepted");
    // The meeting takes the proposed time.
    assert_eq!(accepted["preferred_at"], new_time);
    assert_eq!(accepted["duration_minutes"], 45);
    let frame = next_of(&mut researcher_ws, "meeting_request.status_changed").await;
    assert_eq!(frame["request"]["status"], "accepted");
    assert_eq!(frame["request"]["preferred_at"], new_time);
    assert_eq!(frame["by"], "requester");

    // Every move is an event.
    let pool = app.db().await;
    let moves: Vec<(Option<String>, String)> = sqlx::query_as(
        "SELECT from_status, to_status FROM meeting_request_events WHERE request_id = $1 ORDER BY id",
    )
    .bind(id.as_i64().unwrap())
    .fetch_all(&pool)
    .await
    .unwrap();
    let moves: Vec<(Option<&str>, &str)> = moves
        .iter()
        .map(|(f, t)| (f.as_deref(), t.as_str()))
        .collect();
    assert_eq!(
        moves,
        [
            (None, "pending"),
            (Some("pending"), "proposed"),
            (Some("proposed"), "accepted")
        ]
    );
}

#[tokio::test]
async fn declining_a_proposal_cancels_the_request() {
    let app = spawn_app().await;
    let p = pair(&app).await;
    let created = request_at(&app, &p.patient, p.sarah, &day_at(2, "09:00"), 30).await;
    let id = &created["id"];
    moved(
        &app,
        &p.researcher,
        id,
        json!({"status": "proposed", "proposed_at": day_at(2, "16:00")}),
    )
    .await;
    let declined = moved(&app, &p.patient, id, json!({"status": "cancelled"})).await;
    assert_eq!(declined["status"], "cancelled");
    // Nothing leaves cancelled.
    let res = put_status(&app, &p.patient, id, json!({"status": "accepted"})).await;
    assert_eq!(expect_error(res, StatusCode::CONFLICT).await.0, "conflict");
    // A new request to the same researcher is possible again.
    request_at(&app, &p.patient, p.sarah, &day_at(6, "09:00"), 30).await;
}

#[tokio::test]
async fn details_are_seen_only_while_the_meeting_is_accepted() {
    let app = spawn_app().await;
    let p = pair(&app).await;
    let mut patient_ws = connect(&app, Some(&p.patient_cookie), "", None)
        .await
        .unwrap();
    let created = request_at(&app, &p.patient, p.sarah, &day_at(2, "09:00"), 30).await;
    let id = &created["id"];
    let details = "https://meet.example/abc\nRoom 2 if in person";
    // Too long, or with a direction override: refused, nothing changes.
    for bad in ["x".repeat(501), "join\u{202E}here".to_string()] {
        let res = put_status(
            &app,
            &p.researcher,
            id,
            json!({"status": "accepted", "details": bad}),
        )
        .await;
        assert_eq!(bad_field(res).await.as_deref(), Some("details"));
    }
    assert_eq!(list(&app, &p.patient).await[0]["status"], "pending");

    let accepted = moved(
        &app,
        &p.researcher,
        id,
        json!({"status": "accepted", "details": details}),
    )
    .await;
    assert_eq!(accepted["details"], details);
    let frame = next_of(&mut patient_ws, "meeting_request.status_changed").await;
    assert_eq!(frame["request"]["details"], details);
    assert_eq!(list(&app, &p.patient).await[0]["details"], details);

    // Once cancelled, the details are gone: from lists, frames, replays and
    // the database.
    let cancelled = moved(
        &app,
        &p.patient,
        id,
        json!({"status": "cancelled", "reason": "Feeling better"}),
    )
    .await;
    assert_eq!(cancelled["details"], Value::Null);
    assert_eq!(list(&app, &p.researcher).await[0]["details"], Value::Null);
    let mut replay = connect(&app, Some(&p.patient_cookie), "?since=0", None)
        .await
        .unwrap();
    for _ in 0..3 {
        let frame = next_any_request(&mut replay).await;
        assert_eq!(frame["request"]["details"], Value::Null, "{frame}");
    }
    let pool = app.db().await;
    let (stored,): (Option<String>,) =
        sqlx::query_as("SELECT details FROM meeting_requests WHERE id = $1")
            .bind(id.as_i64().unwrap())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored, None);
}

/// The next frame about a request (created or changed).
async fn next_any_request(socket: &mut Socket) -> Value {
    loop {
        let frame = crate::live::next(socket).await;
        if frame["request"].is_object() {
            return frame;
        }
    }
}

#[tokio::test]
async fn either_party_cancels_an_accepted_meeting_before_it_starts() {
    let app = spawn_app().await;
    let p = pair(&app).await;
    let mut patient_ws = connect(&app, Some(&p.patient_cookie), "", None)
        .await
        .unwrap();
    let first = request_at(&app, &p.patient, p.sarah, &day_at(2, "09:00"), 30).await;
    moved(
        &app,
        &p.researcher,
        &first["id"],
        json!({"status": "accepted"}),
    )
    .await;
    let cancelled = moved(
        &app,
        &p.researcher,
        &first["id"],
        json!({"status": "cancelled", "reason": "Called away"}),
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["decision_reason"], "Called away");
    loop {
        let frame = next_of(&mut patient_ws, "meeting_request.status_changed").await;
        if frame["request"]["status"] == "cancelled" {
            assert_eq!(frame["by"], "expert");
            break;
        }
    }

    // A meeting that has started can no longer be cancelled.
    let second = request_at(&app, &p.patient, p.sarah, &day_at(3, "09:00"), 30).await;
    moved(
        &app,
        &p.researcher,
        &second["id"],
        json!({"status": "accepted"}),
    )
    .await;
    let pool = app.db().await;
    sqlx::query("UPDATE meeting_requests SET preferred_at = $1 WHERE id = $2")
        .bind("2020-01-01T10:00:00Z")
        .bind(second["id"].as_i64().unwrap())
        .execute(&pool)
        .await
        .unwrap();
    let res = put_status(
        &app,
        &p.patient,
        &second["id"],
        json!({"status": "cancelled"}),
    )
    .await;
    assert_eq!(expect_error(res, StatusCode::CONFLICT).await.0, "conflict");
    assert_eq!(list(&app, &p.patient).await[0]["status"], "accepted");
}

#[tokio::test]
async fn accepting_an_overlapping_meeting_answers_409_overlap() {
    let app = spawn_app().await;
    let p = pair(&app).await;
    let other = app.new_patient("second@test.com").await;
    let third = app.new_patient("third@test.com").await;
    let first = request_at(&app, &p.patient, p.sarah, &day_at(2, "14:00"), 60).await;
    let clash = request_at(&app, &other, p.sarah, &day_at(2, "14:30"), 30).await;
    let next_door = request_at(&app, &third, p.sarah, &day_at(2, "15:00"), 30).await;
    moved(
        &app,
        &p.researcher,
        &first["id"],
        json!({"status": "accepted"}),
    )
    .await;

    let res = put_status(
        &app,
        &p.researcher,
        &clash["id"],
        json!({"status": "accepted"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "overlap");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("02:00 PM UTC"), "{message}");
    // Nothing changed.
    assert_eq!(list(&app, &other).await[0]["status"], "pending");
    // Declining it is still possible; back to back is not an overlap.
    moved(
        &app,
        &p.researcher,
        &next_door["id"],
        json!({"status": "accepted"}),
    )
    .await;
    moved(
        &app,
        &p.researcher,
        &clash["id"],
        json!({"status": "rejected"}),
    )
    .await;

    // A proposal accepted by the patient is guarded too.
    let fourth = app.new_patient("fourth@test.com").await;
    let late = request_at(&app, &fourth, p.sarah, &day_at(5, "09:00"), 30).await;
    moved(
        &app,
        &p.researcher,
        &late["id"],
        json!({"status": "proposed", "proposed_at": day_at(2, "15:15")}),
    )
    .await;
    let res = put_status(&app, &fourth, &late["id"], json!({"status": "accepted"})).await;
    assert_eq!(expect_error(res, StatusCode::CONFLICT).await.0, "overlap");
}

#[tokio::test]
async fn of_two_racing_overlapping_accepts_one_wins() {
    let app = spawn_app().await;
    let p = pair(&app).await;
    for round in 0..3 {
        let a = app.new_patient(&format!("race-a{round}@test.com")).await;
        let b = app.new_patient(&format!("race-b{round}@test.com")).await;
        let at = day_at(10 + round, "11:00");
        let first = request_at(&app, &a, p.sarah, &at, 30).await;
        let second = request_at(&app, &b, p.sarah, &at, 30).await;
        let other_researcher = app.client_with_cookie(&p.researcher_cookie);
        let (x, y) = tokio::join!(
            put_status(
                &app,
                &p.researcher,
                &first["id"],
                json!({"status": "accepted"})
            ),
            put_status(
                &app,
                &other_researcher,
                &second["id"],
                json!({"status": "accepted"})
            ),
        );
        let mut statuses = [x.status(), y.status()];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "round {round}"
        );
        let loser = if x.status() == StatusCode::CONFLICT {
            x
        } else {
            y
        };
        assert_eq!(expect_error(loser, StatusCode::CONFLICT).await.0, "overlap");
    }
}

/// PostgreSQL: two overlapping acceptances that both wait for the event
/// log's lock. The second to get it must see the first one's commit, made
/// while it waited: its guard reads a snapshot taken after the lock. (The
/// lock is held here from outside so that both are surely waiting.)
#[tokio::test]
async fn an_acceptance_that_waited_for_the_log_sees_what_committed_meanwhile() {
    if std::env::var("TEST_POSTGRES_URL").is_err() {
        eprintln!("skipped: the event log's lock is PostgreSQL's");
        return;
    }
    let app = spawn_app().await;
    let p = pair(&app).await;
    let other = app.new_patient("waiting@test.com").await;
    let at = day_at(12, "10:00");
    let first = request_at(&app, &p.patient, p.sarah, &at, 60).await;
    let second = request_at(&app, &other, p.sarah, &day_at(12, "10:45"), 30).await;

    let db = app.db().await;
    let mut holder = db.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock(7223)")
        .execute(&mut *holder)
        .await
        .unwrap();
    let other_researcher = app.client_with_cookie(&p.researcher_cookie);
    let accepted = json!({"status": "accepted"});
    let let_go = async {
        // Both wait for the lock before it is let go.
        let mut waiting = 0;
        for _ in 0..200 {
            (waiting,) = sqlx::query_as::<_, (i64,)>(
                "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
            )
            .fetch_one(&db)
            .await
            .unwrap();
            if waiting == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        holder.commit().await.unwrap();
        waiting
    };
    let (x, y, waiting) = tokio::join!(
        put_status(&app, &p.researcher, &first["id"], accepted.clone()),
        put_status(&app, &other_researcher, &second["id"], accepted.clone()),
        let_go,
    );
    assert_eq!(waiting, 2, "both acceptances waited for the log's lock");
    let mut statuses = [x.status(), y.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let loser = if x.status() == StatusCode::CONFLICT {
        x
    } else {
        y
    };
    assert_eq!(expect_error(loser, StatusCode::CONFLICT).await.0, "overlap");
}

#[tokio::test]
async fn the_calendar_file_is_for_either_party_of_an_accepted_meeting() {
    let app = spawn_app().await;
    let p = pair(&app).await;
    let created = request_at(&app, &p.patient, p.sarah, &day_at(2, "09:15"), 45).await;
    let url = app.url(&format!("/api/meetings/{}/calendar.ics", created["id"]));
    // Not accepted yet: no calendar.
    let res = p.patient.get(&url).send().await.unwrap();
    assert_eq!(
        expect_error(res, StatusCode::NOT_FOUND).await.0,
        "not_found"
    );
    let details = "Video link: https://meet.example/room-with-a-long-name-that-needs-folding-over-several-lines?id=1234567890";
    moved(
        &app,
        &p.researcher,
        &created["id"],
        json!({"status": "accepted", "details": details}),
    )
    .await;

    for client in [&p.patient, &p.researcher] {
        let res = client.get(&url).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/calendar")
        );
        let ics = res.text().await.unwrap();
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
            assert!(!line.contains('\n'));
        }
        let unfolded = ics.replace("\r\n ", "");
        let start = day_at(2, "09:15").replace(['-', ':'], "");
        assert!(
            unfolded.contains(&format!("\r\nDTSTART:{start}\r\n")),
            "{unfolded}"
        );
        assert!(unfolded.contains("\r\nDURATION:PT45M\r\n"));
        assert!(unfolded.contains(&format!(
            "\r\nUID:meeting-request-{}@meeting-requests\r\n",
            created["id"]
        )));
        assert!(unfolded.contains("SUMMARY:Video Call with Dr. Sarah Smith and John Doe\r\n"));
        assert!(unfolded.contains(&format!("DESCRIPTION:{details}\r\n")));
        // Never the message text.
        assert!(!unfolded.contains("About the trial"));
        // A real iCalendar parser reads it back, field by field.
        check_with_a_parser(&ics, &created["id"], &day_at(2, "09:15"), details);
    }
    // Someone else, or nobody: as if it did not exist.
    let stranger = app.new_patient("stranger@test.com").await;
    let res = stranger.get(&url).send().await.unwrap();
    assert_eq!(
        expect_error(res, StatusCode::NOT_FOUND).await.0,
        "not_found"
    );
    let res = app.client().get(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = p
        .patient
        .get(app.url("/api/meetings/abc/calendar.ics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

fn check_with_a_parser(ics: &str, id: &Value, start: &str, details: &str) {
    use icalendar::{CalendarComponent, Component};
    let calendar: icalendar::Calendar = ics.parse().expect("a valid iCalendar file");
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1);
    let event = events[0];
    assert_eq!(
        event.get_uid(),
        Some(format!("meeting-request-{id}@meeting-requests").as_str())
    );
    let expected_start = chrono::DateTime::parse_from_rfc3339(start)
        .unwrap()
        .with_timezone(&chrono::Utc);
    match event.get_start() {
        Some(icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(t))) => {
            assert_eq!(t, expected_start)
        }
        other => panic!("DTSTART should be a UTC time, got {other:?}"),
    }
    assert_eq!(event.property_value("DURATION"), Some("PT45M"));
    assert_eq!(
        event.get_summary(),
        Some("Video Call with Dr. Sarah Smith and John Doe")
    );
    assert_eq!(event.get_description(), Some(details));
}

/// Moves a request's time (and proposed time) into the past, behind the
/// API's back, as time passing would.
async fn let_time_pass(app: &TestApp, id: &Value) {
    let pool = app.db().await;
    sqlx::query("UPDATE meeting_requests SET preferred_at = $1, proposed_at = CASE WHEN proposed_at IS NULL THEN NULL ELSE $1 END WHERE id = $2")
        .bind("2020-01-01T10:00:00Z")
        .bind(id.as_i64().unwrap())
        .execute(&pool)
        .await
        .unwrap();
}

async fn wait_for_status(app: &TestApp, client: &Client, id: &Value, status: &str) {
    for _ in 0..100 {
        if list(app, client)
            .await
            .iter()
            .any(|r| r["id"] == *id && r["status"] == status)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("request {id} never became {status}");
}

#[tokio::test]
async fn requests_whose_time_passed_unanswered_expire_and_both_parties_hear_it() {
    let app = spawn_app_with(&[("APP_EXPIRY_SWEEP_SECS", "1")]).await;
    let p = pair(&app).await;
    let mut patient_ws = connect(&app, Some(&p.patient_cookie), "", None)
        .await
        .unwrap();
    let mut researcher_ws = connect(&app, Some(&p.researcher_cookie), "", None)
        .await
        .unwrap();
    let pending = request_at(&app, &p.patient, p.sarah, &day_at(2, "09:00"), 30).await;
    let other = app.new_patient("proposal@test.com").await;
    let proposed = request_at(&app, &other, p.sarah, &day_at(2, "11:00"), 30).await;
    moved(
        &app,
        &p.researcher,
        &proposed["id"],
        json!({"status": "proposed", "proposed_at": day_at(3, "11:00")}),
    )
    .await;
    let accepted = request_at(
        &app,
        &app.new_patient("kept@test.com").await,
        p.sarah,
        &day_at(2, "13:00"),
        30,
    )
    .await;
    moved(
        &app,
        &p.researcher,
        &accepted["id"],
        json!({"status": "accepted"}),
    )
    .await;
    for r in [&pending, &proposed, &accepted] {
        let_time_pass(&app, &r["id"]).await;
    }

    wait_for_status(&app, &p.researcher, &pending["id"], "expired").await;
    wait_for_status(&app, &p.researcher, &proposed["id"], "expired").await;
    let frame = next_of(&mut patient_ws, "meeting_request.status_changed").await;
    assert_eq!(frame["request"]["id"], pending["id"]);
    assert_eq!(frame["request"]["status"], "expired");
    assert_eq!(frame["by"], "server");
    loop {
        let frame = next_of(&mut researcher_ws, "meeting_request.status_changed").await;
        if frame["request"]["id"] == pending["id"] && frame["request"]["status"] == "expired" {
            break;
        }
    }
    // An accepted meeting does not expire; each expiry is one event, by
    // no user.
    assert_eq!(
        list(&app, &p.researcher)
            .await
            .iter()
            .find(|r| r["id"] == accepted["id"])
            .unwrap()["status"],
        "accepted"
    );
    let pool = app.db().await;
    let (n, actors): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(actor_id) FROM meeting_request_events WHERE to_status = 'expired'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((n, actors), (2, 0));
    // Nothing leaves expired.
    let res = put_status(
        &app,
        &p.researcher,
        &pending["id"],
        json!({"status": "accepted"}),
    )
    .await;
    assert_eq!(expect_error(res, StatusCode::CONFLICT).await.0, "conflict");
}

#[tokio::test]
async fn with_two_instances_a_request_expires_once() {
    let Some(url) = fresh_shared_database().await else {
        eprintln!("skipped: several instances need PostgreSQL (TEST_POSTGRES_URL)");
        return;
    };
    let sweep = [("APP_EXPIRY_SWEEP_SECS", "1")];
    let (a, b) = tokio::join!(
        spawn_instance_with(&url, &sweep),
        spawn_instance_with(&url, &sweep)
    );
    let p = pair(&a).await;
    let mut ids = Vec::new();
    for n in 0..6 {
        let patient = a.new_patient(&format!("expire{n}@test.com")).await;
        let item = request_at(&a, &patient, p.sarah, &day_at(2 + n, "09:00"), 30).await;
        ids.push(item["id"].clone());
    }
    let mut researcher_ws = connect(&b, Some(&p.researcher_cookie), "", None)
        .await
        .unwrap();
    for id in &ids {
        let_time_pass(&a, id).await;
    }
    for id in &ids {
        wait_for_status(&b, &p.researcher, id, "expired").await;
    }
    let frame = next_of(&mut researcher_ws, "meeting_request.status_changed").await;
    assert_eq!(frame["request"]["status"], "expired");
    assert_eq!(frame["by"], "server");
    let pool = a.db().await;
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM meeting_request_events WHERE to_status = 'expired'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(n, 6, "each request expired once");
}

/// Requests stored before SPEC 11 migrate to a 30-minute meeting, keep
/// their ids, statuses and events, and the event log stays append-only.
#[tokio::test]
async fn existing_rows_migrate_to_30_minute_meetings() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("PRAGMA foreign_keys = ON")
        .execute(&mut conn)
        .await
        .unwrap();
    let all = sqlx::migrate!("./migrations/sqlite");
    let before: Vec<_> = all
        .migrations
        .iter()
        .filter(|m| m.version < 20261128000001)
        .cloned()
        .collect();
    assert!(before.len() < all.migrations.len());
    let old = sqlx::migrate::Migrator {
        migrations: std::borrow::Cow::Owned(before),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    old.run(&mut conn).await.unwrap();
    for sql in [
        "INSERT INTO users (email, password_hash, full_name, role, created_at) VALUES \
         ('p@x.org', 'h', 'P', 'patient', '2026-01-01T00:00:00Z'), \
         ('r@x.org', 'h', 'R', 'researcher', '2026-01-01T00:00:00Z')",
        "INSERT INTO meeting_requests (requester_id, expert_id, message, status, created_at, \
         preferred_at, meeting_type, time_zone) VALUES \
         (1, 2, 'old', 'accepted', '2026-01-01T00:00:00Z', '2026-02-01T10:00:00Z', 'Video Call', 'UTC')",
        "INSERT INTO meeting_request_events (request_id, actor_id, from_status, to_status, created_at) \
         VALUES (1, 1, NULL, 'pending', '2026-01-01T00:00:00Z'), \
         (1, 2, 'pending', 'accepted', '2026-01-01T00:01:00Z')",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    all.run(&mut conn).await.unwrap();
    let row: (i64, String, i64, Option<String>) =
        sqlx::query_as("SELECT id, status, duration_minutes, details FROM meeting_requests")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(row, (1, "accepted".into(), 30, None));
    let (events,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM meeting_request_events")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(events, 2);
    let fk: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert!(fk.is_empty(), "{fk:?}");
    assert!(
        sqlx::query("DELETE FROM meeting_request_events")
            .execute(&mut conn)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_time_that_has_passed_cannot_be_agreed() {
    let app = spawn_app().await;
    let p = pair(&app).await;
    let late = request_at(&app, &p.patient, p.sarah, &day_at(2, "09:00"), 30).await;
    let_time_pass(&app, &late["id"]).await;
    let res = put_status(
        &app,
        &p.researcher,
        &late["id"],
        json!({"status": "accepted"}),
    )
    .await;
    assert_eq!(expect_error(res, StatusCode::CONFLICT).await.0, "conflict");

    let other = app.new_patient("late-proposal@test.com").await;
    let item = request_at(&app, &other, p.sarah, &day_at(3, "09:00"), 30).await;
    moved(
        &app,
        &p.researcher,
        &item["id"],
        json!({"status": "proposed", "proposed_at": day_at(4, "09:00")}),
    )
    .await;
    let_time_pass(&app, &item["id"]).await;
    let res = put_status(&app, &other, &item["id"], json!({"status": "accepted"})).await;
    assert_eq!(expect_error(res, StatusCode::CONFLICT).await.0, "conflict");
    // Nothing was agreed.
    assert!(
        list(&app, &p.researcher)
            .await
            .iter()
            .all(|r| r["status"] != "accepted")
    );
}
