//! Reading and checking workbooks in worker processes, each under an address-space limit.
//!
//! Some damaged or malicious files make the reader (calamine) allocate without bound — the
//! corpus has files that would take all 24 GB of a machine — or loop. In-process, one such file
//! takes the whole run (and, in CI-style use, the runner) down. So the command line reads and
//! checks each file in a long-lived worker process (`crossfoot __read-worker`) whose address
//! space is capped with `setrlimit(RLIMIT_AS)`: a runaway read ends that worker only (the
//! allocation fails and it aborts, or the watchdog kills it after the time limit), the file is
//! reported as too large to check safely, and a fresh worker takes the next file. Workers are
//! reused across files (at most `--jobs` at once); each compiles the run's rule pack once from
//! the sources the main process compiled. The main process sends a file's path; the worker
//! opens and reads the file, tells what it is ([`crate::read::sniff`], crossfoot's own bounded
//! code, which already refuses the known hostile containers), reads and checks it, and only
//! the results come back (findings, forms, unit, the figures other workbooks' checks read, and
//! with `-o` the sheets the review copies), encoded with postcard: the main process never
//! holds a workbook, and the watchdog's time limit covers the opening and reading as well (a
//! file on a share that hangs ends its worker, and is reported). [`Isolation::check`] with the
//! bytes (sent in a frame of their own) is kept for callers that hold them already.
//!
//! A [`Pool`] is an [`Isolation`]: the command line builds one (with [`isolation`], from the
//! guard flags) and hands it to the
//! [`crate::run::Run`]; the library never starts workers by itself (tests and embedders use
//! [`crate::run::InProcess`], with panics still contained). Layout: this file the pool,
//! `protocol` what crosses the pipe, `child` the worker's side.

mod child;
mod protocol;

pub use child::worker_main;
use protocol::{read_frame, write_frame, Checked, Outcome, Request};

use crate::check::{FileResult, Kept};
use crate::read::load::{Failure, Limits};
use crate::read::sniff::Container;
use crate::rules::Pack;
use crate::run::file::FileOutcome;
use crate::run::guard::GuardArgs;
use crate::run::{Isolation, Job};
use std::collections::HashMap;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The isolation a run reads files with, as the guard flags ask: worker processes under a
/// memory and time limit, or (for measurements, `--in-process`) this process. An error: this
/// program's own executable, which the workers run, cannot be found.
pub fn isolation(guard: &GuardArgs, jobs: usize) -> std::io::Result<Box<dyn Isolation + Send>> {
    if guard.in_process {
        return Ok(Box::new(crate::run::InProcess));
    }
    let exe = std::env::current_exe()?;
    Ok(Box::new(Pool::new(PoolConfig {
        exe,
        max_memory_mb: guard.max_reader_mb,
        timeout: guard.timeout(),
        workers: jobs,
    })))
}

/// The hidden subcommand a worker runs.
pub const WORKER_COMMAND: &str = "__read-worker";

/// How workers are started and limited.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// The crossfoot executable.
    pub exe: PathBuf,
    /// Address-space limit of all workers together, in MB: divided among them (see
    /// [`Pool::new`]), so that `--jobs` does not multiply it.
    pub max_memory_mb: u64,
    /// Longest a single file may take to read.
    pub timeout: Duration,
    /// Most workers alive at once (0: one per core). More threads than this may ask for reads;
    /// they wait for a free worker, so that reading and checking overlap.
    pub workers: usize,
}

pub struct Pool {
    config: PoolConfig,
    state: Mutex<State>,
    freed: Condvar,
}

struct State {
    idle: Vec<Worker>,
    /// Workers alive (idle or reading).
    live: usize,
}

struct Worker {
    child: Child,
    stdin: BufWriter<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// The fingerprint of the rule files the worker compiled, if any.
    pack: Option<u64>,
}

impl Pool {
    /// A pool of at most `config.workers` workers (0: one per core), started as needed. The
    /// memory of the run, `config.max_memory_mb`, is divided among them: each worker gets an
    /// equal share, and fewer workers are started when a share would be under
    /// [`MIN_WORKER_MB`] (a single worker gets the whole memory, however little).
    pub fn new(mut config: PoolConfig) -> Pool {
        if config.workers == 0 {
            config.workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        }
        let (workers, each) = share(config.max_memory_mb, config.workers);
        config.workers = workers;
        config.max_memory_mb = each;
        Pool {
            config,
            state: Mutex::new(State {
                idle: Vec::new(),
                live: 0,
            }),
            freed: Condvar::new(),
        }
    }
}

/// The least memory a worker is started with when the run's memory is divided, in MB: below
/// this a worker reads hardly any workbook.
pub const MIN_WORKER_MB: u64 = 256;

/// The workers (at most `workers`, at least one) and each one's memory, in MB, for a run
/// allowed `total_mb`: the workers' memory together never exceeds it.
pub fn share(total_mb: u64, workers: usize) -> (usize, u64) {
    let fit = usize::try_from(total_mb / MIN_WORKER_MB).unwrap_or(usize::MAX);
    let workers = workers.min(fit).max(1);
    (workers, total_mb / workers as u64)
}

// -------------------------------------------------------------------------------------------
// The watchdog: one thread for the whole run, ending workers whose read overran its time.
// -------------------------------------------------------------------------------------------

struct Watch {
    deadline: Instant,
    fired: bool,
}

fn watches() -> &'static Mutex<HashMap<u32, Watch>> {
    static WATCHES: OnceLock<Mutex<HashMap<u32, Watch>>> = OnceLock::new();
    WATCHES.get_or_init(|| {
        // Polls: a read's time limit is counted in seconds, 50 ms late is nothing.
        let _ = std::thread::Builder::new()
            .name("crossfoot-watchdog".into())
            .spawn(|| loop {
                std::thread::sleep(Duration::from_millis(50));
                let now = Instant::now();
                if let Ok(mut w) = watches().lock() {
                    for (pid, watch) in w.iter_mut() {
                        if !watch.fired && now >= watch.deadline {
                            kill(*pid);
                            watch.fired = true;
                        }
                    }
                }
            });
        Mutex::new(HashMap::new())
    })
}

/// Watches worker `pid` until [`unwatch`]; true from `unwatch` when the watchdog ended it.
fn watch(pid: u32, timeout: Duration) {
    if let Ok(mut w) = watches().lock() {
        w.insert(
            pid,
            Watch {
                deadline: Instant::now() + timeout,
                fired: false,
            },
        );
    }
}

fn unwatch(pid: u32) -> bool {
    watches()
        .lock()
        .ok()
        .and_then(|mut w| w.remove(&pid))
        .is_some_and(|w| w.fired)
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
            pack: None,
        })
    }

    /// A free worker: an idle one, a new one while fewer than the limit are alive, else the
    /// next one freed. None when no worker can be started (e.g. the executable moved).
    fn acquire(&self) -> Option<Worker> {
        let mut st = self.state.lock().ok()?;
        loop {
            if let Some(w) = st.idle.pop() {
                return Some(w);
            }
            if st.live < self.config.workers {
                st.live += 1;
                drop(st);
                return match self.spawn() {
                    Ok(w) => Some(w),
                    Err(_) => {
                        self.lost();
                        None
                    }
                };
            }
            st = self.freed.wait(st).ok()?;
        }
    }

    fn release(&self, worker: Worker) {
        if let Ok(mut st) = self.state.lock() {
            st.idle.push(worker);
        }
        self.freed.notify_one();
    }

    /// A worker ended (stopped, or never started): another may be started.
    fn lost(&self) {
        if let Ok(mut st) = self.state.lock() {
            st.live = st.live.saturating_sub(1);
        }
        self.freed.notify_one();
    }

    /// Sends a request (and the bytes, if any) and reads the reply frame, under the watchdog.
    /// Err(true) when the watchdog stopped the worker.
    fn exchange(
        &self,
        worker: &mut Worker,
        request: &Request,
        bytes: Option<&[u8]>,
    ) -> Result<Vec<u8>, bool> {
        let pid = worker.child.id();
        watch(pid, self.config.timeout);
        let reply = postcard::to_stdvec(request)
            .map_err(std::io::Error::other)
            .and_then(|head| write_frame(&mut worker.stdin, &head))
            .and_then(|_| match bytes {
                Some(b) => write_frame(&mut worker.stdin, b),
                None => Ok(()),
            })
            .and_then(|_| worker.stdin.flush())
            .and_then(|_| read_frame(&mut worker.stdout, u64::MAX / 2));
        let timed_out = unwatch(pid);
        match reply {
            Ok(r) if !timed_out => Ok(r),
            _ => Err(timed_out),
        }
    }

    /// The worker ended or broke its protocol: it is stopped, and why is said.
    fn stopped(&self, mut worker: Worker, timed_out: bool) -> Failure {
        let _ = worker.child.kill();
        let _ = worker.child.wait();
        self.lost();
        if timed_out {
            Failure::Stopped(format!(
                "opening, reading and checking it took longer than {} s",
                self.config.timeout.as_secs()
            ))
        } else {
            Failure::Stopped(format!(
                "reading it needed more than the {} MB of memory allowed for one file (the run's --max-reader-mb divided among its worker processes)",
                self.config.max_memory_mb
            ))
        }
    }
}

impl Pool {
    /// A free worker that has compiled `pack` (compiled now if it has not), or why none can
    /// read the file.
    fn ready(&self, pack: &Pack) -> Result<Worker, Failure> {
        // Never read unguarded: a file no worker can take is reported, not read here.
        let Some(mut worker) = self.acquire() else {
            return Err(Failure::NoWorker(format!(
                "no worker process could be started from {}",
                self.config.exe.display()
            )));
        };
        let fingerprint = pack.sources_fingerprint() ^ (pack.settings.lang as u64);
        if worker.pack != Some(fingerprint) {
            let ack = self
                .exchange(
                    &mut worker,
                    &Request::Pack(pack.sources.clone(), pack.settings.lang),
                    None,
                )
                .map(|r| postcard::from_bytes::<Result<(), String>>(&r));
            match ack {
                Ok(Ok(Ok(()))) => worker.pack = Some(fingerprint),
                // The worker cannot compile what this process compiled (it cannot happen with
                // the same executable): reported, never read unguarded.
                Ok(_) => {
                    self.release(worker);
                    return Err(Failure::NoWorker(
                        "the worker process could not compile the rule files".to_string(),
                    ));
                }
                Err(t) => return Err(self.stopped(worker, t)),
            }
        }
        Ok(worker)
    }

    /// One request (and the bytes, if any) to a free worker that has compiled `pack`, and its
    /// reply: the worker freed after it, or stopped and why said when it broke off.
    fn request<T: serde::de::DeserializeOwned>(
        &self,
        pack: &Pack,
        request: &Request,
        bytes: Option<&[u8]>,
    ) -> Result<T, Failure> {
        let mut worker = self.ready(pack)?;
        let reply = self
            .exchange(&mut worker, request, bytes)
            .and_then(|r| postcard::from_bytes::<T>(&r).map_err(|_| false));
        match reply {
            Ok(reply) => {
                self.release(worker);
                Ok(reply)
            }
            Err(t) => Err(self.stopped(worker, t)),
        }
    }
}

impl Isolation for Pool {
    /// Reads and checks one container in a worker (see [`crate::check`]): only the results
    /// cross back, never the workbook (but for the sheets the review copies).
    fn check(
        &self,
        bytes: &[u8],
        container: Container,
        limits: &Limits,
        pack: &Pack,
        job: &Job,
    ) -> Result<(FileResult, Kept), Failure> {
        let request = Request::Check {
            container,
            limits: *limits,
            job: job.clone(),
        };
        self.request::<Result<Checked, Failure>>(pack, &request, Some(bytes))?
            .map(|c| c.into_result(&job.shown))
    }

    /// The whole of one file in a worker: it opens and reads the file itself (its bytes never
    /// cross a pipe, and this process never holds them), tells what it is, reads and checks
    /// it; the watchdog bounds all of it by the run's read time limit. The file's bytes were
    /// otherwise read on a reading thread of this process, sent down the pipe and read again
    /// from it: three copies and two more hand-offs between threads for every file.
    #[cfg(unix)]
    fn check_path(
        &self,
        path: &std::path::Path,
        name: &str,
        limits: &Limits,
        _read_timeout: Duration,
        pack: &Pack,
        job: &Job,
    ) -> FileOutcome {
        use std::os::unix::ffi::OsStrExt;
        let request = Request::CheckPath {
            path: path.as_os_str().as_bytes().to_vec(),
            name: name.to_string(),
            limits: *limits,
            job: job.clone(),
        };
        match self.request::<Outcome>(pack, &request, None) {
            Ok(outcome) => outcome.into_outcome(&job.shown),
            // No worker, or the worker stopped: `failure_error` words these without the
            // file's bytes (this process never read them).
            Err(failure) => {
                FileOutcome::Unreadable(crate::read::load::failure_error(&[], name, failure))
            }
        }
    }

    /// Threads for checking: one per worker. Handing a result on is a push onto the run's
    /// hand-off (`run::handoff`), done before the thread's next request; a second thread per
    /// worker (as until wave 8) only added hand-offs: on the benchmark's 2,000 workbooks it
    /// made 10,500 context switches against 8,800-9,400 with one, for a run 3 % slower.
    fn threads(&self, _jobs: usize) -> usize {
        // The workers the pool starts (`--jobs`, fewer when the run's memory does not hold
        // that many): more threads would only wait.
        self.config.workers
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        if let Ok(mut st) = self.state.lock() {
            let idle: Vec<Worker> = st.idle.drain(..).collect();
            // An idle worker whose input closes ends its loop and exits by itself (so that a
            // profiler running it, `valgrind --trace-children=yes`, writes its figures); one
            // that has not ended within a moment is killed, as before.
            let mut children = Vec::with_capacity(idle.len());
            for w in idle {
                let Worker { child, stdin, .. } = w;
                drop(stdin);
                children.push(child);
            }
            let until = Instant::now() + WORKER_EXIT_WAIT;
            for mut child in children {
                while matches!(child.try_wait(), Ok(None)) && Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(1));
                }
                if !matches!(child.try_wait(), Ok(Some(_))) {
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
        }
    }
}

/// How long the pool, ending, waits for its idle workers to exit once their input is closed
/// before it kills them.
const WORKER_EXIT_WAIT: Duration = Duration::from_secs(1);

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_of_a_run_is_divided_among_its_workers() {
        // Two workers share the run's memory: together they never exceed it.
        assert_eq!(share(4096, 2), (2, 2048));
        // 100,000 workers asked for: only as many as get MIN_WORKER_MB each.
        assert_eq!(share(4096, 100_000), (16, 256));
        // Less than one share: a single worker with all of it.
        assert_eq!(share(100, 8), (1, 100));
        for (total, asked) in [(4096, 3), (1000, 7), (256, 1), (1 << 20, 64)] {
            let (w, each) = share(total, asked);
            assert!(w >= 1 && w <= asked);
            assert!(w as u64 * each <= total, "{total} {asked}");
        }
    }
}
