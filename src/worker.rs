//! Reading workbooks in worker processes, each under an address-space limit.
//!
//! Some damaged or malicious files make the reader (calamine) allocate without bound — the
//! corpus has files that would take all 24 GB of a machine — or loop. In-process, one such file
//! takes the whole run (and, in CI-style use, the runner) down. So the command line reads each
//! file's cells in a long-lived worker process (`crossfoot __read-worker`) whose address space
//! is capped with `setrlimit(RLIMIT_AS)`: a runaway read ends that worker only (the allocation
//! fails and it aborts, or a watchdog kills it after the time limit), the file is reported as
//! too large to check safely, and a fresh worker takes the next file. Workers are reused across
//! files, so the cost is one process start per thread plus passing the bytes in and the cells
//! out through pipes. Content sniffing ([`crate::sniff`]) runs before, in the main process: it
//! is crossfoot's own bounded code and already refuses the known hostile containers.
//!
//! The library does not use workers unless [`install`] is called (tests and embedders read
//! in-process, with panics still contained).

use crate::load::{self, Limits, Outcome};
use crate::sniff::Container;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The hidden subcommand a worker runs.
pub const WORKER_COMMAND: &str = "__read-worker";

/// How workers are started and limited.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// The crossfoot executable.
    pub exe: PathBuf,
    /// Address-space limit of each worker, in MB.
    pub max_memory_mb: u64,
    /// Longest a single file may take to read.
    pub timeout: Duration,
}

pub struct Pool {
    config: PoolConfig,
    idle: Mutex<Vec<Worker>>,
}

struct Worker {
    child: Child,
    stdin: BufWriter<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

static POOL: OnceLock<Pool> = OnceLock::new();

/// Reads every later workbook through worker processes (the command line does this).
pub fn install(config: PoolConfig) {
    let _ = POOL.set(Pool {
        config,
        idle: Mutex::new(Vec::new()),
    });
}

/// The installed pool, if any.
pub fn pool() -> Option<&'static Pool> {
    POOL.get()
}

fn write_frame(w: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    w.write_all(&(bytes.len() as u64).to_le_bytes())?;
    w.write_all(bytes)
}

fn read_frame(r: &mut impl Read, max: u64) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 8];
    r.read_exact(&mut len)?;
    let len = u64::from_le_bytes(len);
    if len > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "frame too large",
        ));
    }
    let mut buf = vec![0u8; len as usize];
    r.read_exact(&mut buf)?;
    Ok(buf)
}

/// A request: the container kind and the limits as JSON, then the file's bytes.
#[derive(serde::Serialize, serde::Deserialize)]
struct Request {
    container: Container,
    limits: Limits,
}

impl Pool {
    fn spawn(&self) -> std::io::Result<Worker> {
        let mut child = Command::new(&self.config.exe)
            .arg(WORKER_COMMAND)
            .arg(self.config.max_memory_mb.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other("the worker has no pipes"));
        };
        Ok(Worker {
            child,
            stdin: BufWriter::new(stdin),
            stdout: BufReader::new(stdout),
        })
    }

    /// Reads one container in a worker.
    pub fn read(&self, bytes: &[u8], container: Container, limits: &Limits) -> Outcome {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        let mut worker = match idle {
            Some(w) => w,
            None => match self.spawn() {
                Ok(w) => w,
                // No worker can be started (e.g. the executable moved): read in-process.
                Err(_) => return load::read_guarded(bytes, container, limits),
            },
        };
        let request = Request {
            container,
            limits: *limits,
        };
        let sent = serde_json::to_vec(&request)
            .map_err(std::io::Error::other)
            .and_then(|head| write_frame(&mut worker.stdin, &head))
            .and_then(|_| write_frame(&mut worker.stdin, bytes))
            .and_then(|_| worker.stdin.flush());
        // A watchdog ends the worker if the read takes too long.
        let (done, timer) = mpsc::channel::<()>();
        let pid = worker.child.id();
        let timeout = self.config.timeout;
        let watchdog = std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = timer.recv_timeout(timeout) {
                kill(pid);
                return true;
            }
            false
        });
        let reply = sent.and_then(|_| read_frame(&mut worker.stdout, u64::MAX / 2));
        let _ = done.send(());
        let timed_out = watchdog.join().unwrap_or(false);
        match reply
            .ok()
            .and_then(|r| serde_json::from_slice::<Outcome>(&r).ok())
        {
            Some(outcome) => {
                if let Ok(mut v) = self.idle.lock() {
                    v.push(worker);
                }
                outcome
            }
            None => {
                let _ = worker.child.kill();
                let _ = worker.child.wait();
                if timed_out {
                    Outcome::Stopped(format!(
                        "reading it took longer than {} s",
                        timeout.as_secs()
                    ))
                } else {
                    Outcome::Stopped(format!(
                        "reading it needed more than the {} MB of memory allowed for one file",
                        self.config.max_memory_mb
                    ))
                }
            }
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        if let Ok(mut v) = self.idle.lock() {
            for mut w in v.drain(..) {
                let _ = w.child.kill();
                let _ = w.child.wait();
            }
        }
    }
}

#[cfg(unix)]
fn kill(pid: u32) {
    // SAFETY: kill(2) with a pid we started; no memory is touched.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill(_pid: u32) {}

#[cfg(unix)]
fn limit_address_space(mb: u64) {
    let bytes = mb.saturating_mul(1024 * 1024) as libc::rlim_t;
    let lim = libc::rlimit {
        rlim_cur: bytes,
        rlim_max: bytes,
    };
    // SAFETY: setrlimit(2) on this process with a valid struct.
    unsafe {
        libc::setrlimit(libc::RLIMIT_AS, &lim);
    }
}

#[cfg(not(unix))]
fn limit_address_space(_mb: u64) {}

/// The worker's main loop: requests in on stdin, outcomes out on stdout, until stdin closes.
pub fn worker_main(max_memory_mb: u64) -> std::process::ExitCode {
    limit_address_space(max_memory_mb);
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = BufWriter::new(std::io::stdout().lock());
    while let Ok(head) = read_frame(&mut input, 1 << 20) {
        let Ok(req) = serde_json::from_slice::<Request>(&head) else {
            break;
        };
        let Ok(bytes) = read_frame(&mut input, req.limits.max_file_bytes.saturating_add(1)) else {
            break;
        };
        let outcome = load::read_guarded(&bytes, req.container, &req.limits);
        drop(bytes);
        let Ok(json) = serde_json::to_vec(&outcome) else {
            break;
        };
        drop(outcome);
        if write_frame(&mut output, &json)
            .and_then(|_| output.flush())
            .is_err()
        {
            break;
        }
    }
    std::process::ExitCode::SUCCESS
}
