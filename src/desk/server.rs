//! The desk's HTTP server: axum on a tokio runtime (the well-kept pair for a small server;
//! only HTTP/1, multipart and the tokio glue compiled in).
//!
//! Every path but `/access/TOKEN` (the reviewer's access URL, which sets the session cookie)
//! needs the token: `Authorization: Bearer TOKEN`, or the cookie. Tokens are compared in
//! constant time; more than [`MAX_FAILURES`] refused tokens in a minute and every request
//! without the right token is refused with 429 until the minute is over. A state-changing
//! request that comes with the cookie (a page's form) must carry the page's CSRF token and,
//! when the browser says where it comes from, this origin; a script's bearer header cannot be
//! sent by another site's form. Uploads are limited in size and count. Checking runs on
//! blocking threads, never on the async runtime.

use super::app::{missing, App};
use super::html::path_segment;
use super::pages;
use super::store::{now_utc, NewRow, Row, Store};
use super::{Checked, Checker, Config, DeskError, Ready};
use crate::registry::Lang;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Refused tokens allowed in one minute before every unauthenticated request is refused.
const MAX_FAILURES: u32 = 30;

/// The session cookie's name, with the desk's port: a browser keeps cookies by host, not by
/// port, and two desks on one machine must not take each other's.
fn cookie_name(addr: std::net::SocketAddr) -> String {
    format!("crossfoot_desk_{}", addr.port())
}

/// The security headers of every response: only the desk's own origin, nothing framed, a
/// referrer only to the desk itself (paths hold tokens; with none at all a browser sends
/// `Origin: null` on a form's POST, which the origin check refuses), nothing cached.
const CSP: &str = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

static CSS: &str = include_str!("assets/desk.css");
static JS: &str = include_str!("assets/desk.js");
static ICON: &str = include_str!("assets/icon.svg");

/// How a request proved it may come in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Via {
    Bearer,
    Cookie,
}

pub(super) fn serve(
    config: Config,
    checker: Box<dyn Checker>,
    on_ready: impl FnOnce(&Ready),
) -> Result<(), DeskError> {
    let store = Store::open(&config.data).map_err(|e| DeskError::Store {
        path: config.data.display().to_string(),
        reason: e.to_string(),
    })?;
    let token = super::random_token()?;
    let csrf = super::store::sha256_hex(format!("crossfoot-desk-csrf:{token}").as_bytes());
    let listener = std::net::TcpListener::bind(config.bind).map_err(|e| DeskError::Bind {
        addr: config.bind,
        reason: e.to_string(),
    })?;
    let addr = listener.local_addr().map_err(|e| DeskError::Bind {
        addr: config.bind,
        reason: e.to_string(),
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|e| DeskError::Serve(e.to_string()))?;
    let access_url = format!("http://{addr}/access/{token}");
    let access_file = config.data.join("access-url");
    write_private(&access_file, &format!("{access_url}\n")).map_err(|e| DeskError::AccessFile {
        path: access_file.display().to_string(),
        reason: e.to_string(),
    })?;
    let app = Arc::new(App {
        store,
        checker,
        token,
        csrf,
        config,
        addr,
        failures: Mutex::new((Instant::now(), 0)),
        rechecks_asked: std::sync::atomic::AtomicU64::new(0),
        rechecks_done: Mutex::new(0),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .build()
        .map_err(|e| DeskError::Serve(e.to_string()))?;
    on_ready(&Ready {
        addr,
        access_url,
        access_file,
        exposed: !addr.ip().is_loopback(),
    });
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| DeskError::Serve(e.to_string()))?;
        axum::serve(listener, router(app))
            .await
            .map_err(|e| DeskError::Serve(e.to_string()))
    })
}

/// Writes `text` to `path`, readable by this user only.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        let mut f = opts.open(path)?;
        // An existing file keeps its mode on open: set it.
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        f.write_all(text.as_bytes())?;
        f.sync_all()
    }
    #[cfg(not(unix))]
    {
        let mut f = opts.open(path)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()
    }
}

pub fn router(app: Arc<App>) -> Router {
    let limit = app.config.max_request_bytes;
    Router::new()
        .route("/", get(round_page))
        .route("/submissions/{id}", get(submission_page))
        .route("/assets/desk.css", get(css))
        .route("/assets/desk.js", get(js))
        .route("/assets/icon.svg", get(icon))
        .route("/healthz", get(healthz))
        .route("/api/status", get(api_status))
        .route("/api/submissions", post(upload))
        .route("/api/submissions/{id}", get(api_submission))
        .route("/api/submissions/{id}/review.xlsx", get(review_xlsx))
        .route("/api/submissions/{id}/marked.xlsx", get(marked_xlsx))
        .route("/api/submissions/{id}/workbook", get(original))
        .route("/api/submissions/{id}/marks", post(add_mark))
        .route("/links", get(links_page))
        .route("/api/links", post(make_link).get(api_links))
        .route("/api/links/{id}/revoke", post(revoke_link))
        .route("/api/summary.xlsx", get(summary_xlsx))
        .layer(axum::middleware::from_fn_with_state(app.clone(), auth))
        // The access URL: outside the token check (it is the check).
        .route("/access/{token}", get(access))
        // A branch's link: its own token, limited to its unit (checked by each handler).
        .route("/branch/{token}", get(branch_home))
        .route("/branch/{token}/", get(branch_home))
        .route("/branch/{token}/upload", post(branch_upload))
        .route("/branch/{token}/assets/desk.css", get(branch_css))
        .route("/branch/{token}/assets/desk.js", get(branch_js))
        .route("/branch/{token}/assets/icon.svg", get(branch_icon))
        .route("/branch/{token}/submissions/{id}", get(branch_submission))
        .route(
            "/branch/{token}/submissions/{id}/marked.xlsx",
            get(branch_marked),
        )
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(app)
}

async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn refused(status: StatusCode, why: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        why,
    )
        .into_response()
}

/// The token a request carries: its bearer header, else its cookie.
fn presented(headers: &HeaderMap, cookie: &str) -> Option<(String, Via)> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return v
            .strip_prefix("Bearer ")
            .map(|t| (t.trim().to_string(), Via::Bearer));
    }
    for v in headers.get_all(header::COOKIE) {
        let Ok(v) = v.to_str() else { continue };
        for part in v.split(';') {
            if let Some((k, t)) = part.trim().split_once('=') {
                if k == cookie {
                    return Some((t.to_string(), Via::Cookie));
                }
            }
        }
    }
    None
}

impl App {
    /// Whether `token` is the desk's; a refusal is counted, and past [`MAX_FAILURES`] in a
    /// minute every request without the right token is refused.
    fn admit(&self, token: Option<&str>) -> Result<(), Response> {
        let ok = token.is_some_and(|t| super::same_secret(t.as_bytes(), self.token.as_bytes()));
        if ok {
            return Ok(());
        }
        let unauthorized = || {
            refused(
                StatusCode::UNAUTHORIZED,
                "the desk needs its token: open the access URL it printed, or send Authorization: Bearer TOKEN\n",
            )
        };
        // No token at all is not a guess.
        if token.is_none() {
            return Err(unauthorized());
        }
        let mut f = match self.failures.lock() {
            Ok(f) => f,
            Err(p) => p.into_inner(),
        };
        if f.0.elapsed() > Duration::from_secs(60) {
            *f = (Instant::now(), 0);
        }
        f.1 = f.1.saturating_add(1);
        if f.1 > MAX_FAILURES {
            return Err(refused(
                StatusCode::TOO_MANY_REQUESTS,
                "too many refused tokens: wait a minute\n",
            ));
        }
        Err(unauthorized())
    }
}

async fn auth(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let presented = presented(req.headers(), &cookie_name(app.addr));
    if let Err(res) = app.admit(presented.as_ref().map(|(t, _)| t.as_str())) {
        return res;
    }
    let via = presented.map_or(Via::Bearer, |(_, v)| v);
    req.extensions_mut().insert(via);
    next.run(req).await
}

/// `/access/TOKEN`: the session cookie set (HttpOnly, SameSite=Strict), then the round.
async fn access(State(app): State<Arc<App>>, Path(token): Path<String>) -> Response {
    if let Err(res) = app.admit(Some(&token)) {
        return res;
    }
    let cookie = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Strict",
        cookie_name(app.addr)
    );
    match HeaderValue::from_str(&cookie) {
        Ok(cookie) => (
            StatusCode::SEE_OTHER,
            [
                (header::SET_COOKIE, cookie),
                (header::LOCATION, HeaderValue::from_static("/")),
            ],
        )
            .into_response(),
        Err(_) => refused(StatusCode::BAD_REQUEST, "bad token\n"),
    }
}

/// The language of a page: `Accept-Language`'s first of Vietnamese and English, else the
/// rule pack's.
fn lang_of(app: &App, headers: &HeaderMap) -> Lang {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    for tag in accept.split(',') {
        let tag = tag
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if tag == "vi" || tag.starts_with("vi-") {
            return Lang::Vi;
        }
        if tag == "en" || tag.starts_with("en-") {
            return Lang::En;
        }
    }
    app.lang_default()
}

fn html(page: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

fn json_text(text: String) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        text,
    )
        .into_response()
}

fn json_value(v: &serde_json::Value) -> Response {
    match crate::safe::json_pretty(v) {
        Ok(text) => json_text(text + "\n"),
        Err(_) => refused(StatusCode::INTERNAL_SERVER_ERROR, "cannot write JSON\n"),
    }
}

fn store_failed(e: impl std::fmt::Display) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("the desk's store failed: {e}\n"),
    )
        .into_response()
}

/// Runs blocking work (the store, checking) off the async runtime.
async fn blocking<T: Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&App) -> T + Send + 'static,
) -> Result<T, Response> {
    let app = app.clone();
    tokio::task::spawn_blocking(move || f(&app))
        .await
        .map_err(|e| store_failed(format!("a task stopped: {e}")))
}

async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS).into_response()
}

async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        JS,
    )
        .into_response()
}

async fn icon() -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml")], ICON).into_response()
}

async fn healthz() -> Response {
    json_text("{\"ok\": true}\n".to_string())
}

/// The round's units, each with its latest state, and the counts by state; with a unit list,
/// the units expected that have sent nothing (`not_submitted`), and whether each unit that sent
/// something was expected.
pub fn status_json(app: &App) -> Result<serde_json::Value, super::store::StoreError> {
    let latest = app.store.latest()?;
    let mut counts = serde_json::Map::new();
    for state in [
        "clean",
        "warnings",
        "errors",
        "unreadable",
        "skipped",
        "not_submitted",
    ] {
        counts.insert(state.to_string(), 0.into());
    }
    let expected: std::collections::BTreeSet<String> = super::app::expected(app)?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let mut units = Vec::with_capacity(latest.len());
    for (row, versions) in &latest {
        if let Some(n) = counts.get_mut(&row.state) {
            *n = (n.as_u64().unwrap_or(0) + 1).into();
        }
        let mut u = serde_json::json!({
            "unit_key": row.unit_key,
            "unit_name": row.unit_name,
            "unit_code": row.unit_code,
            "state": row.state,
            "versions": versions,
            "latest": submission_summary(row),
        });
        if !expected.is_empty() {
            u["expected"] = expected.contains(&row.unit_key).into();
        }
        units.push(u);
    }
    let missing = missing(app, &latest)?;
    counts.insert("not_submitted".into(), missing.len().into());
    for (key, code, name) in missing {
        units.push(serde_json::json!({
            "unit_key": key,
            "unit_name": name,
            "unit_code": code,
            "state": "not_submitted",
            "versions": 0,
            "latest": null,
            "expected": true,
        }));
    }
    Ok(serde_json::json!({
        "units": units,
        "counts": counts,
        "submissions": latest.iter().map(|(_, v)| v).sum::<i64>(),
    }))
}

fn submission_summary(row: &Row) -> serde_json::Value {
    serde_json::json!({
        "id": row.id,
        "unit_key": row.unit_key,
        "unit_name": row.unit_name,
        "unit_code": row.unit_code,
        "version": row.version,
        "file": row.file_name,
        "sent_by": row.sent_by,
        "received": row.received,
        "sha256": row.sha256,
        "size": row.size,
        "state": row.state,
        "errors": row.errors,
        "warnings": row.warnings,
        "result": format!("/api/submissions/{}", row.id),
        "review": row.review_sha.as_ref().map(|_| format!("/api/submissions/{}/review.xlsx", row.id)),
        "marked": row.marked_sha.as_ref().map(|_| format!("/api/submissions/{}/marked.xlsx", row.id)),
        "workbook": format!("/api/submissions/{}/workbook", row.id),
        "page": format!("/submissions/{}", row.id),
    })
}

async fn api_status(State(app): State<Arc<App>>) -> Response {
    match blocking(&app, status_json).await {
        Ok(Ok(v)) => json_value(&v),
        Ok(Err(e)) => store_failed(e),
        Err(res) => res,
    }
}

async fn api_submission(State(app): State<Arc<App>>, Path(id): Path<i64>) -> Response {
    match blocking(&app, move |app| result_with_marks(app, id)).await {
        Ok(Ok(Some(v))) => json_value(&v),
        Ok(Ok(None)) => refused(StatusCode::NOT_FOUND, "no such submission\n"),
        Ok(Err(e)) => store_failed(e),
        Err(res) => res,
    }
}

/// The stored result of submission `id` (the JSON of `check --format json`) with the
/// reviewer's marks on its findings added as `review_marks` (each naming its finding by its
/// index in `findings`).
pub fn result_with_marks(
    app: &App,
    id: i64,
) -> Result<Option<serde_json::Value>, super::store::StoreError> {
    let Some(text) = app.store.result_json(id)? else {
        return Ok(None);
    };
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    let marks = app.store.marks(id)?;
    let ids: Vec<super::store::FindingId> = doc["findings"]
        .as_array()
        .map(|fs| fs.iter().map(super::finding_id).collect())
        .unwrap_or_default();
    let listed: Vec<serde_json::Value> = marks
        .iter()
        .filter_map(|m| {
            let i = ids.iter().position(|f| f.key == m.finding_key)?;
            let mut v = serde_json::to_value(m).ok()?;
            v["finding"] = i.into();
            Some(v)
        })
        .collect();
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("review_marks".into(), listed.into());
    }
    Ok(Some(doc))
}

/// The notes of the findings of submission `id` marked explained, by finding index.
fn explained_notes(
    app: &App,
    id: i64,
) -> Result<std::collections::BTreeMap<usize, String>, super::store::StoreError> {
    let marks = app.store.marks(id)?;
    if marks.iter().all(|m| m.state != "explained") {
        return Ok(Default::default());
    }
    let doc: serde_json::Value = app
        .store
        .result_json(id)?
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    let ids: Vec<super::store::FindingId> = doc["findings"]
        .as_array()
        .map(|fs| fs.iter().map(super::finding_id).collect())
        .unwrap_or_default();
    Ok(marks
        .iter()
        .filter(|m| m.state == "explained")
        .filter_map(|m| {
            let i = ids.iter().position(|f| f.key == m.finding_key)?;
            Some((i, m.note.clone()))
        })
        .collect())
}

/// `POST /api/submissions/{id}/marks` (multipart: `finding`, its index in the result's
/// `findings`; `note`): the finding marked explained.
async fn add_mark(
    State(app): State<Arc<App>>,
    axum::Extension(via): axum::Extension<Via>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    if !same_origin(&headers) {
        return refused(StatusCode::FORBIDDEN, "refused: another site's request\n");
    }
    let mut fields: std::collections::BTreeMap<String, String> = Default::default();
    loop {
        match multipart.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or("").to_string();
                if let Ok(text) = f.text().await {
                    fields.insert(name, text);
                }
            }
            Ok(None) => break,
            Err(e) => {
                return (
                    e.status(),
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    format!("the request could not be read: {}\n", e.body_text()),
                )
                    .into_response()
            }
        }
    }
    if via == Via::Cookie
        && !fields
            .get("csrf")
            .is_some_and(|c| super::same_secret(c.as_bytes(), app.csrf.as_bytes()))
    {
        return refused(
            StatusCode::FORBIDDEN,
            "refused: the form's CSRF token is missing or wrong; reload the page\n",
        );
    }
    let Some(finding) = fields
        .get("finding")
        .and_then(|f| f.trim().parse::<usize>().ok())
    else {
        return refused(
            StatusCode::BAD_REQUEST,
            "name the finding: `finding`, its index\n",
        );
    };
    let note = fields
        .get("note")
        .map(|n| n.trim().to_string())
        .unwrap_or_default();
    if note.is_empty() || note.chars().count() > 2000 {
        return refused(
            StatusCode::BAD_REQUEST,
            "a mark needs a note of at most 2,000 characters\n",
        );
    }
    let done = blocking(&app, move |app| -> Result<bool, String> {
        let Some(text) = app.store.result_json(id).map_err(|e| e.to_string())? else {
            return Ok(false);
        };
        let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let Some(f) = doc["findings"].get(finding) else {
            return Ok(false);
        };
        app.store
            .add_mark(id, &super::finding_id(f), &note, &now_utc())
            .map_err(|e| e.to_string())?;
        Ok(true)
    })
    .await;
    match done {
        Ok(Ok(true)) if via == Via::Cookie => {
            let to = format!("/submissions/{id}#f{finding}");
            match HeaderValue::from_str(&to) {
                Ok(to) => (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response(),
                Err(_) => refused(StatusCode::INTERNAL_SERVER_ERROR, "bad location\n"),
            }
        }
        Ok(Ok(true)) => json_text("{\"ok\": true}\n".to_string()),
        Ok(Ok(false)) => refused(StatusCode::NOT_FOUND, "no such submission or finding\n"),
        Ok(Err(e)) => store_failed(e),
        Err(res) => res,
    }
}

/// A stored workbook of submission `id`, as a download.
async fn download(app: Arc<App>, id: i64, which: &'static str) -> Response {
    let got = blocking(
        &app,
        move |app| -> Result<Option<(Vec<u8>, String)>, String> {
            let Some(row) = app.store.row(id).map_err(|e| e.to_string())? else {
                return Ok(None);
            };
            // The review workbook and the marked copy with the reviewer's notes: made again
            // from the stored bytes (a summary against the units' latest workbooks).
            if which != "workbook" {
                let notes = explained_notes(app, id).map_err(|e| e.to_string())?;
                if !notes.is_empty() {
                    let blob = app
                        .store
                        .blob_path(&row.sha256)
                        .ok_or_else(|| "the workbook has no path".to_string())?;
                    let folder = tempfile::tempdir_in(app.store.dir().join("tmp"))
                        .map_err(|e| e.to_string())?;
                    let link = folder.path().join(super::safe_file_name(&row.file_name));
                    if std::fs::hard_link(&blob, &link).is_err() {
                        std::fs::copy(&blob, &link).map_err(|e| e.to_string())?;
                    }
                    let is_summary = app
                        .store
                        .summary_ids()
                        .map_err(|e| e.to_string())?
                        .contains(&id);
                    let units = if is_summary {
                        unit_workbooks(app, &row.unit_key, folder.path())?
                    } else {
                        Vec::new()
                    };
                    let noted = app.checker.noted(&link, &row.file_name, &units, &notes);
                    return Ok(match which {
                        "review" => noted
                            .review
                            .map(|bytes| (bytes, format!("review-{id}.xlsx"))),
                        _ => noted
                            .marked
                            .map(|(bytes, ext)| (bytes, format!("marked-{id}.{ext}"))),
                    });
                }
            }
            let (sha, ext) = match which {
                "review" => (row.review_sha, "xlsx".to_string()),
                "workbook" => {
                    // The upload's own name, made safe, without its extension (added back).
                    let safe = super::safe_file_name(&row.file_name);
                    let ext = safe
                        .rsplit_once('.')
                        .map(|(_, e)| e.to_ascii_lowercase())
                        .filter(|e| e.len() <= 5 && e.bytes().all(|b| b.is_ascii_alphanumeric()))
                        .unwrap_or_else(|| "bin".into());
                    (Some(row.sha256), ext)
                }
                _ => (
                    row.marked_sha,
                    row.marked_ext.unwrap_or_else(|| "xlsx".into()),
                ),
            };
            let Some(sha) = sha else { return Ok(None) };
            let bytes = app
                .store
                .blob(&sha)
                .ok_or_else(|| format!("the blob {sha} is missing"))?;
            Ok(Some((bytes, format!("{which}-{id}.{ext}"))))
        },
    )
    .await;
    match got {
        Ok(Ok(Some((bytes, name)))) => {
            let disposition = format!("attachment; filename=\"{name}\"");
            let mut res = Response::new(Body::from(bytes));
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(if which == "workbook" {
                    "application/octet-stream"
                } else {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                }),
            );
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Ok(Ok(None)) => refused(
            StatusCode::NOT_FOUND,
            "no such workbook for this submission\n",
        ),
        Ok(Err(e)) => store_failed(e),
        Err(res) => res,
    }
}

/// `GET /api/summary.xlsx`: the district summary (`crossfoot consolidate`) of every unit's
/// latest submission, built from the stored bytes when asked (not stored: it is made again
/// from what is).
async fn summary_xlsx(State(app): State<Arc<App>>) -> Response {
    let built = blocking(&app, |app| -> Result<Vec<u8>, String> {
        let latest = app.store.latest().map_err(|e| e.to_string())?;
        let folder =
            tempfile::tempdir_in(app.store.dir().join("tmp")).map_err(|e| e.to_string())?;
        let mut units = Vec::new();
        for (row, _) in latest.iter().filter(|(r, _)| r.state != "unreadable") {
            let Some(blob) = app.store.blob_path(&row.sha256) else {
                continue;
            };
            let link = folder.path().join(format!(
                "{}-{}",
                row.id,
                super::safe_file_name(&row.file_name)
            ));
            if std::fs::hard_link(&blob, &link).is_err() {
                std::fs::copy(&blob, &link).map_err(|e| e.to_string())?;
            }
            units.push((link, row.file_name.clone()));
        }
        if units.is_empty() {
            return Err("no workbook to build the summary from".into());
        }
        app.checker.consolidate(&units)
    })
    .await;
    match built {
        Ok(Ok(bytes)) => {
            let mut res = Response::new(Body::from(bytes));
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
            );
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"summary.xlsx\""),
            );
            res
        }
        Ok(Err(why)) => (
            StatusCode::CONFLICT,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("the summary was not built: {why}\n"),
        )
            .into_response(),
        Err(res) => res,
    }
}

async fn review_xlsx(State(app): State<Arc<App>>, Path(id): Path<i64>) -> Response {
    download(app, id, "review").await
}

/// The workbook as it was uploaded, byte for byte.
async fn original(State(app): State<Arc<App>>, Path(id): Path<i64>) -> Response {
    download(app, id, "workbook").await
}

async fn marked_xlsx(State(app): State<Arc<App>>, Path(id): Path<i64>) -> Response {
    download(app, id, "marked").await
}

async fn round_page(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let lang = lang_of(&app, &headers);
    match blocking(&app, move |app| pages::round(app, lang)).await {
        Ok(Ok(page)) => html(page),
        Ok(Err(e)) => store_failed(e),
        Err(res) => res,
    }
}

async fn submission_page(
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&app, &headers);
    match blocking(&app, move |app| {
        pages::submission(app, id, lang, &pages::View::Reviewer)
    })
    .await
    {
        Ok(Ok(Some(page))) => html(page),
        Ok(Ok(None)) => refused(StatusCode::NOT_FOUND, "no such submission\n"),
        Ok(Err(e)) => store_failed(e),
        Err(res) => res,
    }
}

/// Whether a request asks for JSON (the page's script does; a plain form does not).
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"))
}

/// Whether a request's `Origin` (when the browser sends one) is this desk's own.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin
        .strip_prefix("http://")
        .is_some_and(|o| !host.is_empty() && o == host)
}

/// An upload request's fields.
struct Upload {
    csrf: Option<String>,
    files: Vec<(String, axum::body::Bytes)>,
    too_large: Vec<String>,
}

/// Reads an upload's `csrf` and `file` fields, within the desk's limits.
async fn read_upload(app: &App, mut multipart: Multipart) -> Result<Upload, Response> {
    let mut up = Upload {
        csrf: None,
        files: Vec::new(),
        too_large: Vec::new(),
    };
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        (
            e.status(),
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("the upload could not be read: {}\n", e.body_text()),
        )
            .into_response()
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(unreadable(e)),
        };
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "csrf" => up.csrf = field.text().await.ok(),
            "file" => {
                if up.files.len() + up.too_large.len() >= app.config.max_files {
                    return Err(refused(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "too many workbooks in one upload\n",
                    ));
                }
                let file_name = field.file_name().unwrap_or("").to_string();
                match field.bytes().await {
                    Ok(bytes) if bytes.len() > app.config.max_file_bytes => {
                        up.too_large.push(file_name)
                    }
                    Ok(bytes) => up.files.push((file_name, bytes)),
                    Err(e) => return Err(unreadable(e)),
                }
            }
            _ => {}
        }
    }
    if up.files.is_empty() && up.too_large.is_empty() {
        return Err(refused(
            StatusCode::BAD_REQUEST,
            "no `file` field in the upload\n",
        ));
    }
    Ok(up)
}

/// Each workbook of an upload kept, checked and recorded, each on a blocking thread of its
/// own: each one's summary (or why it was not recorded), the last id recorded, and whether
/// any was not.
async fn ingest_all(
    app: &Arc<App>,
    up: Upload,
    sent_by: &'static str,
    expect_unit: Option<String>,
) -> (Vec<serde_json::Value>, Option<i64>, bool) {
    let tasks: Vec<_> = up
        .files
        .into_iter()
        .map(|(name, bytes)| {
            let app = app.clone();
            let expect = expect_unit.clone();
            let task = tokio::task::spawn_blocking(move || {
                ingest(&app, &name, &bytes, sent_by, expect.as_deref())
            });
            task
        })
        .collect();
    let mut answers = Vec::new();
    let mut last_id = None;
    let mut failed = false;
    for t in tasks {
        match t.await {
            Ok(Ok(row)) => {
                last_id = Some(row.id);
                answers.push(submission_summary(&row));
            }
            Ok(Err(e)) => {
                failed = true;
                answers.push(serde_json::json!({ "error": e }));
            }
            Err(e) => {
                failed = true;
                answers.push(serde_json::json!({ "error": e.to_string() }));
            }
        }
    }
    for name in up.too_large {
        failed = true;
        answers.push(serde_json::json!({
            "file": name,
            "error": format!("larger than {} bytes: not kept", app.config.max_file_bytes),
        }));
    }
    (answers, last_id, failed)
}

fn see_other(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(to) => (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response(),
        Err(_) => refused(StatusCode::INTERNAL_SERVER_ERROR, "bad location\n"),
    }
}

/// `POST /api/submissions`: every `file` field kept, checked and recorded; each file's
/// summary in the answer (or, for the page's form, on to the submission or the round).
async fn upload(
    State(app): State<Arc<App>>,
    axum::Extension(via): axum::Extension<Via>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    if !same_origin(&headers) {
        return refused(StatusCode::FORBIDDEN, "refused: another site's request\n");
    }
    let up = match read_upload(&app, multipart).await {
        Ok(up) => up,
        Err(res) => return res,
    };
    // A page's form comes with the cookie: it must carry the page's CSRF token.
    let form = via == Via::Cookie;
    if form
        && !up
            .csrf
            .as_deref()
            .is_some_and(|c| super::same_secret(c.as_bytes(), app.csrf.as_bytes()))
    {
        return refused(
            StatusCode::FORBIDDEN,
            "refused: the form's CSRF token is missing or wrong; reload the page\n",
        );
    }
    let (answers, last_id, _) = ingest_all(&app, up, "reviewer", None).await;
    if form && !wants_json(&headers) {
        return match (answers.len(), last_id) {
            (1, Some(id)) => see_other(&format!("/submissions/{}", path_segment(&id.to_string()))),
            _ => see_other("/"),
        };
    }
    json_value(&serde_json::json!({ "submissions": answers }))
}

/// `POST /api/links` (multipart `unit_key`): a new branch link for that unit, shown once.
async fn make_link(
    State(app): State<Arc<App>>,
    axum::Extension(via): axum::Extension<Via>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    if !same_origin(&headers) {
        return refused(StatusCode::FORBIDDEN, "refused: another site's request\n");
    }
    let mut fields: std::collections::BTreeMap<String, String> = Default::default();
    while let Ok(Some(f)) = multipart.next_field().await {
        let name = f.name().unwrap_or("").to_string();
        if let Ok(text) = f.text().await {
            fields.insert(name, text);
        }
    }
    if via == Via::Cookie
        && !fields
            .get("csrf")
            .is_some_and(|c| super::same_secret(c.as_bytes(), app.csrf.as_bytes()))
    {
        return refused(
            StatusCode::FORBIDDEN,
            "refused: the form's CSRF token is missing or wrong; reload the page\n",
        );
    }
    let unit_key = fields.get("unit_key").cloned().unwrap_or_default();
    if unit_key.is_empty() || unit_key.chars().count() > 500 {
        return refused(StatusCode::BAD_REQUEST, "name the unit: `unit_key`\n");
    }
    let token = match super::random_token() {
        Ok(t) => t,
        Err(e) => return store_failed(e),
    };
    let url = format!("http://{}/branch/{token}", app.addr);
    let key = unit_key.clone();
    let made = blocking(&app, move |app| {
        app.store.add_link(&key, &token, &now_utc())
    })
    .await;
    match made {
        Ok(Ok(_)) if via == Via::Cookie => html(pages::link_made(
            lang_of(&app, &headers),
            &unit_key,
            &url,
            app.addr.ip().is_loopback(),
        )),
        Ok(Ok(id)) => {
            json_value(&serde_json::json!({ "id": id, "unit_key": unit_key, "url": url }))
        }
        Ok(Err(e)) => store_failed(e),
        Err(res) => res,
    }
}

/// `/links`: the branch links made, each with a form to revoke it.
async fn links_page(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let lang = lang_of(&app, &headers);
    match blocking(&app, move |app| pages::links(app, lang)).await {
        Ok(Ok(page)) => html(page),
        Ok(Err(e)) => store_failed(e),
        Err(res) => res,
    }
}

/// `GET /api/links`: every branch link made (its id, unit, when made and revoked, the
/// versions its unit sent through a link); never its token (not kept).
async fn api_links(State(app): State<Arc<App>>) -> Response {
    match blocking(&app, |app| app.store.links()).await {
        Ok(Ok(links)) => json_value(&serde_json::json!({ "links": links })),
        Ok(Err(e)) => store_failed(e),
        Err(res) => res,
    }
}

/// `POST /api/links/{id}/revoke`: the link's token refused from now on (a page's form sends
/// its CSRF token as `csrf`).
async fn revoke_link(
    State(app): State<Arc<App>>,
    axum::Extension(via): axum::Extension<Via>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    if !same_origin(&headers) {
        return refused(StatusCode::FORBIDDEN, "refused: another site's request\n");
    }
    let mut csrf = None;
    while let Ok(Some(f)) = multipart.next_field().await {
        if f.name() == Some("csrf") {
            csrf = f.text().await.ok();
        }
    }
    if via == Via::Cookie
        && !csrf
            .as_deref()
            .is_some_and(|c| super::same_secret(c.as_bytes(), app.csrf.as_bytes()))
    {
        return refused(
            StatusCode::FORBIDDEN,
            "refused: the form's CSRF token is missing or wrong; reload the page\n",
        );
    }
    match blocking(&app, move |app| app.store.revoke_link(id, &now_utc())).await {
        Ok(Ok(true)) if via == Via::Cookie => see_other("/links"),
        Ok(Ok(true)) => json_text("{\"ok\": true}\n".to_string()),
        Ok(Ok(false)) => refused(StatusCode::NOT_FOUND, "no such link\n"),
        Ok(Err(e)) => store_failed(e),
        Err(res) => res,
    }
}

/// The unit a branch link is for; a wrong link counted as a wrong token.
async fn branch_unit(app: &Arc<App>, token: String) -> Result<String, Response> {
    let t = token.clone();
    let found = blocking(app, move |app| app.store.link_unit(&t)).await?;
    match found {
        Ok(Some(unit)) => Ok(unit),
        Ok(None) => Err(app
            .admit(Some(""))
            .err()
            .unwrap_or_else(|| refused(StatusCode::UNAUTHORIZED, "no such link\n"))),
        Err(e) => Err(store_failed(e)),
    }
}

async fn branch_css(State(app): State<Arc<App>>, Path(token): Path<String>) -> Response {
    match branch_unit(&app, token).await {
        Ok(_) => css().await,
        Err(res) => res,
    }
}

async fn branch_js(State(app): State<Arc<App>>, Path(token): Path<String>) -> Response {
    match branch_unit(&app, token).await {
        Ok(_) => js().await,
        Err(res) => res,
    }
}

async fn branch_icon(State(app): State<Arc<App>>, Path(token): Path<String>) -> Response {
    match branch_unit(&app, token).await {
        Ok(_) => icon().await,
        Err(res) => res,
    }
}

async fn branch_home(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let unit = match branch_unit(&app, token.clone()).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let lang = lang_of(&app, &headers);
    match blocking(&app, move |app| {
        pages::branch_home(app, &token, &unit, lang)
    })
    .await
    {
        Ok(Ok(page)) => html(page),
        Ok(Err(e)) => store_failed(e),
        Err(res) => res,
    }
}

async fn branch_submission(
    State(app): State<Arc<App>>,
    Path((token, id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Response {
    let unit = match branch_unit(&app, token.clone()).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let lang = lang_of(&app, &headers);
    let page = blocking(&app, move |app| {
        let view = pages::View::Branch {
            token: &token,
            unit_key: &unit,
        };
        pages::submission(app, id, lang, &view)
    })
    .await;
    match page {
        Ok(Ok(Some(page))) => html(page),
        Ok(Ok(None)) => refused(StatusCode::NOT_FOUND, "no such submission\n"),
        Ok(Err(e)) => store_failed(e),
        Err(res) => res,
    }
}

async fn branch_marked(
    State(app): State<Arc<App>>,
    Path((token, id)): Path<(String, i64)>,
) -> Response {
    let unit = match branch_unit(&app, token).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let own = blocking(&app, move |app| app.store.row(id)).await;
    match own {
        Ok(Ok(Some(row))) if row.unit_key == unit => download(app, id, "marked").await,
        Ok(Ok(_)) => refused(StatusCode::NOT_FOUND, "no such submission\n"),
        Ok(Err(e)) => store_failed(e),
        Err(res) => res,
    }
}

/// `POST /branch/TOKEN/upload`: the branch's workbooks, recorded only when they are its own
/// unit's (the bytes of any other are kept, not recorded, and said so).
async fn branch_upload(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let unit = match branch_unit(&app, token.clone()).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    if !same_origin(&headers) {
        return refused(StatusCode::FORBIDDEN, "refused: another site's request\n");
    }
    let up = match read_upload(&app, multipart).await {
        Ok(up) => up,
        Err(res) => return res,
    };
    // The link's own page sends `csrf` empty: a browser form, answered with a page.
    let form = up.csrf.is_some() && !wants_json(&headers);
    let (answers, _, failed) = ingest_all(&app, up, "branch", Some(unit)).await;
    if form && !failed {
        return see_other(&format!("/branch/{}", path_segment(&token)));
    }
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut res = json_value(&serde_json::json!({ "submissions": answers }));
    *res.status_mut() = status;
    res
}

/// Keeps one upload, checks it, records it: the bytes stored durably first, then checked
/// through the desk's [`Checker`], the outputs stored, and only then the row committed. On a
/// blocking thread.
///
/// A summary (a workbook holding a form whose records are units) is checked against the
/// other units' latest workbooks, as `check` checks a summary given with its branches; a
/// unit's workbook, once recorded, has the latest summaries checked again
/// ([`recheck_summaries`]).
///
/// `expect_unit`: through a branch link, the link's unit; a workbook of another unit is not
/// recorded (its bytes stay stored) and the error says so.
pub fn ingest(
    app: &App,
    name: &str,
    bytes: &[u8],
    sent_by: &str,
    expect_unit: Option<&str>,
) -> Result<Row, String> {
    let store = &app.store;
    let sha = store.put_blob(bytes).map_err(|e| e.to_string())?;
    let blob = store
        .blob_path(&sha)
        .ok_or_else(|| "the blob has no path".to_string())?;
    // The checker reads a file named as the upload was (its extension is reported on).
    let folder = tempfile::tempdir_in(store.dir().join("tmp")).map_err(|e| e.to_string())?;
    let link = folder.path().join(super::safe_file_name(name));
    if std::fs::hard_link(&blob, &link).is_err() {
        std::fs::copy(&blob, &link).map_err(|e| e.to_string())?;
    }
    let mut checked: Checked = app.checker.check(&link, name, &[]);
    if checked.summary_of.is_some() {
        // A summary: checked again, against the units' latest workbooks.
        let key = unit_key_of(&checked.json, name)?;
        let units_dir = tempfile::tempdir_in(store.dir().join("tmp")).map_err(|e| e.to_string())?;
        let units = unit_workbooks(app, &key, units_dir.path())?;
        if !units.is_empty() {
            checked = app.checker.check(&link, name, &units);
        }
    }
    drop(folder);
    let row = record(app, name, &sha, bytes.len(), &checked, sent_by, expect_unit)?;
    if checked.summary_of.is_none() && row.state != "unreadable" && row.unit_code.is_some() {
        // Best effort: the unit's version is recorded whatever becomes of the re-check.
        let _ = recheck_summaries(app);
    }
    Ok(row)
}

/// The unit key the checker's JSON gives the one file: its code's key, or `file:` and the
/// file name when the workbook gives no code.
fn unit_key_of(json: &str, name: &str) -> Result<String, String> {
    let doc: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("the checker's JSON does not read: {e}"))?;
    let unit = &doc["files"][0]["unit"];
    Ok(match unit["key"].as_str().or(unit["code"].as_str()) {
        Some(k) if !k.is_empty() => k.to_string(),
        _ => format!("file:{name}"),
    })
}

/// The units' latest workbooks a summary of unit `except` is checked against: every unit's
/// latest submission that was read, gives a unit code and is no summary, linked into `folder`
/// under a name of its own (its extension kept), reported by its upload's name (with its
/// submission's number when two units sent files of the same name).
pub fn unit_workbooks(
    app: &App,
    except: &str,
    folder: &std::path::Path,
) -> Result<Vec<super::UnitWorkbook>, String> {
    let latest = app.store.latest().map_err(|e| e.to_string())?;
    let summaries = app.store.summary_ids().map_err(|e| e.to_string())?;
    let rows: Vec<&Row> = latest
        .iter()
        .map(|(r, _)| r)
        .filter(|r| {
            r.unit_key != except
                && r.unit_code.is_some()
                && matches!(r.state.as_str(), "clean" | "warnings" | "errors")
                && !summaries.contains(&r.id)
        })
        .collect();
    let mut names: std::collections::BTreeMap<&str, usize> = Default::default();
    for r in &rows {
        *names.entry(r.file_name.as_str()).or_default() += 1;
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let Some(blob) = app.store.blob_path(&r.sha256) else {
            continue;
        };
        let path = folder.join(format!("{}-{}", r.id, super::safe_file_name(&r.file_name)));
        if std::fs::hard_link(&blob, &path).is_err() {
            std::fs::copy(&blob, &path).map_err(|e| e.to_string())?;
        }
        let shown = if names.get(r.file_name.as_str()).copied().unwrap_or(0) > 1 {
            format!("{} (#{})", r.file_name, r.id)
        } else {
            r.file_name.clone()
        };
        out.push(super::UnitWorkbook {
            path,
            shown,
            code: r.unit_key.clone(),
            name: r.unit_name.clone(),
        });
    }
    Ok(out)
}

/// Each unit's latest summary checked again against the units' latest workbooks (after a unit
/// sent a version): when its findings or their figures changed, the result is recorded as the
/// summary's next version, sent by `recheck` (the same bytes; nothing is overwritten), its
/// marks carried or dropped as for any version. Re-checks run one at a time; one asked for
/// while another runs is done once after it, covering every version recorded by then.
/// Returns the versions recorded.
pub fn recheck_summaries(app: &App) -> Result<Vec<Row>, String> {
    use std::sync::atomic::Ordering;
    let asked = app.rechecks_asked.fetch_add(1, Ordering::SeqCst) + 1;
    let mut done = match app.rechecks_done.lock() {
        Ok(d) => d,
        Err(p) => p.into_inner(),
    };
    if *done >= asked {
        // A re-check that began after this was asked covered it.
        return Ok(Vec::new());
    }
    let covers = app.rechecks_asked.load(Ordering::SeqCst);
    let summaries = app.store.summary_ids().map_err(|e| e.to_string())?;
    if summaries.is_empty() {
        *done = covers;
        return Ok(Vec::new());
    }
    let latest = app.store.latest().map_err(|e| e.to_string())?;
    let mut recorded = Vec::new();
    for (row, _) in latest.iter().filter(|(r, _)| summaries.contains(&r.id)) {
        let Some(blob) = app.store.blob_path(&row.sha256) else {
            continue;
        };
        let folder =
            tempfile::tempdir_in(app.store.dir().join("tmp")).map_err(|e| e.to_string())?;
        let link = folder.path().join(super::safe_file_name(&row.file_name));
        if std::fs::hard_link(&blob, &link).is_err() {
            std::fs::copy(&blob, &link).map_err(|e| e.to_string())?;
        }
        let units = unit_workbooks(app, &row.unit_key, folder.path())?;
        let checked = app.checker.check(&link, &row.file_name, &units);
        let before = app
            .store
            .result_json(row.id)
            .map_err(|e| e.to_string())?
            .unwrap_or_default();
        if same_findings(&before, &checked.json) {
            continue;
        }
        recorded.push(record(
            app,
            &row.file_name,
            &row.sha256,
            usize::try_from(row.size).unwrap_or(0),
            &checked,
            "recheck",
            None,
        )?);
    }
    *done = covers;
    Ok(recorded)
}

/// Whether two results of one file say the same: the same findings (rule, sheet, cells) with
/// the same figures and messages, and the same state.
fn same_findings(a: &str, b: &str) -> bool {
    /// Each finding's identity, figures and message; the file's status.
    type Said = (Vec<(String, String, String)>, serde_json::Value);
    let said = |text: &str| -> Option<Said> {
        let doc: serde_json::Value = serde_json::from_str(text).ok()?;
        let findings = doc["findings"]
            .as_array()?
            .iter()
            .map(|f| {
                let id = super::finding_id(f);
                (id.key, id.figures, f["message"].to_string())
            })
            .collect();
        Some((findings, doc["files"][0]["status"].clone()))
    };
    match (said(a), said(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// Records a checked workbook (its bytes stored as `sha`): the outputs stored, then the row.
fn record(
    app: &App,
    name: &str,
    sha: &str,
    size: usize,
    checked: &Checked,
    sent_by: &str,
    expect_unit: Option<&str>,
) -> Result<Row, String> {
    let store = &app.store;
    let doc: serde_json::Value = serde_json::from_str(&checked.json)
        .map_err(|e| format!("the checker's JSON does not read: {e}"))?;
    let file = &doc["files"][0];
    let errors = file["errors"].as_u64().unwrap_or(0) as usize;
    let warnings = file["warnings"].as_u64().unwrap_or(0) as usize;
    let state = match file["status"].as_str().unwrap_or("") {
        "checked" if errors > 0 => "errors",
        "checked" if warnings > 0 => "warnings",
        "checked" => "clean",
        "skipped" => "skipped",
        _ => "unreadable",
    };
    let unit = &file["unit"];
    let unit_name = unit["name"].as_str();
    let unit_code = unit["code"].as_str();
    let unit_key = unit_key_of(&checked.json, name)?;
    if let Some(expected) = expect_unit {
        if unit_key != expected {
            return Err(format!(
                "{name}: this workbook is not of the link's unit ({expected}) but of {unit_key}: not recorded"
            ));
        }
    }
    let put = |b: &[u8]| store.put_blob(b).map_err(|e| e.to_string());
    let review_sha = checked.review.as_deref().map(put).transpose()?;
    let marked_sha = checked.marked.as_ref().map(|(b, _)| put(b)).transpose()?;
    let sheets_sha = if checked.sheets.is_empty() {
        None
    } else {
        let text = serde_json::to_vec(&checked.sheets).map_err(|e| e.to_string())?;
        Some(put(&text)?)
    };
    store
        .insert(
            &NewRow {
                unit_key: &unit_key,
                unit_name,
                unit_code,
                file_name: name,
                sent_by,
                sha256: sha,
                size,
                state,
                errors,
                warnings,
                result_json: &checked.json,
                review_sha: review_sha.as_deref(),
                marked_sha: marked_sha.as_deref(),
                marked_ext: checked.marked.as_ref().map(|(_, e)| *e),
                sheets_sha: sheets_sha.as_deref(),
                summary_of: checked.summary_of.as_deref(),
            },
            &now_utc(),
            &doc["findings"]
                .as_array()
                .map(|fs| fs.iter().map(super::finding_id).collect::<Vec<_>>())
                .unwrap_or_default(),
        )
        .map_err(|e| e.to_string())
}
