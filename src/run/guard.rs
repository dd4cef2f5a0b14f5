//! How far one file may make crossfoot go — the limits of reading and the worker processes —
//! as the command line's flags (`--max-cells`, `--max-reader-mb`, `--read-timeout`, …), shared
//! by every command that reads workbooks.

use crate::read::load::Limits;

/// How far one file may make crossfoot go: the limits of reading, and the worker processes.
#[derive(clap::Args, Debug)]
pub struct GuardArgs {
    /// Most cells read from one sheet; a larger sheet is reported as too large to check safely
    #[arg(long, default_value_t = Limits::default().max_cells_per_sheet, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=MAX_SHEET_CELLS))]
    pub max_cells: u64,
    /// Most cells read from one workbook, all its sheets together
    #[arg(long, default_value_t = Limits::default().max_cells_total, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=MAX_SHEET_CELLS))]
    pub max_total_cells: u64,
    /// Most worksheets read from one workbook; a workbook with more is reported as too large
    #[arg(long, default_value_t = Limits::default().max_sheets, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_sheets: u64,
    /// Memory the whole run's reading may take, in MB: divided among the worker processes,
    /// each reading one file under its share (fewer workers run when a share would be under
    /// 256 MB); a file that needs more than its share is reported as too large to check safely
    #[arg(long, default_value_t = 4096, value_name = "MB",
          value_parser = clap::value_parser!(u64).range(64..=16 * 1024 * 1024))]
    pub max_reader_mb: u64,
    /// Longest one file's reading may take, in seconds (at most a day)
    #[arg(long, default_value_t = 120, value_name = "S",
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub read_timeout: u64,
    /// Most a zip-based workbook may unpack to, in MB
    #[arg(long, default_value_t = Limits::default().max_unzipped_bytes / (1024 * 1024), value_name = "MB",
          value_parser = clap::value_parser!(u64).range(1..=16 * 1024 * 1024))]
    pub max_unzipped_mb: u64,
    /// Read files in this process, without worker processes and their memory limit (for
    /// measurements; hostile files can then take the whole run down)
    #[arg(long, hide = true)]
    pub in_process: bool,
    /// Largest file read, in MB
    #[arg(long, default_value_t = Limits::default().max_file_bytes / (1024 * 1024), value_name = "MB",
          value_parser = clap::value_parser!(u64).range(1..=64 * 1024))]
    pub max_file_mb: u64,
}

/// The most cells a sheet can have in any spreadsheet format crossfoot reads (Excel's
/// 1,048,576 rows × 16,384 columns): the ceiling of `--max-cells` and `--max-total-cells`.
const MAX_SHEET_CELLS: u64 = 1_048_576 * 16_384;

/// `--jobs`: a number from 0 to [`super::max_jobs`] (more workers than that only compete for the
/// same cores and memory).
pub fn jobs_arg(s: &str) -> Result<usize, String> {
    let n: usize = s
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number of files read at once"))?;
    let max = super::max_jobs();
    if n > max {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        return Err(format!(
            "{n} is more than {max}, the most for this machine (4 × its {cores} cores, at least 8; 0: one per core)"
        ));
    }
    Ok(n)
}

impl GuardArgs {
    pub fn limits(&self) -> Limits {
        Limits {
            max_file_bytes: self.max_file_mb.saturating_mul(1024 * 1024),
            max_cells_per_sheet: self.max_cells,
            max_unzipped_bytes: self.max_unzipped_mb.saturating_mul(1024 * 1024),
            max_sheets: self.max_sheets,
            max_cells_total: self.max_total_cells,
        }
    }

    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.read_timeout.max(1))
    }
}
