//! The review desk (`crossfoot serve`) over real HTTP: the binary started on 127.0.0.1 with an
//! ephemeral port, talked to with a small HTTP/1.1 client of std's sockets.

use crate::common::district::{write_district, District};
use crate::common::forms::{reference_layout, write_branch, Branch, Layout};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running desk; stopped (SIGKILL) when dropped.
struct Desk {
    child: Child,
    addr: SocketAddr,
    token: String,
    access_url: String,
}

impl Drop for Desk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data: &Path) -> Desk {
    start_with(data, &[])
}

fn start_with(data: &Path, extra: &[&str]) -> Desk {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line.starts_with("http://") && line.contains("/access/") {
                let _ = tx.send(line);
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the desk printed its access URL");
    let rest = url.strip_prefix("http://").unwrap();
    let (addr, token) = rest.split_once("/access/").unwrap();
    Desk {
        child,
        addr: addr.parse().unwrap(),
        token: token.to_string(),
        access_url: url.clone(),
    }
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// One HTTP/1.1 request on its own connection.
fn http(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(300))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let nl = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size = usize::from_str_radix(std::str::from_utf8(&rest[..nl]).unwrap().trim(), 16)
                .unwrap();
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + size]);
            rest = &rest[nl + 2 + size + 2..];
        }
        body = out;
    }
    Resp {
        status,
        headers,
        body,
    }
}

/// A multipart/form-data body: (field name, file name, bytes).
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "crossfoot-test-boundary-7d1e";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Desk {
    fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }
    fn get(&self, path: &str) -> Resp {
        let auth = self.bearer();
        http(self.addr, "GET", path, &[("Authorization", &auth)], b"")
    }
    fn get_en(&self, path: &str) -> Resp {
        let auth = self.bearer();
        http(
            self.addr,
            "GET",
            path,
            &[
                ("Authorization", &auth),
                ("Accept-Language", "en-GB,en;q=0.8"),
            ],
            b"",
        )
    }
    /// Uploads files with the bearer token; the answer's submissions.
    fn upload(&self, files: &[(&str, &[u8])]) -> Vec<Value> {
        let parts: Vec<(&str, Option<&str>, &[u8])> =
            files.iter().map(|(n, b)| ("file", Some(*n), *b)).collect();
        let (ct, body) = multipart(&parts);
        let auth = self.bearer();
        let r = http(
            self.addr,
            "POST",
            "/api/submissions",
            &[("Authorization", &auth), ("Content-Type", &ct)],
            &body,
        );
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["submissions"].as_array().unwrap().clone()
    }
}

fn samples() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// (rule, sheet, cells) of every finding of a JSON report.
fn finding_keys(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let cells: Vec<String> = f["cells"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| format!("{}!{}", c["sheet"], c["cell"]))
                .collect();
            format!(
                "{} {} {} {}",
                f["rule"],
                f["sheet"],
                cells.join(","),
                f["message"]
            )
        })
        .collect()
}

/// Every row of every sheet of the workbook a GET of `path` gives, its cells joined by `|`.
fn workbook_text(desk: &Desk, path: &str) -> Vec<String> {
    let r = desk.get(path);
    assert_eq!(r.status, 200, "{path}");
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(r.body)).unwrap();
    use calamine::Reader;
    let mut rows = Vec::new();
    for n in wb.sheet_names().to_vec() {
        if let Ok(range) = wb.worksheet_range(&n) {
            for row in range.rows() {
                rows.push(
                    row.iter()
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .join("|"),
                );
            }
        }
    }
    rows
}

fn data_dir() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("desk");
    (t, p)
}

#[test]
fn every_path_needs_the_token() {
    let (_t, data) = data_dir();
    let desk = start(&data);
    let paths = [
        "/",
        "/healthz",
        "/api/status",
        "/api/submissions/1",
        "/api/submissions/1/review.xlsx",
        "/api/submissions/1/marked.xlsx",
        "/api/submissions/1/workbook",
        "/submissions/1",
        "/assets/desk.css",
        "/assets/desk.js",
        "/assets/icon.svg",
        "/api/summary.xlsx",
    ];
    let wrong = format!("Bearer {}", "0".repeat(64));
    for p in paths {
        assert_eq!(http(desk.addr, "GET", p, &[], b"").status, 401, "{p}");
        let r = http(desk.addr, "GET", p, &[("Authorization", &wrong)], b"");
        assert_eq!(r.status, 401, "{p}");
        let r = http(
            desk.addr,
            "GET",
            p,
            &[(
                "Cookie",
                &format!("crossfoot_desk_{}=nothing", desk.addr.port()),
            )],
            b"",
        );
        assert_eq!(r.status, 401, "{p}");
    }
    let (ct, body) = multipart(&[("file", Some("a.xlsx"), b"PK")]);
    let r = http(
        desk.addr,
        "POST",
        "/api/submissions",
        &[("Content-Type", &ct)],
        &body,
    );
    assert_eq!(r.status, 401);
    assert_eq!(
        http(desk.addr, "GET", "/access/wrong", &[], b"").status,
        401
    );
    // Nothing was kept.
    assert_eq!(
        desk.get("/api/status").json()["units"],
        Value::Array(vec![])
    );
    // The token works, and the access URL file holds it, readable by its owner only.
    assert_eq!(desk.get("/healthz").status, 200);
    let file = data.join("access-url");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap().trim(),
        desk.access_url
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // Guessing is rate-limited: past the limit even a request without a token is 429, while
    // the right token still gets in.
    let mut limited = false;
    for _ in 0..40 {
        if http(
            desk.addr,
            "GET",
            "/api/status",
            &[("Authorization", &wrong)],
            b"",
        )
        .status
            == 429
        {
            limited = true;
            break;
        }
    }
    assert!(limited, "refused tokens are never rate-limited");
    assert_eq!(desk.get("/api/status").status, 200);
}

#[test]
fn samples_uploaded_checked_as_check_does_and_downloaded() {
    let (_t, data) = data_dir();
    let desk = start(&data);
    let samples = samples();
    let files: Vec<(&str, &[u8])> = samples
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let answers = desk.upload(&files);
    assert_eq!(answers.len(), samples.len());

    for (answer, (name, bytes)) in answers.iter().zip(&samples) {
        assert_eq!(answer["file"], name.as_str());
        let id = answer["id"].as_i64().unwrap();
        let doc = desk.get(&format!("/api/submissions/{id}")).json();
        let file = &doc["files"][0];
        // The command line's report of the same file, alone (as the desk checks each upload).
        let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["check", "--format", "json", &format!("samples/{name}")])
            .output()
            .unwrap();
        let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
        let cli_file = &cli["files"][0];
        assert_eq!(file["errors"], cli_file["errors"], "{name}");
        assert_eq!(file["warnings"], cli_file["warnings"], "{name}");
        assert_eq!(file["unit"], cli_file["unit"], "{name}");
        assert_eq!(answer["errors"], cli_file["errors"], "{name}");
        assert!(!finding_keys(&cli).is_empty() || cli_file["errors"] == 0);
        assert_eq!(finding_keys(&doc), finding_keys(&cli), "{name}");
        let state = match (cli_file["errors"].as_u64(), cli_file["warnings"].as_u64()) {
            (Some(e), _) if e > 0 => "errors",
            (_, Some(w)) if w > 0 => "warnings",
            _ => "clean",
        };
        assert_eq!(answer["state"], state, "{name}");
        // The bytes kept are the upload's.
        let original = desk.get(&format!("/api/submissions/{id}/workbook"));
        assert_eq!(original.status, 200);
        assert_eq!(&original.body, bytes, "{name}");
    }

    // The round: one entry per unit (the two reference workbooks share a code: two versions).
    let status = desk.get("/api/status").json();
    let units = status["units"].as_array().unwrap();
    let codes: std::collections::BTreeSet<&str> = answers
        .iter()
        .map(|a| a["unit_key"].as_str().unwrap())
        .collect();
    assert_eq!(units.len(), codes.len());
    assert!(units.len() < samples.len());
    let twice = units
        .iter()
        .find(|u| u["versions"] == 2)
        .expect("a unit with two versions");
    assert_eq!(twice["latest"]["version"], 2);
    let counted: u64 = status["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(counted as usize, units.len());

    // A unit's findings on its page, the cells marked in its grid.
    let split = answers
        .iter()
        .find(|a| a["file"] == "branch-gender-split.xlsx")
        .unwrap();
    let id = split["id"].as_i64().unwrap();
    let page = desk.get_en(&format!("/submissions/{id}"));
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'self'"));
    let html = page.text();
    assert!(html.contains("M01.gender-split"), "{html}");
    assert!(html.contains("Most likely"));
    assert!(html.contains("class=\"m-error\""));
    assert!(html.contains("Form M01"));
    let round = desk.get_en("/").text();
    for a in &answers {
        let name = a["unit_name"].as_str().unwrap();
        assert!(round.contains(name), "{name} not on the round");
    }

    // The review workbook and the marked copy, read back.
    for (which, mark) in [("review.xlsx", "review"), ("marked.xlsx", "marked")] {
        let r = desk.get(&format!("/api/submissions/{id}/{which}"));
        assert_eq!(r.status, 200, "{which}");
        assert!(r
            .header("content-disposition")
            .unwrap()
            .contains("attachment"));
        assert_eq!(
            crossfoot::read::sniff::crossfoot_output(&r.body).as_deref(),
            Some(mark),
            "{which}"
        );
        let wb =
            calamine::open_workbook_auto_from_rs(std::io::Cursor::new(r.body.clone())).unwrap();
        use calamine::Reader;
        assert!(
            wb.sheet_names().len() >= 2,
            "{which}: {:?}",
            wb.sheet_names()
        );
    }
    // The review workbook names the finding's rule.
    let review = desk.get(&format!("/api/submissions/{id}/review.xlsx")).body;
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(review)).unwrap();
    use calamine::Reader;
    let names = wb.sheet_names().to_vec();
    let mut found = false;
    for n in names {
        if let Ok(range) = wb.worksheet_range(&n) {
            found |= range
                .cells()
                .any(|(_, _, c)| c.to_string().contains("M01.gender-split"));
        }
    }
    assert!(found, "the review workbook does not name M01.gender-split");

    // The district summary of every unit's latest workbook, built from the stored bytes.
    let r = desk.get("/api/summary.xlsx");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        crossfoot::read::sniff::crossfoot_output(&r.body).as_deref(),
        Some("summary")
    );
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(r.body)).unwrap();
    let mut names_in_summary = String::new();
    for n in wb.sheet_names().to_vec() {
        if let Ok(range) = wb.worksheet_range(&n) {
            for (_, _, c) in range.cells() {
                names_in_summary.push_str(&c.to_string());
                names_in_summary.push('\n');
            }
        }
    }
    assert!(
        names_in_summary.contains("Đảng bộ xã Bản Bo"),
        "{names_in_summary}"
    );
    assert!(names_in_summary.contains("Đảng bộ xã Bình Lư"));

    // A new version of a unit: the same workbook again, then the page says what changed.
    let split_bytes = files
        .iter()
        .find(|(n, _)| *n == "branch-gender-split.xlsx")
        .unwrap()
        .1;
    let again = desk.upload(&[("branch-gender-split-v2.xlsx", split_bytes)]);
    assert_eq!(again[0]["unit_key"], split["unit_key"]);
    assert_eq!(again[0]["version"], 2);
    let id2 = again[0]["id"].as_i64().unwrap();
    let html = desk.get_en(&format!("/submissions/{id2}")).text();
    assert!(
        html.contains("Since the previous version: 0 fixed, 0 new, 2 still open"),
        "{html}"
    );
    // The first version is still there, as it was.
    assert_eq!(
        desk.get(&format!("/api/submissions/{id}")).json()["files"][0]["path"],
        "branch-gender-split.xlsx"
    );

    // Started again on the same folder: everything is there; the old token is not.
    let before = desk.get("/api/status").json();
    drop(desk);
    let desk = start(&data);
    assert_eq!(desk.get("/api/status").json(), before);
    let old = format!("Bearer {}", "f".repeat(64));
    assert_eq!(
        http(
            desk.addr,
            "GET",
            "/api/status",
            &[("Authorization", &old)],
            b""
        )
        .status,
        401
    );
}

#[test]
fn the_pages_form_needs_its_csrf_token() {
    let (_t, data) = data_dir();
    let desk = start(&data);
    // The access URL sets the session cookie.
    let path = desk
        .access_url
        .split_once(&desk.addr.to_string())
        .unwrap()
        .1;
    let r = http(desk.addr, "GET", path, &[], b"");
    assert_eq!(r.status, 303);
    let cookie = r.header("set-cookie").unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let cookie = cookie.split(';').next().unwrap().to_string();
    let page = http(desk.addr, "GET", "/", &[("Cookie", &cookie)], b"");
    assert_eq!(page.status, 200);
    let html = page.text();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let bytes =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/branch-clean.xlsx"))
            .unwrap();
    // Without the CSRF token, or with a wrong one: refused, nothing kept.
    for token in [None, Some("0".repeat(64))] {
        let mut parts: Vec<(&str, Option<&str>, &[u8])> = Vec::new();
        if let Some(t) = &token {
            parts.push(("csrf", None, t.as_bytes()));
        }
        parts.push(("file", Some("branch-clean.xlsx"), &bytes));
        let (ct, body) = multipart(&parts);
        let r = http(
            desk.addr,
            "POST",
            "/api/submissions",
            &[("Cookie", &cookie), ("Content-Type", &ct)],
            &body,
        );
        assert_eq!(r.status, 403, "{token:?}");
    }
    // Another site's request, even with the token: refused.
    let (ct, body) = multipart(&[
        ("csrf", None, csrf.as_bytes()),
        ("file", Some("branch-clean.xlsx"), &bytes),
    ]);
    let r = http(
        desk.addr,
        "POST",
        "/api/submissions",
        &[
            ("Cookie", &cookie),
            ("Content-Type", &ct),
            ("Origin", "http://evil.example"),
        ],
        &body,
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        desk.get("/api/status").json()["units"],
        Value::Array(vec![])
    );
    // The page's own form: kept, and the browser sent to the submission's page.
    let r = http(
        desk.addr,
        "POST",
        "/api/submissions",
        &[("Cookie", &cookie), ("Content-Type", &ct)],
        &body,
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(r.header("location").unwrap().starts_with("/submissions/"));
    assert_eq!(
        desk.get("/api/status").json()["units"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn hostile_text_is_escaped_on_every_page() {
    let (_t, data) = data_dir();
    let desk = start(&data);
    let hostile = "<script>alert(1)</script>\u{202e}xslx.exe";
    let b = Branch::clean(hostile, "TD-<b>77</b>", 7);
    let bytes = write_branch(&b, &reference_layout());
    let file_name = "<img src=x onerror=alert(2)>\u{202e}.xlsx";
    let answers = desk.upload(&[(file_name, &bytes)]);
    let id = answers[0]["id"].as_i64().unwrap();
    // The JSON keeps the exact text (a JSON reader's to show).
    assert_eq!(answers[0]["unit_name"], hostile);
    // The unit's branch link and its pages too.
    let key = answers[0]["unit_key"].as_str().unwrap().to_string();
    let (ct, body) = multipart(&[("unit_key", None, key.as_bytes())]);
    let auth = desk.bearer();
    let r = http(
        desk.addr,
        "POST",
        "/api/links",
        &[("Authorization", &auth), ("Content-Type", &ct)],
        &body,
    );
    let url = r.json()["url"].as_str().unwrap().to_string();
    let branch = url
        .split_once(&desk.addr.to_string())
        .unwrap()
        .1
        .to_string();
    let pages = [
        "/".to_string(),
        format!("/submissions/{id}"),
        branch.clone(),
        format!("{branch}/submissions/{id}"),
    ];
    for p in &pages {
        for resp in [desk.get(p), desk.get_en(p)] {
            assert_eq!(resp.status, 200, "{p}");
            assert!(resp
                .header("content-type")
                .unwrap()
                .starts_with("text/html"));
            let html = resp.text();
            assert!(!html.contains("<script>alert"), "{p}: {html}");
            assert!(!html.contains("<img src=x"), "{p}");
            assert!(!html.contains("<b>77"), "{p}");
            assert!(
                !html.contains('\u{202e}'),
                "{p}: a direction override reached the page"
            );
            assert!(
                html.contains("&lt;script&gt;alert(1)&lt;/script&gt;U+202E"),
                "{p}: {html}"
            );
        }
    }
    let unit_page = desk.get(&format!("/submissions/{id}")).text();
    assert!(unit_page.contains("&lt;img src=x onerror=alert(2)&gt;U+202E.xlsx"));
    // The only scripts are the desk's own.
    assert_eq!(unit_page.matches("<script").count(), 1);
    assert!(unit_page.contains("<script src=\"/assets/desk.js\" defer></script>"));
}

#[test]
fn every_acknowledged_submission_survives_sigkill() {
    let (_t, data) = data_dir();
    let mut desk = start(&data);
    // Workbooks of their own (distinct bytes), sent by four clients at once.
    let books: Vec<(String, Vec<u8>)> = (0..40u64)
        .map(|i| {
            let b = Branch::clean(&format!("Đơn vị {i}"), &format!("K-{i:02}"), 100 + i);
            (
                format!("unit-{i:02}.xlsx"),
                write_branch(&b, &reference_layout()),
            )
        })
        .collect();
    let books = std::sync::Arc::new(books);
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(i64, usize)>::new()));
    let (addr, auth) = (desk.addr, desk.bearer());
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (books, acked, auth) = (books.clone(), acked.clone(), auth.clone());
            std::thread::spawn(move || {
                for i in (c..books.len()).step_by(4) {
                    let (name, bytes) = &books[i];
                    let (ct, body) = multipart(&[("file", Some(name), bytes)]);
                    // A connection cut by the kill ends this client.
                    let sent = std::panic::catch_unwind(|| {
                        http(
                            addr,
                            "POST",
                            "/api/submissions",
                            &[("Authorization", &auth), ("Content-Type", &ct)],
                            &body,
                        )
                    });
                    match sent {
                        Ok(r) if r.status == 200 => {
                            let id = r.json()["submissions"][0]["id"].as_i64().unwrap();
                            acked.lock().unwrap().push((id, i));
                        }
                        _ => return,
                    }
                }
            })
        })
        .collect();
    // Killed while uploads are under way.
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    while acked.lock().unwrap().len() < 6 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    desk.child.kill().unwrap();
    desk.child.wait().unwrap();
    for c in clients {
        let _ = c.join();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 6, "too few uploads before the kill");
    assert!(
        acked.len() < books.len(),
        "every upload finished before the kill"
    );

    let desk = start(&data);
    // Every acknowledged submission is there, byte for byte.
    for (id, i) in &acked {
        let r = desk.get(&format!("/api/submissions/{id}/workbook"));
        assert_eq!(r.status, 200, "submission {id} lost");
        assert_eq!(r.body, books[*i].1, "submission {id} changed");
        let doc = desk.get(&format!("/api/submissions/{id}")).json();
        assert_eq!(doc["files"][0]["path"], books[*i].0.as_str());
    }
    // No half submission is shown: every unit listed has its result and its bytes.
    let status = desk.get("/api/status").json();
    let units = status["units"].as_array().unwrap();
    assert!(units.len() >= acked.len());
    for u in units {
        let id = u["latest"]["id"].as_i64().unwrap();
        let r = desk.get(&format!("/api/submissions/{id}/workbook"));
        assert_eq!(r.status, 200);
        let name = u["latest"]["file"].as_str().unwrap();
        let i: usize = name[5..7].parse().unwrap();
        assert_eq!(r.body, books[i].1);
        assert_eq!(desk.get(&format!("/api/submissions/{id}")).status, 200);
    }
}

#[test]
fn a_review_mark_follows_its_finding_and_is_dropped_when_the_figures_change() {
    let (_t, data) = data_dir();
    let desk = start(&data);
    let clean = Branch::clean("Đảng bộ xã Thử", "TD-50", 3);
    let off_by = |n: i64| {
        let mut b = clean.clone();
        b.m01.gender[0] += n;
        write_branch(&b, &reference_layout())
    };
    let v1 = off_by(5);
    let first = &desk.upload(&[("td-50.xlsx", &v1)])[0];
    let id1 = first["id"].as_i64().unwrap();
    let doc = desk.get(&format!("/api/submissions/{id1}")).json();
    let i = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .position(|f| f["rule"] == "M01.gender-split")
        .expect("the gender split is off");
    let mark = |id: i64, extra: &[(&str, &str)], fields: &[(&str, &str)]| {
        let parts: Vec<(&str, Option<&str>, &[u8])> = fields
            .iter()
            .map(|(k, v)| (*k, None, v.as_bytes()))
            .collect();
        let (ct, body) = multipart(&parts);
        let mut headers = vec![("Content-Type", ct.as_str())];
        headers.extend_from_slice(extra);
        http(
            desk.addr,
            "POST",
            &format!("/api/submissions/{id}/marks"),
            &headers,
            &body,
        )
    };
    let auth = desk.bearer();
    let index = i.to_string();
    let note = "two members moved in December, confirmed by phone";
    // Without the token, or from a page without its CSRF token: refused.
    assert_eq!(
        mark(id1, &[], &[("finding", &index), ("note", note)]).status,
        401
    );
    let cookie = format!("crossfoot_desk_{}={}", desk.addr.port(), desk.token);
    assert_eq!(
        mark(
            id1,
            &[("Cookie", &cookie)],
            &[("finding", &index), ("note", note)]
        )
        .status,
        403
    );
    assert_eq!(
        mark(
            id1,
            &[("Authorization", &auth)],
            &[("finding", "999"), ("note", note)]
        )
        .status,
        404
    );
    let r = mark(
        id1,
        &[("Authorization", &auth)],
        &[("finding", &index), ("note", note)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let marks_of =
        |id: i64| desk.get(&format!("/api/submissions/{id}")).json()["review_marks"].clone();
    let m = marks_of(id1);
    assert_eq!(m[0]["finding"], i);
    assert_eq!(m[0]["state"], "explained");
    assert_eq!(m[0]["note"], note);

    // The same figures in the next version: the mark follows.
    let id2 = desk.upload(&[("td-50-v2.xlsx", &v1)])[0]["id"]
        .as_i64()
        .unwrap();
    let m = marks_of(id2);
    assert_eq!(m.as_array().unwrap().len(), 1);
    assert_eq!(
        (m[0]["state"].clone(), m[0]["made_on"].clone()),
        ("explained".into(), id1.into())
    );
    let page = desk.get_en(&format!("/submissions/{id2}")).text();
    assert!(
        page.contains("Explained</strong> (marked on version 1): two members moved"),
        "{page}"
    );

    // The note in the review workbook's findings, beside its finding, for both versions.
    let review_text = |id: i64| workbook_text(&desk, &format!("/api/submissions/{id}/review.xlsx"));
    let marked_text = |id: i64| workbook_text(&desk, &format!("/api/submissions/{id}/marked.xlsx"));
    for id in [id1, id2] {
        let rows = review_text(id);
        assert!(
            rows.iter()
                .any(|r| r.contains("M01.gender-split") && r.ends_with(note)),
            "{id}: {rows:?}"
        );
        // And in the marked copy for the branch: its finding says the reviewer accepted it.
        let rows = marked_text(id);
        let accepted = format!("Người duyệt đã chấp nhận giải trình: {note}");
        assert!(
            rows.iter()
                .any(|r| r.contains("M01.gender-split") && r.contains(&accepted)),
            "{id}: {rows:?}"
        );
        assert_eq!(rows.iter().filter(|r| r.contains(&accepted)).count(), 1);
    }

    // Other figures on the same cells: dropped, visibly.
    let id3 = desk.upload(&[("td-50-v3.xlsx", &off_by(7))])[0]["id"]
        .as_i64()
        .unwrap();
    let m = marks_of(id3);
    assert_eq!(m[0]["state"], "dropped");
    let page = desk.get_en(&format!("/submissions/{id3}")).text();
    assert!(
        page.contains("Explanation dropped: the figures changed"),
        "{page}"
    );
    // The same finding (rule, cells) with other figures is still open, not fixed and new.
    assert!(page.contains(": 0 fixed, 0 new,"), "{page}");
    assert!(page.contains(note));
    assert!(!review_text(id3).iter().any(|r| r.contains(note)));
    assert!(!marked_text(id3).iter().any(|r| r.contains(note)));
    assert!(marked_text(id3)
        .iter()
        .any(|r| r.contains("M01.gender-split")));

    // A dropped mark goes no further.
    let id4 = desk.upload(&[("td-50-v4.xlsx", &off_by(7))])[0]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(marks_of(id4), Value::Array(vec![]));
    // The corrected workbook: its findings listed as fixed.
    let clean_bytes = write_branch(&clean, &reference_layout());
    let id5 = desk.upload(&[("td-50-v5.xlsx", &clean_bytes)])[0]["id"]
        .as_i64()
        .unwrap();
    let page = desk.get_en(&format!("/submissions/{id5}")).text();
    assert!(
        page.contains("<li>fixed: <span class=\"rule\">M01.gender-split</span>"),
        "{page}"
    );
    assert!(!page.contains("<li>new: "));
}

#[test]
fn a_branch_link_sees_and_sends_its_own_unit_only() {
    let (_t, data) = data_dir();
    let desk = start(&data);
    let read = |n: &str| {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("samples")
                .join(n),
        )
        .unwrap()
    };
    let split = read("branch-gender-split.xlsx");
    let clean = read("branch-clean.xlsx");
    let answers = desk.upload(&[
        ("branch-gender-split.xlsx", &split),
        ("branch-clean.xlsx", &clean),
    ]);
    let (own, other) = (&answers[0], &answers[1]);
    let own_key = own["unit_key"].as_str().unwrap();
    let other_id = other["id"].as_i64().unwrap();
    let own_id = own["id"].as_i64().unwrap();

    // The reviewer makes a link for the unit.
    let (ct, body) = multipart(&[("unit_key", None, own_key.as_bytes())]);
    let auth = desk.bearer();
    let r = http(
        desk.addr,
        "POST",
        "/api/links",
        &[("Authorization", &auth), ("Content-Type", &ct)],
        &body,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let url = r.json()["url"].as_str().unwrap().to_string();
    let path = url
        .split_once(&desk.addr.to_string())
        .unwrap()
        .1
        .to_string();
    let token = path.rsplit('/').next().unwrap().to_string();
    // Without the reviewer's token, no link is made.
    assert_eq!(
        http(
            desk.addr,
            "POST",
            "/api/links",
            &[("Content-Type", &ct)],
            &body
        )
        .status,
        401
    );

    // The branch's page: its unit, nothing of the other.
    let home = http(desk.addr, "GET", &path, &[], b"");
    assert_eq!(home.status, 200);
    let html = home.text();
    assert!(html.contains(own["unit_name"].as_str().unwrap()));
    assert!(!html.contains(other["unit_name"].as_str().unwrap()));
    assert_eq!(
        http(
            desk.addr,
            "GET",
            &format!("{path}/assets/desk.css"),
            &[],
            b""
        )
        .status,
        200
    );
    let page = http(
        desk.addr,
        "GET",
        &format!("{path}/submissions/{own_id}"),
        &[],
        b"",
    );
    assert_eq!(page.status, 200);
    assert!(page.text().contains("M01.gender-split"));
    assert!(
        !page.text().contains("/api/"),
        "a branch's page links to the reviewer's API"
    );
    let marked = http(
        desk.addr,
        "GET",
        &format!("{path}/submissions/{own_id}/marked.xlsx"),
        &[],
        b"",
    );
    assert_eq!(marked.status, 200);
    assert_eq!(
        crossfoot::read::sniff::crossfoot_output(&marked.body).as_deref(),
        Some("marked")
    );
    // The other unit's pages and files, and the reviewer's: refused.
    for p in [
        format!("{path}/submissions/{other_id}"),
        format!("{path}/submissions/{other_id}/marked.xlsx"),
    ] {
        assert_eq!(http(desk.addr, "GET", &p, &[], b"").status, 404, "{p}");
    }
    let as_bearer = format!("Bearer {token}");
    for p in ["/", "/api/status", &format!("/api/submissions/{own_id}")] {
        assert_eq!(
            http(desk.addr, "GET", p, &[("Authorization", &as_bearer)], b"").status,
            401,
            "{p}"
        );
    }
    assert_eq!(
        http(
            desk.addr,
            "GET",
            &format!("/branch/{}", "0".repeat(64)),
            &[],
            b""
        )
        .status,
        401
    );

    // The branch sends its corrected workbook: recorded as the branch's, a new version.
    let (ct, body) = multipart(&[("file", Some("ban-bo.xlsx"), &split)]);
    let r = http(
        desk.addr,
        "POST",
        &format!("{path}/upload"),
        &[("Content-Type", &ct)],
        &body,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let sent = &r.json()["submissions"][0];
    assert_eq!(sent["version"], 2);
    assert_eq!(sent["sent_by"], "branch");
    // Another unit's workbook through the link: not recorded.
    let (ct, body) = multipart(&[("file", Some("other.xlsx"), &clean)]);
    let r = http(
        desk.addr,
        "POST",
        &format!("{path}/upload"),
        &[("Content-Type", &ct)],
        &body,
    );
    assert_eq!(r.status, 422);
    assert!(r.json()["submissions"][0]["error"]
        .as_str()
        .unwrap()
        .contains("not recorded"));
    // The reviewer sees every version, the branch's among them; the other unit unchanged.
    let status = desk.get("/api/status").json();
    for u in status["units"].as_array().unwrap() {
        if u["unit_key"] == own_key {
            assert_eq!(u["versions"], 2);
            assert_eq!(u["latest"]["sent_by"], "branch");
        } else {
            assert_eq!(u["versions"], 1);
        }
    }
}

/// The desk in headless Chromium (tests/browser/desk.mjs, playwright-core): drag and drop, the
/// findings, a marked cell clicked, a finding marked explained, the marked copy downloaded.
/// Needs Debian's `chromium` and `npm ci` in tests/browser (.ci/run does both). With
/// `DESK_SHOTS=docs/images` it writes docs/desk.md's screenshots.
#[test]
#[ignore = "needs chromium"]
fn in_a_real_browser() {
    let (_t, data) = data_dir();
    let desk = start(&data);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = Command::new("node");
    cmd.arg(root.join("tests/browser/desk.mjs"))
        .current_dir(root.join("tests/browser"))
        .env("DESK_URL", &desk.access_url)
        .env("SAMPLES", root.join("samples"));
    if let Some(shots) = std::env::var_os("DESK_SHOTS") {
        cmd.env("SHOTS", root.join(shots));
    }
    let out = cmd.output().expect("node runs");
    assert!(
        out.status.success(),
        "the browser test failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_round_lists_the_units_expected_that_have_not_sent() {
    let (t, data) = data_dir();
    let list = t.path().join("units.txt");
    // One code written as a branch might (lower case): matched by the pack's unit key.
    std::fs::write(
        &list,
        "# code, name\ntd-02, Đảng bộ xã Bản Bo\nTD-77;Đảng bộ xã Chưa Nộp\n",
    )
    .unwrap();
    let desk = start_with(&data, &["--unit-list", list.to_str().unwrap()]);
    let status = desk.get("/api/status").json();
    assert_eq!(status["counts"]["not_submitted"], 2);
    let split = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/branch-gender-split.xlsx"),
    )
    .unwrap();
    let clean =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/branch-clean.xlsx"))
            .unwrap();
    desk.upload(&[("split.xlsx", &split), ("clean.xlsx", &clean)]);
    let status = desk.get("/api/status").json();
    assert_eq!(status["counts"]["not_submitted"], 1);
    let units = status["units"].as_array().unwrap();
    let missing: Vec<&Value> = units
        .iter()
        .filter(|u| u["state"] == "not_submitted")
        .collect();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0]["unit_code"], "TD-77");
    assert_eq!(missing[0]["versions"], 0);
    let td02 = units.iter().find(|u| u["unit_code"] == "TD-02").unwrap();
    assert_eq!(
        (td02["expected"].clone(), td02["state"].clone()),
        (true.into(), "errors".into())
    );
    let td01 = units.iter().find(|u| u["unit_code"] == "TD-01").unwrap();
    assert_eq!(td01["expected"], false);
    let round = desk.get_en("/").text();
    assert!(round.contains("Đảng bộ xã Chưa Nộp"));
    assert!(round.contains("not yet submitted"));
    // A list that does not read stops the desk before it starts.
    std::fs::write(&list, "TD-01\n;no code\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(["serve", "--bind", "127.0.0.1:0", "--unit-list"])
        .arg(&list)
        .arg("--data")
        .arg(t.path().join("other"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2: no unit code"));
}

/// The units of a district, as the consolidation tests make them.
fn district_units() -> Vec<Branch> {
    vec![
        Branch::clean("Đảng bộ xã Bình Lư", "TD-01", 1),
        Branch::clean("Đảng bộ xã Bản Bo", "TD-02", 2),
        Branch::clean("Chi bộ Trường THPT Tam Đường", "TD-03", 3),
    ]
}

fn rules_of(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_summary_is_checked_against_the_units_latest_workbooks_and_again_when_one_resends() {
    let (_t, data) = data_dir();
    let desk = start(&data);
    let bs = district_units();
    let mut d = District::from_branches(&bs);
    d.years.truncate(3);
    let layout = Layout::default();
    // TD-02 first sends a workbook of other figures than the summary's row.
    let wrong = Branch::clean("Đảng bộ xã Bản Bo", "TD-02", 7);
    desk.upload(&[
        ("branch-td-01.xlsx", &write_branch(&bs[0], &layout)),
        ("branch-td-02.xlsx", &write_branch(&wrong, &layout)),
    ]);
    let got = desk.upload(&[("district.xlsx", &write_district(&d))]);
    let first_id = got[0]["id"].as_i64().unwrap();
    let first = desk.get(&format!("/api/submissions/{first_id}")).json();
    let rules = rules_of(&first);
    // Its row of TD-02 disagrees with TD-02's workbook, named in the finding's cells; TD-03
    // has sent nothing: its row has no unit workbook.
    assert!(rules.iter().any(|r| r == "TH01.matches-unit"), "{rules:?}");
    let td02_cell = first["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["cells"].as_array().unwrap())
        .any(|c| c["file"] == "branch-td-02.xlsx");
    assert!(td02_cell, "{first}");
    assert_eq!(
        rules
            .iter()
            .filter(|r| *r == "consolidation.row-without-unit")
            .count(),
        1,
        "{rules:?}"
    );
    // TD-03, named by the summary's rows, is expected and not yet submitted.
    let status = desk.get("/api/status").json();
    let td03 = status["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit_code"] == "TD-03")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(td03["state"], "not_submitted", "{status}");
    assert_eq!(td03["expected"], true);
    assert_eq!(td03["unit_name"], "Chi bộ Trường THPT Tam Đường");
    // TD-02 sends its right figures: the summary is checked again, a version of its own.
    desk.upload(&[("branch-td-02.xlsx", &write_branch(&bs[1], &layout))]);
    let status = desk.get("/api/status").json();
    let district = status["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["latest"]["file"] == "district.xlsx")
        .cloned()
        .unwrap();
    assert_eq!(district["versions"], 2, "{status}");
    assert_eq!(district["latest"]["sent_by"], "recheck");
    assert_eq!(district["latest"]["sha256"], got[0]["sha256"]);
    let second_id = district["latest"]["id"].as_i64().unwrap();
    let second = desk.get(&format!("/api/submissions/{second_id}")).json();
    assert_eq!(
        rules_of(&second),
        vec!["consolidation.row-without-unit".to_string()]
    );
    // The first version's result is kept as it was.
    assert_eq!(
        rules_of(&desk.get(&format!("/api/submissions/{first_id}")).json()),
        rules
    );
    let page = desk.get_en(&format!("/submissions/{second_id}")).text();
    assert!(page.contains("checked again against the units"), "{page}");
    // TD-03 sends: the summary is clean.
    desk.upload(&[("branch-td-03.xlsx", &write_branch(&bs[2], &layout))]);
    let status = desk.get("/api/status").json();
    let district = status["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["latest"]["file"] == "district.xlsx")
        .cloned()
        .unwrap();
    assert_eq!(district["versions"], 3);
    assert_eq!(district["state"], "clean", "{district}");
    assert_eq!(status["counts"]["not_submitted"], 0);
    // A unit's version that changes nothing the summary reads adds no version of it.
    desk.upload(&[("branch-td-03-again.xlsx", &write_branch(&bs[2], &layout))]);
    let status = desk.get("/api/status").json();
    let versions = status["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["latest"]["file"] == "district.xlsx")
        .map(|u| u["versions"].clone());
    assert_eq!(versions, Some(3.into()));
}

#[test]
fn last_years_workbooks_and_the_register_give_checks_and_expected_units() {
    let (t, data) = data_dir();
    let last = t.path().join("last");
    std::fs::create_dir(&last).unwrap();
    let bs = district_units();
    let layout = Layout::default();
    // Last year: TD-01 closed with this year's opening figure, TD-02 with 3 more; TD-04 sent
    // then and has not yet this year.
    for (b, shift) in [(&bs[0], 0), (&bs[1], 3)] {
        let mut prev = b.clone();
        prev.year -= 1;
        prev.m02.end = b.m02.start + shift;
        let name = format!("branch-{}-last.xlsx", b.code.to_lowercase());
        std::fs::write(last.join(name), write_branch(&prev, &layout)).unwrap();
    }
    let mut gone = Branch::clean("Chi bộ Thôn Bốn", "TD-04", 4);
    gone.year = bs[0].year - 1;
    std::fs::write(last.join("branch-td-04.xlsx"), write_branch(&gone, &layout)).unwrap();
    // The register: TD-05, in no workbook.
    let register = t.path().join("units.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["Mã đơn vị", "Tên đơn vị"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (code, name)) in [
        ("TD-01", "Đảng bộ xã Bình Lư"),
        ("TD-05", "Chi bộ Thôn Năm"),
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(1 + r as u32, 0, *code).unwrap();
        ws.write_string(1 + r as u32, 1, *name).unwrap();
    }
    wb.save(&register).unwrap();
    let desk = start_with(
        &data,
        &[
            "--previous",
            last.to_str().unwrap(),
            "--units",
            register.to_str().unwrap(),
        ],
    );
    let got = desk.upload(&[
        ("branch-td-01.xlsx", &write_branch(&bs[0], &layout)),
        ("branch-td-02.xlsx", &write_branch(&bs[1], &layout)),
        ("branch-td-03.xlsx", &write_branch(&bs[2], &layout)),
    ]);
    let rules: Vec<Vec<String>> = got
        .iter()
        .map(|s| {
            let mut r = rules_of(&desk.get(&format!("/api/submissions/{}", s["id"])).json());
            r.sort();
            r
        })
        .collect();
    // As `check --previous last --units units.xlsx` says: TD-02 and TD-03 are not in the
    // register.
    assert_eq!(
        rules,
        vec![
            vec![],
            vec![
                "M02.start-matches-last-year".to_string(),
                "unit.not-in-register".to_string()
            ],
            vec![
                "consolidation.previous-missing".to_string(),
                "unit.not-in-register".to_string()
            ],
        ]
    );
    let status = desk.get("/api/status").json();
    let mut missing: Vec<(String, String)> = status["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["state"] == "not_submitted")
        .map(|u| {
            (
                u["unit_code"].as_str().unwrap().to_string(),
                u["unit_name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    missing.sort();
    assert_eq!(
        missing,
        vec![
            ("TD-04".to_string(), "Chi bộ Thôn Bốn".to_string()),
            ("TD-05".to_string(), "Chi bộ Thôn Năm".to_string()),
        ]
    );
    assert!(status["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["state"] != "not_submitted")
        .all(|u| u["expected"] == (u["unit_code"] != "TD-03")));
}

#[test]
fn branch_links_are_listed_and_a_revoked_one_is_refused() {
    let (_t, data) = data_dir();
    let desk = start(&data);
    let split = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/branch-gender-split.xlsx"),
    )
    .unwrap();
    let own = &desk.upload(&[("split.xlsx", &split)])[0];
    let key = own["unit_key"].as_str().unwrap().to_string();
    let auth = desk.bearer();
    let make = || {
        let (ct, body) = multipart(&[("unit_key", None, key.as_bytes())]);
        let r = http(
            desk.addr,
            "POST",
            "/api/links",
            &[("Authorization", &auth), ("Content-Type", &ct)],
            &body,
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        let url = v["url"].as_str().unwrap().to_string();
        let path = url
            .split_once(&desk.addr.to_string())
            .unwrap()
            .1
            .to_string();
        (v["id"].as_i64().unwrap(), path)
    };
    let (first, first_path) = make();
    let (second, second_path) = make();
    // Listed, never with their tokens.
    let listed = desk.get("/api/links");
    assert_eq!(listed.status, 200);
    let links = listed.json()["links"].as_array().unwrap().clone();
    assert_eq!(
        links.iter().map(|l| l["id"].as_i64()).collect::<Vec<_>>(),
        vec![Some(first), Some(second)]
    );
    assert!(links
        .iter()
        .all(|l| l["unit_key"] == key.as_str() && l["revoked"].is_null()));
    let token = first_path.rsplit('/').next().unwrap();
    assert!(!listed.text().contains(token));
    let page = desk.get_en("/links").text();
    assert!(
        page.contains("Branch links") && page.contains("Revoke"),
        "{page}"
    );
    assert!(!page.contains(token));
    assert_eq!(http(desk.addr, "GET", "/api/links", &[], b"").status, 401);
    assert_eq!(http(desk.addr, "GET", "/links", &[], b"").status, 401);
    assert_eq!(http(desk.addr, "GET", &first_path, &[], b"").status, 200);

    // The revoke form: without its CSRF token (a cookie alone), or without any token: refused.
    let revoke = |id: i64, headers: &[(&str, &str)], csrf: Option<&str>| {
        let parts: Vec<(&str, Option<&str>, &[u8])> =
            csrf.iter().map(|c| ("csrf", None, c.as_bytes())).collect();
        let (ct, body) = multipart(&parts);
        let mut h = vec![("Content-Type", ct.as_str())];
        h.extend_from_slice(headers);
        http(
            desk.addr,
            "POST",
            &format!("/api/links/{id}/revoke"),
            &h,
            &body,
        )
    };
    let cookie = format!("crossfoot_desk_{}={}", desk.addr.port(), desk.token);
    assert_eq!(revoke(first, &[], None).status, 401);
    assert_eq!(revoke(first, &[("Cookie", &cookie)], None).status, 403);
    assert_eq!(revoke(first, &[("Cookie", &cookie)], Some("0")).status, 403);
    let other_site = [
        ("Cookie", cookie.as_str()),
        ("Origin", "http://evil.example"),
    ];
    // The page's own CSRF token, as its form carries it.
    let round = http(desk.addr, "GET", "/links", &[("Cookie", &cookie)], b"").text();
    let csrf = round
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    assert_eq!(revoke(first, &other_site, Some(&csrf)).status, 403);
    assert_eq!(http(desk.addr, "GET", &first_path, &[], b"").status, 200);
    // With it: revoked, and the page goes back to the list.
    let r = revoke(first, &[("Cookie", &cookie)], Some(&csrf));
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/links"));
    assert_eq!(revoke(999, &[("Authorization", &auth)], None).status, 404);

    // The revoked link's token is refused everywhere; the other link still works.
    for p in [
        first_path.clone(),
        format!("{first_path}/submissions/{}", own["id"]),
        format!("{first_path}/submissions/{}/marked.xlsx", own["id"]),
    ] {
        assert_eq!(http(desk.addr, "GET", &p, &[], b"").status, 401, "{p}");
    }
    let (ct, body) = multipart(&[("file", Some("split.xlsx"), &split)]);
    let sent = http(
        desk.addr,
        "POST",
        &format!("{first_path}/upload"),
        &[("Content-Type", &ct)],
        &body,
    );
    assert_eq!(sent.status, 401);
    assert_eq!(http(desk.addr, "GET", &second_path, &[], b"").status, 200);
    let links = desk.get("/api/links").json()["links"].clone();
    assert!(links[0]["revoked"].is_string());
    assert!(links[1]["revoked"].is_null());
    let page = desk.get_en("/links").text();
    assert!(page.contains("revoked "), "{page}");
    // Still one version: the revoked link's upload was not recorded.
    let status = desk.get("/api/status").json();
    assert_eq!(status["units"][0]["versions"], 1);
    // Revoked for good: after a restart too.
    drop(desk);
    let desk = start(&data);
    assert_eq!(http(desk.addr, "GET", &first_path, &[], b"").status, 401);
    assert_eq!(http(desk.addr, "GET", &second_path, &[], b"").status, 200);
}
