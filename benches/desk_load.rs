//! Load run of the review desk (`crossfoot serve`), on loopback only: concurrent clients
//! posting generated branch workbooks, one request each. Not a timed test: it prints what it
//! measured and fails only when a submission the desk acknowledged is not there as sent.
//!
//! ```sh
//! cargo bench --bench desk_load                                   # 50 clients, 2,000 workbooks
//! cargo bench --bench desk_load -- --clients 10 --workbooks 200 --seconds 120
//! ```
//!
//! Bounded in count (`--workbooks`) and time (`--seconds`: no new upload starts after it). It
//! writes the workbooks with the tests' generator (`tests/common/forms.rs`, one unit code each),
//! starts the binary cargo builds with it on 127.0.0.1 (an ephemeral port, a temporary data
//! folder), posts them, then checks that every acknowledged submission is listed, has its
//! result, and gives back its bytes exactly; and prints workbooks per second and the median
//! and 95th-percentile time from upload to result (the answer comes once the workbook is
//! checked).

#[path = "../tests/common/forms.rs"]
mod forms;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One HTTP/1.1 request on its own connection: (status, body).
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(600)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let bad = || std::io::Error::other("not an HTTP answer");
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(bad)?;
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(bad)?;
    let mut body = raw[end + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(nl) = rest.windows(2).position(|w| w == b"\r\n") {
            let size = std::str::from_utf8(&rest[..nl])
                .ok()
                .and_then(|t| usize::from_str_radix(t.trim(), 16).ok())
                .ok_or_else(bad)?;
            if size == 0 || rest.len() < nl + 2 + size {
                break;
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + size]);
            rest = &rest[(nl + 4 + size).min(rest.len())..];
        }
        body = out;
    }
    Ok((status, body))
}

fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "crossfoot-load-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let clients = arg(&args, "--clients", 50).max(1) as usize;
    let count = arg(&args, "--workbooks", 2000).max(1) as usize;
    let seconds = arg(&args, "--seconds", 1800);
    println!("desk load: {clients} clients, {count} workbooks, at most {seconds} s of uploads");

    let t = Instant::now();
    let books: Vec<(String, Vec<u8>)> = (0..count)
        .map(|i| {
            let b = forms::Branch::clean(
                &format!("Đảng bộ thử {i}"),
                &format!("L-{i:05}"),
                i as u64 + 1,
            );
            (
                format!("load-{i:05}.xlsx"),
                forms::write_branch(&b, &forms::reference_layout()),
            )
        })
        .collect();
    println!(
        "  {count} workbooks written in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let data = tempfile::tempdir().expect("a temporary folder");
    let mut child = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(data.path().join("desk"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the desk starts");
    let stderr = child.stderr.take().expect("its stderr");
    let url = BufReader::new(stderr)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("http://") && l.contains("/access/"))
        .expect("the access URL");
    let (addr, token) = url
        .trim_start_matches("http://")
        .split_once("/access/")
        .expect("an access URL");
    let addr: SocketAddr = addr.parse().expect("an address");
    let auth = format!("Bearer {token}");

    let books = Arc::new(books);
    let next = Arc::new(AtomicUsize::new(0));
    // (book, id, seconds from upload to result)
    let acked: Arc<Mutex<Vec<(usize, i64, f64)>>> = Arc::default();
    let refused = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let bound = Duration::from_secs(seconds);
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (books, next, acked, refused, auth) = (
                books.clone(),
                next.clone(),
                acked.clone(),
                refused.clone(),
                auth.clone(),
            );
            std::thread::spawn(move || loop {
                if start.elapsed() > bound {
                    return;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((name, bytes)) = books.get(i) else {
                    return;
                };
                let (ct, body) = multipart(name, bytes);
                let sent = Instant::now();
                let answer = http(
                    addr,
                    "POST",
                    "/api/submissions",
                    &[("Authorization", &auth), ("Content-Type", &ct)],
                    &body,
                );
                let took = sent.elapsed().as_secs_f64();
                let id = answer.ok().filter(|(s, _)| *s == 200).and_then(|(_, b)| {
                    let v: serde_json::Value = serde_json::from_slice(&b).ok()?;
                    v["submissions"][0]["id"].as_i64()
                });
                match id {
                    Some(id) => acked
                        .lock()
                        .map(|mut a| a.push((i, id, took)))
                        .unwrap_or(()),
                    None => {
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
    let wall = start.elapsed().as_secs_f64();
    let acked = acked.lock().map(|a| a.clone()).unwrap_or_default();

    // Every acknowledged submission stored and checked, nothing lost.
    let mut lost = 0usize;
    for (i, id, _) in &acked {
        let bytes = http(
            addr,
            "GET",
            &format!("/api/submissions/{id}/workbook"),
            &[("Authorization", &auth)],
            b"",
        );
        let result = http(
            addr,
            "GET",
            &format!("/api/submissions/{id}"),
            &[("Authorization", &auth)],
            b"",
        );
        let ok = matches!(&bytes, Ok((200, b)) if *b == books[*i].1)
            && matches!(&result, Ok((200, b)) if serde_json::from_slice::<serde_json::Value>(b)
                .is_ok_and(|v| v["files"][0]["status"] == "checked"));
        if !ok {
            lost += 1;
            println!("  LOST: submission {id} ({})", books[*i].0);
        }
    }
    let listed = http(addr, "GET", "/api/status", &[("Authorization", &auth)], b"")
        .ok()
        .and_then(|(_, b)| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["units"].as_array().map(Vec::len))
        .unwrap_or(0);
    let _ = child.kill();
    let _ = child.wait();

    let mut times: Vec<f64> = acked.iter().map(|a| a.2).collect();
    times.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| {
        times
            .get(((times.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "  acknowledged {} of {count} ({} refused or cut), {listed} units listed, {lost} lost",
        acked.len(),
        refused.load(Ordering::Relaxed)
    );
    println!(
        "  {:.1} workbooks/s over {wall:.1} s; upload to result: median {:.2} s, 95th percentile {:.2} s",
        acked.len() as f64 / wall.max(1e-9),
        at(0.5),
        at(0.95)
    );
    if lost > 0 || listed != acked.len() {
        println!("FAIL: an acknowledged submission is missing or changed");
        std::process::exit(1);
    }
    println!("PASS: every acknowledged submission stored and checked");
}
