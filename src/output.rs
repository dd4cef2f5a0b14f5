//! The one way crossfoot writes a file it produces (the review workbook, the district summary):
//! atomically, leaving no debris.
//!
//! - The bytes go to a temporary file in the output's own folder, named
//!   `.NAME.crossfoot-tmp.PID.N`, which is flushed to disk (fsync) and then renamed over the
//!   output: a reader sees the old file or the new one, never half of one.
//! - The temporary file is removed on every error path, and on SIGINT and SIGTERM: it is
//!   registered, while it exists, in a fixed table that a signal handler empties (unlinking each
//!   file, nothing else: async-signal-safe) before the signal is raised again with the
//!   disposition it had before, so the process still ends as the signal says.
//! - A temporary file of an earlier run that was killed before it could clean up (its name is
//!   recognisable and its process is gone) is removed, and that is said in [`Written`].
//! - An output that replaces an earlier file keeps that file's permissions.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// What writing an output did besides writing it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Temporary files next to the output, left by earlier runs that were stopped while
    /// writing it (their process is gone), removed.
    pub stale_removed: Vec<PathBuf>,
}

/// The marker every temporary file crossfoot writes carries in its name.
pub const TEMP_MARKER: &str = ".crossfoot-tmp.";

/// Longest file name most file systems take, in bytes.
const MAX_NAME_BYTES: usize = 255;

/// Writes `bytes` to `path` atomically (see the module documentation).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<Written> {
    write_atomic_with(path, |f| f.write_all(bytes))
}

/// [`write_atomic`], the content written by `fill` into the temporary file.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<Written> {
    let dir = folder_of(path);
    let Some(name) = path.file_name() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} names a folder, not a file", path.display()),
        ));
    };
    let stem = temp_stem(name);
    let written = Written {
        stale_removed: remove_stale(&dir, name, &stem),
    };
    // The permissions of the file being replaced (a regular file only).
    let kept_permissions = std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.permissions());

    let (mut guard, mut file) = create_temp(&dir, &stem, kept_permissions.is_some())?;
    fill(&mut file)?;
    file.flush()?;
    if let Some(p) = kept_permissions {
        file.set_permissions(p)?;
    }
    file.sync_all()?;
    drop(file);
    std::fs::rename(&guard.path, path)?;
    guard.disarm();
    // The rename itself on disk (best effort: not every file system can sync a folder).
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(written)
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `.NAME.crossfoot-tmp.`, NAME cut so that the whole temporary name (with the PID and the
/// counter) stays within the longest file name a file system takes.
fn temp_stem(name: &std::ffi::OsStr) -> String {
    let name = name.to_string_lossy();
    let room = MAX_NAME_BYTES - 1 - TEMP_MARKER.len() - 32;
    let mut cut = name.len().min(room);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(".{}{TEMP_MARKER}", &name[..cut])
}

/// A temporary file that is removed (and unregistered) when dropped, unless disarmed.
struct TempGuard {
    path: PathBuf,
    slot: Option<usize>,
    armed: bool,
}

impl TempGuard {
    fn disarm(&mut self) {
        self.armed = false;
        if let Some(s) = self.slot.take() {
            registry::unregister(s);
        }
    }
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
        if let Some(s) = self.slot.take() {
            registry::unregister(s);
        }
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn create_temp(dir: &Path, stem: &str, private: bool) -> io::Result<(TempGuard, File)> {
    let pid = std::process::id();
    let mut last = None;
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("{stem}{pid}.{n}"));
        // Registered before it exists: a signal between the two finds nothing to remove.
        let slot = registry::register(&path);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if private {
            // Readable by the owner only until it gets the replaced file's permissions.
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        match options.open(&path) {
            Ok(f) => {
                return Ok((
                    TempGuard {
                        path,
                        slot,
                        armed: true,
                    },
                    f,
                ))
            }
            Err(e) => {
                if let Some(s) = slot {
                    registry::unregister(s);
                }
                if e.kind() != io::ErrorKind::AlreadyExists {
                    return Err(io::Error::new(
                        e.kind(),
                        format!("cannot create a temporary file in {}: {e}", dir.display()),
                    ));
                }
                last = Some(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no free temporary file name next to the output",
        )
    }))
}

/// The PID in the name of a temporary file crossfoot wrote for the output `name` (or None):
/// `.NAME.crossfoot-tmp.PID.N`, and the names earlier versions used,
/// `.NAME.PID.N.crossfoot-tmp` and `.NAME.PID.N.tmp`.
fn temp_pid(file: &str, name: &str, stem: &str) -> Option<u32> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let pid_and_n = |rest: &str| -> Option<u32> {
        let (pid, n) = rest.split_once('.')?;
        (digits(pid) && digits(n)).then(|| pid.parse().ok())?
    };
    if let Some(rest) = file.strip_prefix(stem) {
        return pid_and_n(rest);
    }
    let rest = file
        .strip_prefix('.')?
        .strip_prefix(name)?
        .strip_prefix('.')?;
    let rest = rest
        .strip_suffix(".crossfoot-tmp")
        .or_else(|| rest.strip_suffix(".tmp"))?;
    pid_and_n(rest)
}

/// Removes the temporary files an earlier, killed run left for the output `name` in `dir`:
/// recognisable names whose process is gone. Those of a running process are left alone.
fn remove_stale(dir: &Path, name: &std::ffi::OsStr, stem: &str) -> Vec<PathBuf> {
    let name = name.to_string_lossy();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let me = std::process::id();
    let mut removed = Vec::new();
    for e in entries.flatten() {
        let file: OsString = e.file_name();
        let Some(file) = file.to_str() else { continue };
        let Some(pid) = temp_pid(file, &name, stem) else {
            continue;
        };
        if pid == me || process_alive(pid) {
            continue;
        }
        let path = e.path();
        let regular = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
        if regular && std::fs::remove_file(&path).is_ok() {
            removed.push(path);
        }
    }
    removed.sort();
    removed
}

/// Whether a process with this id exists (on other systems than Unix: assumed so, and the
/// file is left).
fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        if pid <= 0 {
            return true;
        }
        // SAFETY: kill with signal 0 sends nothing; it only checks that the process exists.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// The temporary files that exist right now, for the signal handler.
mod registry {
    use std::path::Path;

    /// Most temporary files registered at once (a run writes one or two); beyond, a file is
    /// still removed on every error path, only not on a signal.
    pub const SLOTS: usize = 64;

    #[cfg(unix)]
    mod imp {
        use super::SLOTS;
        use std::ffi::{c_char, CString};
        use std::os::unix::ffi::OsStrExt;
        use std::path::Path;
        use std::ptr::null_mut;
        use std::sync::atomic::{AtomicPtr, Ordering};
        use std::sync::OnceLock;

        static PATHS: [AtomicPtr<c_char>; SLOTS] = [const { AtomicPtr::new(null_mut()) }; SLOTS];

        /// The dispositions SIGINT and SIGTERM had before crossfoot's handler, restored by it
        /// before the signal is raised again. Set once, before the handler is installed.
        static PREVIOUS: OnceLock<[Option<libc::sigaction>; 2]> = OnceLock::new();
        const SIGNALS: [libc::c_int; 2] = [libc::SIGINT, libc::SIGTERM];

        pub fn register(path: &Path) -> Option<usize> {
            install();
            let c = CString::new(path.as_os_str().as_bytes()).ok()?;
            let p = c.into_raw();
            for (i, slot) in PATHS.iter().enumerate() {
                if slot
                    .compare_exchange(null_mut(), p, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    return Some(i);
                }
            }
            // SAFETY: `p` came from `into_raw` above and was stored nowhere.
            drop(unsafe { CString::from_raw(p) });
            None
        }

        pub fn unregister(slot: usize) {
            let Some(s) = PATHS.get(slot) else { return };
            let p = s.swap(null_mut(), Ordering::SeqCst);
            if !p.is_null() {
                // SAFETY: every non-null pointer in PATHS came from `CString::into_raw`, and the
                // swap made this thread its only owner.
                drop(unsafe { CString::from_raw(p) });
            }
        }

        pub fn registered() -> usize {
            PATHS
                .iter()
                .filter(|s| !s.load(Ordering::SeqCst).is_null())
                .count()
        }

        /// Unlinks every registered file and empties the table. Async-signal-safe: atomic
        /// swaps and `unlink` only (the strings are leaked: the process is ending).
        pub fn remove_registered() {
            for s in &PATHS {
                let p = s.swap(null_mut(), Ordering::SeqCst);
                if !p.is_null() {
                    // SAFETY: a NUL-terminated path from `CString::into_raw`, owned here now.
                    unsafe { libc::unlink(p) };
                }
            }
        }

        extern "C" fn on_signal(sig: libc::c_int) {
            remove_registered();
            let i = usize::from(sig != libc::SIGINT);
            // SAFETY: sigaction and raise are async-signal-safe; the previous action was
            // stored before this handler was installed. With the signal blocked while this
            // handler runs, the raised signal is delivered, under the previous disposition
            // (by default: the process ends), as soon as the handler returns.
            unsafe {
                match PREVIOUS.get().and_then(|p| p[i].as_ref()) {
                    Some(prev) => {
                        libc::sigaction(sig, prev, null_mut());
                    }
                    None => {
                        libc::signal(sig, libc::SIG_DFL);
                    }
                }
                libc::raise(sig);
            }
        }

        fn install() {
            static ONCE: std::sync::Once = std::sync::Once::new();
            ONCE.call_once(|| {
                let mut previous: [Option<libc::sigaction>; 2] = [None, None];
                for (i, sig) in SIGNALS.iter().enumerate() {
                    // SAFETY: querying the current action with a null new action.
                    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
                    if unsafe { libc::sigaction(*sig, std::ptr::null(), &mut old) } == 0 {
                        previous[i] = Some(old);
                    }
                }
                let _ = PREVIOUS.set(previous);
                for (i, sig) in SIGNALS.iter().enumerate() {
                    // A signal that was ignored (e.g. SIGINT of a background job) stays so.
                    if previous[i].is_some_and(|p| p.sa_sigaction == libc::SIG_IGN) {
                        continue;
                    }
                    // SAFETY: a handler that only calls async-signal-safe functions.
                    unsafe {
                        let mut action: libc::sigaction = std::mem::zeroed();
                        action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
                        action.sa_flags = libc::SA_RESTART;
                        libc::sigemptyset(&mut action.sa_mask);
                        libc::sigaction(*sig, &action, std::ptr::null_mut());
                    }
                }
            });
        }
    }

    #[cfg(not(unix))]
    mod imp {
        use std::path::Path;
        pub fn register(_: &Path) -> Option<usize> {
            None
        }
        pub fn unregister(_: usize) {}
        pub fn registered() -> usize {
            0
        }
        pub fn remove_registered() {}
    }

    pub fn register(path: &Path) -> Option<usize> {
        imp::register(path)
    }
    pub fn unregister(slot: usize) {
        imp::unregister(slot)
    }
    #[allow(dead_code)]
    pub fn registered() -> usize {
        imp::registered()
    }
    #[allow(dead_code)]
    pub fn remove_registered() {
        imp::remove_registered()
    }
}

/// The temporary files of this process that a signal would remove now (for tests).
pub fn registered_temp_files() -> usize {
    registry::registered()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// The signal cleanup empties the whole table: the tests that register run one at a time.
    static SERIAL: Mutex<()> = Mutex::new(());
    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn temp_files(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|es| {
                es.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.contains("crossfoot-tmp") || n.ends_with(".tmp"))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A process id that is no longer in use: a child that has ended and was waited for.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().expect("true");
        let pid = child.id();
        child.wait().expect("wait");
        pid
    }

    #[test]
    fn writes_and_leaves_nothing_else() {
        let _s = serial();
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("review.xlsx");
        let w = write_atomic(&out, b"one").expect("written");
        assert_eq!(w, Written::default());
        assert_eq!(std::fs::read(&out).expect("read"), b"one");
        write_atomic(&out, b"two").expect("rewritten");
        assert_eq!(std::fs::read(&out).expect("read"), b"two");
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn a_failed_write_removes_its_temporary_file() {
        let _s = serial();
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("review.xlsx");
        std::fs::write(&out, b"old").expect("old");
        let before = registered_temp_files();
        let err = write_atomic_with(&out, |f| {
            f.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&out).expect("read"), b"old");
        assert!(
            temp_files(dir.path()).is_empty(),
            "{:?}",
            temp_files(dir.path())
        );
        assert!(registered_temp_files() <= before);
    }

    #[test]
    fn a_failed_rename_removes_its_temporary_file() {
        let _s = serial();
        let dir = tempfile::tempdir().expect("tempdir");
        // The output is a non-empty folder: the rename fails.
        let out = dir.path().join("review.xlsx");
        std::fs::create_dir(&out).expect("dir");
        std::fs::write(out.join("x"), b"x").expect("x");
        assert!(write_atomic(&out, b"new").is_err());
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn the_signal_cleanup_unlinks_registered_files() {
        let _s = serial();
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".x.crossfoot-tmp.1.0");
        let slot = registry::register(&path).expect("a free slot");
        std::fs::write(&path, b"partial").expect("temp");
        assert!(registered_temp_files() >= 1);
        registry::remove_registered();
        assert!(!path.exists());
        // The slot was emptied by the cleanup: unregistering it is harmless.
        registry::unregister(slot);
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_output_keeps_its_permissions() {
        let _s = serial();
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("district.xlsx");
        std::fs::write(&out, b"old").expect("old");
        for mode in [0o600, 0o640, 0o755] {
            std::fs::set_permissions(&out, std::fs::Permissions::from_mode(mode)).expect("chmod");
            write_atomic(&out, b"new").expect("written");
            let got = std::fs::metadata(&out).expect("meta").permissions().mode() & 0o777;
            assert_eq!(got, mode, "{mode:o}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn stale_temporary_files_of_dead_runs_are_removed_and_said() {
        let _s = serial();
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("review.xlsx");
        let dead = dead_pid();
        let me = std::process::id();
        let stale = [
            format!(".review.xlsx.crossfoot-tmp.{dead}.0"),
            format!(".review.xlsx.{dead}.0.crossfoot-tmp"),
            format!(".review.xlsx.{dead}.3.tmp"),
        ];
        let alive = [
            // This process is alive; PID 1 is always alive.
            format!(".review.xlsx.crossfoot-tmp.{me}.99999"),
            ".review.xlsx.crossfoot-tmp.1.0".to_string(),
            // Not ours: another output's, or no PID.
            format!(".other.xlsx.crossfoot-tmp.{dead}.0"),
            ".review.xlsx.crossfoot-tmp.x.0".to_string(),
            format!("review.xlsx.{dead}.0.tmp"),
        ];
        for n in stale.iter().chain(&alive) {
            std::fs::write(dir.path().join(n), b"x").expect("write");
        }
        let w = write_atomic(&out, b"new").expect("written");
        let mut removed: Vec<String> = w
            .stale_removed
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        removed.sort();
        let mut want: Vec<String> = stale.to_vec();
        want.sort();
        assert_eq!(removed, want);
        for n in &stale {
            assert!(!dir.path().join(n).exists(), "{n}");
        }
        for n in &alive {
            assert!(dir.path().join(n).exists(), "{n}");
        }
        assert_eq!(w.stale_removed.len(), 3);
    }

    #[test]
    fn a_long_output_name_still_gets_a_temporary_file() {
        let _s = serial();
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join(format!("{}.xlsx", "đ".repeat(120)));
        write_atomic(&out, b"x").expect("written");
        assert_eq!(std::fs::read(&out).expect("read"), b"x");
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn temporary_names_are_recognised() {
        let _s = serial();
        let stem = temp_stem(std::ffi::OsStr::new("a.xlsx"));
        assert_eq!(stem, ".a.xlsx.crossfoot-tmp.");
        assert_eq!(
            temp_pid(".a.xlsx.crossfoot-tmp.12.0", "a.xlsx", &stem),
            Some(12)
        );
        assert_eq!(
            temp_pid(".a.xlsx.12.0.crossfoot-tmp", "a.xlsx", &stem),
            Some(12)
        );
        assert_eq!(temp_pid(".a.xlsx.12.0.tmp", "a.xlsx", &stem), Some(12));
        assert_eq!(temp_pid(".a.xlsx.crossfoot-tmp.12", "a.xlsx", &stem), None);
        assert_eq!(temp_pid(".a.xlsx.12.tmp", "a.xlsx", &stem), None);
        assert_eq!(temp_pid("a.xlsx", "a.xlsx", &stem), None);
    }
}
