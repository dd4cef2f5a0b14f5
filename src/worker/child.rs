//! The worker process's side: requests in on stdin, replies out on stdout, until stdin
//! closes. Its address space is capped before it reads anything.

use super::protocol::{read_frame, write_frame, Checked, Outcome, Request};
use crate::rules::{self, Pack};
use crate::run::file::{check_container, outcome_of, FileOutcome};
use std::io::{BufReader, BufWriter, Write};

/// The worker's main loop: requests in on stdin, replies out on stdout, until stdin closes.
pub fn worker_main(max_memory_mb: u64) -> std::process::ExitCode {
    super::limit_address_space(max_memory_mb);
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = BufWriter::new(std::io::stdout().lock());
    let mut pack: Option<Pack> = None;
    while let Ok(head) = read_frame(&mut input, 64 << 20) {
        let Ok(req) = postcard::from_bytes::<Request>(&head) else {
            break;
        };
        let encoded = match req {
            Request::Pack(sources, lang) => {
                let ack: Result<(), String> = match rules::compile(&sources) {
                    Ok(mut p) => {
                        p.set_lang(Some(lang));
                        pack = Some(p);
                        Ok(())
                    }
                    Err(errors) => Err(format!("{} error(s) in the rule files", errors.len())),
                };
                postcard::to_stdvec(&ack)
            }
            Request::Check {
                container,
                limits,
                job,
            } => {
                let Ok(bytes) = read_frame(&mut input, limits.max_file_bytes.saturating_add(1))
                else {
                    break;
                };
                let Some(pack) = pack.as_ref() else {
                    break;
                };
                let reply = check_container(&bytes, container, &limits, pack, &job)
                    .map(|(r, kept)| Checked::of(r, kept));
                drop(bytes);
                postcard::to_stdvec(&reply)
            }
            Request::CheckPath {
                path,
                name,
                limits,
                job,
            } => {
                let Some(pack) = pack.as_ref() else {
                    break;
                };
                let path = path_of(path);
                // Read here, without a time limit of its own: the pool's watchdog ends this
                // process when opening, reading and checking the file overran its time.
                let outcome = match crate::read::files::read_now(&path, limits.max_file_bytes) {
                    Ok(bytes) => outcome_of(&bytes, &name, &limits, |b, c| {
                        check_container(b, c, &limits, pack, &job)
                    }),
                    Err(u) => FileOutcome::Unreadable(u),
                };
                postcard::to_stdvec(&Outcome::from(outcome))
            }
        };
        let Ok(encoded) = encoded else {
            break;
        };
        if write_frame(&mut output, &encoded)
            .and_then(|_| output.flush())
            .is_err()
        {
            break;
        }
    }
    std::process::ExitCode::SUCCESS
}

/// A path from the bytes the pool sent (the system's bytes of the path, see `Pool::check_path`).
#[cfg(unix)]
fn path_of(bytes: Vec<u8>) -> std::path::PathBuf {
    use std::os::unix::ffi::OsStringExt;
    std::path::PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn path_of(bytes: Vec<u8>) -> std::path::PathBuf {
    std::path::PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}
