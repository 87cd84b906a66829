//! `/healthz`, `/livez` and `/readyz`: `ok`, or with `?verbose` one line per check, as
//! kube-apiserver prints them.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;

use crate::server::AppState;

fn render(checks: &[(&str, Result<(), String>)], verbose: bool, what: &str) -> Response {
    let failed = checks.iter().any(|(_, r)| r.is_err());
    let code = if failed {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    let body = if verbose || failed {
        let mut s = String::new();
        for (name, r) in checks {
            match r {
                Ok(()) => s.push_str(&format!("[+]{name} ok\n")),
                Err(e) => s.push_str(&format!("[-]{name} failed: {e}\n")),
            }
        }
        s.push_str(&format!(
            "{what} check {}\n",
            if failed { "failed" } else { "passed" }
        ));
        s
    } else {
        "ok".to_string()
    };
    (
        code,
        [(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

fn verbose(q: &Option<String>) -> bool {
    q.as_deref().is_some_and(|q| {
        q.split('&')
            .any(|kv| kv == "verbose" || kv.starts_with("verbose="))
    })
}

async fn storage_check(state: &AppState) -> Result<(), String> {
    state
        .store
        .current_revision()
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub async fn healthz(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let checks = [("ping", Ok(())), ("storage", storage_check(&state).await)];
    render(&checks, verbose(&q), "healthz")
}

pub async fn livez(RawQuery(q): RawQuery) -> Response {
    render(&[("ping", Ok(()))], verbose(&q), "livez")
}

pub async fn readyz(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let shutting_down = if *state.shutdown.borrow() {
        Err("server is shutting down".to_string())
    } else {
        Ok(())
    };
    let checks = [
        ("ping", Ok(())),
        ("storage", storage_check(&state).await),
        ("shutdown", shutting_down),
    ];
    render(&checks, verbose(&q), "readyz")
}
