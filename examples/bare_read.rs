//! The bare calamine read of a folder of workbooks, one after another on one thread: the floor
//! `crossfoot check` is measured against (the throughput bench's (a), without its thread pool),
//! as a process of its own so that it can be profiled and timed beside the command line:
//!
//! ```sh
//! cargo build --release --locked --example bare_read
//! valgrind --tool=callgrind target/release/examples/bare_read DIR
//! ```
//!
//! Every file of `DIR` (not its subfolders) is opened with `open_workbook_auto` and every sheet
//! read with `worksheet_range`; it prints the files and cells read.

use calamine::Reader;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: bare_read DIR");
        return ExitCode::from(2);
    };
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect(),
        Err(e) => {
            eprintln!("cannot read {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    };
    files.sort();
    let mut cells = 0usize;
    for path in &files {
        let mut wb = match calamine::open_workbook_auto(path) {
            Ok(wb) => wb,
            Err(e) => {
                eprintln!("calamine cannot open {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        };
        for name in wb.sheet_names() {
            match wb.worksheet_range(&name) {
                Ok(range) => cells += range.used_cells().count(),
                Err(e) => {
                    eprintln!("calamine cannot read {}!{name}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    println!("{} files, {cells} cells", files.len());
    ExitCode::SUCCESS
}
