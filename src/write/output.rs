//! The one way crossfoot writes a file it produces (the review workbook, the district summary,
//! the marked copies): atomically, leaving no debris, and never over a file it did not write.
//!
//! - The bytes go to a temporary file in the output's own folder, named
//!   `.NAME.crossfoot-tmp.PID.N`, which is locked (`flock`, exclusive) for as long as it exists,
//!   flushed to disk (fsync) and then put in the output's place: a reader sees the old file or
//!   the new one, never half of one.
//! - What may stand at the output's path is said by the caller ([`Replace`]) and checked again
//!   at that moment: nothing (the new file is put in place with a hard link, which fails if a
//!   file appeared meanwhile), only a workbook crossfoot wrote with a given mark, or anything
//!   (`--force`, and then [`Written::replaced_foreign`] says so).
//! - The temporary file is removed on every error path, and on SIGINT and SIGTERM: it is
//!   registered, while it exists, in a fixed table that a signal handler empties (unlinking each
//!   file, nothing else: async-signal-safe) before the signal is raised again with the
//!   disposition it had before, so the process still ends as the signal says.
//! - A temporary file of an earlier run that was killed before it could clean up is removed, and
//!   that is said in [`Written`]: a file with crossfoot's temporary name for this output, regular,
//!   that no process holds locked (the lock is the kernel's, so this holds across PID
//!   namespaces, e.g. two containers on one shared folder), older than [`STALE_AFTER`], and none
//!   of the files the run reads ([`Target::spare`]). Its process id is not consulted: in another
//!   PID namespace it means nothing.
//! - An output that replaces an earlier file keeps that file's permissions.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// What writing an output did besides writing it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Temporary files next to the output, left by earlier runs that were stopped while
    /// writing it, removed.
    pub stale_removed: Vec<PathBuf>,
    /// A file crossfoot had not written (or wrote as another kind of output) stood at the path
    /// and was replaced, as `--force` allowed.
    pub replaced_foreign: bool,
}

/// What an output may replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Nothing: the path must be free when the output is put in place.
    Nothing,
    /// A workbook crossfoot wrote with this mark ([`crate::read::sniff::crossfoot_output`]), or
    /// nothing.
    Own(&'static str),
    /// Any regular file (`--force`); the output is a crossfoot workbook with this mark, and
    /// replacing anything else is said ([`Written::replaced_foreign`]).
    Forced(&'static str),
}

/// Where and how an output is written.
pub struct Target<'a> {
    pub path: &'a Path,
    pub replace: Replace,
    /// Files the run reads: never removed as stale temporary files, whatever their name.
    pub spare: &'a dyn Fn(&Path) -> bool,
}

impl<'a> Target<'a> {
    /// An output at `path` that may replace `replace` and spares nothing but its own
    /// temporaries' lookalikes that are locked or young (for tests and simple callers).
    pub fn new(path: &'a Path, replace: Replace) -> Target<'a> {
        Target {
            path,
            replace,
            spare: &|_| false,
        }
    }
}

/// The marker every temporary file crossfoot writes carries in its name.
pub const TEMP_MARKER: &str = ".crossfoot-tmp.";

/// A temporary file younger than this is never taken for a stale one, locked or not (a run
/// of an earlier version, which did not lock, may still be writing it).
pub const STALE_AFTER: Duration = Duration::from_secs(120);

/// Longest file name most file systems take, in bytes.
const MAX_NAME_BYTES: usize = 255;

/// Writes `bytes` to the target atomically (see the module documentation).
pub fn write_atomic(target: &Target<'_>, bytes: &[u8]) -> io::Result<Written> {
    write_atomic_with(target, |f| f.write_all(bytes))
}

/// [`write_atomic`], the content written by `fill` into the temporary file.
pub fn write_atomic_with(
    target: &Target<'_>,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<Written> {
    let path = target.path;
    let dir = folder_of(path);
    let Some(name) = path.file_name() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} names a folder, not a file", path.display()),
        ));
    };
    let stem = temp_stem(name);
    let mut written = Written {
        stale_removed: remove_stale(&dir, &stem, target.spare),
        replaced_foreign: false,
    };
    // Refused before anything is written, and checked again before the output is put in place.
    let kept_permissions = standing(path, target.replace)?.map(|m| m.permissions());

    let (mut guard, mut file) = create_temp(&dir, &stem, kept_permissions.is_some())?;
    fill(&mut file)?;
    file.flush()?;
    if let Some(p) = kept_permissions {
        file.set_permissions(p)?;
    }
    file.sync_all()?;
    match standing(path, target.replace)? {
        None => {
            // A hard link fails if anything appeared at the path since: nothing is replaced.
            match std::fs::hard_link(&guard.path, path) {
                Ok(()) => {
                    let _ = std::fs::remove_file(&guard.path);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        "a file appeared at that path while crossfoot was writing; it was left \
                         as it is",
                    ));
                }
                // A file system without hard links: the path was free a moment ago.
                Err(_) => std::fs::rename(&guard.path, path)?,
            }
        }
        Some(_) => {
            if let Replace::Forced(mark) = target.replace {
                written.replaced_foreign = own_mark(path).as_deref() != Some(mark);
            }
            std::fs::rename(&guard.path, path)?;
        }
    }
    // The lock goes with the last descriptor; the file is in place (or linked) by now.
    drop(file);
    guard.disarm();
    // The rename itself on disk (best effort: not every file system can sync a folder).
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(written)
}

/// The mark of the crossfoot workbook at `path`, if it is one (read with a bound: crossfoot's
/// own outputs are far below it).
pub fn own_mark(path: &Path) -> Option<String> {
    const MAX: u64 = 512 << 20;
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    crate::read::sniff::crossfoot_output(&bytes)
}

/// What stands at `path` now, if it may be replaced under `replace` (its metadata), or the
/// refusal.
fn standing(path: &Path, replace: Replace) -> io::Result<Option<std::fs::Metadata>> {
    let refused = |what: &str| {
        io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{what} stands at that path; crossfoot left it as it is"),
        )
    };
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
        Ok(m) if m.file_type().is_symlink() => Err(refused("a symbolic link")),
        Ok(m) if !m.is_file() => Err(refused("something other than a file")),
        Ok(m) => match replace {
            Replace::Forced(_) => Ok(Some(m)),
            Replace::Nothing => Err(refused("a file")),
            Replace::Own(mark) => match own_mark(path) {
                Some(found) if found == mark => Ok(Some(m)),
                Some(_) => Err(refused("another kind of crossfoot workbook")),
                None => Err(refused("a file crossfoot did not write")),
            },
        },
    }
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
                // Held while the file exists: another run sees it is in use.
                lock(&f, true);
                return Ok((
                    TempGuard {
                        path,
                        slot,
                        armed: true,
                    },
                    f,
                ));
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

/// Takes an exclusive `flock` on `f`, waiting for it (`wait`) or not; whether it was taken.
/// Elsewhere than on Unix: never taken (a temporary file is then never taken for stale).
fn lock(f: &File, wait: bool) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        let op = if wait {
            libc::LOCK_EX
        } else {
            libc::LOCK_EX | libc::LOCK_NB
        };
        // SAFETY: flock on a descriptor this File owns; nothing else is touched.
        unsafe { libc::flock(f.as_raw_fd(), op) == 0 }
    }
    #[cfg(not(unix))]
    {
        let _ = (f, wait);
        false
    }
}

/// Whether `file` is a temporary file crossfoot wrote for the output `name`:
/// `.NAME.crossfoot-tmp.PID.N` (NAME cut as [`temp_stem`] cuts it).
fn is_temp_of(file: &str, stem: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    file.strip_prefix(stem)
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(pid, n)| digits(pid) && digits(n))
}

/// Removes the temporary files an earlier, killed run left for the output `name` in `dir`
/// (see the module documentation for what is taken for one).
fn remove_stale(dir: &Path, stem: &str, spare: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for e in entries.flatten() {
        let file: OsString = e.file_name();
        let Some(file) = file.to_str() else { continue };
        if !is_temp_of(file, stem) {
            continue;
        }
        let path = e.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if !meta.is_file() || !old || spare(&path) {
            continue;
        }
        // Opened for reading only, and locked without waiting: a file in use stays.
        let Ok(f) = File::open(&path) else { continue };
        if lock(&f, false) && std::fs::remove_file(&path).is_ok() {
            removed.push(path);
        }
    }
    removed.sort();
    removed
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

    /// A workbook-shaped file carrying crossfoot's mark `mark` (what `own_mark` reads).
    fn marked_bytes(mark: &str) -> Vec<u8> {
        let mut buf = io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buf);
        let o = zip::write::SimpleFileOptions::default();
        zip.start_file("docProps/custom.xml", o).expect("entry");
        let xml = format!(
            "<Properties><property fmtid=\"x\" pid=\"2\" name=\"crossfoot\">\
             <vt:lpwstr>{mark}</vt:lpwstr></property></Properties>"
        );
        zip.write_all(xml.as_bytes()).expect("write");
        zip.finish().expect("finish");
        buf.into_inner()
    }

    /// Sets a file's modification time `secs` seconds into the past.
    fn age(path: &Path, secs: u64) {
        let f = File::options().write(true).open(path).expect("open");
        let t = std::time::SystemTime::now() - Duration::from_secs(secs);
        f.set_modified(t).expect("set mtime");
    }

    fn own(path: &Path) -> Target<'_> {
        Target::new(path, Replace::Own("review"))
    }

    #[test]
    fn writes_and_leaves_nothing_else() {
        let _s = serial();
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("review.xlsx");
        let w = write_atomic(&own(&out), &marked_bytes("review")).expect("written");
        assert_eq!(w, Written::default());
        assert_eq!(own_mark(&out).as_deref(), Some("review"));
        let again = marked_bytes("review");
        write_atomic(&own(&out), &again).expect("rewritten: crossfoot's own");
        assert_eq!(std::fs::read(&out).expect("read"), again);
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn a_file_crossfoot_did_not_write_is_never_replaced() {
        let _s = serial();
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("precious.xlsx");
        std::fs::write(&out, b"a branch's workbook").expect("write");
        age(&out, 3600);
        let before = std::fs::metadata(&out)
            .expect("meta")
            .modified()
            .expect("mtime");
        for replace in [Replace::Nothing, Replace::Own("review")] {
            let err = write_atomic(&Target::new(&out, replace), &marked_bytes("review"))
                .expect_err("refused");
            assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
        }
        // Another kind of crossfoot output is not replaced either.
        let summary = dir.path().join("district.xlsx");
        std::fs::write(&summary, marked_bytes("summary")).expect("write");
        let err = write_atomic(&own(&summary), &marked_bytes("review")).expect_err("refused");
        assert!(err.to_string().contains("another kind"), "{err}");
        assert_eq!(own_mark(&summary).as_deref(), Some("summary"));
        assert_eq!(std::fs::read(&out).expect("read"), b"a branch's workbook");
        let after = std::fs::metadata(&out)
            .expect("meta")
            .modified()
            .expect("mtime");
        assert_eq!(before, after);
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn forced_replaces_anything_and_says_so() {
        let _s = serial();
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("precious.xlsx");
        std::fs::write(&out, b"not ours").expect("write");
        let t = Target::new(&out, Replace::Forced("review"));
        let w = write_atomic(&t, &marked_bytes("review")).expect("forced");
        assert!(w.replaced_foreign);
        let w = write_atomic(&t, &marked_bytes("review")).expect("forced again");
        assert!(
            !w.replaced_foreign,
            "its own review workbook is not foreign"
        );
    }

    #[test]
    fn a_new_output_is_not_put_over_a_file_that_appeared_meanwhile() {
        let _s = serial();
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("review.xlsx");
        let err = write_atomic_with(&Target::new(&out, Replace::Nothing), |f| {
            f.write_all(b"new")?;
            // Another program creates the file while crossfoot writes.
            std::fs::write(&out, b"theirs")
        })
        .expect_err("refused");
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&out).expect("read"), b"theirs");
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn a_failed_write_removes_its_temporary_file() {
        let _s = serial();
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("review.xlsx");
        std::fs::write(&out, marked_bytes("review")).expect("old");
        let before = registered_temp_files();
        let err = write_atomic_with(&own(&out), |f| {
            f.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(err.is_err());
        assert_eq!(own_mark(&out).as_deref(), Some("review"));
        assert!(
            temp_files(dir.path()).is_empty(),
            "{:?}",
            temp_files(dir.path())
        );
        assert!(registered_temp_files() <= before);
    }

    #[test]
    fn a_folder_at_the_path_is_refused_and_leaves_no_temporary_file() {
        let _s = serial();
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("review.xlsx");
        std::fs::create_dir(&out).expect("dir");
        std::fs::write(out.join("x"), b"x").expect("x");
        assert!(write_atomic(&Target::new(&out, Replace::Forced("review")), b"new").is_err());
        assert!(temp_files(dir.path()).is_empty());
        assert!(out.join("x").exists());
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
        std::fs::write(&out, marked_bytes("review")).expect("old");
        for mode in [0o600, 0o640, 0o755] {
            std::fs::set_permissions(&out, std::fs::Permissions::from_mode(mode)).expect("chmod");
            write_atomic(&own(&out), &marked_bytes("review")).expect("written");
            let got = std::fs::metadata(&out).expect("meta").permissions().mode() & 0o777;
            assert_eq!(got, mode, "{mode:o}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn only_old_unlocked_temporary_files_that_the_run_does_not_read_are_removed() {
        let _s = serial();
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("review.xlsx");
        let stale = ".review.xlsx.crossfoot-tmp.999998.0";
        // Held locked by a "run" in another PID namespace: its PID means nothing here.
        let in_use = ".review.xlsx.crossfoot-tmp.999999.1";
        let young = ".review.xlsx.crossfoot-tmp.999999.2";
        let read_by_run = ".review.xlsx.crossfoot-tmp.999999.3";
        let not_ours = [
            ".review.xlsx.999998.0.tmp",
            ".review.xlsx.999998.0.crossfoot-tmp",
            ".other.xlsx.crossfoot-tmp.999998.0",
            ".review.xlsx.crossfoot-tmp.x.0",
        ];
        for n in [stale, in_use, young, read_by_run].iter().chain(&not_ours) {
            std::fs::write(dir.path().join(n), b"x").expect("write");
            if *n != young {
                age(&dir.path().join(n), 3600);
            }
        }
        let holder = File::open(dir.path().join(in_use)).expect("open");
        assert!(lock(&holder, false));
        let spared = dir.path().join(read_by_run);
        let spare = |p: &Path| p == spared;
        let t = Target {
            path: &out,
            replace: Replace::Nothing,
            spare: &spare,
        };
        let w = write_atomic(&t, b"new").expect("written");
        assert_eq!(w.stale_removed, vec![dir.path().join(stale)]);
        for n in [in_use, young, read_by_run].iter().chain(&not_ours) {
            assert!(dir.path().join(n).exists(), "{n} was removed");
        }
        drop(holder);
    }

    #[test]
    fn a_long_output_name_still_gets_a_temporary_file() {
        let _s = serial();
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join(format!("{}.xlsx", "đ".repeat(120)));
        write_atomic(&Target::new(&out, Replace::Nothing), b"x").expect("written");
        assert_eq!(std::fs::read(&out).expect("read"), b"x");
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn temporary_names_are_recognised() {
        let stem = temp_stem(std::ffi::OsStr::new("a.xlsx"));
        assert_eq!(stem, ".a.xlsx.crossfoot-tmp.");
        assert!(is_temp_of(".a.xlsx.crossfoot-tmp.12.0", &stem));
        assert!(!is_temp_of(".a.xlsx.12.0.crossfoot-tmp", &stem));
        assert!(!is_temp_of(".a.xlsx.12.0.tmp", &stem));
        assert!(!is_temp_of(".a.xlsx.crossfoot-tmp.12", &stem));
        assert!(!is_temp_of(".a.xlsx.crossfoot-tmp.12.0.x", &stem));
        assert!(!is_temp_of("a.xlsx", &stem));
    }
}
