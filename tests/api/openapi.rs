//! The OpenAPI description at `GET /api/openapi.json` and the routes agree.

use crate::helpers::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The JSON API of SPEC 6, 7, 11 and 12, plus the description itself and `/healthz`.
const API: &[(&str, &str)] = &[
    ("post", "/api/auth/register"),
    ("post", "/api/auth/login"),
    ("post", "/api/auth/logout"),
    ("get", "/api/auth/me"),
    ("get", "/api/me/preferences"),
    ("put", "/api/me/preferences"),
    ("get", "/api/experts"),
    ("get", "/api/meetings/"),
    ("post", "/api/meetings/"),
    ("put", "/api/meetings/{id}/status"),
    ("get", "/api/meetings/{id}/calendar.ics"),
    ("get", "/api/ws"),
    ("get", "/api/openapi.json"),
    ("get", "/healthz"),
];

#[tokio::test]
async fn every_route_is_described_and_every_description_is_a_route() {
    let app = spawn_app().await;
    let res = app
        .client()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");

    let mut described: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    described.sort();
    let mut expected: Vec<(String, String)> = API
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    expected.sort();
    assert_eq!(described, expected, "the description and the API differ");

    // Each described operation reaches a handler: never the API's
    // "no such endpoint" fallback, never 405.
    let client = app.client();
    for (method, path) in &described {
        let url = app.url(&path.replace("{id}", "1"));
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let res = client.request(method.clone(), &url).send().await.unwrap();
        assert_ne!(
            res.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        let body = res.text().await.unwrap();
        assert!(
            !body.contains("No such API endpoint"),
            "{method} {path} has no route"
        );
        // Each operation says what it answers and how errors look.
        let op = &doc["paths"][path][method.as_str().to_lowercase()];
        assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()));
    }

    // An undescribed path is no route.
    let res = client
        .get(app.url("/api/not-described"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("No such API endpoint"));
}
