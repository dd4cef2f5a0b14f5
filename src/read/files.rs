//! Reading one file from disk, bounded: regular files only (a named pipe, a device or a socket
//! is reported, never waited on), at most a given size, within a given time (opening
//! included). Workbooks, last year's workbooks and rule files are all read this way; it sits
//! below every stage so that any of them may use it.

use crate::read::sniff::{Unreadable, UnreadableKind};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// Reads a whole file, if it is a regular file no larger than `max` (one byte more is read, so
/// that a larger file is recognised), within `timeout` — opening included: a file on a share
/// that hangs is reported, and the run goes on.
pub fn read_file(path: &Path, max: u64, timeout: Duration) -> Result<Vec<u8>, Unreadable> {
    let (tx, rx) = mpsc::channel();
    let owned = path.to_path_buf();
    let spawned = std::thread::Builder::new()
        .name("crossfoot-read".into())
        .spawn(move || {
            let _ = tx.send(read_regular(&owned, max));
        });
    if spawned.is_err() {
        return read_regular(path, max);
    }
    match rx.recv_timeout(timeout) {
        Ok(result) => result,
        Err(_) => Err(Unreadable {
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
