//! What the throughput benchmark (`benches/throughput.rs`) computes from its measurements, apart
//! from taking them: medians, callgrind's counts read from its output files, the instruction
//! ratios against the targets, the memory ratio's verdict, and the comparison of two reports
//! for `--same-results`. Shared with the suite (`tests/bench_measure.rs`), which holds these to
//! what they claim; the bench includes this file with `#[path]`.

/// A target and its figure: (met — None when not judged —, what, the figure).
pub type Target = (Option<bool>, String, String);

/// The median of `xs` (the mean of the middle two for an even count); 0 for none.
pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The instructions a callgrind output file counts: its `summary:` line, else its `totals:`
/// line (a file of one dump has both, and they agree).
pub fn callgrind_total(text: &str) -> Option<u64> {
    let figure = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
    };
    figure("summary:").or_else(|| figure("totals:"))
}

/// The command line of a callgrind output file, the program cut to its file name.
pub fn callgrind_cmd(text: &str) -> String {
    let cmd = text
        .lines()
        .find_map(|l| l.strip_prefix("cmd:"))
        .unwrap_or("?")
        .trim();
    let mut words = cmd.split_whitespace();
    let program = words
        .next()
        .map(|p| p.rsplit('/').next().unwrap_or(p).to_string())
        .unwrap_or_default();
    // The arguments before the first path, enough to tell the processes apart.
    let flags: Vec<&str> = words.take_while(|w| !w.contains('/')).collect();
    let line = format!("{program} {}", flags.join(" "));
    line.trim().chars().take(46).collect()
}

/// Millions of instructions, as docs/performance.md writes them ("1,746 M").
pub fn millions(n: u64) -> String {
    format!("{} M", group_thousands(n / 1_000_000))
}

pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// The instruction ratios against the targets (`json_goal` for JSON, `review_goal` for `-o`):
/// `totals` are JSON, JSON --no-explain, and (when measured) -o, -o --no-explain.
pub fn instruction_targets(
    read: u64,
    totals: &[u64],
    json_goal: f64,
    review_goal: f64,
) -> Vec<Target> {
    let ratio = |n: u64| n as f64 / read as f64;
    let mut t: Vec<Target> = Vec::new();
    if let [json, unexplained, ..] = totals {
        t.push((
            Some(ratio(*json) <= json_goal),
            format!("instructions: JSON ≤ {json_goal} × bare read"),
            format!(
                "{:.2} × ({} / {}); --no-explain {:.2} ×",
                ratio(*json),
                millions(*json),
                millions(read),
                ratio(*unexplained)
            ),
        ));
        t.push((
            None,
            "instructions: what explaining adds to JSON".into(),
            format!(
                "{:+.1} % ({} with, {} without)",
                (*json as f64 / *unexplained as f64 - 1.0) * 100.0,
                millions(*json),
                millions(*unexplained)
            ),
        ));
    }
    if let [_, _, review, review_unexplained] = totals {
        t.push((
            Some(ratio(*review) <= review_goal),
            format!("instructions: -o ≤ {review_goal} × bare read"),
            format!(
                "{:.2} × ({} / {}); --no-explain {:.2} ×",
                ratio(*review),
                millions(*review),
                millions(read),
                ratio(*review_unexplained)
            ),
        ));
    }
    t
}

/// The memory verdict for one figure: the peak at `big_n` workbooks against the peak at
/// `small_n` (KiB), met when their ratio is at most `goal`; judged only when `judged` (else
/// reported); "not measurable here" when either figure is missing.
pub fn scaling_verdict(
    what: &str,
    (big_n, big): (usize, Option<u64>),
    (small_n, small): (usize, Option<u64>),
    goal: f64,
    judged: bool,
) -> Target {
    let target = format!("{what} at {big_n} ≤ {goal} × at {small_n}");
    match (big, small) {
        (Some(b), Some(s)) if s > 0 => {
            let r = b as f64 / s as f64;
            (
                judged.then_some(r <= goal),
                target,
                format!("{r:.2} × ({:.1} MiB / {:.1} MiB)", mib(b), mib(s)),
            )
        }
        _ => (None, target, "not measurable here".into()),
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// None when two runs' reports and exit statuses are the same; else where they first differ:
/// the byte, its line, both lines (escaped and cut: a report holds text from the workbooks).
pub fn first_difference(a: (&[u8], i32), b: (&[u8], i32)) -> Option<String> {
    let ((a_json, a_code), (b_json, b_code)) = (a, b);
    let Some(at) = a_json
        .iter()
        .zip(b_json)
        .position(|(x, y)| x != y)
        .or((a_json.len() != b_json.len()).then_some(a_json.len().min(b_json.len())))
    else {
        return (a_code != b_code)
            .then(|| format!("same report, exit status {a_code} before, {b_code} after"));
    };
    let line_no = a_json[..at].iter().filter(|&&c| c == b'\n').count() + 1;
    let line = |json: &[u8]| -> String {
        let start = json[..at.min(json.len())]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1);
        let end = json[start..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(json.len(), |i| start + i);
        String::from_utf8_lossy(&json[start..end])
            .chars()
            .take(160)
            .collect::<String>()
            .escape_debug()
            .to_string()
    };
    Some(format!(
        "first difference at byte {at} (line {line_no}; {} and {} bytes, exit status {a_code} and {b_code}):\n             before: {}\n             after:  {}",
        a_json.len(),
        b_json.len(),
        line(a_json),
        line(b_json)
    ))
}
