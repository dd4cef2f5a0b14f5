//! Summaries at every level (issue 27, point 2): a summary of a committee's units (TH01's kind:
//! one row per unit, a total row) is checked against the workbooks one level down whatever the
//! level — a commune's summary against its branches, a province's summary against its
//! communes' summaries (a row's figures against that summary's `Tổng cộng` row) — its units
//! known by the register's parents or by its own rows; `consolidate` builds either level.

use crate::common::district::District;
use crate::common::forms::{write_branch, Branch, Layout};
use std::path::Path;
use std::process::{Command, Output};

fn crossfoot_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// (file, rule, cells as `[file:]sheet!cell`) of every finding of a JSON report whose rule
/// is about summaries and their units (`TH01.…`, `consolidation.…`, `unit.…`).
fn found(o: &Output) -> Vec<(String, String, Vec<String>)> {
    let json: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(o)));
    let mut out: Vec<(String, String, Vec<String>)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            let rule = f["rule"].as_str().unwrap();
            rule.starts_with("TH01.")
                || rule.starts_with("consolidation.")
                || rule.starts_with("unit.")
        })
        .map(|f| {
            let cells = f["cells"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    let at = format!(
                        "{}!{}",
                        c["sheet"].as_str().unwrap_or_default(),
                        c["cell"].as_str().unwrap_or_default()
                    );
                    match c["file"].as_str() {
                        Some(file) => format!("{file}:{at}"),
                        None => at,
                    }
                })
                .collect();
            (
                f["file"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                cells,
            )
        })
        .collect();
    out.sort();
    out
}

/// Two communes of three branches each, under one province.
fn communes() -> Vec<(String, String, Vec<Branch>)> {
    (0..2)
        .map(|c| {
            let branches = (1..=3)
                .map(|b| {
                    let i = 3 * c + b;
                    Branch::clean(&format!("Chi bộ thôn {i}"), &format!("TD-{i:02}"), i as u64)
                })
                .collect();
            (
                format!("Đảng bộ xã {}", c + 1),
                format!("XA-{:02}", c + 1),
                branches,
            )
        })
        .collect()
}

/// The register: the province, its two communes, their branches (parents as the register
/// says).
fn write_register(path: &Path, communes: &[(String, String, Vec<Branch>)]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in [
        "Mã đơn vị",
        "Tên đơn vị",
        "Đơn vị cấp trên",
        "Từ năm",
        "Đến năm",
        "Tiền thân",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let mut rows: Vec<[String; 3]> = vec![["TINH".into(), "Đảng bộ tỉnh".into(), String::new()]];
    for (name, code, branches) in communes {
        rows.push([code.clone(), name.clone(), "TINH".into()]);
        for b in branches {
            rows.push([b.code.clone(), b.name.clone(), code.clone()]);
        }
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate().filter(|(_, v)| !v.is_empty()) {
            ws.write_string(1 + r as u32, c as u16, v).unwrap();
        }
    }
    wb.save(path).unwrap();
}

/// Each branch's workbook under `branches/`, each commune's summary as `commune-N.xlsx`
/// (with its committee's title block).
fn write_communes(dir: &Path, communes: &[(String, String, Vec<Branch>)]) -> Vec<District> {
    std::fs::create_dir_all(dir.join("branches")).unwrap();
    communes
        .iter()
        .enumerate()
        .map(|(c, (name, code, branches))| {
            for b in branches {
                std::fs::write(
                    dir.join(format!("branches/{}.xlsx", b.code)),
                    write_branch(b, &Layout::default()),
                )
                .unwrap();
            }
            let mut d = District::from_branches(branches).of_unit(name, code);
            d.years.truncate(3);
            std::fs::write(
                dir.join(format!("commune-{}.xlsx", c + 1)),
                crate::common::district::write_district(&d),
            )
            .unwrap();
            d
        })
        .collect()
}

/// The province's summary, with its committee's title block (the register's `TINH`).
fn write_province(dir: &Path, p: &District) {
    let p = p.clone().of_unit("Đảng bộ tỉnh", "TINH");
    std::fs::write(
        dir.join("province.xlsx"),
        crate::common::district::write_district(&p),
    )
    .unwrap();
}

fn check(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["check", "--lang", "en", "--format", "json"];
    args.extend_from_slice(extra);
    crossfoot_in(dir, &args)
}

/// A commune's summary against its branches and a province's against its communes'
/// summaries, in one run: consistent, nothing is said about either; a figure of each level
/// copied wrong is said on that level's summary only, naming the cell of the level below it
/// was compared with (the branch's figure, or the commune summary's `Tổng cộng` row).
#[test]
fn a_commune_summary_against_its_branches_and_a_province_summary_against_its_communes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cs = communes();
    let summaries = write_communes(d, &cs);
    let mut province = District::of_summaries(&summaries);
    province.years.truncate(3);
    write_province(d, &province);
    write_register(&d.join("units.xlsx"), &cs);
    let all = [
        "province.xlsx",
        "commune-1.xlsx",
        "commune-2.xlsx",
        "branches",
    ];
    for register in [false, true] {
        let mut args: Vec<&str> = all.to_vec();
        if register {
            args.extend(["--units", "units.xlsx"]);
        }
        let o = check(d, &args);
        assert_eq!(found(&o), vec![], "register {register}: {}", stderr(&o));
    }

    // A branch figure copied wrong into commune 2's summary; commune 1's total copied wrong
    // into the province's.
    let mut wrong = summaries.clone();
    wrong[1].rows[0].figures[1] += 1; // Nữ of TD-04
    wrong[1].grand[1] += 1;
    std::fs::write(
        d.join("commune-2.xlsx"),
        crate::common::district::write_district(&wrong[1]),
    )
    .unwrap();
    let mut p = District::of_summaries(&wrong);
    p.years.truncate(3);
    p.rows[0].figures[2] += 10; // Dân tộc thiểu số of XA-01
    p.grand[2] += 10;
    write_province(d, &p);
    let o = check(d, &all);
    assert_eq!(
        found(&o),
        vec![
            (
                "commune-2.xlsx".to_string(),
                "TH01.matches-unit".to_string(),
                vec![
                    "TH01-TongHop!E5".to_string(),
                    "branches/TD-04.xlsx:M01-SoLuong!C8".to_string(),
                ]
            ),
            (
                "province.xlsx".to_string(),
                "TH01.matches-unit".to_string(),
                vec![
                    "TH01-TongHop!F5".to_string(),
                    "commune-1.xlsx:TH01-TongHop!F8".to_string(),
                ]
            ),
        ],
        "{}",
        stderr(&o)
    );
}

/// Which units a summary lacks: by the register's parents (a branch of commune 2 missing from
/// commune 2's summary is said there, not on commune 1's), and without a register by the
/// summary's own rows (a commune summary missing from the province's is said on the province,
/// and no branch is expected there).
#[test]
fn a_unit_without_a_row_is_said_at_its_own_level() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cs = communes();
    let mut summaries = write_communes(d, &cs);
    write_register(&d.join("units.xlsx"), &cs);
    // Commune 2's summary without its last branch (TD-06).
    let last = summaries[1].rows.pop().unwrap();
    for (g, v) in summaries[1].grand.iter_mut().zip(last.figures) {
        *g -= v;
    }
    std::fs::write(
        d.join("commune-2.xlsx"),
        crate::common::district::write_district(&summaries[1]),
    )
    .unwrap();
    // The province's summary has commune 1 only.
    let mut province = District::of_summaries(&summaries[..1]);
    province.years.truncate(3);
    write_province(d, &province);
    let all = [
        "province.xlsx",
        "commune-1.xlsx",
        "commune-2.xlsx",
        "branches",
    ];
    for register in [true, false] {
        let mut args: Vec<&str> = all.to_vec();
        if register {
            args.extend(["--units", "units.xlsx"]);
        }
        let o = check(d, &args);
        let got: Vec<(String, String)> = found(&o)
            .into_iter()
            .map(|(file, rule, _)| (file, rule))
            .collect();
        // Without a register, TD-06 is in no commune summary: said once, on the first
        // summary of branches (which of the two lacks it, crossfoot cannot tell).
        let td06_on = if register {
            "commune-2.xlsx"
        } else {
            "commune-1.xlsx"
        };
        let mut want = vec![
            (
                td06_on.to_string(),
                "consolidation.unit-without-row".to_string(),
            ),
            (
                "province.xlsx".to_string(),
                "consolidation.unit-without-row".to_string(),
            ),
        ];
        want.sort();
        assert_eq!(got, want, "register {register}: {}", stderr(&o));
    }
}

/// `consolidate` at two levels: each commune's summary from its branches (its title block
/// from the register's parent of its branches), then the province's from the communes'
/// summaries (one row per commune, its figures their `Tổng cộng` rows). Checked together with
/// everything below, nothing is said; the province's figures are the sums of all branches.
#[test]
fn consolidate_builds_a_commune_summary_then_a_province_summary() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cs = communes();
    write_register(&d.join("units.xlsx"), &cs);
    for (c, (_, _, branches)) in cs.iter().enumerate() {
        let folder = d.join(format!("branches-{}", c + 1));
        std::fs::create_dir(&folder).unwrap();
        for b in branches {
            std::fs::write(
                folder.join(format!("{}.xlsx", b.code)),
                write_branch(b, &Layout::default()),
            )
            .unwrap();
        }
        let folder = format!("branches-{}", c + 1);
        let out = format!("commune-{}.xlsx", c + 1);
        let o = crossfoot_in(
            d,
            &[
                "consolidate",
                "--lang",
                "en",
                "--units",
                "units.xlsx",
                &folder,
                "-o",
                &out,
            ],
        );
        // The register's other units (the province, the other commune's branches) are not
        // expected of this commune: nothing is said.
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(!stderr(&o).contains("not submitted"), "{}", stderr(&o));
    }
    let o = crossfoot_in(
        d,
        &[
            "consolidate",
            "--lang",
            "en",
            "--units",
            "units.xlsx",
            "commune-1.xlsx",
            "commune-2.xlsx",
            "-o",
            "province.xlsx",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The province's rows: the communes, with the sums of their branches.
    let bytes = std::fs::read(d.join("province.xlsx")).unwrap();
    let wb =
        crossfoot::read::load::load_bytes(&bytes, "province.xlsx", &Default::default()).unwrap();
    let sheet = &wb.sheets[0];
    let text = |r: u32, c: u32| {
        sheet
            .get(crossfoot::model::CellRef::new(r, c))
            .map(|c| c.display())
            .unwrap_or_default()
    };
    assert_eq!(text(1, 2), "Mã đơn vị: TINH");
    assert_eq!((text(3, 2), text(4, 2)), ("XA-01".into(), "XA-02".into()));
    for (k, (_, _, branches)) in cs.iter().enumerate() {
        let want = District::from_branches(branches).grand;
        let got: Vec<i64> = (0..11)
            .map(|c| text(3 + k as u32, 3 + c).parse::<i64>().unwrap())
            .collect();
        assert_eq!(got, want.to_vec(), "row of XA-0{}", k + 1);
    }
    let o = check(
        d,
        &[
            "province.xlsx",
            "commune-1.xlsx",
            "commune-2.xlsx",
            "branches-1",
            "branches-2",
            "--units",
            "units.xlsx",
        ],
    );
    assert_eq!(found(&o), vec![], "{}", stderr(&o));
}

/// One commune's run with the whole province's register: the units expected are the
/// commune's summary's and those under it — its branch that sent nothing is said, the other
/// commune's branches are not (they send to their own commune).
#[test]
fn a_communes_run_expects_the_units_under_its_summary_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cs = communes();
    write_communes(d, &cs);
    write_register(&d.join("units.xlsx"), &cs);
    std::fs::remove_file(d.join("branches/TD-02.xlsx")).unwrap();
    let o = check(
        d,
        &[
            "commune-1.xlsx",
            "branches/TD-01.xlsx",
            "branches/TD-03.xlsx",
            "--units",
            "units.xlsx",
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let missing: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "unit.not-submitted")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(missing[0].contains("TD-02"), "{missing:?}");
}
