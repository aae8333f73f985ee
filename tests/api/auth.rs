use crate::helpers::{expect_error, spawn_app, spawn_app_with};
use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;
use serde_json::{Value, json};

fn session_cookie(res: &reqwest::Response) -> String {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("session=") && !c.starts_with("session=;"))
        .expect("a session cookie")
        .to_string()
}

#[tokio::test]
async fn demo_accounts_log_in_with_a_safe_cookie() {
    let app = spawn_app().await;
    let client = app.client();
    let res = client
        .post(app.url("/api/auth/login"))
        .json(&json!({"email": "Patient@Test.com", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = session_cookie(&res);
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP in tests: {cookie}");
    let token = cookie["session=".len()..].split(';').next().unwrap();
    assert!(token.len() >= 32, "at least 128 bits of randomness");
    let text = res.text().await.unwrap();
    assert!(!text.contains("argon2"), "never a hash: {text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["user"]["full_name"], "John Doe");
    assert_eq!(body["user"]["role"], "patient");
    assert_eq!(body["user"]["email"], "patient@test.com");

    let me: Value = client
        .get(app.url("/api/auth/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["email"], "patient@test.com");
    assert!(me["user"].get("password_hash").is_none());
}

#[tokio::test]
async fn secure_cookie_when_configured_for_tls() {
    let app = spawn_app_with(&[("APP_COOKIE_SECURE", "true")]).await;
    let res = app
        .client()
        .post(app.url("/api/auth/login"))
        .json(&json!({"email": "patient@test.com", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert!(session_cookie(&res).contains("Secure"));
}

#[tokio::test]
async fn me_without_a_session_is_401() {
    let app = spawn_app().await;
    let res = app
        .client()
        .get(app.url("/api/auth/me"))
        .send()
        .await
        .unwrap();
    let (code, _) = expect_error(res, StatusCode::UNAUTHORIZED).await;
    assert_eq!(code, "unauthorized");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_answer_identically() {
    let app = spawn_app().await;
    let mut bodies = Vec::new();
    for (email, password) in [
        ("patient@test.com", "wrong-password"),
        ("nobody@test.com", "password123"),
    ] {
        let res = app
            .client()
            .post(app.url("/api/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert!(res.headers().get(SET_COOKIE).is_none());
        bodies.push(res.text().await.unwrap());
    }
    assert_eq!(bodies[0], bodies[1]);
    assert!(!bodies[0].to_lowercase().contains("password is wrong"));
}

#[tokio::test]
async fn each_login_gets_a_new_session_id_and_logout_kills_it() {
    let app = spawn_app().await;
    let client = app.patient().await;
    let again = client
        .post(app.url("/api/auth/login"))
        .json(&json!({"email": "patient@test.com", "password": "password123"}))
        .send()
        .await
        .unwrap();
    let second = session_cookie(&again);
    let first_client = app.client();
    let first = session_cookie(
        &first_client
            .post(app.url("/api/auth/login"))
            .json(&json!({"email": "patient@test.com", "password": "password123"}))
            .send()
            .await
            .unwrap(),
    );
    assert_ne!(first, second);

    // Keep a copy of the cookie, log out, and try to use the copy.
    let token = second["session=".len()..]
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let res = client
        .post(app.url("/api/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let replay = app
        .client()
        .get(app.url("/api/auth/me"))
        .header("cookie", format!("session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    // The other session is untouched.
    assert_eq!(
        first_client
            .get(app.url("/api/auth/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn sessions_expire_when_idle() {
    let app = spawn_app_with(&[("APP_SESSION_IDLE_SECS", "2")]).await;
    let client = app.patient().await;
    assert_eq!(
        client
            .get(app.url("/api/auth/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(
        client
            .get(app.url("/api/auth/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn sessions_end_at_their_absolute_limit_even_when_active() {
    let app = spawn_app_with(&[("APP_SESSION_MAX_SECS", "3")]).await;
    let client = app.patient().await;
    for _ in 0..3 {
        tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
        let _ = client.get(app.url("/api/auth/me")).send().await.unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        client
            .get(app.url("/api/auth/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn register_validates_and_refuses_duplicates_case_insensitively() {
    let app = spawn_app().await;
    let client = app.client();
    let post = |body: Value| {
        client
            .post(app.url("/api/auth/register"))
            .json(&body)
            .send()
    };

    let res = post(
        json!({"email": "new@x.org", "password": "short", "full_name": "A", "role": "patient"}),
    )
    .await
    .unwrap();
    assert_eq!(
        expect_error(res, StatusCode::BAD_REQUEST)
            .await
            .1
            .as_deref(),
        Some("password")
    );
    let res = post(json!({"email": "not-an-email", "password": "longenough", "full_name": "A", "role": "patient"})).await.unwrap();
    assert_eq!(
        expect_error(res, StatusCode::BAD_REQUEST)
            .await
            .1
            .as_deref(),
        Some("email")
    );
    let res = post(
        json!({"email": "a@x.org", "password": "longenough", "full_name": "A", "role": "admin"}),
    )
    .await
    .unwrap();
    assert_eq!(
        expect_error(res, StatusCode::BAD_REQUEST)
            .await
            .1
            .as_deref(),
        Some("role")
    );
    let res = post(json!({"email": "r@x.org", "password": "longenough", "full_name": "R", "role": "researcher"})).await.unwrap();
    assert_eq!(
        expect_error(res, StatusCode::BAD_REQUEST)
            .await
            .1
            .as_deref(),
        Some("specialty")
    );
    let res = post(json!({"email": "a@x.org", "password": "longenough", "role": "patient"}))
        .await
        .unwrap();
    assert_eq!(
        expect_error(res, StatusCode::BAD_REQUEST)
            .await
            .1
            .as_deref(),
        Some("full_name")
    );

    let res = post(json!({"email": "Ada@X.org", "password": "longenough", "full_name": "Ada L", "role": "patient"})).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ada@x.org");
    assert_eq!(body["user"]["role"], "patient");
    let res = post(json!({"email": "ADA@x.org", "password": "otherpassword", "full_name": "Ada 2", "role": "patient"})).await.unwrap();
    assert_eq!(expect_error(res, StatusCode::CONFLICT).await.0, "conflict");
    assert_eq!(app.count_rows("users").await, 8, "7 demo accounts + Ada");

    // The new account works.
    app.login("ada@x.org", "longenough").await;
}

async fn login_from(
    app: &crate::helpers::TestApp,
    forwarded: &str,
    password: &str,
) -> reqwest::Response {
    app.client()
        .post(app.url("/api/auth/login"))
        .header("x-forwarded-for", forwarded)
        .json(&json!({"email": "patient@test.com", "password": password}))
        .send()
        .await
        .unwrap()
}

/// SPEC 13: 10 failures in 15 minutes for one account from one address lock
/// that address out of that account; the owner elsewhere is not locked out.
/// Behind a proxy the address is the right-most `X-Forwarded-For` entry, so
/// forging the left part changes nothing.
#[tokio::test]
async fn failed_logins_are_counted_per_account_and_address() {
    let app = spawn_app_with(&[("APP_TRUST_PROXY", "true")]).await;
    for n in 0..10 {
        let res = login_from(&app, &format!("10.9.9.{n}, 203.0.113.1"), "nope-nope").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = login_from(&app, "198.18.0.1, 203.0.113.1", "password123").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 15 * 60, "{retry}");
    // The owner, from another address, logs in.
    let res = login_from(&app, "203.0.113.1, 203.0.113.2", "password123").await;
    assert_eq!(res.status(), StatusCode::OK);
    // Other accounts from the flooding address are not affected.
    app.researcher().await;
}

#[tokio::test]
async fn per_address_throttle_answers_429_with_retry_after() {
    let app = spawn_app_with(&[("APP_AUTH_RATE_PER_MINUTE", "3")]).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let res = app
            .client()
            .post(app.url("/api/auth/login"))
            .json(&json!({"email": "patient@test.com", "password": "password123"}))
            .send()
            .await
            .unwrap();
        statuses.push(res.status());
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.headers().contains_key("retry-after"));
        }
    }
    assert_eq!(&statuses[..3], &[StatusCode::OK; 3]);
    assert_eq!(statuses[4], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn foreign_origin_is_refused_and_bodies_are_checked() {
    let app = spawn_app().await;
    let res = app
        .client()
        .post(app.url("/api/auth/login"))
        .header("origin", "https://evil.example")
        .json(&json!({"email": "patient@test.com", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(res, StatusCode::FORBIDDEN).await.0,
        "forbidden"
    );

    let res = app
        .client()
        .post(app.url("/api/auth/login"))
        .header("content-type", "text/plain")
        .body("email=x")
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(res, StatusCode::UNSUPPORTED_MEDIA_TYPE)
            .await
            .0,
        "unsupported_media_type"
    );

    let res = app
        .client()
        .post(app.url("/api/auth/login"))
        .header("content-type", "application/json")
        .body(format!("{{\"email\": \"{}\"}}", "x".repeat(100 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(res, StatusCode::PAYLOAD_TOO_LARGE).await.0,
        "payload_too_large"
    );

    let res = app
        .client()
        .post(app.url("/api/auth/login"))
        .json(&json!({"email": "patient@test.com"}))
        .send()
        .await
        .unwrap();
    let (code, field) = expect_error(res, StatusCode::BAD_REQUEST).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("validation_error", Some("password"))
    );
}

#[tokio::test]
async fn healthz_and_pages() {
    let app = spawn_app().await;
    let res = app.client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"status": "ok"}));

    let login = app.client().get(app.url("/login")).send().await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let html = login.text().await.unwrap();
    assert!(html.contains("Log in") && html.contains(r#"for="email""#));

    // Dashboards need a session; the wrong role gets 403.
    let anon = app
        .client()
        .get(app.url("/dashboard/patient"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), StatusCode::FOUND);
    assert_eq!(anon.headers()["location"], "/login");
    let researcher = app.researcher().await;
    // (It failed three times in CI with a 503 after 30 s: another server of
    // this process was listing its routes as the page rendered, which holds
    // back every resource in the process; `startup::routes` now lists them
    // once. On failure it says how long the page took and what it said.)
    let page = |path: &'static str| {
        let (client, url) = (researcher.clone(), app.url(path));
        async move {
            let started = std::time::Instant::now();
            let res = client.get(url).send().await.unwrap();
            let status = res.status();
            let body = res.text().await.unwrap_or_default();
            let seen = format!(
                "{path} answered {status} after {:?}: {}",
                started.elapsed(),
                body.chars().take(800).collect::<String>()
            );
            (status, body, seen)
        }
    };
    let (status, _, seen) = page("/dashboard/patient").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{seen}");
    let (status, body, seen) = page("/dashboard/researcher").await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert!(body.contains("Pending Meeting Requests (0)"), "{seen}");
}

#[tokio::test]
async fn login_form_works_without_javascript() {
    let app = spawn_app().await;
    let client = app.client();
    let res = client
        .post(app.url("/fn/login"))
        .header("accept", "text/html")
        .header("referer", app.url("/login"))
        .form(&[
            ("email", "researcher@test.com"),
            ("password", "password123"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/dashboard/researcher");
    let page = client
        .get(app.url("/dashboard/researcher"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Dr. Sarah Smith"));

    // A wrong password comes back to the form with the error in the page.
    let res = app
        .client()
        .post(app.url("/fn/login"))
        .header("accept", "text/html")
        .header("referer", app.url("/login"))
        .form(&[("email", "researcher@test.com"), ("password", "wrong-one")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = res.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with(&app.url("/login")), "{back}");
    let html = app
        .client()
        .get(back)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("The email or password is incorrect."),
        "error shown on the page"
    );
}
