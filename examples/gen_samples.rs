//! Writes the sample workbooks of `samples/` and their description, `docs/samples.md` (not
//! in `samples/`: every file of a folder being checked is an input).
//!
//! ```sh
//! cargo run --example gen_samples            # into ./samples
//! cargo run --example gen_samples -- DIR     # into DIR
//! ```
//!
//! Every sample is built from `tests/common/forms.rs`: a consistent branch
//! (or the district's reference figures), a layout, and a few deliberate
//! slips. The expected findings listed for each sample come from that
//! module's oracle (`expected_findings`); the program refuses to write a
//! sample whose findings are not the intended ones.

#[path = "../tests/common/forms.rs"]
mod forms;

use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;

use calamine::{open_workbook, Data, Reader, Xlsx};
use forms::*;

type Res<T> = Result<T, Box<dyn Error>>;

struct Sample {
    file: &'static str,
    about: &'static str,
    branch: Branch,
    layout: Layout,
    /// What was done to the figures or cells, with the cells.
    slips: Vec<String>,
    /// The oracle must find exactly this many findings.
    findings: usize,
}

/// `M01-SoLuong!C13`.
fn cell(layout: &Layout, form: &str, item: &str, col: Col) -> Res<String> {
    cell_ref(layout, form, item, col)
        .map(|c| c.to_string())
        .ok_or_else(|| format!("{form} {item} {col:?} has no cell").into())
}

fn num(v: f64) -> String {
    format!("{v}")
}

/// Sets a figure and describes the change.
fn change(
    b: &mut Branch,
    layout: &Layout,
    (form, item, col): (&'static str, &'static str, Col),
    value: f64,
    why: &str,
) -> Res<String> {
    let old = b
        .get(form, item, col)
        .ok_or_else(|| format!("no figure {form} {item} {col:?}"))?;
    b.set(form, item, col, value);
    let what = if col == Col::Count {
        String::new()
    } else {
        format!(" {}", col_name(col))
    };
    Ok(format!(
        "`{}` {form} {item}{what}: {} → {} — {why}",
        cell(layout, form, item, col)?,
        num(old),
        num(value)
    ))
}

/// The first seed from `from` whose clean branch satisfies `ok`.
fn branch_where(name: &str, code: &str, from: u64, ok: impl Fn(&Branch) -> bool) -> Res<Branch> {
    (from..from + 10_000)
        .map(|seed| Branch::clean(name, code, seed))
        .find(|b| ok(b))
        .ok_or_else(|| format!("no seed gives {code} what it needs").into())
}

fn reference() -> Sample {
    Sample {
        file: "reference-2021.xlsx",
        about: "The district totals of report 154-BC/HU (FORMS.md \"Reference figures\"), \
                exactly as printed: M01, M02, M04 and no M03; M01 prints no percentages, \
                M02 its percentages to 1 decimal, M04 those printed (item 1 has none).",
        branch: reference_2021(),
        layout: reference_layout(),
        slips: vec!["The report's own slips, untouched (see the expected findings).".into()],
        findings: 10,
    }
}

fn reference_vitext() -> Sample {
    Sample {
        file: "reference-2021-vitext.xlsx",
        about: "The same figures typed as Vietnamese text: counts `2.675`, `1.398` (thousands \
                separated by `.`), percentages `80,5%`, `72,26%`. The same findings as \
                `reference-2021.xlsx` (a checker that reads `2.675` as 2.675 finds many more).",
        layout: Layout {
            numbers: NumberStyle::ViText,
            percents: PercentStyle::ViText,
            ..reference_layout()
        },
        ..reference()
    }
}

fn clean() -> Sample {
    Sample {
        file: "branch-clean.xlsx",
        about: "A consistent branch in the template layout.",
        branch: Branch::clean("Đảng bộ xã Bình Lư", "TD-01", 1),
        layout: Layout::default(),
        slips: vec![],
        findings: 0,
    }
}

fn gender_split() -> Res<Sample> {
    let layout = Layout::default();
    let mut b = Branch::clean("Đảng bộ xã Bản Bo", "TD-02", 2);
    let men = b.m01.gender[0] as f64;
    let women = b.m01.women as f64;
    let slips = vec![
        change(
            &mut b,
            &layout,
            ("M01", "2.1", Col::Count),
            men - 1.0,
            "one man short: Nam + Nữ ≠ Tổng số",
        )?,
        change(
            &mut b,
            &layout,
            ("M01", "1.1", Col::Count),
            women + 1.0,
            "women in item 1.1 ≠ Nữ in the gender block (2.2)",
        )?,
    ];
    b.recompute_percents();
    Ok(Sample {
        file: "branch-gender-split.xlsx",
        about: "The gender split does not add up, and women are counted differently in \
                1.1 and 2.2. The percentages follow the changed counts.",
        branch: b,
        layout,
        slips: slips
            .into_iter()
            .map(|s| s + " (its percent recomputed)")
            .collect(),
        findings: 2,
    })
}

fn percent_rounding() -> Res<Sample> {
    let layout = Layout::default();
    let truncatable = |b: &Branch| {
        b.figures().into_iter().find(|f| {
            f.form == "M01"
                && f.col == Col::Count
                && f.item != "1"
                && f.item.len() == 3
                && pct_truncated(f.value as i64, b.m01.total) != pct(f.value as i64, b.m01.total)
        })
    };
    let mut b = branch_where("Đảng bộ xã Sơn Bình", "TD-03", 3, |b| {
        let m = &b.m02;
        truncatable(b).is_some()
            && m.admitted >= 5
            && m.admitted_of[1] >= 2
            && m.transferred_in >= 1
    })?;
    let fig = truncatable(&b).ok_or("checked above")?;
    let (count, total) = (fig.value as i64, b.m01.total);
    let women_admitted = b.m02.admitted_of[1];
    let (increase, admitted) = (b.m02.increase, b.m02.admitted);
    let slips = vec![
        change(
            &mut b,
            &layout,
            (fig.form, fig.item, Col::Pct),
            pct_truncated(count, total),
            &format!(
                "truncated, not rounded: {count} ÷ {total} × 100 = {:.4}…, which rounds to {}",
                count as f64 * 100.0 / total as f64,
                num(pct(count, total))
            ),
        )?,
        change(
            &mut b,
            &layout,
            ("M02", "2.1b", Col::Pct),
            pct(women_admitted, increase),
            &format!(
                "percent of the wrong base: {women_admitted} ÷ item 2 ({}) instead of ÷ item 2.1 ({})",
                increase, admitted
            ),
        )?,
    ];
    Ok(Sample {
        file: "branch-percent-rounding.xlsx",
        about: "Two percentages wrong: one truncated instead of rounded, one of the wrong base.",
        branch: b,
        layout,
        slips,
        findings: 2,
    })
}

fn changes_chain() -> Res<Sample> {
    let layout = Layout::default();
    let mut b = Branch::clean("Đảng bộ xã Khun Há", "TD-04", 4);
    let m = b.m02.clone();
    let total = b.m01.total;
    let slips = vec![
        change(
            &mut b,
            &layout,
            ("M02", "3.1", Col::Count),
            (m.decrease_by[0] + 1) as f64,
            "one death too many…",
        )?,
        change(
            &mut b,
            &layout,
            ("M02", "3", Col::Count),
            (m.decrease + 1) as f64,
            "…carried into item 3 (3 = 3.1 + … + 3.6 still holds), so \
             item 4 ≠ 1 + 2 − 3 by one",
        )?,
        change(
            &mut b,
            &layout,
            ("M02", "1", Col::Count),
            (m.start - 3) as f64,
            "start of the year 3 lower…",
        )?,
        change(
            &mut b,
            &layout,
            ("M02", "4", Col::Count),
            (m.end - 3) as f64,
            &format!(
                "…and end of the year 3 lower, so the end ≠ M01 item 1 ({}, `{}`) by three",
                total,
                cell(&layout, "M01", "1", Col::Count)?
            ),
        )?,
    ];
    Ok(Sample {
        file: "branch-changes-chain.xlsx",
        about: "M02's chain is broken (end ≠ start + increase − decrease) and its end \
                does not match M01's total.",
        branch: b,
        layout,
        slips,
        findings: 2,
    })
}

fn ratings() -> Res<Sample> {
    let layout = Layout::default();
    let mut b = branch_where("Đảng bộ xã Nà Tăm", "TD-05", 5, |b| {
        b.m03.exempt > 0
    })?;
    let m = b.m03.clone();
    let total = b.m01.total;
    let mut slips = vec![
        change(
            &mut b,
            &layout,
            ("M03", "2", Col::Good),
            (m.members.good - 1) as f64,
            &format!(
                "HTXSNV + HTTNV + HTNV + KHTNV = {} ≠ {} rated (`{}`)",
                m.members.rated - 1,
                m.members.rated,
                cell(&layout, "M03", "2", Col::Count)?
            ),
        )?,
        change(
            &mut b,
            &layout,
            ("M03", "3.1", Col::Count),
            (m.exempt + 1) as f64,
            "one more exempt member…",
        )?,
        change(
            &mut b,
            &layout,
            ("M03", "3", Col::Count),
            (m.not_rated + 1) as f64,
            &format!(
                "…carried into item 3, so rated + not rated = {} ≠ M01 item 1 = {} (`{}`)",
                total + 1,
                total,
                cell(&layout, "M01", "1", Col::Count)?
            ),
        )?,
    ];
    b.recompute_percents();
    slips[0].push_str(&format!(
        " (the share `{}` follows the changed count)",
        cell(&layout, "M03", "2", Col::Pct)?
    ));
    Ok(Sample {
        file: "branch-ratings.xlsx",
        about: "M03: the members' ratings do not add up to the number rated, and the \
                members rated + not rated do not match M01's total.",
        branch: b,
        layout,
        slips,
        findings: 2,
    })
}

fn missing_form() -> Res<Sample> {
    let layout = Layout {
        omit: vec!["M04"],
        blank: vec![("M02", "4")],
        ..Layout::default()
    };
    let b = Branch::clean("Đảng bộ xã Bản Giang", "TD-06", 6);
    let slips = vec![
        "No M04 sheet at all.".to_string(),
        format!(
            "`{}` M02 item 4 (Số đảng viên cuối năm, {}) left empty — a required figure: \
             a finding of its own, and the checks that need it are not evaluated",
            cell(&layout, "M02", "4", Col::Count)?,
            b.m02.end
        ),
    ];
    Ok(Sample {
        file: "branch-missing-form.xlsx",
        about: "A form missing and a required cell empty.",
        branch: b,
        layout,
        slips,
        findings: 2,
    })
}

fn text_cell() -> Res<Sample> {
    let layout = Layout {
        text_in: vec![("M01", "9.1", "chưa rõ".to_string())],
        ..Layout::default()
    };
    let b = branch_where("Đảng bộ xã Thèn Sin", "TD-07", 7, |b| {
        b.m01.religious > 0
    })?;
    let slips = vec![format!(
        "`{}` M01 item 9.1 (Chính thống, {}) holds the text `chưa rõ` (\"unknown\"): not a \
         number, and not `-`; the checks that need it (9 = 9.1 + 9.2, its percent) are not \
         evaluated",
        cell(&layout, "M01", "9.1", Col::Count)?,
        b.m01.religious_parts[0]
    )];
    Ok(Sample {
        file: "branch-text-cell.xlsx",
        about: "A count cell holding words.",
        branch: b,
        layout,
        slips,
        findings: 1,
    })
}

fn drifted() -> Sample {
    Sample {
        file: "branch-drifted.xlsx",
        about: "Consistent figures in a drifted layout: two extra title rows, renamed \
                sheets, counts as Vietnamese text (`21`, `-` for zero; thousands as in \
                `reference-2021-vitext.xlsx`), percentages as \
                fractions with a `0.00%` format. No findings.",
        branch: Branch::clean("Đảng bộ xã Nùng Nàng", "TD-08", 8),
        layout: Layout {
            title_rows_extra: 2,
            sheet_names: SheetNames::Renamed,
            numbers: NumberStyle::ViText,
            percents: PercentStyle::Fraction,
            ..Layout::default()
        },
        slips: vec![],
        findings: 0,
    }
}

fn drifted_table() -> Sample {
    Sample {
        file: "branch-drifted-table.xlsx",
        about: "Consistent figures in a table that drifted: one extra title row, an item-code \
                column before STT, a blank and a note row inside each table, a two-row merged \
                header, sheets reordered (M04, M02, M01, M03), `I.`/`1)` numbering in the \
                labels instead of STT, percentages as text `53,97%`, totals and heading \
                subtotals as formulas with cached values. No findings.",
        branch: Branch::clean("Đảng bộ xã Hồ Thầu", "TD-09", 9),
        layout: Layout {
            title_rows_extra: 1,
            blank_rows_between: true,
            extra_code_column: true,
            sheet_names: SheetNames::Reordered,
            labels: LabelStyle::Numbering,
            percents: PercentStyle::ViText,
            totals: TotalStyle::Formulas,
            heading_totals: true,
            merged_header: true,
            ..Layout::default()
        },
        slips: vec![],
        findings: 0,
    }
}

fn formulas_nocache() -> Sample {
    Sample {
        file: "branch-formulas-nocache.xlsx",
        about: "Consistent figures, labels in Unicode NFD, totals and heading subtotals as \
                formulas with NO cached value (no `<v>`: a file written by a script, never \
                opened in a spreadsheet). No findings from a checker that evaluates the \
                formulas (`SUM`, `+`, `-`); one that does not sees the required figures as \
                missing.",
        branch: Branch::clean("Đảng bộ thị trấn Tam Đường", "TD-10", 10),
        layout: Layout {
            labels: LabelStyle::Nfd,
            totals: TotalStyle::FormulasNoCache,
            heading_totals: true,
            ..Layout::default()
        },
        slips: vec![],
        findings: 0,
    }
}

/// Reads the written file back with calamine and checks every planned cell:
/// texts, numbers, formulas and their cached values (none for
/// `FormulasNoCache`), and the sheet names in order.
fn verify(path: &std::path::Path, b: &Branch, layout: &Layout) -> Res<()> {
    let mut book: Xlsx<_> = open_workbook(path)?;
    let plan = plan(b, layout);
    let names: Vec<String> = plan.iter().map(|s| s.name.clone()).collect();
    if book.sheet_names() != names {
        return Err(format!(
            "{}: sheets {:?}, want {names:?}",
            path.display(),
            book.sheet_names()
        )
        .into());
    }
    for sheet in &plan {
        let values = book.worksheet_range(&sheet.name)?;
        let formulas = book.worksheet_formula(&sheet.name)?;
        for cell in &sheet.cells {
            let pos = (cell.row, u32::from(cell.col));
            let got = values.get_value(pos).cloned().unwrap_or(Data::Empty);
            let ok = match &cell.content {
                Content::Text(t) => got == Data::String(t.clone()),
                Content::Number(v, _) => got == Data::Float(*v),
                Content::Formula(expr, cached) => {
                    formulas.get_value(pos) == Some(expr)
                        && got == cached.map_or(Data::Empty, Data::Float)
                }
            };
            if !ok {
                return Err(format!(
                    "{}: {}!{} reads back as {got:?}, planned {:?}",
                    path.display(),
                    sheet.name,
                    a1(cell.row, cell.col),
                    cell.content
                )
                .into());
            }
        }
    }
    Ok(())
}

/// The cells holding formulas, listed for the formula samples.
fn formula_cells(b: &Branch, layout: &Layout) -> Vec<String> {
    plan(b, layout)
        .iter()
        .flat_map(|s| {
            s.cells.iter().filter_map(move |c| match &c.content {
                Content::Formula(expr, _) => {
                    Some(format!("{}!{} `={expr}`", s.name, a1(c.row, c.col)))
                }
                _ => None,
            })
        })
        .collect()
}

fn main() -> Res<()> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("samples"));
    std::fs::create_dir_all(&dir)?;

    let samples = vec![
        reference(),
        reference_vitext(),
        clean(),
        gender_split()?,
        percent_rounding()?,
        changes_chain()?,
        ratings()?,
        missing_form()?,
        text_cell()?,
        drifted(),
        drifted_table(),
        formulas_nocache(),
    ];

    let mut readme = String::new();
    writeln!(readme, "# Sample workbooks")?;
    writeln!(readme)?;
    writeln!(
        readme,
        "Generated by `cargo run --example gen_samples` from `tests/common/forms.rs`; \
         do not edit by hand. Cells are `sheet!cell`. \"Expected findings\" are what a \
         correct checker reports (the generator's own reading of FORMS.md, checked when the \
         samples are written); a warning that a form is missing is a finding too."
    )?;
    for s in &samples {
        let path = dir.join(s.file);
        write_branch_to(&path, &s.branch, &s.layout)?;
        verify(&path, &s.branch, &s.layout)?;
        let findings = expected_findings(&s.branch, &s.layout);
        if findings.len() != s.findings {
            return Err(format!(
                "{}: {} findings expected, the oracle finds {}: {findings:#?}",
                s.file,
                s.findings,
                findings.len()
            )
            .into());
        }

        println!(
            "{}  ({} {}, {} members)",
            path.display(),
            s.branch.code,
            s.branch.name,
            s.branch.m01.total
        );
        writeln!(readme, "\n## `{}`\n", s.file)?;
        writeln!(
            readme,
            "{} — `{}`, {} members. {}\n",
            s.branch.name, s.branch.code, s.branch.m01.total, s.about
        )?;
        if !s.slips.is_empty() {
            writeln!(readme, "Slips:\n")?;
            for slip in &s.slips {
                println!("  slip: {slip}");
                writeln!(readme, "- {slip}")?;
            }
            writeln!(readme)?;
        }
        if s.layout.totals != TotalStyle::Values {
            writeln!(readme, "Formulas:\n")?;
            for f in formula_cells(&s.branch, &s.layout) {
                writeln!(readme, "- {f}")?;
            }
            writeln!(readme)?;
        }
        if findings.is_empty() {
            println!("  expected findings: none");
            writeln!(readme, "Expected findings: none.")?;
        } else {
            writeln!(readme, "Expected findings:\n")?;
            for f in &findings {
                let cells: Vec<String> = f
                    .cells(&s.layout)
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect();
                let at = if cells.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", cells.join(", "))
                };
                println!("  expect [{}] {}{at}", f.kind, f.message);
                writeln!(readme, "- [{}] {}{at}", f.kind, f.message)?;
            }
        }
    }
    let docs = dir.parent().unwrap_or(&dir).join("docs");
    std::fs::create_dir_all(&docs)?;
    let readme_path = docs.join("samples.md");
    std::fs::write(&readme_path, readme)?;
    println!("{}", readme_path.display());
    Ok(())
}
