//! Reading one file from disk, bounded: regular files only (a named pipe, a device or a socket
//! is reported, never waited on), at most a given size, within a given time (opening
//! included). Workbooks, last year's workbooks and rule files are all read this way; it sits
//! below every stage so that any of them may use it.

use crate::read::sniff::{Unreadable, UnreadableKind};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Reads a whole file, if it is a regular file no larger than `max` (one byte more is read, so
/// that a larger file is recognised), within `timeout` — opening included: a file on a share
/// that hangs is reported, and the run goes on.
pub fn read_file(path: &Path, max: u64, timeout: Duration) -> Result<Vec<u8>, Unreadable> {
    let owned = path.to_path_buf();
    match within(timeout, move || read_regular(&owned, max)) {
        Some(result) => result,
        None => Err(Unreadable {
            kind: UnreadableKind::TooLarge,
            reason: format!(
                "opening and reading the file took longer than {} s",
                timeout.as_secs()
            ),
            hint: "check that the file is on a disk that answers (a network share that hangs?), \
                   or raise --read-timeout"
                .to_string(),
        }),
    }
}

/// A job for a reading thread.
type Job = Box<dyn FnOnce() + Send>;

/// Reading threads waiting for their next file. A thread per file cost a thread's start and
/// end for every file (its stack mapped, guarded and unmapped: 2,008 `clone3` in a run over
/// 2,000 workbooks, most of the run's system time), so a thread that answered in time is kept
/// for the next read; one whose read hangs is never given another, and ends when that read
/// does. At most this many wait; they are as many as reads ran at once.
const MAX_IDLE: usize = 16;

static IDLE: Mutex<Vec<mpsc::Sender<Job>>> = Mutex::new(Vec::new());

fn idle() -> MutexGuard<'static, Vec<mpsc::Sender<Job>>> {
    IDLE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How many reading threads were started (for the tests).
static STARTED: AtomicUsize = AtomicUsize::new(0);

/// A reading thread: a waiting one, or a new one (None when none can be started).
fn reading_thread() -> Option<mpsc::Sender<Job>> {
    if let Some(thread) = idle().pop() {
        return Some(thread);
    }
    let (tx, rx) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("crossfoot-read".into())
        .spawn(move || {
            while let Ok(job) = rx.recv() {
                job();
            }
        })
        .ok()?;
    STARTED.fetch_add(1, Ordering::Relaxed);
    Some(tx)
}

/// Runs `job` on a reading thread and waits for it at most `timeout`: None when it did not
/// answer in time (or failed without an answer). Without a thread, it runs here.
fn within<T: Send + 'static>(
    timeout: Duration,
    job: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (reply, answer) = mpsc::channel();
    let Some(thread) = reading_thread() else {
        return Some(job());
    };
    let job: Job = Box::new(move || {
        let _ = reply.send(job());
    });
    if let Err(mpsc::SendError(job)) = thread.send(job) {
        // The thread is gone: the job runs here.
        job();
        return answer.try_recv().ok();
    }
    let answered = answer.recv_timeout(timeout).ok()?;
    let mut idle = idle();
    if idle.len() < MAX_IDLE {
        idle.push(thread);
    }
    Some(answered)
}

/// [`read_file`] without its time limit, on this thread: for a process that is itself under a
/// watchdog (a worker process, see [`crate::worker`]), where a read that hangs ends the process
/// and is reported by the run.
pub fn read_now(path: &Path, max: u64) -> Result<Vec<u8>, Unreadable> {
    read_regular(path, max)
}

fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, Unreadable> {
    use std::io::Read;
    let cannot = |e: std::io::Error| Unreadable {
        kind: UnreadableKind::Missing,
        reason: open_error(&e),
        hint: crate::registry::unreadable(UnreadableKind::Missing)
            .hint
            .en
            .to_string(),
    };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Opened without blocking: a named pipe or a device given as a workbook is recognised
    // below instead of waiting for a writer for ever.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let f = options.open(path).map_err(cannot)?;
    let meta = f.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(Unreadable {
            kind: UnreadableKind::NotRegular,
            reason: format!("not a regular file ({})", special_kind(&meta.file_type())),
            hint: crate::registry::unreadable(UnreadableKind::NotRegular)
                .hint
                .en
                .to_string(),
        });
    }
    let mut buf = Vec::with_capacity(meta.len().min(max.saturating_add(1)) as usize);
    f.take(max.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(cannot)?;
    Ok(buf)
}

/// Why a file or folder could not be opened, for people.
pub fn open_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => format!("cannot open it: {e}"),
    }
}

/// What a file that is not a regular file is, for people.
pub fn special_kind(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
    }
    if ft.is_dir() {
        "a folder"
    } else if ft.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

/// How reports show a path: bytes that are not UTF-8 as `\xNN` (on Unix), `/` as the
/// separator (elsewhere).
pub fn shown(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_os_str().as_bytes();
        let mut out = String::with_capacity(bytes.len());
        for chunk in bytes.utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02X}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().replace('\\', "/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_reuse_their_threads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        std::fs::write(&path, b"figures").unwrap();
        let before = STARTED.load(Ordering::Relaxed);
        for _ in 0..40 {
            let bytes = read_file(&path, 100, Duration::from_secs(30)).unwrap();
            assert_eq!(bytes, b"figures");
        }
        // A thread per read would start 40; tests running beside this one may start a few.
        let started = STARTED.load(Ordering::Relaxed) - before;
        assert!(
            started < 20,
            "{started} reading threads started for 40 reads"
        );
    }

    #[test]
    fn a_read_that_hangs_is_not_waited_for_and_the_next_one_is_served() {
        let hung = within(Duration::from_millis(50), || {
            std::thread::sleep(Duration::from_secs(2));
            1
        });
        assert_eq!(hung, None);
        assert_eq!(within(Duration::from_secs(30), || 2), Some(2));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.bin");
        std::fs::write(&path, [0u8; 10]).unwrap();
        // One byte more than the bound is read, so that a larger file is recognised.
        assert_eq!(
            read_file(&path, 4, Duration::from_secs(30)).unwrap().len(),
            5
        );
        let missing = read_file(&dir.path().join("none"), 4, Duration::from_secs(30));
        assert_eq!(missing.unwrap_err().kind, UnreadableKind::Missing);
        let folder = read_file(dir.path(), 4, Duration::from_secs(30));
        assert_eq!(folder.unwrap_err().kind, UnreadableKind::NotRegular);
    }

    #[test]
    fn a_job_that_panics_gives_no_answer_and_reading_goes_on() {
        let panicked: Option<u8> = within(Duration::from_secs(30), || panic!("planted"));
        assert_eq!(panicked, None);
        assert_eq!(within(Duration::from_secs(30), || 3), Some(3));
    }
}
