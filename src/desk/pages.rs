//! The desk's pages: the round (every unit with its latest submission) with the upload form,
//! and a submission's page (its findings by form with the most likely explanation, the
//! versions of its unit, the sheets drawn as grids with the cells marked). Built from what
//! the store keeps — the result JSON of `check --format json` and the sheets read — with
//! [`Html`], which escapes every text.

use super::app::App;
use super::html::{path_segment, Html};
use super::store::{Row, StoreError};
use crate::messages::render;
use crate::model::{CellRef, Sheet, Value};
use crate::registry::{DeskWords, Lang};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// The most rows and columns of a sheet drawn on a page.
const GRID_ROWS: u32 = 300;
const GRID_COLS: u32 = 40;

/// Who a page is for: the reviewer, or a branch through its link (one unit, its own paths).
pub enum View<'a> {
    Reviewer,
    Branch { token: &'a str, unit_key: &'a str },
}

impl View<'_> {
    /// The start of the paths of this view's pages.
    fn prefix(&self) -> String {
        match self {
            View::Reviewer => String::new(),
            View::Branch { token, .. } => format!("/branch/{}", path_segment(token)),
        }
    }
}

fn head(h: &mut Html, w: &DeskWords, home: &str) {
    h.raw("<!DOCTYPE html>\n<html lang=\"");
    h.raw(match h.lang() {
        Lang::Vi => "vi",
        Lang::En => "en",
    });
    h.raw("\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>")
        .text(w.title)
        .raw("</title><link rel=\"stylesheet\" href=\"")
        .href(&format!("{home}assets/desk.css"))
        .raw("\"><link rel=\"icon\" href=\"")
        .href(&format!("{home}assets/icon.svg"))
        .raw("\"><script src=\"")
        .href(&format!("{home}assets/desk.js"))
        .raw("\" defer></script></head><body><header><a href=\"")
        .href(home)
        .raw("\">")
        .text(w.title)
        .raw("</a></header><main>");
}

fn foot(h: &mut Html) {
    h.raw("</main></body></html>\n");
}

fn state_word(w: &DeskWords, state: &str) -> &'static str {
    match state {
        "clean" => w.state_clean,
        "warnings" => w.state_warnings,
        "errors" => w.state_errors,
        "skipped" => w.state_skipped,
        "missing" => w.state_missing,
        _ => w.state_unreadable,
    }
}

/// The CSS class of a state (one of crossfoot's own words, never input).
fn state_class(state: &str) -> &'static str {
    match state {
        "clean" => "clean",
        "warnings" => "warnings",
        "errors" => "errors",
        "skipped" => "skipped",
        "missing" => "missing",
        _ => "unreadable",
    }
}

fn unit_cell(h: &mut Html, w: &DeskWords, row: &Row) {
    match (&row.unit_name, &row.unit_code) {
        (Some(name), _) => h.text(name),
        (None, Some(code)) => h.text(code),
        (None, None) => h.text(w.no_code),
    };
}

/// The round: every unit's latest submission, the counts, the upload form.
pub fn round(app: &App, lang: Lang) -> Result<String, StoreError> {
    let w = DeskWords::of(lang);
    let latest = app.store.latest()?;
    let missing = super::app::missing(app, &latest)?;
    let mut h = Html::new(lang);
    head(&mut h, w, "/");
    h.raw("<h1>").text(w.round).raw("</h1>");
    upload_form(&mut h, w, "/api/submissions", &app.csrf);
    if latest.is_empty() && missing.is_empty() {
        h.raw("<p class=\"empty\">").text(w.nothing_yet).raw("</p>");
        foot(&mut h);
        return Ok(h.finish());
    }
    let count = (latest.len() + missing.len()).to_string();
    h.raw("<p class=\"counts\">")
        .text(&render(w.units_count, &[("count", &count)]));
    let mut by_state: BTreeMap<&str, usize> = BTreeMap::new();
    for (row, _) in &latest {
        *by_state.entry(state_class(&row.state)).or_default() += 1;
    }
    if !missing.is_empty() {
        by_state.insert("missing", missing.len());
    }
    for (state, n) in &by_state {
        h.raw(" · <span class=\"state ")
            .raw(state_class(state))
            .raw("\">")
            .text(state_word(w, state))
            .raw(": ")
            .num(*n as i64)
            .raw("</span>");
    }
    h.raw(" · <a href=\"/api/summary.xlsx\">")
        .text(w.summary_workbook)
        .raw("</a> · <a href=\"/links\">")
        .text(w.branch_links)
        .raw("</a>");
    h.raw("</p><table class=\"round\"><thead><tr><th>")
        .text(w.unit)
        .raw("</th><th>")
        .text(w.code)
        .raw("</th><th>")
        .text(w.state)
        .raw("</th><th>")
        .text(w.errors)
        .raw("</th><th>")
        .text(w.warnings)
        .raw("</th><th>")
        .text(w.file)
        .raw("</th><th>")
        .text(w.version)
        .raw("</th><th>")
        .text(w.received)
        .raw("</th></tr></thead><tbody>");
    for (row, versions) in &latest {
        h.raw("<tr><td><a href=\"/submissions/")
            .href(&path_segment(&row.id.to_string()))
            .raw("\">");
        unit_cell(&mut h, w, row);
        h.raw("</a></td><td>")
            .text(row.unit_code.as_deref().unwrap_or(""))
            .raw("</td><td><span class=\"state ")
            .raw(state_class(&row.state))
            .raw("\">")
            .text(state_word(w, &row.state))
            .raw("</span></td><td>")
            .num(row.errors)
            .raw("</td><td>")
            .num(row.warnings)
            .raw("</td><td>")
            .text(&row.file_name)
            .raw("</td><td>")
            .num(row.version)
            .raw(" / ")
            .num(*versions)
            .raw("</td><td>")
            .text(&row.received)
            .raw("</td></tr>");
    }
    // The units expected that have sent nothing yet.
    for (key, code, name) in &missing {
        h.raw("<tr class=\"missing\"><td>")
            .text(name.as_deref().unwrap_or(key))
            .raw("</td><td>")
            .text(code)
            .raw("</td><td><span class=\"state missing\">")
            .text(w.state_missing)
            .raw("</span></td><td></td><td></td><td></td><td></td><td></td></tr>");
    }
    h.raw("</tbody></table>");
    foot(&mut h);
    Ok(h.finish())
}

fn upload_form(h: &mut Html, w: &DeskWords, action: &str, csrf: &str) {
    h.raw("<form id=\"upload\" class=\"upload\" method=\"post\" action=\"")
        .href(action)
        .raw("\" enctype=\"multipart/form-data\" data-sending=\"")
        .attr(w.sending)
        .raw("\" data-failed=\"")
        .attr(w.not_recorded)
        .raw("\" data-states=\"")
        .attr(&format!(
            "{}|{}|{}|{}|{}",
            w.state_clean, w.state_warnings, w.state_errors, w.state_unreadable, w.state_skipped
        ))
        .raw("\"><input type=\"hidden\" name=\"csrf\" value=\"")
        .attr(csrf)
        .raw("\"><h2>")
        .text(w.upload)
        .raw("</h2><p>")
        .text(w.upload_hint)
        .raw("</p><input type=\"file\" name=\"file\" multiple accept=\".xlsx,.xlsm,.xlsb,.xls,.ods\"> <button type=\"submit\">")
        .text(w.upload_button)
        .raw("</button><ul id=\"upload-progress\"></ul></form>");
}

/// A finding's identity across versions: its rule, sheet and cells.
fn finding_key(f: &Json) -> String {
    super::finding_id(f).key
}

fn findings_of(doc: &Json) -> &[Json] {
    doc["findings"].as_array().map_or(&[], Vec::as_slice)
}

/// A submission's page.
pub fn submission(
    app: &App,
    id: i64,
    lang: Lang,
    view: &View<'_>,
) -> Result<Option<String>, StoreError> {
    let Some(row) = app.store.row(id)? else {
        return Ok(None);
    };
    // A branch sees its own unit only.
    if let View::Branch { unit_key, .. } = view {
        if row.unit_key != *unit_key {
            return Ok(None);
        }
    }
    let reviewer = matches!(view, View::Reviewer);
    let prefix = view.prefix();
    let home = format!("{prefix}/");
    let json = app.store.result_json(id)?.unwrap_or_default();
    let doc: Json = serde_json::from_str(&json).unwrap_or(Json::Null);
    let versions = app.store.versions(&row.unit_key)?;
    let sheets: Vec<Sheet> = row
        .sheets_sha
        .as_deref()
        .and_then(|sha| app.store.blob(sha))
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    let marks = app.store.marks(id)?;
    let w = DeskWords::of(lang);
    let mut h = Html::new(lang);
    head(&mut h, w, &home);
    h.raw("<p><a href=\"")
        .href(&home)
        .raw("\">← ")
        // A branch has no round: back to its own unit's versions.
        .text(if reviewer { w.back } else { w.back_branch })
        .raw("</a></p><h1>");
    unit_cell(&mut h, w, &row);
    h.raw(" <span class=\"state ")
        .raw(state_class(&row.state))
        .raw("\">")
        .text(state_word(w, &row.state))
        .raw("</span></h1><dl class=\"facts\"><dt>")
        .text(w.code)
        .raw("</dt><dd>")
        .text(row.unit_code.as_deref().unwrap_or(w.no_code))
        .raw("</dd><dt>")
        .text(w.file)
        .raw("</dt><dd>")
        .text(&row.file_name)
        .raw("</dd><dt>")
        .text(w.version)
        .raw("</dt><dd>")
        .num(row.version)
        .raw("</dd><dt>")
        .text(w.received)
        .raw("</dt><dd>")
        .text(&row.received)
        .raw("</dd><dt>")
        .text(w.sent_by)
        .raw("</dt><dd>")
        .text(match row.sent_by.as_str() {
            "reviewer" => w.reviewer,
            "branch" => w.branch,
            "recheck" => w.recheck,
            other => other,
        })
        .raw("</dd><dt>")
        .text(w.sha256)
        .raw("</dt><dd><code>")
        .text(&row.sha256)
        .raw("</code></dd></dl>");

    // Downloads: the reviewer's all; a branch its marked copy.
    let id_seg = path_segment(&row.id.to_string());
    let base = format!("/api/submissions/{id_seg}");
    h.raw("<h2>")
        .text(w.downloads)
        .raw("</h2><ul class=\"downloads\">");
    if row.review_sha.is_some() && reviewer {
        h.raw("<li><a href=\"")
            .href(&format!("{base}/review.xlsx"))
            .raw("\">")
            .text(w.review_workbook)
            .raw("</a></li>");
    }
    if row.marked_sha.is_some() {
        let at = if reviewer {
            format!("{base}/marked.xlsx")
        } else {
            format!("{prefix}/submissions/{id_seg}/marked.xlsx")
        };
        h.raw("<li><a href=\"")
            .href(&at)
            .raw("\">")
            .text(w.marked_copy)
            .raw("</a></li>");
    }
    if reviewer {
        h.raw("<li><a href=\"")
            .href(&base)
            .raw("\">")
            .text(w.json)
            .raw("</a></li>");
    }
    h.raw("</ul>");
    if reviewer {
        link_form(&mut h, w, &app.csrf, &row.unit_key);
    }

    let file = &doc["files"][0];
    if let Some(error) = file["error"].as_str() {
        h.raw("<p class=\"unreadable\"><strong>")
            .text(w.unreadable_why)
            .raw(":</strong> ")
            .text(error);
        if let Some(hint) = file["hint"].as_str() {
            h.raw(" — ").text(hint);
        }
        h.raw("</p>");
    }

    // Versions, and what changed since the previous one.
    versions_list(&mut h, w, app, &row, &versions, &doc, &prefix)?;

    // Findings by form.
    let findings = findings_of(&doc);
    let explanations = file["explanations"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let form_of: BTreeMap<&str, &str> = file["forms"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .filter_map(|f| Some((f["sheet"].as_str()?, f["form"].as_str()?)))
                .collect()
        })
        .unwrap_or_default();
    h.raw("<h2>").text(w.findings).raw("</h2>");
    if findings.is_empty() && file["status"].as_str() == Some("checked") {
        h.raw("<p class=\"clean\">").text(w.no_findings).raw("</p>");
    }
    // Groups in the order the findings come (sheet order).
    let mut groups: Vec<(Option<&str>, Vec<usize>)> = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        let form = f["sheet"].as_str().and_then(|s| form_of.get(s).copied());
        match groups.iter_mut().find(|(g, _)| *g == form) {
            Some((_, list)) => list.push(i),
            None => groups.push((form, vec![i])),
        }
    }
    for (form, list) in &groups {
        h.raw("<section class=\"form\"><h3>");
        match form {
            Some(form) => h.text(&render(w.form, &[("form", form)])),
            None => h.text(w.not_on_form),
        };
        h.raw("</h3>");
        // The explanations of this group's findings.
        let here: BTreeSet<usize> = list.iter().copied().collect();
        let mut shown_any = false;
        for e in explanations {
            let resolves: Vec<usize> = e["resolves"]
                .as_array()
                .map(|r| {
                    r.iter()
                        .filter_map(|i| i.as_u64())
                        .map(|i| i as usize)
                        .collect()
                })
                .unwrap_or_default();
            if !resolves.iter().any(|i| here.contains(i)) {
                continue;
            }
            if !shown_any {
                h.raw("<div class=\"likely\"><h4>")
                    .text(w.most_likely)
                    .raw("</h4><ul>");
                shown_any = true;
            }
            h.raw("<li>")
                .text(e["text"].as_str().unwrap_or(""))
                .raw("</li>");
        }
        if shown_any {
            h.raw("</ul></div>");
        }
        h.raw("<ol class=\"findings\">");
        for &i in list {
            let f = &findings[i];
            let severity = match f["severity"].as_str() {
                Some("error") => "error",
                Some("warning") => "warning",
                _ => "info",
            };
            h.raw("<li id=\"f")
                .num(i as i64)
                .raw("\" class=\"")
                .raw(severity)
                .raw("\"><span class=\"rule\">")
                .text(f["rule"].as_str().unwrap_or(""))
                .raw("</span> ")
                .text(f["message"].as_str().unwrap_or(""));
            if let Some(cells) = f["cells"].as_array().filter(|c| !c.is_empty()) {
                h.raw(" <span class=\"cells\">").text(w.cells).raw(": ");
                for (n, c) in cells.iter().enumerate() {
                    if n > 0 {
                        h.raw(", ");
                    }
                    if let Some(file) = c["file"].as_str() {
                        h.text(file)
                            .raw(": ")
                            .text(c["sheet"].as_str().unwrap_or(""))
                            .raw("!");
                    }
                    h.text(c["cell"].as_str().unwrap_or(""));
                    if let Some(label) = c["label"].as_str() {
                        h.raw(" (").text(label).raw(")");
                    }
                }
                h.raw("</span>");
            }
            let key = finding_key(f);
            let mark = marks.iter().find(|m| m.finding_key == key);
            // A branch sees the explanations accepted (as its marked copy says them), not
            // the dropped ones nor the forms.
            match mark.filter(|m| reviewer || m.state == "explained") {
                Some(m) if m.state == "explained" => {
                    let made = versions
                        .iter()
                        .find(|v| v.id == m.made_on)
                        .map_or(row.version, |v| v.version)
                        .to_string();
                    h.raw("<p class=\"explained\"><strong>")
                        .text(w.explained)
                        .raw("</strong> (")
                        .text(&render(w.explained_since, &[("version", &made)]))
                        .raw("): ")
                        .text(&m.note)
                        .raw("</p>");
                }
                Some(m) => {
                    h.raw("<p class=\"dropped\"><strong>")
                        .text(w.dropped)
                        .raw("</strong>: <s>")
                        .text(&m.note)
                        .raw("</s></p>");
                    mark_form(&mut h, w, &app.csrf, row.id, i);
                }
                None if reviewer => mark_form(&mut h, w, &app.csrf, row.id, i),
                None => {}
            }
            h.raw("</li>");
        }
        h.raw("</ol></section>");
    }

    // The sheets, drawn.
    for sheet in &sheets {
        grid(&mut h, w, sheet, findings, explanations);
    }
    foot(&mut h);
    Ok(Some(h.finish()))
}

/// The form that marks finding `i` of submission `id` explained.
fn mark_form(h: &mut Html, w: &DeskWords, csrf: &str, id: i64, i: usize) {
    h.raw("<form class=\"mark\" method=\"post\" enctype=\"multipart/form-data\" action=\"/api/submissions/")
        .href(&path_segment(&id.to_string()))
        .raw("/marks\"><input type=\"hidden\" name=\"csrf\" value=\"")
        .attr(csrf)
        .raw("\"><input type=\"hidden\" name=\"finding\" value=\"")
        .num(i as i64)
        .raw("\"><input type=\"text\" name=\"note\" required maxlength=\"2000\" placeholder=\"")
        .attr(w.note_hint)
        .raw("\"> <button type=\"submit\">")
        .text(w.mark_explained)
        .raw("</button></form>");
}

/// The reviewer's form that makes a branch link for one unit.
fn link_form(h: &mut Html, w: &DeskWords, csrf: &str, unit_key: &str) {
    h.raw("<form class=\"link\" method=\"post\" enctype=\"multipart/form-data\" action=\"/api/links\"><input type=\"hidden\" name=\"csrf\" value=\"")
        .attr(csrf)
        .raw("\"><input type=\"hidden\" name=\"unit_key\" value=\"")
        .attr(unit_key)
        .raw("\"><button type=\"submit\">")
        .text(w.make_link)
        .raw("</button></form>");
}

/// The page that shows a new branch link, once.
/// `loopback`: the desk listens on a loopback address, which only this computer reaches.
pub fn link_made(lang: Lang, unit_key: &str, url: &str, loopback: bool) -> String {
    let w = DeskWords::of(lang);
    let mut h = Html::new(lang);
    head(&mut h, w, "/");
    h.raw("<h1>")
        .text(w.branch_link)
        .raw(": ")
        .text(unit_key)
        .raw("</h1><p>")
        .text(w.link_made)
        .raw("</p><p><code class=\"link\">")
        .text(url)
        .raw("</code></p>");
    if loopback {
        h.raw("<p class=\"warn\">")
            .text(w.link_loopback)
            .raw("</p>");
    }
    h.raw("<p><a href=\"/links\">")
        .text(w.branch_links)
        .raw("</a> · <a href=\"/\">← ")
        .text(w.back)
        .raw("</a></p>");
    foot(&mut h);
    h.finish()
}

/// The branch links made: each one's unit, when it was made, how many versions its unit sent
/// through a link, and whether it was revoked; a form to revoke each one still open.
pub fn links(app: &App, lang: Lang) -> Result<String, StoreError> {
    let w = DeskWords::of(lang);
    let links = app.store.links()?;
    let names: BTreeMap<String, Row> = app
        .store
        .latest()?
        .into_iter()
        .map(|(r, _)| (r.unit_key.clone(), r))
        .collect();
    let mut h = Html::new(lang);
    head(&mut h, w, "/");
    h.raw("<p><a href=\"/\">← ")
        .text(w.back)
        .raw("</a></p><h1>")
        .text(w.branch_links)
        .raw("</h1><p>")
        .text(w.links_hint)
        .raw("</p>");
    if links.is_empty() {
        h.raw("<p class=\"empty\">").text(w.no_links).raw("</p>");
        foot(&mut h);
        return Ok(h.finish());
    }
    h.raw("<table class=\"links\"><thead><tr><th>")
        .text(w.unit)
        .raw("</th><th>")
        .text(w.code)
        .raw("</th><th>")
        .text(w.link_created)
        .raw("</th><th>")
        .text(w.link_sent)
        .raw("</th><th>")
        .text(w.state)
        .raw("</th></tr></thead><tbody>");
    for l in &links {
        h.raw("<tr><td>");
        match names.get(&l.unit_key) {
            Some(row) => {
                h.raw("<a href=\"/submissions/")
                    .href(&path_segment(&row.id.to_string()))
                    .raw("\">");
                unit_cell(&mut h, w, row);
                h.raw("</a>");
            }
            None => {
                h.text(&l.unit_key);
            }
        }
        h.raw("</td><td>")
            .text(&l.unit_key)
            .raw("</td><td>")
            .text(&l.created)
            .raw("</td><td>")
            .num(l.branch_versions)
            .raw("</td><td>");
        match &l.revoked {
            Some(when) => {
                h.raw("<span class=\"state revoked\">")
                    .text(&render(w.link_revoked, &[("time", when)]))
                    .raw("</span>");
            }
            None => {
                h.raw("<span class=\"state clean\">")
                    .text(w.link_open)
                    .raw("</span> <form class=\"revoke\" method=\"post\" enctype=\"multipart/form-data\" action=\"/api/links/")
                    .href(&path_segment(&l.id.to_string()))
                    .raw("/revoke\"><input type=\"hidden\" name=\"csrf\" value=\"")
                    .attr(&app.csrf)
                    .raw("\"><button type=\"submit\">")
                    .text(w.revoke)
                    .raw("</button></form>");
            }
        }
        h.raw("</td></tr>");
    }
    h.raw("</tbody></table>");
    foot(&mut h);
    Ok(h.finish())
}

/// A branch's page: its unit's versions and the upload form.
pub fn branch_home(
    app: &App,
    token: &str,
    unit_key: &str,
    lang: Lang,
) -> Result<String, StoreError> {
    let w = DeskWords::of(lang);
    let view = View::Branch { token, unit_key };
    let prefix = view.prefix();
    let versions = app.store.versions(unit_key)?;
    let mut h = Html::new(lang);
    head(&mut h, w, &format!("{prefix}/"));
    h.raw("<h1>").text(w.branch_title).raw(": ");
    match versions.last() {
        Some(last) => unit_cell(&mut h, w, last),
        None => {
            h.text(unit_key);
        }
    }
    h.raw("</h1>");
    upload_form(&mut h, w, &format!("{prefix}/upload"), "");
    if versions.is_empty() {
        h.raw("<p class=\"empty\">").text(w.nothing_yet).raw("</p>");
    } else {
        h.raw("<h2>")
            .text(w.versions)
            .raw("</h2><ol class=\"versions\">");
        for v in &versions {
            h.raw("<li><a href=\"")
                .href(&format!(
                    "{prefix}/submissions/{}",
                    path_segment(&v.id.to_string())
                ))
                .raw("\">")
                .text(&v.received)
                .raw(" · ")
                .text(&v.file_name)
                .raw("</a> <span class=\"state ")
                .raw(state_class(&v.state))
                .raw("\">")
                .text(state_word(w, &v.state))
                .raw("</span></li>");
        }
        h.raw("</ol>");
    }
    foot(&mut h);
    Ok(h.finish())
}

fn versions_list(
    h: &mut Html,
    w: &DeskWords,
    app: &App,
    row: &Row,
    versions: &[Row],
    doc: &Json,
    prefix: &str,
) -> Result<(), StoreError> {
    h.raw("<h2>")
        .text(w.versions)
        .raw("</h2><ol class=\"versions\">");
    for v in versions {
        h.raw("<li>");
        if v.id == row.id {
            h.raw("<strong>");
        } else {
            h.raw("<a href=\"")
                .href(&format!(
                    "{prefix}/submissions/{}",
                    path_segment(&v.id.to_string())
                ))
                .raw("\">");
        }
        h.text(&v.received).raw(" · ").text(&v.file_name);
        h.raw(if v.id == row.id { "</strong>" } else { "</a>" });
        h.raw(" <span class=\"state ")
            .raw(state_class(&v.state))
            .raw("\">")
            .text(state_word(w, &v.state))
            .raw("</span></li>");
    }
    h.raw("</ol>");
    // What changed since the version before this one.
    let Some(prev) = versions.iter().rev().find(|v| v.id < row.id) else {
        return Ok(());
    };
    let prev_doc: Json = app
        .store
        .result_json(prev.id)?
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Json::Null);
    let before: BTreeSet<String> = findings_of(&prev_doc).iter().map(finding_key).collect();
    let now: BTreeSet<String> = findings_of(doc).iter().map(finding_key).collect();
    let fixed = before.difference(&now).count().to_string();
    let new = now.difference(&before).count().to_string();
    let open = now.intersection(&before).count().to_string();
    h.raw("<p class=\"diff\">")
        .text(w.since_previous)
        .raw(": ")
        .text(&render(w.fixed, &[("count", &fixed)]))
        .raw(", ")
        .text(&render(w.new, &[("count", &new)]))
        .raw(", ")
        .text(&render(w.still_open, &[("count", &open)]))
        .raw("</p>");
    // Which were fixed, which are new.
    let listed =
        |h: &mut Html, from: &Json, other: &BTreeSet<String>, word: &str, class: &'static str| {
            let gone: Vec<&Json> = findings_of(from)
                .iter()
                .filter(|f| !other.contains(&finding_key(f)))
                .collect();
            if gone.is_empty() {
                return;
            }
            h.raw("<ul class=\"").raw(class).raw("\">");
            for f in gone {
                h.raw("<li>")
                    .text(word)
                    .raw(": <span class=\"rule\">")
                    .text(f["rule"].as_str().unwrap_or(""))
                    .raw("</span> ")
                    .text(f["message"].as_str().unwrap_or(""))
                    .raw("</li>");
            }
            h.raw("</ul>");
        };
    listed(h, &prev_doc, &now, w.fixed_one, "fixed");
    listed(h, doc, &before, w.new_one, "new");
    Ok(())
}

/// How a cell is shown in the grid.
fn cell_text(v: &Value, percent: bool, decimals: Option<u8>, lang: Lang) -> String {
    match v {
        Value::Empty => String::new(),
        // As the workbook's General format shows it: no grouping.
        Value::Number(n) if decimals.is_none() && !percent => crate::text::format_plain(*n),
        Value::Number(n) if percent => {
            crate::text::format_number(n * 100.0, decimals, lang.locale()) + "%"
        }
        Value::Number(n) => crate::text::format_number(*n, decimals, lang.locale()),
        Value::Text(t) | Value::Error(t) | Value::Date(t) => t.clone(),
        Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
    }
}

/// One sheet as a grid: column letters, row numbers, the cells findings name marked (the
/// worst severity), a title with what is said of them, a link to the first finding.
fn grid(h: &mut Html, w: &DeskWords, sheet: &Sheet, findings: &[Json], explanations: &[Json]) {
    // Marks: cell → (worst severity rank, the findings naming it).
    let mut marks: BTreeMap<CellRef, (u8, Vec<usize>)> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        let rank = match f["severity"].as_str() {
            Some("error") => 3,
            Some("warning") => 2,
            _ => 1,
        };
        for c in f["cells"].as_array().map_or(&[][..], Vec::as_slice) {
            // A cell of another workbook (a summary's unit) is not this sheet's.
            if c["sheet"].as_str() != Some(sheet.name.as_str()) || c["file"].is_string() {
                continue;
            }
            let Some(at) = c["cell"].as_str().and_then(CellRef::parse_a1) else {
                continue;
            };
            let m = marks.entry(at).or_insert((0, Vec::new()));
            m.0 = m.0.max(rank);
            if !m.1.contains(&i) {
                m.1.push(i);
            }
        }
    }
    // The most likely corrections.
    let mut likely: BTreeMap<CellRef, String> = BTreeMap::new();
    for e in explanations {
        for c in e["changes"].as_array().map_or(&[][..], Vec::as_slice) {
            if c["sheet"].as_str() != Some(sheet.name.as_str()) || c["file"].is_string() {
                continue;
            }
            if let (Some(at), Some(note)) = (
                c["cell"].as_str().and_then(CellRef::parse_a1),
                c["note"].as_str(),
            ) {
                likely.entry(at).or_insert_with(|| note.to_string());
            }
        }
    }
    let Some(extent) = sheet.extent() else { return };
    let rows = (extent.row + 1).min(GRID_ROWS);
    let cols = (extent.col + 1).min(GRID_COLS);
    h.raw("<section class=\"sheet\"><h3>")
        .text(&sheet.name)
        .raw("</h3>");
    if extent.row + 1 > rows || extent.col + 1 > cols {
        let (r, c) = (rows.to_string(), cols.to_string());
        h.raw("<p class=\"cut\">")
            .text(&render(w.sheet_cut, &[("rows", &r), ("cols", &c)]))
            .raw("</p>");
    }
    h.raw("<div class=\"gridwrap\"><table class=\"grid\"><thead><tr><th></th>");
    for col in 0..cols {
        h.raw("<th>").text(&CellRef::col_name(col)).raw("</th>");
    }
    h.raw("</tr></thead><tbody>");
    let locale_lang = h.lang();
    for row in 0..rows {
        h.raw("<tr><th>").num(i64::from(row) + 1).raw("</th>");
        for col in 0..cols {
            let at = CellRef::new(row, col);
            let text = sheet
                .get(at)
                .map(|c| cell_text(&c.value, c.fmt.percent, c.fmt.decimals, locale_lang))
                .unwrap_or_default();
            let mark = marks.get(&at);
            let note = likely.get(&at);
            if mark.is_none() && note.is_none() {
                h.raw("<td>").text(&text).raw("</td>");
                continue;
            }
            h.raw("<td class=\"");
            h.raw(match mark.map_or(0, |m| m.0) {
                3 => "m-error",
                2 => "m-warning",
                1 => "m-info",
                _ => "",
            });
            if note.is_some() {
                h.raw(" m-likely");
            }
            let mut title = format!("{at}");
            if let Some(note) = note {
                title.push_str(" — ");
                title.push_str(note);
            }
            for &i in mark.map_or(&[][..], |m| m.1.as_slice()) {
                title.push_str(" | ");
                title.push_str(findings[i]["message"].as_str().unwrap_or(""));
            }
            h.raw("\" title=\"").attr(&title).raw("\">");
            match mark.and_then(|m| m.1.first()) {
                Some(&first) => {
                    h.raw("<a href=\"#f")
                        .num(first as i64)
                        .raw("\">")
                        .text(&text)
                        .raw("</a>");
                }
                None => {
                    h.text(&text);
                }
            }
            h.raw("</td>");
        }
        h.raw("</tr>");
    }
    h.raw("</tbody></table></div></section>");
}
