//! The review workbook of the samples opens in LibreOffice: converting it to PDF with
//! `soffice --headless` must succeed, and it prints on A4. CI installs LibreOffice
//! (`libreoffice-calc-nogui`).

use std::process::Command;

#[test]
#[ignore = "needs LibreOffice (soffice); CI installs it and runs it"]
fn the_samples_review_workbook_converts_to_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let review = dir.path().join("review.xlsx");
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "samples/", "-o"])
        .arg(&review)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the samples carry errors: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(review.exists());
    let soffice = ["soffice", "libreoffice"].into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(soffice) = soffice else {
        panic!(
            "LibreOffice (soffice) is not installed: install libreoffice-calc-nogui (.ci/run does)"
        );
    };
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.path().join("lo-profile").display()
    );
    let conv = Command::new(soffice)
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(dir.path())
        .arg(&review)
        .output()
        .unwrap();
    assert!(
        conv.status.success(),
        "soffice failed: {}",
        String::from_utf8_lossy(&conv.stderr)
    );
    let pdf = dir.path().join("review.pdf");
    let bytes = std::fs::read(&pdf).unwrap_or_else(|e| {
        panic!(
            "no PDF written ({e}): {}",
            String::from_utf8_lossy(&conv.stdout)
        )
    });
    assert!(
        bytes.starts_with(b"%PDF") && bytes.len() > 10_000,
        "a real PDF"
    );
    // Every page A4 (595 × 842 points, either way up), the Summary's and Findings' pages in
    // landscape; none US Letter (612 × 792).
    let text = String::from_utf8_lossy(&bytes);
    let boxes: Vec<(u32, u32)> = text
        .match_indices("/MediaBox[0 0 ")
        .filter_map(|(at, m)| {
            let rest = &text[at + m.len()..];
            let end = rest.find(']')?;
            let mut n = rest[..end]
                .split_whitespace()
                .filter_map(|v| v.parse::<f64>().ok());
            Some((n.next()?.round() as u32, n.next()?.round() as u32))
        })
        .collect();
    assert!(boxes.len() > 10, "{boxes:?}");
    assert!(
        boxes.iter().all(|b| *b == (595, 842) || *b == (842, 595)),
        "A4 only: {boxes:?}"
    );
    assert!(
        boxes.iter().filter(|b| **b == (842, 595)).count() >= 2,
        "{boxes:?}"
    );
}
