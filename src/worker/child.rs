//! The worker process's side: requests in on stdin, replies out on stdout, until stdin
//! closes. Its address space is capped before it reads anything.

use super::protocol::{read_frame, write_frame, Checked, Request, WireFinding};
use crate::rules::{self, Pack};
use crate::run::file::check_container;
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
                let reply =
                    check_container(&bytes, container, &limits, pack, &job).map(|(r, kept)| {
                        Checked {
                            forms: r.forms,
                            findings: r.findings.into_iter().map(WireFinding::from).collect(),
                            unit: r.unit,
                            sheets: r.kept,
                            explanations: r.explanations,
                            not_applied: r.not_applied,
                            kept,
                        }
                    });
                drop(bytes);
                postcard::to_stdvec(&reply)
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
