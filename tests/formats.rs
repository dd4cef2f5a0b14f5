//! The same content gives the same findings whatever the file format: .xlsx (the samples),
//! and LibreOffice's .xls, .ods and .xlsm conversions of them in tests/fixtures/formats/.

use serde_json::Value;
use std::process::Command;

fn findings(path: &str) -> Vec<(String, Vec<String>)> {
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--format", "json", path])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["files"][0]["status"], "checked",
        "{path}: {}",
        doc["files"][0]
    );
    let mut f: Vec<(String, Vec<String>)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["cells"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| {
                        format!(
                            "{}!{}",
                            c["sheet"].as_str().unwrap(),
                            c["cell"].as_str().unwrap()
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    f.sort();
    f
}

#[test]
fn xls_ods_and_xlsm_give_the_findings_of_the_xlsx() {
    for name in ["reference-2021", "branch-ratings", "branch-drifted"] {
        let want = findings(&format!("samples/{name}.xlsx"));
        for ext in ["xls", "ods", "xlsm"] {
            assert_eq!(
                findings(&format!("tests/fixtures/formats/{name}.{ext}")),
                want,
                "{name}.{ext}"
            );
        }
    }
}
