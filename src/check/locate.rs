//! Finding the forms in a workbook's sheets, and each form's values in its sheet.
//!
//! A sheet is recognised by its name, a title and the labels it must carry, wherever they stand.
//! Columns are found by their header text, rows by their label (normalised, see
//! [`text::label_key`](crate::text::label_key)) below the header row and left of the values.
//! A label that is missing, or present in two rows, is a finding; the rest of the form is
//! still located.

use crate::check::structure::{self, CandidateRow, Subtotal};
use crate::finding::{CellLoc, Finding, Severity};
use crate::model::{CellRef, Sheet, Value, Workbook};
use crate::read::labels::Abbreviations;
use crate::read::labels::{approx_match, approx_quality, fuzzy_eq, written_out, Quality};
use crate::registry::Kind;
use crate::registry::TextId;
use crate::rules::Settings;
use crate::rules::{CellAt, Column, Form, Pack};
use crate::text::{fold_diacritics, fx_hash, label_key, strip_numbering, Folding, FxBuild, Memo};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// One form found in one sheet, with the position of each of its rows, columns and cells.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FormInstance {
    pub form: usize,
    pub sheet: usize,
    /// Row index in the sheet of each of the form's rows (None: not found).
    pub rows: Vec<Option<u32>>,
    /// Column index in the sheet of each of the form's columns.
    pub cols: Vec<Option<u32>>,
    /// Position of each of the form's cell fields: (sheet index, cell).
    pub cells: Vec<Option<(usize, CellRef)>>,
    /// The text of each row's label cell, as written in the sheet.
    pub row_labels: Vec<Option<String>>,
    /// How each row's label matched ([`Quality`]: as written, abbreviated, one letter off).
    #[serde(default)]
    pub label_match: Vec<Option<Quality>>,
    /// The header rows (first, last), when the headers were found.
    pub header_rows: Option<(u32, u32)>,
    /// The records of a `[records]` form, top to bottom.
    pub records: Vec<Record>,
    /// The rows that sum other rows of the form (subtotals, group rows): no row of the form,
    /// no record, checked themselves ([`crate::check::structure`]).
    #[serde(default)]
    pub subtotals: Vec<Subtotal>,
    /// The sheet of each named row when the form continues on another sheet (`M01 (tiếp)`);
    /// empty: every row is on `sheet`.
    #[serde(default)]
    pub row_sheets: Vec<usize>,
    /// The rows reported not found, with their finding's place among the findings (while the
    /// form is located: a continuation sheet may still hold them).
    #[serde(skip)]
    not_found: Vec<(usize, usize)>,
}

/// One record (a filled row between the header and the end row) of a `[records]` form.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Record {
    /// Row index in the sheet.
    pub row: u32,
    /// The key the record is matched by: the key cell's text, trimmed; for records matched to
    /// units by code, the code's key ([`Settings::unit_key`](crate::rules::Settings::unit_key):
    /// `td - 08` → `TD-08`). Empty when the cell is empty.
    pub key: String,
    /// The key cell's text as written, trimmed.
    #[serde(default)]
    pub written: String,
    /// The key cell.
    pub key_cell: CellRef,
    /// What names the record in messages: the label column's text, or the key.
    pub label: String,
}

impl FormInstance {
    /// A form known to be on sheet `si` whose cells were not read (where it stands is not
    /// decided): present, with nothing located, so no check reads it.
    pub fn unread(form: &Form, fi: usize, si: usize) -> FormInstance {
        FormInstance {
            form: fi,
            sheet: si,
            rows: vec![None; form.rows.len()],
            cols: vec![None; form.columns.len()],
            cells: vec![None; form.cells.len()],
            row_labels: vec![None; form.rows.len()],
            header_rows: None,
            records: Vec::new(),
            subtotals: Vec::new(),
            row_sheets: Vec::new(),
            not_found: Vec::new(),
            label_match: vec![None; form.rows.len()],
        }
    }

    /// How surely the form was read, 0 to 1 (two decimals): the share of its named rows,
    /// columns and cell fields that were located.
    pub fn confidence(&self) -> f64 {
        let parts = self.rows.len() + self.cols.len() + self.cells.len();
        if parts == 0 {
            return 1.0;
        }
        let located = self.rows.iter().filter(|r| r.is_some()).count()
            + self.cols.iter().filter(|c| c.is_some()).count()
            + self.cells.iter().filter(|c| c.is_some()).count();
        (located as f64 / parts as f64 * 100.0).round() / 100.0
    }

    /// The sheet named row `ri` stands on.
    pub fn row_sheet(&self, ri: usize) -> usize {
        self.row_sheets.get(ri).copied().unwrap_or(self.sheet)
    }

    /// The grid index of record `k` (records follow the named rows).
    pub fn record_index(&self, form: &Form, k: usize) -> usize {
        form.rows.len() + k
    }

    /// The sheet row of a grid index (named row or record).
    pub fn sheet_row(&self, form: &Form, index: usize) -> Option<u32> {
        match index.checked_sub(form.rows.len()) {
            None => self.rows.get(index).copied().flatten(),
            Some(k) => self.records.get(k).map(|r| r.row),
        }
    }

    /// The label of a grid index, as written in the sheet.
    pub fn label_of(&self, form: &Form, index: usize) -> String {
        match index.checked_sub(form.rows.len()) {
            None => self.row_labels[index]
                .clone()
                .unwrap_or_else(|| form.rows[index].label.clone()),
            Some(k) => self
                .records
                .get(k)
                .map(|r| r.label.clone())
                .unwrap_or_default(),
        }
    }
}

/// Builds findings about one workbook.
pub struct Reporter<'a> {
    pub file: &'a str,
    pub pack: &'a Pack,
    pub findings: Vec<Finding>,
}

impl Reporter<'_> {
    pub fn engine(
        &mut self,
        kind: Kind,
        sheet: Option<(usize, &str)>,
        cells: Vec<CellLoc>,
        first: Option<CellRef>,
        params: &[(&str, &str)],
    ) {
        self.engine_as(kind, kind.severity(), sheet, cells, first, params);
    }

    /// [`Self::engine`] with another severity than the kind's (one the pack sets).
    pub fn engine_as(
        &mut self,
        kind: Kind,
        severity: Severity,
        sheet: Option<(usize, &str)>,
        cells: Vec<CellLoc>,
        first: Option<CellRef>,
        params: &[(&str, &str)],
    ) {
        let rule = kind.id();
        let message = self.pack.settings.message(kind, params);
        let order = (
            sheet.map_or(0, |(i, _)| i + 1),
            first.map_or(0, |c| c.row),
            first.map_or(0, |c| c.col),
        );
        self.findings.push(Finding {
            file: self.file.to_string(),
            sheet: sheet.map(|(_, s)| s.to_string()),
            rule: rule.to_string(),
            severity,
            message,
            cells,
            expected: None,
            actual: None,
            difference: None,
            order,
            decimals: None,
        });
    }
}

pub fn loc(sheet: &Sheet, at: CellRef) -> CellLoc {
    CellLoc::new(None, sheet.name.clone(), at.to_string())
}

/// What locating derives from one text of a sheet: its key, the keys made from it, and their
/// hashes. Every workbook of a run repeats the same few hundred labels, so this is made once
/// per distinct text per thread ([`with_text_keys`]) and shared by every sheet holding the
/// text, not copied for each.
#[derive(Debug, PartialEq)]
struct TextKeys {
    /// The text's key ([`label_key`]).
    key: String,
    /// The key without a numbering prefix (`1.1 Nam` → `nam`) and a footnote mark after it
    /// (`Nam (*)` → `nam`), when it has either.
    bare: Option<String>,
    /// The bare key (the key when there is none) with its punctuation dropped
    /// ([`crate::text::flat_key`]).
    flat: String,
    /// The key itself with its punctuation dropped, when there is a bare key (else `flat`).
    flat_of_key: Option<String>,
    /// The key, and the bare key, with the pack's abbreviations written out
    /// ([`crate::read::labels`]), when they hold any.
    written: Option<String>,
    written_bare: Option<String>,
    /// The key without a unit of measure it names (`Số lượng (người)` → `số lượng`), when it
    /// names one of the pack's.
    unitless: Option<String>,
    /// [`fx_hash`] of the key, of the bare key (0 without one) and of `flat`.
    hashes: [u64; 3],
    /// The lengths in bytes of the written-out key (the key when there is none) and of the
    /// written-out bare key (the bare key; [`NO_LENGTH`] without one): a near match is looked
    /// for only among texts of about the label's length.
    lengths: [usize; 2],
}

/// A length no label is near ([`TextKeys::lengths`]).
const NO_LENGTH: usize = usize::MAX / 2;

impl TextKeys {
    /// The keys of `text` under the pack's `settings`, computed.
    fn new(text: &str, settings: &Settings) -> TextKeys {
        let key = label_key(text, settings.folding);
        // Without numbering before it and a footnote mark after it (`1.3 Đảng viên dự bị (*)`).
        let numbered = strip_numbering(&key);
        let unmarked = crate::text::strip_footnote_mark(numbered.unwrap_or(&key));
        let bare = unmarked.or(numbered).map(str::to_string);
        let flat = crate::text::flat_key(bare.as_deref().unwrap_or(&key));
        let flat_of_key = bare.as_ref().map(|_| crate::text::flat_key(&key));
        let abbr = &settings.abbreviations;
        let written = abbr.expand(&key);
        let written_bare = bare.as_deref().and_then(|b| abbr.expand(b));
        let unitless = crate::read::labels::without_unit(&key, &settings.unit_keys);
        let hashes = [
            fx_hash(&key),
            bare.as_deref().map_or(0, fx_hash),
            fx_hash(&flat),
        ];
        let lengths = [
            written.as_deref().unwrap_or(&key).len(),
            written_bare
                .as_deref()
                .or(bare.as_deref())
                .map_or(NO_LENGTH, str::len),
        ];
        TextKeys {
            key,
            bare,
            flat,
            flat_of_key,
            written,
            written_bare,
            unitless,
            hashes,
            lengths,
        }
    }

    /// The key with its punctuation dropped.
    fn flat_of_key(&self) -> &str {
        self.flat_of_key.as_deref().unwrap_or(&self.flat)
    }

    /// The key without the unit of measure it names (the key when it names none).
    fn unitless(&self) -> &str {
        self.unitless.as_deref().unwrap_or(&self.key)
    }
}

/// The settings [`TextKeys`] depend on.
type KeysSettings = (Folding, Abbreviations, Vec<String>);

/// `f`, given the [`TextKeys`] of a text under `settings`: from memory when this thread saw
/// the text under the same settings (a memo bounded like the label keys', emptied when another
/// pack's settings come). A text longer than a label has no key: it is not remembered.
fn with_text_keys<R>(settings: &Settings, f: impl FnOnce(&dyn Fn(&str) -> Rc<TextKeys>) -> R) -> R {
    thread_local! {
        static KEYS: (RefCell<Option<KeysSettings>>, Memo<Rc<TextKeys>>) = Default::default();
    }
    KEYS.with(|(with, memo)| {
        let same = with.borrow().as_ref().is_some_and(|(fo, ab, un)| {
            *fo == settings.folding && *ab == settings.abbreviations && *un == settings.unit_keys
        });
        if !same {
            memo.clear();
            *with.borrow_mut() = Some((
                settings.folding,
                settings.abbreviations.clone(),
                settings.unit_keys.clone(),
            ));
        }
        f(&|text: &str| {
            if text.len() > crate::text::MAX_LABEL_BYTES {
                return Rc::new(TextKeys::new(text, settings));
            }
            memo.get(text, |t| Rc::new(TextKeys::new(t, settings)))
        })
    })
}

/// The normalised text keys of a sheet's text cells, and indexes of them: a form's label is
/// looked up by its hash, not compared with every text of the sheet.
struct SheetIndex<'p> {
    /// Each text cell whose key is not empty, with its keys ([`TextKeys`]), in the sheet's
    /// order.
    texts: Vec<(CellRef, Rc<TextKeys>)>,
    /// Each text's [`TextKeys::lengths`], in the order of `texts` (side by side, for a quick
    /// scan).
    lengths: Vec<[usize; 2]>,
    /// The texts by their key, and those with a bare key by it.
    by_key: ByHash,
    by_bare: ByHash,
    /// The texts by their flat bare key ([`TextKeys::flat`]). Made when first needed.
    by_flat: std::cell::OnceCell<ByHash>,
    abbreviations: &'p Abbreviations,
    folded_name: String,
    /// The workbook's report year, from its title block ([`report_year`]).
    report_year: Option<u32>,
}

/// A sheet's texts (their indices) by the hash of a key of theirs ([`crate::text::fx_hash`]),
/// sorted: a key's texts are found by a binary search for its hash, then compared (two keys
/// may share a hash). Sorting hashes is much cheaper than sorting the keys; each entry is one
/// number, the hash's upper 32 bits over the text's index, so that the sort compares single
/// integers and keeps the texts of one hash in the sheet's order.
struct ByHash(Vec<u64>);

/// The bits of a hash a [`ByHash`] keeps.
const HASH_BITS: u64 = 0xFFFF_FFFF_0000_0000;

impl ByHash {
    /// From (the hash of a text's key, the text). A sheet has fewer than 2^32 texts.
    fn new(texts: impl Iterator<Item = (u64, usize)>) -> ByHash {
        let mut by: Vec<u64> = texts
            .map(|(h, i)| (h & HASH_BITS) | (i as u64 & !HASH_BITS))
            .collect();
        by.sort_unstable();
        ByHash(by)
    }

    /// The texts whose key (`key_of` a text) is `key`, in the sheet's order.
    fn find<'a>(
        &'a self,
        key: &'a str,
        key_of: impl Fn(usize) -> &'a str + 'a,
    ) -> impl Iterator<Item = usize> + 'a {
        let h = fx_hash(key) & HASH_BITS;
        let from = self.0.partition_point(|x| *x < h);
        self.0[from..]
            .iter()
            .take_while(move |x| *x & HASH_BITS == h)
            .map(|x| (x & !HASH_BITS) as usize)
            .filter(move |i| key_of(*i) == key)
    }
}

impl<'p> SheetIndex<'p> {
    fn new(sheet: &Sheet, pack: &'p Pack) -> SheetIndex<'p> {
        let texts: Vec<(CellRef, Rc<TextKeys>)> = with_text_keys(&pack.settings, |keys| {
            sheet
                .cells
                .iter()
                .filter_map(|(at, c)| match &c.value {
                    Value::Text(t) => Some((*at, keys(t))),
                    _ => None,
                })
                .filter(|(_, k)| !k.key.is_empty())
                .collect()
        });
        let by_key = ByHash::new(texts.iter().enumerate().map(|(i, (_, t))| (t.hashes[0], i)));
        let by_bare = ByHash::new(
            texts
                .iter()
                .enumerate()
                .filter(|(_, (_, t))| t.bare.is_some())
                .map(|(i, (_, t))| (t.hashes[1], i)),
        );
        thread_local! {
            static FOLDED: Memo<String> = Memo::default();
        }
        let folded_name =
            FOLDED.with(|m| m.get(&sheet.name, |n| fold_diacritics(&n.to_lowercase())));
        SheetIndex {
            lengths: texts.iter().map(|(_, t)| t.lengths).collect(),
            texts,
            by_key,
            by_bare,
            by_flat: std::cell::OnceCell::new(),
            abbreviations: &pack.settings.abbreviations,
            folded_name,
            report_year: None,
        }
    }

    /// Text `i`'s cell.
    fn at(&self, i: usize) -> CellRef {
        self.texts[i].0
    }

    /// Text `i`'s key.
    fn key(&self, i: usize) -> &str {
        &self.texts[i].1.key
    }

    /// Text `i`'s bare key, when it has one.
    fn bare(&self, i: usize) -> Option<&str> {
        self.texts[i].1.bare.as_deref()
    }

    /// The texts (indices of `texts`) whose key is `key`, in the sheet's order.
    fn with_key<'a>(&'a self, key: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.by_key.find(key, |i| self.key(i))
    }

    /// The texts whose bare key is `key`, in the sheet's order.
    fn with_bare<'a>(&'a self, key: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.by_bare.find(key, |i| self.bare(i).unwrap_or_default())
    }

    /// The texts whose flat bare key is `flat`, in the sheet's order.
    fn with_flat<'a>(&'a self, flat: &'a str) -> impl Iterator<Item = usize> + 'a {
        let by = self.by_flat.get_or_init(|| {
            ByHash::new(
                self.texts
                    .iter()
                    .enumerate()
                    .map(|(i, (_, t))| (t.hashes[2], i)),
            )
        });
        by.find(flat, |i| self.texts[i].1.flat.as_str())
    }

    fn has_key(&self, key: &str) -> bool {
        self.with_key(key).next().is_some() || self.with_bare(key).next().is_some()
    }

    fn has_substring(&self, key: &str) -> bool {
        self.texts.iter().any(|(_, t)| t.key.contains(key))
    }

    /// [`Self::has_key`], or a text that is the label abbreviated or with a one-letter slip:
    /// `wanted` is the label's key written out ([`written_out`]).
    fn has_label(&self, key: &str, wanted: &str) -> bool {
        if self.has_key(key) {
            return true;
        }
        // What `approx_match` finds: a written-out key equal to `wanted`, or `wanted` with a
        // one-letter slip, which is at most four bytes longer or shorter. The texts are few
        // and a scan of their lengths is cheaper than sorting them by length for each sheet.
        let abbr = self.abbreviations;
        let near = |len: usize| len + 4 >= wanted.len() && len <= wanted.len() + 4;
        self.lengths.iter().enumerate().any(|(i, [a, b])| {
            (near(*a) || near(*b)) && {
                let (w, n) = self.written(i);
                w[..n]
                    .iter()
                    .any(|w| near(w.len()) && (*w == wanted || fuzzy_eq(wanted, w, abbr)))
            }
        })
    }

    /// Form `fi`'s label `li` (its key), looked up ([`Self::has_label`]).
    fn has_form_label(&self, pack: &Pack, fi: usize, li: usize) -> bool {
        let key = &pack.forms[fi].labels[li];
        match pack.form_labels.written(fi, li) {
            Some(wanted) => self.has_label(key, wanted),
            None => self.has_label(key, &written_out(key, self.abbreviations)),
        }
    }

    /// The keys of text `i` with the abbreviations written out: as written, and bare (the
    /// first `n` of the two).
    fn written(&self, i: usize) -> ([&str; 2], usize) {
        let t = &self.texts[i].1;
        let k = t.written.as_deref().unwrap_or(t.key.as_str());
        match (&t.written_bare, &t.bare) {
            (Some(b), _) => ([k, b.as_str()], 2),
            (None, Some(b)) => ([k, b.as_str()], 2),
            (None, None) => ([k, ""], 1),
        }
    }

    /// [`Self::has_substring`], or a text holding it once its abbreviations are written out.
    fn has_title(&self, key: &str) -> bool {
        self.has_substring(key) || {
            let title = written_out(key, self.abbreviations);
            (0..self.texts.len()).any(|i| self.written(i).0[0].contains(title.as_str()))
        }
    }
}

/// Whether form `fi` cannot be the sheet's: a label it must carry is not there, as written
/// or near ([`SheetIndex::has_label`]). Looked up before the name and titles are tried.
fn ruled_out(fi: usize, idx: &SheetIndex<'_>, pack: &Pack) -> bool {
    (0..pack.forms[fi].labels.len()).any(|li| !idx.has_form_label(pack, fi, li))
}

/// How strongly form `fi` matches the sheet: None when it does not.
fn match_score(fi: usize, idx: &SheetIndex<'_>, pack: &Pack) -> Option<usize> {
    if ruled_out(fi, idx, pack) {
        return None;
    }
    let form = &pack.forms[fi];
    let by_name = form
        .sheet
        .as_ref()
        .is_some_and(|re| re.is_match(&idx.folded_name));
    let by_title = form.titles.iter().any(|t| idx.has_title(t));
    if (form.sheet.is_some() || !form.titles.is_empty()) && !by_name && !by_title {
        return None;
    }
    Some(form.labels.len() + 2 * usize::from(by_name) + 2 * usize::from(by_title))
}

/// What the form closest to matching a workbook that matched none had, and lacked.
#[derive(Debug, Clone, PartialEq)]
pub struct NearMiss {
    pub form: usize,
    pub sheet: usize,
    /// The form's labels missing from the sheet, as the rule file writes them.
    pub missing_labels: Vec<String>,
    pub labels: usize,
    /// The sheet-name pattern, when the form has one and the sheet's name does not match it.
    pub pattern_missed: Option<String>,
    /// The titles, when the form has some and none is in the sheet.
    pub titles_missed: Vec<String>,
}

/// For a workbook in which no sheet matched a form: the form and sheet that came closest
/// (most labels present, then the name pattern, then the title), and what they lacked.
pub fn near_miss(wb: &Workbook, pack: &Pack) -> Option<NearMiss> {
    let mut best: Option<(usize, NearMiss)> = None;
    for (si, sheet) in wb.sheets.iter().enumerate() {
        let idx = SheetIndex::new(sheet, pack);
        for (fi, form) in pack.forms.iter().enumerate() {
            let missing: Vec<String> = form
                .labels
                .iter()
                .zip(&form.labels_written)
                .enumerate()
                .filter(|(li, _)| !idx.has_form_label(pack, fi, *li))
                .map(|(_, (_, w))| w.clone())
                .collect();
            let by_name = form.sheet.as_ref().map(|re| re.is_match(&idx.folded_name));
            let by_title =
                (!form.titles.is_empty()).then(|| form.titles.iter().any(|t| idx.has_title(t)));
            let score = 2 * (form.labels.len() - missing.len())
                + usize::from(by_name == Some(true))
                + usize::from(by_title == Some(true));
            if best.as_ref().is_none_or(|(b, _)| score > *b) {
                best = Some((
                    score,
                    NearMiss {
                        form: fi,
                        sheet: si,
                        labels: form.labels.len(),
                        missing_labels: missing,
                        pattern_missed: form
                            .sheet
                            .as_ref()
                            .filter(|_| by_name == Some(false))
                            .map(|re| re.as_str().trim_start_matches("(?i)").to_string()),
                        titles_missed: if by_title == Some(false) {
                            form.titles_written.clone()
                        } else {
                            Vec::new()
                        },
                    },
                ));
            }
        }
    }
    best.filter(|(score, _)| *score > 0).map(|(_, m)| m)
}

/// How a sheet that holds several tables of forms is read.
struct Regions {
    /// Each form found in a region of its own, with the region.
    located: Vec<(usize, Sheet)>,
    /// Forms whose title heads two or more regions that each match the form (an old and a new
    /// copy on one sheet): which one is the form is not decided, and neither is read. With the
    /// title cells.
    undecided: Vec<(usize, Vec<CellRef>)>,
}

/// The regions of a sheet that several forms (or one form several times) match: each region
/// starts at a form's title (a cell carrying one of its titles, other than a label of its rows)
/// and runs to the next title — below it when the titles stand in different rows (tables
/// stacked), right of it when they stand in one band of rows (side by side). None when the
/// sheet has one title, or the titles do not tell the regions apart: a form without a title,
/// two forms titled in one cell, titles neither stacked nor side by side, or a region that does
/// not match its own form better than any other.
fn regions(sheet: &Sheet, idx: &SheetIndex, forms: &[usize], pack: &Pack) -> Option<Regions> {
    let mut anchors: Vec<(CellRef, usize)> = Vec::new();
    for &fi in forms {
        let form = &pack.forms[fi];
        if form.titles.is_empty() {
            return None;
        }
        let own_label = |k: &str| {
            form.labels.iter().any(|l| l == k)
                || form.rows.iter().any(|r| r.keys.iter().any(|rk| rk == k))
        };
        let mut ats: Vec<CellRef> = idx
            .texts
            .iter()
            .filter(|(_, t)| {
                form.titles.iter().any(|ti| t.key.contains(ti.as_str()))
                    && !own_label(&t.key)
                    && !t.bare.as_deref().is_some_and(own_label)
            })
            .map(|(at, _)| *at)
            .collect();
        ats.sort();
        // A title written over two cells of one title block is one title.
        ats.dedup_by(|b, a| b.row <= a.row + 3 && b.col == a.col);
        if ats.is_empty() {
            return None;
        }
        anchors.extend(ats.into_iter().map(|at| (at, fi)));
    }
    if anchors.len() < 2 {
        return None;
    }
    anchors.sort();
    if anchors.windows(2).any(|w| w[0].0 == w[1].0) {
        return None;
    }
    let (lo, hi) = (
        anchors.iter().map(|(a, _)| a.row).min()?,
        anchors.iter().map(|(a, _)| a.row).max()?,
    );
    // Titles in one band of rows, in different columns: side by side. Else titles in rows
    // apart: stacked.
    let side_by_side = hi - lo <= 3 && {
        let mut cols: Vec<u32> = anchors.iter().map(|(a, _)| a.col).collect();
        cols.sort_unstable();
        cols.dedup();
        cols.len() == anchors.len()
    };
    let stacked = !side_by_side && anchors.windows(2).all(|w| w[1].0.row > w[0].0.row + 1);
    if !stacked && !side_by_side {
        return None;
    }
    // Where each region starts: its title's row, or (side by side) the empty column nearest
    // left of its title, past the previous title (a title need not stand over the first
    // column of its table).
    let starts: Vec<u32> = if stacked {
        anchors.iter().map(|(a, _)| a.row).collect()
    } else {
        anchors.sort_by_key(|(a, _)| a.col);
        let empty = |c: u32| !sheet.cells.keys().any(|x| x.col == c && x.row > hi);
        anchors
            .iter()
            .enumerate()
            .map(
                |(k, (a, _))| match k.checked_sub(1).map(|p| anchors[p].0.col) {
                    Some(prev) => (prev + 1..=a.col)
                        .rev()
                        .find(|c| empty(*c))
                        .unwrap_or(a.col),
                    None => 0,
                },
            )
            .collect()
    };
    let mut found: Vec<(usize, CellRef, Sheet)> = Vec::new();
    for (k, (at, fi)) in anchors.iter().enumerate() {
        let (from, to) = (starts[k], starts.get(k + 1).copied());
        let inside = |c: &CellRef| {
            let x = if stacked { c.row } else { c.col };
            x >= from && to.is_none_or(|t| x < t)
        };
        let region = Sheet {
            name: sheet.name.clone(),
            cells: sheet
                .cells
                .iter()
                .filter(|(c, _)| inside(c))
                .map(|(c, x)| (*c, x.clone()))
                .collect(),
            merges: sheet.merges.clone(),
            emphasis: sheet.emphasis.clone(),
        };
        // The region matches its own form, and better than any other.
        let ridx = SheetIndex::new(&region, pack);
        let own = match_score(*fi, &ridx, pack)?;
        let rival = forms
            .iter()
            .filter(|f| *f != fi)
            .filter_map(|f| match_score(*f, &ridx, pack))
            .max();
        if rival.is_some_and(|r| r >= own) {
            return None;
        }
        found.push((*fi, *at, region));
    }
    let mut out = Regions {
        located: Vec::new(),
        undecided: Vec::new(),
    };
    for &fi in forms {
        let mut mine: Vec<(CellRef, Sheet)> = found
            .iter()
            .filter(|(f, _, _)| *f == fi)
            .map(|(_, at, r)| (*at, r.clone()))
            .collect();
        match mine.len() {
            0 => {}
            1 => out.located.extend(mine.pop().map(|(_, r)| (fi, r))),
            _ => out
                .undecided
                .push((fi, mine.into_iter().map(|(at, _)| at).collect())),
        }
    }
    Some(out)
}

/// Recognises the forms of a workbook and locates their fields.
pub fn locate(wb: &Workbook, rep: &mut Reporter<'_>) -> Vec<FormInstance> {
    locate_in_year(wb, rep, None)
}

/// [`locate`], with the run's report year (`check --year`) for a workbook whose title block
/// gives none: the year chooses a heading repeated under two years.
pub fn locate_in_year(
    wb: &Workbook,
    rep: &mut Reporter<'_>,
    run_year: Option<u32>,
) -> Vec<FormInstance> {
    let pack = rep.pack;
    let mut out = Vec::new();
    let year = report_year(wb, pack, &[]).map(|(_, _, y)| y).or(run_year);
    // Sheets read as the continuation of a form on an earlier sheet.
    let mut continued: Vec<usize> = Vec::new();
    for (si, sheet) in wb.sheets.iter().enumerate() {
        if continued.contains(&si) {
            continue;
        }
        let mut idx = SheetIndex::new(sheet, pack);
        idx.report_year = year;
        let mut scored: Vec<(usize, usize)> = pack
            .forms
            .iter()
            .enumerate()
            .filter_map(|(fi, _)| match_score(fi, &idx, pack).map(|s| (s, fi)))
            .collect();
        if scored.is_empty() {
            continue;
        }
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        // Several tables on one sheet: each form in its own region, when the regions tell
        // them apart; a form two regions are equally like is said once and not read.
        let forms: Vec<usize> = scored.iter().map(|(_, fi)| *fi).collect();
        if let Some(regions) = regions(sheet, &idx, &forms, pack) {
            for (fi, region) in regions.located {
                let mut ridx = SheetIndex::new(&region, pack);
                ridx.report_year = year;
                out.push(locate_form(wb, si, &region, fi, &ridx, rep));
            }
            for (fi, titles) in regions.undecided {
                let form = &pack.forms[fi];
                let cells: Vec<CellLoc> = titles.iter().map(|at| loc(sheet, *at)).collect();
                let list = cells
                    .iter()
                    .map(|c| c.cell.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                rep.engine(
                    Kind::LayoutFormRegionsAmbiguous,
                    Some((si, &sheet.name)),
                    cells.clone(),
                    titles.first().copied(),
                    &[("form", &form.id), ("sheet", &sheet.name), ("cells", &list)],
                );
                out.push(FormInstance::unread(form, fi, si));
            }
            continue;
        }
        if scored.len() > 1 && scored[0].0 == scored[1].0 {
            let (a, b) = (&pack.forms[scored[0].1].id, &pack.forms[scored[1].1].id);
            rep.engine(
                Kind::WorkbookSheetAmbiguous,
                Some((si, &sheet.name)),
                vec![],
                None,
                &[("sheet", &sheet.name), ("form", a), ("other", b)],
            );
            continue;
        }
        let fi = scored[0].1;
        let mut inst = locate_form(wb, si, sheet, fi, &idx, rep);
        continue_on_other_sheets(wb, &mut inst, &mut continued, rep);
        out.push(inst);
    }
    // The same form in several sheets.
    let mut by_form: HashMap<usize, Vec<usize>> = HashMap::new();
    for inst in &out {
        by_form.entry(inst.form).or_default().push(inst.sheet);
    }
    let mut repeated: Vec<_> = by_form.into_iter().filter(|(_, s)| s.len() > 1).collect();
    repeated.sort();
    for (fi, sheets) in repeated {
        let names: Vec<&str> = sheets.iter().map(|s| wb.sheets[*s].name.as_str()).collect();
        let first = sheets[0];
        rep.engine(
            Kind::WorkbookFormRepeated,
            Some((first, &wb.sheets[first].name)),
            vec![],
            None,
            &[("form", &pack.forms[fi].id), ("sheets", &names.join(", "))],
        );
    }
    check_unit_code(wb, &out, rep);
    out
}

/// Whether sheet `other` is named as a continuation of sheet `name`: the same name followed
/// by a mark of its own (`M01 (tiếp)`, `M01 (2)`, `M01-2`, `M01 tiep`), compared folded.
fn continues_name(name: &str, other: &str) -> bool {
    let (a, b) = (
        fold_diacritics(&name.trim().to_lowercase()),
        fold_diacritics(&other.trim().to_lowercase()),
    );
    b.strip_prefix(a.as_str())
        .map(|rest| rest.trim_matches(|c: char| c.is_whitespace() || "()-_.[]".contains(c)))
        .is_some_and(|rest| !rest.is_empty() && rest.split_whitespace().count() <= 2)
}

/// A form whose rows are not all found on its sheet may continue on a later sheet: one that
/// matches no form, is named as the form's sheet continued (or by the form's own sheet
/// pattern), has the form's columns in the same places (its header repeated) and holds rows
/// of the form missing from the first sheet. Those rows are read from there, as one form
/// instance; the findings that they were missing are withdrawn.
fn continue_on_other_sheets(
    wb: &Workbook,
    inst: &mut FormInstance,
    continued: &mut Vec<usize>,
    rep: &mut Reporter<'_>,
) {
    let pack = rep.pack;
    let form = &pack.forms[inst.form];
    if inst.not_found.is_empty() || form.records.is_some() {
        return;
    }
    let name = &wb.sheets[inst.sheet].name;
    for (sj, other) in wb.sheets.iter().enumerate().skip(inst.sheet + 1) {
        if inst.not_found.is_empty() {
            break;
        }
        if continued.contains(&sj) {
            continue;
        }
        let idx = SheetIndex::new(other, pack);
        if (0..pack.forms.len()).any(|f| match_score(f, &idx, pack).is_some()) {
            continue;
        }
        let by_pattern = form
            .sheet
            .as_ref()
            .is_some_and(|re| re.is_match(&idx.folded_name));
        if !continues_name(name, &other.name) && !by_pattern {
            continue;
        }
        // The last heading located on the first sheet: its rows may run on at the top.
        let carry = form
            .rows
            .iter()
            .enumerate()
            .filter(|(ri, r)| r.is_heading && inst.rows[*ri].is_some())
            .max_by_key(|(ri, _)| inst.rows[*ri])
            .map(|(ri, _)| ri);
        let mut scratch = Reporter {
            file: rep.file,
            pack,
            findings: Vec::new(),
        };
        let part = locate_form_carrying(wb, sj, other, inst.form, &idx, carry, &mut scratch);
        let same_columns = part.cols == inst.cols && part.cols.iter().any(Option::is_some);
        // The rows reported missing, and those under a heading missing from the first sheet
        // (not looked for there), that the continuation holds.
        let fills: Vec<usize> = (0..form.rows.len())
            .filter(|ri| inst.rows[*ri].is_none() && part.rows[*ri].is_some())
            .filter(|ri| {
                inst.not_found.iter().any(|(r, _)| r == ri)
                    || form.rows[*ri].under.is_some_and(|h| inst.rows[h].is_none())
            })
            .collect();
        if !same_columns || fills.is_empty() {
            continue;
        }
        continued.push(sj);
        if inst.row_sheets.is_empty() {
            inst.row_sheets = vec![inst.sheet; form.rows.len()];
        }
        for ri in &fills {
            inst.rows[*ri] = part.rows[*ri];
            inst.row_labels[*ri] = part.row_labels[*ri].clone();
            inst.row_sheets[*ri] = sj;
        }
        let withdrawn: Vec<usize> = inst
            .not_found
            .iter()
            .filter(|(ri, _)| fills.contains(ri))
            .map(|(_, f)| *f)
            .collect();
        let mut k = 0;
        rep.findings.retain(|_| {
            k += 1;
            !withdrawn.contains(&(k - 1))
        });
        inst.not_found.retain(|(ri, _)| !fills.contains(ri));
        // Later findings moved up by the withdrawn ones.
        for (_, f) in &mut inst.not_found {
            *f -= withdrawn.iter().filter(|w| **w < *f).count();
        }
        // What the continuation says, but that a row is missing which the first sheet holds
        // or reports missing itself.
        let elsewhere: Vec<usize> = part
            .not_found
            .iter()
            .filter(|(ri, _)| {
                inst.rows[*ri].is_some() || inst.not_found.iter().any(|(r, _)| r == ri)
            })
            .map(|(_, f)| *f)
            .collect();
        rep.findings.extend(
            scratch
                .findings
                .into_iter()
                .enumerate()
                .filter(|(i, _)| !elsewhere.contains(i))
                .map(|(_, f)| f),
        );
    }
}

/// Locates form `fi` in `sheet` (sheet `si` of the workbook, or a region of it: its cells keep
/// their places).
fn locate_form(
    wb: &Workbook,
    si: usize,
    sheet: &Sheet,
    fi: usize,
    idx: &SheetIndex,
    rep: &mut Reporter<'_>,
) -> FormInstance {
    locate_form_carrying(wb, si, sheet, fi, idx, None, rep)
}

/// [`locate_form`]; `carry`: on a continuation sheet, the heading of the previous sheet whose
/// rows may continue at the top of this one (before its first heading).
fn locate_form_carrying(
    wb: &Workbook,
    si: usize,
    sheet: &Sheet,
    fi: usize,
    idx: &SheetIndex,
    carry: Option<usize>,
    rep: &mut Reporter<'_>,
) -> FormInstance {
    let pack = rep.pack;
    let form = &pack.forms[fi];
    let here = Some((si, sheet.name.as_str()));

    // Columns: the header row is the row holding most of the column headers.
    let mut candidates: Vec<Vec<CellRef>> = form
        .columns
        .iter()
        .map(|c| {
            let mut found = column_candidates(sheet, idx, c, pack);
            // Under year groups, each year's heading may be written its own way (`Số lượng`
            // under one year, `SL` under the other): both are candidates, the year chooses.
            let dated = found
                .iter()
                .any(|at| heading_year(sheet, *at, pack).is_some());
            if found.is_empty() || dated {
                for at in approx_column_candidates(sheet, idx, form, c, pack) {
                    if !found.contains(&at) {
                        found.push(at);
                    }
                }
            }
            found
        })
        .collect();
    let mut row_votes: HashMap<u32, usize> = HashMap::new();
    for cands in &candidates {
        let mut rows: Vec<u32> = cands.iter().map(|c| c.row).collect();
        rows.dedup();
        for r in rows {
            *row_votes.entry(r).or_default() += 1;
        }
    }
    // The header band (a heading over up to three rows) holding the most columns, the topmost
    // of equals: a header repeated further down (a printed page) is not the header. Within it,
    // the row holding most headings.
    let band_score = |top: u32| {
        candidates
            .iter()
            .filter(|cands| cands.iter().any(|c| (top..=top + 2).contains(&c.row)))
            .count()
    };
    let band = row_votes
        .keys()
        .map(|r| (*r, band_score(*r)))
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(r, _)| r);
    let header_row = row_votes
        .iter()
        .filter(|(r, _)| band.is_some_and(|top| (top..=top + 2).contains(*r)))
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(r, _)| *r);
    let mut cols = Vec::with_capacity(form.columns.len());
    let mut header_bottom = header_row.unwrap_or(0);
    let mut header_top = header_row.unwrap_or(0);
    for (ci, col) in form.columns.iter().enumerate() {
        let cands = std::mem::take(&mut candidates[ci]);
        // The heading's other rows (a `(%)` under `Tỷ lệ`) belong to the header too.
        let rows_of = |c: u32| {
            cands
                .iter()
                .filter(move |x| x.col == c && header_row.is_some_and(|h| x.row.abs_diff(h) <= 2))
                .map(|x| x.row)
        };
        if let Some(h) = header_row {
            let chosen: Vec<u32> = cands
                .iter()
                .filter(|c| c.row.abs_diff(h) <= 2)
                .map(|c| c.col)
                .collect();
            if let [one, rest @ ..] = chosen.as_slice() {
                if rest.iter().all(|c| c == one) {
                    header_bottom = header_bottom.max(rows_of(*one).max().unwrap_or(h));
                }
            }
        }
        // The candidates nearest the header row (a two-row header puts some a row lower).
        let near: Vec<CellRef> = match header_row {
            Some(h) => {
                let best = cands.iter().map(|c| c.row.abs_diff(h)).min();
                cands
                    .into_iter()
                    .filter(|c| Some(c.row.abs_diff(h)) == best && c.row.abs_diff(h) <= 2)
                    .collect()
            }
            None => vec![],
        };
        // A heading repeated under two years (`Năm 2020 | Năm 2021`, `Số lượng năm 2021`):
        // the report year's, when every one of them names a year and one names that; none
        // when none names it (the report year's column is not there).
        let near = match (near.as_slice(), idx.report_year) {
            ([_, _, ..], Some(y)) => {
                let years: Vec<Option<u32>> =
                    near.iter().map(|c| heading_year(sheet, *c, pack)).collect();
                let this: Vec<CellRef> = near
                    .iter()
                    .zip(&years)
                    .filter(|(_, cy)| **cy == Some(y))
                    .map(|(c, _)| *c)
                    .collect();
                if years.iter().all(Option::is_some) && this.len() <= 1 {
                    this
                } else {
                    near
                }
            }
            _ => near,
        };
        match near.as_slice() {
            [one] => {
                header_bottom = header_bottom.max(one.row);
                header_top = header_top.min(one.row);
                // The group heading over it is part of the header.
                if !col.group_keys.is_empty() {
                    for g in groups_over(sheet, *one) {
                        if group_matches(sheet, g, col, pack) {
                            header_top = header_top.min(g.row);
                        }
                    }
                }
                cols.push(Some(one.col));
            }
            [] => {
                let closest = closest_text(pack, sheet, idx, &col.keys[0], |_| true);
                rep.engine(
                    Kind::LayoutColumnNotFound,
                    here,
                    vec![],
                    None,
                    &[
                        ("form", &form.id),
                        ("header", &col.header),
                        ("closest", &closest),
                    ],
                );
                cols.push(None);
            }
            many => {
                let cells: Vec<CellLoc> = many.iter().map(|c| loc(sheet, *c)).collect();
                let list = cells
                    .iter()
                    .map(|c| c.cell.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                rep.engine(
                    Kind::LayoutColumnAmbiguous,
                    here,
                    cells.clone(),
                    Some(many[0]),
                    &[
                        ("form", &form.id),
                        ("header", &col.header),
                        ("cells", &list),
                    ],
                );
                cols.push(None);
            }
        }
    }

    // Two columns of the form found in one sheet column, one of them by its group: the group
    // did not tell them apart (a heading under two groups). Neither is used.
    let mut taken: HashMap<u32, Vec<usize>> = HashMap::new();
    for (ci, c) in cols.iter().enumerate() {
        if let Some(c) = c {
            taken.entry(*c).or_default().push(ci);
        }
    }
    let mut clashes: Vec<(u32, Vec<usize>)> = taken
        .into_iter()
        .filter(|(_, cis)| {
            cis.len() > 1
                && cis
                    .iter()
                    .any(|ci| !form.columns[*ci].group_keys.is_empty())
        })
        .collect();
    clashes.sort();
    for (c, cis) in clashes {
        let at = CellRef::new(header_bottom, c);
        for ci in cis {
            rep.engine(
                Kind::LayoutColumnAmbiguous,
                here,
                vec![loc(sheet, at)],
                Some(at),
                &[
                    ("form", &form.id),
                    ("header", &form.columns[ci].header),
                    ("cells", &at.to_string()),
                ],
            );
            cols[ci] = None;
        }
    }

    // Rows: labels below the header and left of the first value column.
    let first_value_col = cols
        .iter()
        .zip(&form.columns)
        .filter(|(_, c)| c.kind != crate::rules::Kind::Text)
        .filter_map(|(c, _)| *c)
        .min();
    let eligible = |at: &CellRef| {
        header_row.is_none_or(|_| at.row > header_bottom)
            && first_value_col.is_none_or(|c| at.col < c)
    };
    // Every key of the form's rows, with the label it belongs to: made when a text is not a
    // row's label as written (most sheets need it for none).
    let form_keys = std::cell::OnceCell::new();
    let form_keys = || -> &HashMap<&str, &str, FxBuild> {
        form_keys.get_or_init(|| {
            form.rows
                .iter()
                .flat_map(|r| r.keys.iter().map(move |k| (k.as_str(), r.label.as_str())))
                .collect()
        })
    };
    let mut rows: Vec<Option<u32>> = vec![None; form.rows.len()];
    let mut row_labels: Vec<Option<String>> = vec![None; form.rows.len()];
    let mut label_match: Vec<Option<Quality>> = vec![None; form.rows.len()];
    let mut not_found: Vec<(usize, usize)> = Vec::new();
    // A row's texts and the cells found for it, one buffer for all the rows.
    let (mut texts, mut found): (Vec<usize>, Vec<CellRef>) = Default::default();
    // Two passes: rows searched in the whole table, then rows searched under a heading.
    for pass in 0..2 {
        // Section bounds: heading rows found in the first pass.
        let mut heading_rows: Vec<u32> = form
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.is_heading)
            .filter_map(|(i, _)| rows[i])
            .collect();
        heading_rows.sort();
        // The rows of this pass found nowhere as written, with the rows they are searched in.
        let mut pending: Vec<(usize, u32, u32)> = Vec::new();
        for (ri, row) in form.rows.iter().enumerate() {
            if (pass == 0) != row.under.is_none() {
                continue;
            }
            let (lo, hi) = match row.under {
                None => (0, u32::MAX),
                Some(h) => match rows[h] {
                    Some(hr) => (
                        hr + 1,
                        heading_rows
                            .iter()
                            .copied()
                            .find(|r| *r > hr)
                            .unwrap_or(u32::MAX),
                    ),
                    // Continued from the previous sheet: its rows stand at the top.
                    None if carry == Some(h) => {
                        (0, heading_rows.first().copied().unwrap_or(u32::MAX))
                    }
                    // The heading itself was not found: that finding says enough.
                    None => continue,
                },
            };
            let here_ok = |at: &CellRef| eligible(at) && at.row >= lo && at.row < hi;
            // The label as written first; without its numbering only when the text as
            // written is no label of the form (`60 tuổi trở lên` stays itself).
            found.clear();
            let mut shadowed: Vec<(CellRef, &str)> = Vec::new();
            let row_flats = &row.flat_keys;
            // Only the texts that can be the row's label, in the sheet's order: those whose
            // key, bare key or flat key is one of the row's.
            texts.clear();
            for k in &row.keys {
                texts.extend(idx.with_key(k));
                texts.extend(idx.with_bare(k));
            }
            for f in row_flats {
                texts.extend(idx.with_flat(f));
            }
            texts.sort_unstable();
            texts.dedup();
            for &i in &texts {
                let (at, t) = &idx.texts[i];
                let (k, bare, flat) = (&t.key, &t.bare, &t.flat);
                if !here_ok(at) {
                    continue;
                }
                if row.keys.contains(k) {
                    found.push(*at);
                } else if bare.as_ref().is_some_and(|b| row.keys.contains(b)) {
                    match form_keys().get(k.as_str()) {
                        None => found.push(*at),
                        Some(other) => shadowed.push((*at, other)),
                    }
                } else if row_flats.contains(flat)
                    && !form_keys().contains_key(k.as_str())
                    && !bare
                        .as_ref()
                        .is_some_and(|b| form_keys().contains_key(b.as_str()))
                {
                    // The label with other punctuation: no other row's label as written.
                    found.push(*at);
                }
            }
            found.dedup_by_key(|c| c.row);
            if let ([], [(at, other), ..]) = (found.as_slice(), shadowed.as_slice()) {
                // `1 Tổng số` in a form with rows `1 Tổng số` and `Tổng số`: numbering, or the
                // other row's label? Said, not guessed.
                let text = sheet.get(*at).map(|c| c.display()).unwrap_or_default();
                rep.engine(
                    Kind::LayoutLabelNumberingAmbiguous,
                    here,
                    vec![loc(sheet, *at)],
                    Some(*at),
                    &[
                        ("form", &form.id),
                        ("label", &row.label),
                        ("other", other),
                        ("text", &text),
                        ("cell", &at.to_string()),
                    ],
                );
                continue;
            }
            match found.as_slice() {
                [one] => {
                    rows[ri] = Some(one.row);
                    row_labels[ri] = sheet.get(*one).and_then(|c| c.text()).map(str::to_string);
                    label_match[ri] = Some(Quality::Exact);
                }
                [] => pending.push((ri, lo, hi)),
                many => {
                    let cells: Vec<CellLoc> = many.iter().map(|c| loc(sheet, *c)).collect();
                    let list = cells
                        .iter()
                        .map(|c| c.cell.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                    rep.engine(
                        Kind::LayoutLabelAmbiguous,
                        here,
                        cells.clone(),
                        Some(many[0]),
                        &[("form", &form.id), ("label", &row.label), ("cells", &list)],
                    );
                }
            }
        }
        // Abbreviated or mistyped labels, for the rows found nowhere as written.
        let taken: Vec<u32> = rows.iter().flatten().copied().collect();
        let approx = if pending.is_empty() {
            Vec::new()
        } else {
            approx_rows(form, idx, &pending, form_keys(), &taken, pack, &eligible)
        };
        let mut said_two_rows: std::collections::HashSet<CellRef> = Default::default();
        for ((ri, lo, hi), got) in pending.iter().zip(approx) {
            let row = &form.rows[*ri];
            match got {
                Approx::Found(at, q) => {
                    rows[*ri] = Some(at.row);
                    row_labels[*ri] = sheet.get(at).and_then(|c| c.text()).map(str::to_string);
                    label_match[*ri] = Some(q);
                }
                Approx::Ambiguous(many) => {
                    let cells: Vec<CellLoc> = many.iter().map(|c| loc(sheet, *c)).collect();
                    let list = cells
                        .iter()
                        .map(|c| c.cell.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                    rep.engine(
                        Kind::LayoutLabelAmbiguous,
                        here,
                        cells.clone(),
                        Some(many[0]),
                        &[("form", &form.id), ("label", &row.label), ("cells", &list)],
                    );
                }
                Approx::TwoRows(at, others) => {
                    // Said once for the cell; none of the rows is read.
                    if said_two_rows.insert(at) {
                        let text = sheet.get(at).map(|c| c.display()).unwrap_or_default();
                        let names: Vec<&str> = std::iter::once(*ri)
                            .chain(others.iter().copied())
                            .map(|r| form.rows[r].label.as_str())
                            .collect();
                        rep.engine(
                            Kind::LayoutLabelTwoRows,
                            here,
                            vec![loc(sheet, at)],
                            Some(at),
                            &[
                                ("form", &form.id),
                                ("text", &text),
                                ("cell", &at.to_string()),
                                ("labels", &names.join("\", \"")),
                            ],
                        );
                    }
                }
                Approx::NotFound => {
                    let closest = closest_text(pack, sheet, idx, &row.keys[0], |at| {
                        eligible(at) && at.row >= *lo && at.row < *hi
                    });
                    rep.engine(
                        Kind::LayoutLabelNotFound,
                        here,
                        vec![],
                        None,
                        &[
                            ("form", &form.id),
                            ("label", &row.label),
                            ("closest", &closest),
                        ],
                    );
                    // A continuation sheet may still answer it (withdrawn then).
                    not_found.push((*ri, rep.findings.len() - 1));
                }
            }
        }
    }

    // Cell fields: by address on this sheet, or by an Excel defined name.
    let mut cells = Vec::with_capacity(form.cells.len());
    for cf in &form.cells {
        match &cf.at {
            CellAt::Address(a) => cells.push(Some((si, *a))),
            CellAt::Name(n) => {
                let target = wb
                    .defined_names
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(n))
                    .and_then(|(_, v)| resolve_defined_name(wb, v));
                if target.is_none() {
                    rep.engine(
                        Kind::LayoutNameNotFound,
                        here,
                        vec![],
                        None,
                        &[("form", &form.id), ("name", n)],
                    );
                }
                cells.push(target);
            }
        }
    }
    let (records, subtotals) = match &form.records {
        Some(rec) => {
            let band = header_row.map(|h| (h.min(header_top).min(header_bottom), header_bottom));
            let at = (header_bottom, band);
            find_records(sheet, form, rec, at, &rows, &cols, pack)
        }
        None => (
            Vec::new(),
            structure::find_subtotals(sheet, form, &rows, &cols, header_bottom, &pack.settings),
        ),
    };
    let mut records = records;
    if form.matches_units() {
        for r in &mut records {
            r.key = pack.settings.unit_key(&r.key);
            let raw = sheet
                .get(r.key_cell)
                .map(|c| c.display())
                .unwrap_or_default();
            irregular_code(rep, (si, sheet), r.key_cell, &raw, &r.key);
        }
    }
    FormInstance {
        form: fi,
        sheet: si,
        rows,
        cols,
        cells,
        row_labels,
        label_match,
        header_rows: header_row.map(|h| (h.min(header_top).min(header_bottom), header_bottom)),
        records,
        subtotals,
        row_sheets: Vec::new(),
        not_found,
    }
}

/// What the approximate matching made of a row found nowhere as written.
enum Approx {
    Found(CellRef, Quality),
    /// Several cells match it equally well.
    Ambiguous(Vec<CellRef>),
    /// The one cell that matches it best matches other rows (their indices) as well.
    TwoRows(CellRef, Vec<usize>),
    NotFound,
}

/// The rows `pending` (row, first and end sheet row searched) by their labels abbreviated or
/// with a one-letter slip ([`crate::read::labels`]). A cell that is some row's label as written, or
/// in a sheet row already `taken`, is no candidate; a cell goes to the row it matches best, and
/// one matching two rows equally goes to neither.
fn approx_rows(
    form: &Form,
    idx: &SheetIndex,
    pending: &[(usize, u32, u32)],
    form_keys: &HashMap<&str, &str, FxBuild>,
    taken: &[u32],
    pack: &Pack,
    eligible: &dyn Fn(&CellRef) -> bool,
) -> Vec<Approx> {
    let abbr = &pack.settings.abbreviations;
    let cands: Vec<Vec<(usize, Quality)>> = pending
        .iter()
        .map(|(ri, lo, hi)| {
            let keys: Vec<String> = form.rows[*ri]
                .keys
                .iter()
                .map(|k| written_out(k, abbr))
                .collect();
            idx.texts
                .iter()
                .enumerate()
                .filter(|(_, (at, t))| {
                    eligible(at)
                        && at.row >= *lo
                        && at.row < *hi
                        && !taken.contains(&at.row)
                        && !form_keys.contains_key(t.key.as_str())
                        && !t
                            .bare
                            .as_ref()
                            .is_some_and(|b| form_keys.contains_key(b.as_str()))
                })
                .filter_map(|(i, _)| {
                    let (w, n) = idx.written(i);
                    approx_match(&keys, &w[..n], abbr).map(|q| (i, q))
                })
                .collect()
        })
        .collect();
    // Each cell's best claim, and the pending rows making it.
    let mut best: HashMap<usize, (Quality, Vec<usize>)> = HashMap::new();
    for (pi, cs) in cands.iter().enumerate() {
        for (i, q) in cs {
            let e = best.entry(*i).or_insert((*q, Vec::new()));
            if *q > e.0 {
                *e = (*q, Vec::new());
            }
            if *q == e.0 {
                e.1.push(pi);
            }
        }
    }
    cands
        .iter()
        .enumerate()
        .map(|(pi, cs)| {
            let mine: Vec<(usize, Quality)> = cs
                .iter()
                .copied()
                .filter(|(i, q)| best.get(i).is_some_and(|b| b.0 == *q))
                .collect();
            let Some(top) = mine.iter().map(|(_, q)| *q).max() else {
                return Approx::NotFound;
            };
            let mut at_top: Vec<usize> = mine
                .iter()
                .filter(|(_, q)| *q == top)
                .map(|(i, _)| *i)
                .collect();
            at_top.sort_by_key(|i| idx.at(*i));
            at_top.dedup_by_key(|i| idx.at(*i).row);
            match at_top.as_slice() {
                [one] => {
                    let at = idx.at(*one);
                    let others: Vec<usize> = best[one]
                        .1
                        .iter()
                        .filter(|p| **p != pi)
                        .map(|p| pending[*p].0)
                        .collect();
                    if others.is_empty() {
                        Approx::Found(at, top)
                    } else {
                        Approx::TwoRows(at, others)
                    }
                }
                many => Approx::Ambiguous(many.iter().map(|i| idx.at(*i)).collect()),
            }
        })
        .collect()
}

/// The cells heading `col`: its heading (or an alias) as written; for a column with a group,
/// that heading under the group ([`groups_over`]) or the two in one flat heading
/// (`Đảng viên - HTXSNV`); for one without, also a heading split over two rows (`Tỷ lệ` over
/// `(%)`), found at its lower cell.
///
/// A heading naming its unit of measure (`Số lượng (người)`) is the heading without it
/// ([`TextKeys::unitless`]).
fn column_candidates(sheet: &Sheet, idx: &SheetIndex, col: &Column, pack: &Pack) -> Vec<CellRef> {
    let mut out: Vec<CellRef> = Vec::new();
    let is_key = |k: &str| col.keys.iter().any(|ck| ck == k);
    if col.group_keys.is_empty() {
        for (at, t) in &idx.texts {
            let k = t.unitless();
            if is_key(k) {
                out.push(*at);
                continue;
            }
            // The lower part of a heading split over two rows.
            let is_tail = col
                .keys
                .iter()
                .any(|ck| ck.len() > k.len() && ck.ends_with(k));
            if !is_tail {
                continue;
            }
            let Some(up) = at.row.checked_sub(1) else {
                continue;
            };
            let above = sheet.get(CellRef::new(up, at.col)).map(|c| c.display());
            if let Some(above) = above {
                let joined = label_key(&format!("{above} {k}"), pack.settings.folding);
                if is_key(&joined) {
                    out.push(*at);
                }
            }
        }
        return out;
    }
    for (at, t) in &idx.texts {
        let (k, f) = (t.unitless(), t.flat_of_key());
        if is_key(k) {
            if groups_over(sheet, *at).any(|g| group_matches(sheet, g, col, pack)) {
                out.push(*at);
            }
        } else if col.flat_keys.iter().any(|x| x == f) {
            out.push(*at);
        }
    }
    out
}

/// The cells heading `col` when none does as written ([`column_candidates`]): its heading with
/// a year in it (`Số lượng năm 2021`), abbreviated (`SL`, `TL (%)`, `%`) or with a one-letter
/// slip, unless the cell is another column's heading as written.
fn approx_column_candidates(
    sheet: &Sheet,
    idx: &SheetIndex,
    form: &Form,
    col: &Column,
    pack: &Pack,
) -> Vec<CellRef> {
    let abbr = &pack.settings.abbreviations;
    let others = |k: &str| {
        form.columns
            .iter()
            .any(|c| !std::ptr::eq(c, col) && c.keys.iter().any(|ck| ck == k))
    };
    let undated = |k: &str| crate::read::labels::without_year(k, &pack.settings.year_words);
    let keys: Vec<String> = col.keys.iter().map(|k| written_out(k, abbr)).collect();
    let mut out = Vec::new();
    for (i, (at, t)) in idx.texts.iter().enumerate() {
        let k = &t.key;
        if others(k) {
            continue;
        }
        let rest = undated(k).map(|(r, _)| r);
        if rest.as_ref().is_some_and(|r| others(r)) {
            continue;
        }
        let rest_out = rest.as_deref().map(|r| written_out(r, abbr));
        let written = [idx.written(i).0[0], rest_out.as_deref().unwrap_or_default()];
        let written = &written[..1 + usize::from(rest_out.is_some())];
        let heading = rest.as_ref().is_some_and(|r| col.keys.contains(r))
            || approx_match(&keys, written, abbr).is_some();
        if !heading {
            continue;
        }
        if col.group_keys.is_empty()
            || groups_over(sheet, *at).any(|g| group_matches(sheet, g, col, pack))
        {
            out.push(*at);
        }
    }
    out
}

/// The year a heading cell names: in its own text (`Số lượng năm 2021`), or in a group heading
/// over it (`Năm 2021` merged over `Số lượng | Tỷ lệ (%)`).
fn heading_year(sheet: &Sheet, at: CellRef, pack: &Pack) -> Option<u32> {
    let year = |c: CellRef| {
        sheet.get(c).and_then(|x| match x.text() {
            Some(t) => year_named(t, pack.settings.folding),
            None => crate::read::labels::year_in(&label_key(&x.display(), pack.settings.folding)),
        })
    };
    year(at).or_else(|| groups_over(sheet, at).find_map(year))
}

/// The year a text names ([`crate::read::labels::year_in`] of its key), remembered per
/// distinct text per thread: the same headings and group headings stand in every workbook.
fn year_named(text: &str, folding: Folding) -> Option<u32> {
    let year = |t: &str| crate::read::labels::year_in(&label_key(t, folding));
    if text.len() > crate::text::MAX_LABEL_BYTES {
        return year(text);
    }
    thread_local! {
        static YEARS: [Memo<Option<u32>>; 2] = Default::default();
    }
    YEARS.with(|m| m[usize::from(folding.diacritics)].get(text, year))
}

/// Whether the heading cell `g` is `col`'s group (or an alias), as written or with its
/// numbering taken off (`I. Đảng viên`).
fn group_matches(sheet: &Sheet, g: CellRef, col: &Column, pack: &Pack) -> bool {
    let Some(text) = sheet.get(g).map(|c| c.display()) else {
        return false;
    };
    let k = label_key(&text, pack.settings.folding);
    if col.group_keys.contains(&k)
        || strip_numbering(&k).is_some_and(|b| col.group_keys.iter().any(|g| g == b))
    {
        return true;
    }
    let mut written = vec![k.as_str()];
    written.extend(strip_numbering(&k));
    approx_quality(&col.group_keys, &written, &pack.settings.abbreviations).is_some()
}

/// The group headings over a heading cell: in each of the two rows above it, the nearest filled
/// cell at or left of its column whose span reaches it. A merged range keeps its text in its
/// first cell and leaves the rest empty, so a group spans from its cell rightwards over every
/// column that is empty in its own row and has a heading below it (merged or not, "centre
/// across selection" alike); the merged ranges themselves are not needed.
fn groups_over(sheet: &Sheet, at: CellRef) -> impl Iterator<Item = CellRef> + '_ {
    (1..=2u32).filter_map(move |up| {
        let rr = at.row.checked_sub(up)?;
        let (g, _) = sheet
            .cells
            .range(CellRef::new(rr, 0)..=CellRef::new(rr, at.col))
            .rev()
            .find(|(_, c)| !blank(c))?;
        columns_filled(sheet, (rr + 1, at.row), (g.col, at.col)).then_some(*g)
    })
}

/// Whether each column from `first` to `last` has a filled cell in row `top` or row `bottom`
/// (`bottom` is `top` or the row below it): each row's cells in those columns are read once,
/// in order, rather than each column looked up in each row.
fn columns_filled(sheet: &Sheet, (top, bottom): (u32, u32), (first, last): (u32, u32)) -> bool {
    let row = |r: u32| {
        sheet
            .cells
            .range(CellRef::new(r, first)..=CellRef::new(r, last))
            .filter(|(_, x)| !blank(x))
            .map(|(at, _)| at.col)
            .peekable()
    };
    let mut rows = [Some(row(top)), (bottom > top).then(|| row(bottom))];
    let mut col = first;
    loop {
        let mut filled = false;
        for r in rows.iter_mut().flatten() {
            while r.next_if(|c| *c < col).is_some() {}
            filled |= r.peek() == Some(&col);
        }
        if !filled {
            return false;
        }
        if col >= last {
            return true;
        }
        col += 1;
    }
}

/// Whether a cell shows nothing but white space (`c.display().trim().is_empty()`, without
/// making its text: a number or a truth value always shows something).
fn blank(c: &crate::model::Cell) -> bool {
    match &c.value {
        Value::Empty => true,
        Value::Number(_) | Value::Bool(_) => false,
        Value::Text(t) | Value::Error(t) | Value::Date(t) => t.trim().is_empty(),
    }
}

/// The filled rows between the header and the end row (or the end of the sheet), and the rows
/// among them that sum others (group rows, [`structure::split_groups`]). A row of column
/// numbers and the header repeated further down are structure, not records.
fn find_records(
    sheet: &Sheet,
    form: &Form,
    rec: &crate::rules::Records,
    (header_bottom, band): (u32, Option<(u32, u32)>),
    rows: &[Option<u32>],
    cols: &[Option<u32>],
    pack: &Pack,
) -> (Vec<Record>, Vec<Subtotal>) {
    let Some(key_col) = cols.get(rec.key).copied().flatten() else {
        return (Vec::new(), Vec::new());
    };
    let end = rec
        .end
        .and_then(|e| rows.get(e).copied().flatten())
        .unwrap_or(u32::MAX);
    let named: Vec<u32> = rows.iter().flatten().copied().collect();
    let located: Vec<u32> = cols.iter().flatten().copied().collect();
    let text_at = |r: u32, c: u32| {
        sheet
            .get(CellRef::new(r, c))
            .map(|c| c.display().trim().to_string())
            .unwrap_or_default()
    };
    let first_figure = cols
        .iter()
        .zip(&form.columns)
        .filter(|(_, c)| c.kind != crate::rules::Kind::Text)
        .filter_map(|(c, _)| *c)
        .min()
        .unwrap_or(u32::MAX);
    let figure_cols: Vec<u32> = cols
        .iter()
        .zip(&form.columns)
        .filter(|(_, c)| {
            matches!(
                c.kind,
                crate::rules::Kind::Count | crate::rules::Kind::Number
            )
        })
        .filter_map(|(c, _)| *c)
        .collect();
    // The table's columns, for a row of column numbers: the located ones and those between.
    let span: Vec<u32> = match (located.iter().min(), located.iter().max()) {
        (Some(lo), Some(hi)) => (*lo.min(&key_col)..=*hi).collect(),
        _ => Vec::new(),
    };
    let mut candidates: Vec<CandidateRow> = Vec::new();
    let mut last_row = None;
    for (at, _) in sheet
        .cells
        .range(CellRef::new(header_bottom + 1, 0)..CellRef::new(end, 0))
    {
        if last_row == Some(at.row) || named.contains(&at.row) {
            continue;
        }
        let filled = located.iter().any(|c| !text_at(at.row, *c).is_empty());
        if !filled {
            continue;
        }
        last_row = Some(at.row);
        if structure::is_column_number_row(sheet, at.row, &span)
            || structure::is_header_repeat(sheet, at.row, form, cols, &pack.settings)
            || band.is_some_and(|b| structure::repeats_rows(sheet, at.row, b, &span, pack))
        {
            continue;
        }
        let texts: Vec<String> = sheet
            .cells
            .range(CellRef::new(at.row, 0)..CellRef::new(at.row, first_figure))
            .filter(|(c, _)| c.col != key_col)
            .filter_map(|(_, c)| c.text().map(|t| t.trim().to_string()))
            .filter(|t| !t.is_empty())
            .collect();
        candidates.push(CandidateRow {
            row: at.row,
            key: text_at(at.row, key_col),
            texts,
        });
    }
    let (groups, is_record) =
        structure::split_groups(sheet, &candidates, &figure_cols, &pack.settings);
    let mut out: Vec<Record> = Vec::new();
    // Candidate index → record index.
    let mut record_of: Vec<Option<usize>> = Vec::with_capacity(candidates.len());
    for (c, keep) in candidates.iter().zip(&is_record) {
        if !keep {
            record_of.push(None);
            continue;
        }
        record_of.push(Some(out.len()));
        let key = c.key.clone();
        let label = rec
            .label
            .and_then(|l| cols.get(l).copied().flatten())
            .map(|col| text_at(c.row, col))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| key.clone());
        out.push(Record {
            row: c.row,
            written: key.clone(),
            key,
            key_cell: CellRef::new(c.row, key_col),
            label,
        });
    }
    let subtotals = groups
        .into_iter()
        .map(|(g, members)| {
            let c = &candidates[g];
            let label = rec
                .label
                .and_then(|l| cols.get(l).copied().flatten())
                .map(|col| text_at(c.row, col))
                .filter(|t| !t.is_empty())
                .or_else(|| c.texts.last().cloned())
                .unwrap_or_default();
            Subtotal {
                row: c.row,
                label,
                members: members
                    .iter()
                    .filter_map(|m| record_of[*m])
                    .map(|k| form.rows.len() + k)
                    .collect(),
            }
        })
        .collect();
    (out, subtotals)
}

/// `Sheet!$C$7`, `'My sheet'!C7` → (sheet index, cell).
fn resolve_defined_name(wb: &Workbook, target: &str) -> Option<(usize, CellRef)> {
    let t = target.trim().trim_start_matches('=');
    let (sheet, cell) = t.rsplit_once('!')?;
    let sheet = sheet.trim_matches('\'').replace("''", "'");
    let si = wb.sheets.iter().position(|s| s.name == sheet)?;
    Some((si, CellRef::parse_a1(cell)?))
}

/// `; the closest is "…" in C12` for a message, or nothing.
fn closest_text(
    pack: &Pack,
    sheet: &Sheet,
    idx: &SheetIndex,
    wanted: &str,
    allowed: impl Fn(&CellRef) -> bool,
) -> String {
    // Ranked by edit similarity plus Jaro-Winkler (which favours a shared beginning, as in
    // "Đại học" → "Đại học chính quy"); close enough when either says so.
    let mut best: Option<(f64, CellRef)> = None;
    for (at, t) in &idx.texts {
        let k = &t.key;
        if !allowed(at) {
            continue;
        }
        let (nl, jw) = (
            strsim::normalized_levenshtein(wanted, k),
            strsim::jaro_winkler(wanted, k),
        );
        if nl < 0.5 && jw < 0.85 {
            continue;
        }
        let score = nl + jw;
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, *at));
        }
    }
    match best {
        Some((_, at)) => {
            let text = sheet.get(at).map(|c| c.display()).unwrap_or_default();
            pack.settings.message(
                TextId::HintClosest,
                &[("text", &text), ("cell", &at.to_string())],
            )
        }
        _ => String::new(),
    }
}

/// The reporting unit named in the title block: (name, code, report year), by the pack's
/// `unit_name_label` / `unit_code_label` / `report_year_label`. The value is the text after the
/// label's colon in the same cell, or else the next filled cell to the right. Sheets holding
/// forms are searched first. The year is the one four-digit number from 1900 to 2199 its value
/// names ([`report_year`]).
pub fn unit_identity(
    wb: &Workbook,
    pack: &Pack,
    instances: &[FormInstance],
) -> (Option<String>, Option<String>, Option<i32>) {
    let (name, code, _) = identity_cells(wb, pack, instances);
    let shown = |x: Option<(usize, CellRef, String)>| x.map(|(_, _, t)| t.trim().to_string());
    let year = report_year(wb, pack, instances).and_then(|(_, _, y)| i32::try_from(y).ok());
    (shown(name), shown(code), year)
}

/// An info finding on a unit code written otherwise than its key (`td-08`, read as TD-08), so
/// that the branch can tidy it; nothing when it is written as its key, or empty.
fn irregular_code(
    rep: &mut Reporter<'_>,
    (si, sheet): (usize, &Sheet),
    at: CellRef,
    written: &str,
    key: &str,
) {
    if written == key || key.is_empty() {
        return;
    }
    rep.engine(
        Kind::UnitCodeIrregular,
        Some((si, &sheet.name)),
        vec![loc(sheet, at)],
        Some(at),
        &[("written", written), ("code", key)],
    );
}

/// The info finding on the title block's unit code when it is written irregularly.
pub fn check_unit_code(wb: &Workbook, instances: &[FormInstance], rep: &mut Reporter<'_>) {
    let pack = rep.pack;
    if let (_, Some((si, at, written)), _) = identity_cells(wb, pack, instances) {
        let key = pack.settings.unit_key(&written);
        irregular_code(rep, (si, &wb.sheets[si]), at, &written, &key);
    }
}

/// The cells naming the reporting unit, its code and the report year: (sheet, cell, the value
/// as written: the whole cell, or the text after the label's colon in the same cell).
#[allow(clippy::type_complexity)]
fn identity_cells(
    wb: &Workbook,
    pack: &Pack,
    instances: &[FormInstance],
) -> (
    Option<(usize, CellRef, String)>,
    Option<(usize, CellRef, String)>,
    Option<(usize, CellRef, String)>,
) {
    (
        title_value(wb, pack, instances, pack.settings.unit_name_key.as_ref()),
        title_value(wb, pack, instances, pack.settings.unit_code_key.as_ref()),
        title_value(wb, pack, instances, pack.settings.report_year_key.as_ref()),
    )
}

/// The report year the title block gives (the pack's `report_year_label`): (sheet, cell,
/// year), when its value names one year.
pub fn report_year(
    wb: &Workbook,
    pack: &Pack,
    instances: &[FormInstance],
) -> Option<(usize, CellRef, u32)> {
    let (si, at, written) =
        title_value(wb, pack, instances, pack.settings.report_year_key.as_ref())?;
    let year = crate::read::labels::year_in(&label_key(&written, pack.settings.folding))?;
    Some((si, at, year))
}

/// The value of a title-block label (by its key): (sheet, cell, the value as written: the whole
/// cell, or the text after the label's colon in the same cell).
fn title_value(
    wb: &Workbook,
    pack: &Pack,
    instances: &[FormInstance],
    key: Option<&String>,
) -> Option<(usize, CellRef, String)> {
    let mut order: Vec<usize> = instances.iter().map(|i| i.sheet).collect();
    order.extend(0..wb.sheets.len());
    let find = |key: Option<&String>| -> Option<(usize, CellRef, String)> {
        let key = key.as_ref()?;
        for &si in &order {
            let sheet = &wb.sheets[si];
            for (at, cell) in &sheet.cells {
                let Value::Text(t) = &cell.value else {
                    continue;
                };
                // A column header (the code column over a table of units) is no title-block label.
                let in_header = instances.iter().any(|i| {
                    i.sheet == si
                        && i.header_rows
                            .is_some_and(|(lo, hi)| (lo..=hi).contains(&at.row))
                });
                // Nor is a text in a table's column below its header (the header repeated
                // further down).
                let in_table = instances.iter().any(|i| {
                    i.sheet == si
                        && i.header_rows.is_some_and(|(lo, _)| at.row >= lo)
                        && i.cols.contains(&Some(at.col))
                });
                if in_header || in_table {
                    continue;
                }
                let k = label_key(t, pack.settings.folding);
                if !k.starts_with(key.as_str()) {
                    continue;
                }
                if k.len() > key.len() {
                    // `Mã đơn vị: TD-07` in one cell.
                    if let Some((_, rest)) = t.split_once([':', '：']) {
                        if !rest.trim().is_empty() {
                            return Some((si, *at, rest.trim_start_matches(' ').to_string()));
                        }
                    }
                    continue;
                }
                // The next filled cell to the right, unless it is the next label of the title
                // block (`Mã đơn vị:` [empty] `Năm báo cáo:` 2021): then the value is missing.
                let right = sheet
                    .cells
                    .range(CellRef::new(at.row, at.col + 1)..CellRef::new(at.row, u32::MAX))
                    .find(|(_, c)| !blank(c));
                if let Some((right_at, c)) = right {
                    let written = c.display();
                    if written.trim().ends_with([':', '：']) {
                        continue;
                    }
                    return Some((si, *right_at, written));
                }
            }
        }
        None
    };
    find(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Cell;
    use crate::rules::{compile, Source};

    #[test]
    fn the_report_year_is_the_one_plausible_four_digit_number() {
        use crate::read::labels::year_in;
        assert_eq!(year_in("2021"), Some(2021));
        assert_eq!(year_in("năm 2020 (chính thức)"), Some(2020));
        assert_eq!(year_in("12345 2019"), Some(2019));
        assert_eq!(year_in("0042"), None);
        assert_eq!(year_in("năm nay"), None);
    }

    pub(super) fn pack(toml: &str) -> Pack {
        let src = Source {
            name: "t.toml".into(),
            text: toml.into(),
        };
        match compile(&[src]) {
            Ok(p) => p,
            Err(e) => panic!("rules: {e:?}"),
        }
    }

    /// A sheet from rows of texts (`""` leaves the cell empty; a number is written as one).
    pub(super) fn sheet(name: &str, rows: &[&[&str]]) -> Workbook {
        let mut s = Sheet::new(name);
        for (r, row) in rows.iter().enumerate() {
            for (c, t) in row.iter().enumerate() {
                if t.is_empty() {
                    continue;
                }
                let value = match t.parse::<f64>() {
                    Ok(v) => Value::Number(v),
                    Err(_) => Value::Text(t.to_string()),
                };
                s.cells
                    .insert(CellRef::new(r as u32, c as u32), Cell::value(value));
            }
        }
        Workbook {
            sheets: vec![s],
            defined_names: vec![],
        }
    }

    pub(super) fn run(pack: &Pack, wb: &Workbook) -> (Vec<FormInstance>, Vec<Finding>) {
        let mut rep = Reporter {
            file: "t.xlsx",
            pack,
            findings: vec![],
        };
        let inst = locate(wb, &mut rep);
        (inst, rep.findings)
    }

    const AGES: &str = r#"
[form]
id = "F"
name = "Ages"
labels = ["Tổng số"]
[[column]]
id = "n"
header = "Số lượng"
[[row]]
id = "total"
label = "Tổng số"
[[row]]
id = "young"
label = "18 - 30 tuổi"
[[row]]
id = "old"
label = "60 tuổi trở lên"
[[row]]
id = "women"
label = "Trong đó: Nữ"
"#;

    fn rows_found(inst: &FormInstance) -> Vec<Option<u32>> {
        inst.rows.clone()
    }

    #[test]
    fn numbering_in_the_label_comes_off_and_a_number_that_is_the_label_stays() {
        let p = pack(AGES);
        let wb = sheet(
            "S",
            &[
                &["Chỉ tiêu", "Số lượng"],
                &["1 Tổng số", "10"],
                &["1.1. Trong đó: Nữ", "4"],
                &["2.1a 18 - 30 tuổi", "6"],
                &["60 tuổi trở lên", "4"],
            ],
        );
        let (inst, findings) = run(&p, &wb);
        assert_eq!(findings, vec![]);
        assert_eq!(
            rows_found(&inst[0]),
            vec![Some(1), Some(3), Some(4), Some(2)]
        );
    }

    #[test]
    fn a_form_read_in_part_has_a_lower_reading_confidence() {
        let p = pack(AGES);
        let wb = sheet(
            "S",
            &[
                &["Chỉ tiêu", "Số lượng"],
                &["Tổng số", "10"],
                &["Trong đó: Nữ", "4"],
                &["18 - 30 tuổi", "6"],
            ],
        );
        let (inst, _) = run(&p, &wb);
        // 3 of 4 rows and the column: 4 of 5 parts.
        assert_eq!(inst[0].confidence(), 0.8);
    }

    #[test]
    fn every_numbering_style_is_read() {
        let p = pack(AGES);
        for (total, women) in [
            ("1 Tổng số", "1.1 Trong đó: Nữ"),
            ("I. Tổng số", "a) Trong đó: Nữ"),
            ("(1) Tổng số", "(a) Trong đó: Nữ"),
            ("1. Tổng số", "1.1) Trong đó: Nữ"),
            ("IV. Tổng số", "b. Trong đó: Nữ"),
            ("1.Tổng số", "2.1a) Trong đó: Nữ"),
        ] {
            let wb = sheet(
                "S",
                &[
                    &["Chỉ tiêu", "Số lượng"],
                    &[total, "10"],
                    &[women, "4"],
                    &["18 - 30 tuổi", "6"],
                    &["60 tuổi trở lên", "4"],
                ],
            );
            let (inst, findings) = run(&p, &wb);
            assert_eq!(findings, vec![], "{total} / {women}");
            assert_eq!(rows_found(&inst[0])[0], Some(1), "{total}");
            assert_eq!(rows_found(&inst[0])[3], Some(2), "{women}");
        }
    }

    #[test]
    fn a_label_that_could_be_numbering_before_another_row_is_a_finding() {
        // Rows `tuổi trở lên` and `60 tuổi trở lên`: a cell `60 tuổi trở lên` is the second
        // row; `tuổi trở lên` is then missing and the finding names the doubtful cell.
        let p = pack(&AGES.replace("label = \"18 - 30 tuổi\"", "label = \"Tuổi trở lên\""));
        let wb = sheet(
            "S",
            &[
                &["Chỉ tiêu", "Số lượng"],
                &["Tổng số", "10"],
                &["Trong đó: Nữ", "4"],
                &["60 tuổi trở lên", "4"],
            ],
        );
        let (inst, findings) = run(&p, &wb);
        assert_eq!(rows_found(&inst[0])[2], Some(3), "as written: its own row");
        assert_eq!(rows_found(&inst[0])[1], None);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].rule, "layout.label-numbering-ambiguous");
        assert_eq!(findings[0].cells[0].cell, "A4");
    }

    const GROUPED: &str = r#"
[form]
id = "G"
name = "Grouped"
labels = ["Năm"]
[records]
key = "year"
[[column]]
id = "year"
header = "Năm"
kind = "text"
[[column]]
id = "a_rated"
group = "Chi bộ"
header = "Được đánh giá"
[[column]]
id = "a_good"
group = "Chi bộ"
header = "Tốt"
[[column]]
id = "m_rated"
group = "Đảng viên"
group_aliases = ["ĐV"]
header = "Được đánh giá"
[[column]]
id = "m_good"
group = "Đảng viên"
header = "Tốt"
"#;

    type Located = (Vec<Option<u32>>, Vec<Finding>, Option<(u32, u32)>);

    fn cols_found(rows: &[&[&str]]) -> Located {
        let p = pack(GROUPED);
        let (inst, findings) = run(&p, &sheet("S", rows));
        (inst[0].cols.clone(), findings, inst[0].header_rows)
    }

    #[test]
    fn a_heading_under_a_merged_group_is_found_under_its_own_group() {
        // The groups in the other order than the rules, starting in column C.
        let (cols, findings, header) = cols_found(&[
            &["", "Năm", "Đảng viên", "", "Chi bộ", ""],
            &["", "", "Được đánh giá", "Tốt", "Được đánh giá", "Tốt"],
            &["", "2020", "10", "8", "3", "2"],
        ]);
        assert_eq!(findings, vec![]);
        assert_eq!(cols, vec![Some(1), Some(4), Some(5), Some(2), Some(3)]);
        assert_eq!(header, Some((0, 1)), "the group row is part of the header");
    }

    #[test]
    fn flat_headings_name_group_and_heading_in_one_cell() {
        let (cols, findings, _) = cols_found(&[
            &[
                "Năm",
                "ĐV - Được đánh giá",
                "Đảng viên: Tốt",
                "Chi bộ (Được đánh giá)",
                "Chi bộ – Tốt",
            ],
            &["2020", "10", "8", "3", "2"],
        ]);
        assert_eq!(findings, vec![]);
        assert_eq!(cols, vec![Some(0), Some(3), Some(4), Some(1), Some(2)]);
    }

    #[test]
    fn a_heading_with_no_group_over_it_is_not_taken_for_a_grouped_column() {
        let (cols, findings, _) = cols_found(&[
            &["Năm", "Được đánh giá", "Tốt", "Được đánh giá", "Tốt"],
            &["2020", "10", "8", "3", "2"],
        ]);
        assert_eq!(cols, vec![Some(0), None, None, None, None]);
        assert_eq!(findings.len(), 4, "{findings:?}");
        assert!(findings.iter().all(|f| f.rule == "layout.column-not-found"));
    }

    #[test]
    fn a_group_written_twice_is_ambiguous_not_guessed() {
        let (cols, findings, _) = cols_found(&[
            &["Năm", "Đảng viên", "", "Chi bộ", "", "Đảng viên", ""],
            &[
                "",
                "Được đánh giá",
                "Tốt",
                "Được đánh giá",
                "Tốt",
                "Được đánh giá",
                "Tốt",
            ],
            &["2020", "10", "8", "3", "2", "10", "8"],
        ]);
        assert_eq!(cols, vec![Some(0), Some(3), Some(4), None, None]);
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(findings.iter().all(|f| f.rule == "layout.column-ambiguous"));
    }

    #[test]
    fn a_heading_split_over_two_rows_is_one_heading() {
        let p = pack(
            r#"
[form]
id = "P"
name = "Percent"
labels = ["Tổng số"]
[[column]]
id = "n"
header = "Số lượng"
[[column]]
id = "pct"
header = "Tỷ lệ (%)"
kind = "percent"
[[row]]
id = "total"
label = "Tổng số"
"#,
        );
        let wb = sheet(
            "S",
            &[
                &["Chỉ tiêu", "Số lượng", "Tỷ lệ"],
                &["", "", "(%)"],
                &["Tổng số", "10", "100"],
            ],
        );
        let (inst, findings) = run(&p, &wb);
        assert_eq!(findings, vec![]);
        assert_eq!(inst[0].cols, vec![Some(1), Some(2)]);
        assert_eq!(inst[0].rows, vec![Some(2)]);
    }

    #[test]
    fn the_unit_code_is_read_by_the_packs_setting_and_an_irregular_one_is_said_once() {
        let rules = |style: &str| {
            pack(&format!(
                "[settings]\nunit_code_label = \"Code\"\n{style}\n{AGES}"
            ))
        };
        let wb = sheet(
            "S",
            &[
                &["Code:", "td – 08"],
                &["Chỉ tiêu", "Số lượng"],
                &["Tổng số", "10"],
                &["Trong đó: Nữ", "4"],
                &["18 - 30 tuổi", "6"],
                &["60 tuổi trở lên", "4"],
            ],
        );
        let p = rules("");
        let (inst, findings) = run(&p, &wb);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].rule, "unit.code-irregular");
        assert_eq!(findings[0].severity, Severity::Info);
        assert_eq!(findings[0].cells[0].cell, "B1");
        assert_eq!(
            findings[0].message,
            "the unit code is written \"td – 08\", read as TD-08"
        );
        let (_, code, _) = unit_identity(&wb, &p, &inst);
        assert_eq!(code.as_deref(), Some("td – 08"), "shown as written");
        assert_eq!(p.settings.unit_key("td – 08"), "TD-08");
        // A pack where case and dashes matter.
        let p = rules(r#"unit_code = { case = "keep", dashes = false, spaces = "keep" }"#);
        assert_eq!(p.settings.unit_key(" td – 08 "), "td – 08");
        let (_, findings) = run(&p, &wb);
        assert_eq!(findings, vec![], "written as its key");
    }

    #[test]
    fn group_aliases_need_a_group() {
        let src = Source {
            name: "t.toml".into(),
            text: GROUPED.replace("group = \"Đảng viên\"\ngroup_aliases", "group_aliases"),
        };
        let errors = compile(&[src]).err().unwrap_or_default();
        let text = format!("{errors:?}");
        assert!(text.contains("`group_aliases` without a `group`"), "{text}");
    }

    #[test]
    fn a_heading_under_two_groups_at_once_is_ambiguous_not_guessed() {
        // `Chi bộ` merged under `Đảng viên`: the `Tốt` under both could be either column.
        let (cols, findings, _) = cols_found(&[
            &["Năm", "Đảng viên", "", ""],
            &["", "Chi bộ", "", "Được đánh giá"],
            &["", "Được đánh giá", "Tốt", ""],
            &["2020", "10", "8", "3"],
        ]);
        assert_eq!(cols[2], None, "{findings:?}");
        assert_eq!(cols[4], None, "{findings:?}");
        assert!(
            findings
                .iter()
                .filter(|f| f.rule == "layout.column-ambiguous")
                .count()
                >= 2,
            "{findings:?}"
        );
    }

    /// Form `A` carries `Tổng số đảng viên` and `Chi bộ trưởng`, form `B` `Tổng số đoàn viên`;
    /// `TS` and `ĐV` are abbreviations.
    fn two_forms() -> (Pack, usize, usize) {
        let a = r#"
[settings]
abbreviations = { "ĐV" = "Đảng viên", "TS" = "Tổng số" }
[form]
id = "A"
name = "A"
labels = ["Tổng số đảng viên", "Chi bộ trưởng"]
[[column]]
id = "n"
header = "Số lượng"
[[row]]
id = "total"
label = "Tổng số đảng viên"
"#;
        let b = r#"
[form]
id = "B"
name = "B"
labels = ["Tổng số đoàn viên"]
[[column]]
id = "n"
header = "Số lượng"
[[row]]
id = "total"
label = "Tổng số đoàn viên"
"#;
        let src = |name: &str, text: &str| Source {
            name: name.into(),
            text: text.into(),
        };
        let p = match compile(&[src("a.toml", a), src("b.toml", b)]) {
            Ok(p) => p,
            Err(e) => panic!("rules: {e:?}"),
        };
        let at = |id: &str| p.forms.iter().position(|f| f.id == id);
        let (Some(fa), Some(fb)) = (at("A"), at("B")) else {
            panic!("forms A and B")
        };
        (p, fa, fb)
    }

    #[test]
    fn a_form_label_is_looked_up_in_the_sheets_index() {
        let (p, fa, _) = two_forms();
        let wb = sheet(
            "S",
            &[
                &["1. Tổng số đảng viên", "10"],
                &["Chi bộ trưởng (*)", "4"],
                &["Ghi chú", ""],
                &["Ghi chú", ""],
            ],
        );
        let idx = SheetIndex::new(&wb.sheets[0], &p);
        // As written, and without numbering or footnote mark.
        let n = |found: &mut dyn Iterator<Item = usize>| found.count();
        assert_eq!(n(&mut idx.with_key("1. tổng số đảng viên")), 1);
        let ghi: Vec<usize> = idx.with_key("ghi chú").collect();
        assert_eq!(ghi.len(), 2, "both texts");
        assert!(ghi[0] < ghi[1], "in the sheet's order");
        assert_eq!(n(&mut idx.with_key("tổng số đảng viên")), 0);
        assert_eq!(n(&mut idx.with_bare("tổng số đảng viên")), 1);
        assert!(idx.has_key("chi bộ trưởng"));
        assert!(!idx.has_key("tổng số đoàn viên"));
        assert!(!idx.has_key("ghi"), "a key is found whole, not in part");
        assert!(idx.has_form_label(&p, fa, 0) && idx.has_form_label(&p, fa, 1));
        // The texts a row's flat key names.
        assert_eq!(n(&mut idx.with_flat("chi bộ trưởng")), 1);
    }

    #[test]
    fn a_near_match_is_found_exactly_as_by_comparing_every_text() {
        let (p, _, _) = two_forms();
        let wb = sheet(
            "S",
            &[
                &["TS ĐV", "10"],
                &["Chi bộ trưởởng", "4"],
                &["Trưởngg thôn", "3"],
                &["Tổng số đoàn viênn", "3"],
                &["Số lượng", ""],
                &["a", ""],
                &["Một dòng ghi chú dài hơn mọi nhãn của biểu mẫu này", ""],
            ],
        );
        let idx = SheetIndex::new(&wb.sheets[0], &p);
        let abbr = &p.settings.abbreviations;
        // What has_label was before its index: every text compared.
        let scanned = |key: &str| {
            let wanted = [written_out(key, abbr)];
            idx.texts.iter().any(|(_, t)| t.key == key)
                || idx
                    .texts
                    .iter()
                    .any(|(_, t)| t.bare.as_deref() == Some(key))
                || (0..idx.texts.len()).any(|i| {
                    let (w, n) = idx.written(i);
                    approx_match(&wanted, &w[..n], abbr).is_some()
                })
        };
        let labels = [
            "tổng số đảng viên",
            "chi bộ trưởng",
            "trưởng thôn",
            "trưởng",
            "tổng số đoàn viên",
            "tổng số đoàn",
            "số lượng",
            "số lượg",
            "đảng viên nam",
            "b",
            "ts đv",
        ];
        for key in labels {
            let looked_up = idx.has_label(key, &written_out(key, abbr));
            assert_eq!(looked_up, scanned(key), "{key}");
        }
        // Found only near: abbreviated, a letter (of three bytes) doubled, a letter doubled.
        for key in ["tổng số đảng viên", "chi bộ trưởng", "trưởng thôn"] {
            assert!(!idx.has_key(key), "{key} is not there as written");
            assert!(idx.has_label(key, &written_out(key, abbr)), "{key}");
        }
        assert!(!idx.has_label("đảng viên nam", "đảng viên nam"));
    }

    /// Texts made of a numbering, a body and a mark after it, with and without abbreviations,
    /// units, punctuation and diacritics, for comparing what is remembered and indexed with
    /// what is computed and scanned.
    fn generated_texts() -> Vec<String> {
        let numbering = ["", "1. ", "1.1 ", "a) ", "(2) ", "- ", "IV. ", "2.1a "];
        let bodies = [
            "Tổng số đảng viên",
            "TS ĐV",
            "Số lượng (người)",
            "SL (đvt: người)",
            "Trong đó - Đảng viên nữ",
            "Trong đó, đảng viên nữ",
            "60 tuổi trở lên",
            "Tỷ lệ (%)",
            "  Chi   bộ:  ",
            "%",
            "Tong so dang vien",
            "Ghi chú",
        ];
        let marks = ["", " (*)", " (1)", ":", "¹", " [2]"];
        let mut out = Vec::new();
        for n in numbering {
            for b in bodies {
                for m in marks {
                    out.push(format!("{n}{b}{m}"));
                }
            }
        }
        out.push("x".repeat(crate::text::MAX_LABEL_BYTES + 1));
        out
    }

    #[test]
    fn a_texts_remembered_keys_are_its_keys_computed_under_each_packs_settings() {
        let base = pack(HEADS).settings;
        let mut other = base.clone();
        other.folding.diacritics = true;
        other.unit_keys = vec!["nguoi".into()];
        other.abbreviations = Abbreviations::new(
            [("ts", "tong so"), ("dv", "dang vien")].map(|(a, b)| (a.to_string(), b.to_string())),
        );
        let texts = generated_texts();
        // Each pack's settings twice, switched in between: what one remembered is never
        // given for the other.
        for settings in [&base, &other, &base, &other] {
            for t in &texts {
                let got = with_text_keys(settings, |keys| keys(t));
                let key = label_key(t, settings.folding);
                let numbered = strip_numbering(&key);
                let bare = crate::text::strip_footnote_mark(numbered.unwrap_or(&key))
                    .or(numbered)
                    .map(str::to_string);
                let abbr = &settings.abbreviations;
                let written = abbr.expand(&key);
                let written_bare = bare.as_deref().and_then(|b| abbr.expand(b));
                let flat = crate::text::flat_key(bare.as_deref().unwrap_or(&key));
                assert_eq!(got.key, key, "{t}");
                assert_eq!(got.bare, bare, "{t}");
                assert_eq!(got.flat, flat, "{t}");
                assert_eq!(got.flat_of_key(), crate::text::flat_key(&key), "{t}");
                assert_eq!(got.written, written, "{t}");
                assert_eq!(got.written_bare, written_bare, "{t}");
                let unitless = crate::read::labels::without_unit(&key, &settings.unit_keys);
                assert_eq!(got.unitless(), unitless.as_deref().unwrap_or(&key), "{t}");
                let hashes = [
                    fx_hash(&key),
                    bare.as_deref().map_or(0, fx_hash),
                    fx_hash(&flat),
                ];
                assert_eq!(got.hashes, hashes, "{t}");
                let lengths = [
                    written.as_deref().unwrap_or(&key).len(),
                    written_bare.or(bare).map_or(NO_LENGTH, |b| b.len()),
                ];
                assert_eq!(got.lengths, lengths, "{t}");
            }
        }
        // The generated texts do hold what is looked for.
        let got = |t: &str| with_text_keys(&other, |keys| keys(t));
        assert_eq!(got("1.1 Số lượng (người)").unitless(), "1.1 so luong");
        assert_eq!(
            got("2.1a TS ĐV:").written_bare.as_deref(),
            Some("tong so dang vien")
        );
    }

    #[test]
    fn the_sheets_index_finds_what_a_scan_of_its_texts_finds() {
        let p = pack(HEADS);
        let texts = generated_texts();
        // Every text twice, three to a row.
        let cells: Vec<&str> = texts.iter().chain(&texts).map(String::as_str).collect();
        let rows: Vec<&[&str]> = cells.chunks(3).collect();
        let wb = sheet("S", &rows);
        let idx = SheetIndex::new(&wb.sheets[0], &p);
        let scanned: Vec<(CellRef, String)> = wb.sheets[0]
            .cells
            .iter()
            .filter_map(|(at, c)| Some((*at, label_key(c.text()?, p.settings.folding))))
            .filter(|(_, k)| !k.is_empty())
            .collect();
        let indexed: Vec<(CellRef, String)> = idx
            .texts
            .iter()
            .map(|(at, t)| (*at, t.key.clone()))
            .collect();
        assert_eq!(indexed, scanned);
        let n = idx.texts.len();
        let flat = |j: usize| idx.texts[j].1.flat.as_str();
        let mut probes: Vec<String> = vec!["ghi".into(), String::new(), "zz".into()];
        for i in 0..n {
            probes.push(idx.key(i).to_string());
            probes.extend(idx.bare(i).map(str::to_string));
            probes.push(flat(i).to_string());
        }
        for probe in &probes {
            let p = probe.as_str();
            let by_key: Vec<usize> = (0..n).filter(|j| idx.key(*j) == p).collect();
            let by_bare: Vec<usize> = (0..n).filter(|j| idx.bare(*j) == Some(p)).collect();
            let by_flat: Vec<usize> = (0..n).filter(|j| flat(*j) == p).collect();
            assert_eq!(idx.with_key(p).collect::<Vec<_>>(), by_key, "{p}");
            assert_eq!(idx.with_bare(p).collect::<Vec<_>>(), by_bare, "{p}");
            assert_eq!(idx.with_flat(p).collect::<Vec<_>>(), by_flat, "{p}");
            assert_eq!(
                idx.has_key(p),
                !by_key.is_empty() || !by_bare.is_empty(),
                "{p}"
            );
        }
    }

    #[test]
    fn a_blank_cell_is_one_that_shows_only_white_space() {
        let values = [
            Value::Empty,
            Value::Number(0.0),
            Value::Number(-0.0),
            Value::Number(f64::NAN),
            Value::Number(1e300),
            Value::Bool(false),
            Value::Text(String::new()),
            Value::Text(" \u{a0}\t".into()),
            Value::Text(" x ".into()),
            Value::Error("#N/A".into()),
            Value::Error(" ".into()),
            Value::Date(String::new()),
            Value::Date("2021-01-01".into()),
        ];
        for v in values {
            let c = Cell::value(v);
            assert_eq!(blank(&c), c.display().trim().is_empty(), "{c:?}");
        }
    }

    #[test]
    fn columns_are_filled_as_each_cell_looked_up_says() {
        // Every pattern of filled cells in two rows of six columns, with blank texts and
        // missing cells for the unfilled ones.
        for pattern in 0u32..1 << 12 {
            let mut s = Sheet::new("S");
            for r in 0..2u32 {
                for c in 0..6u32 {
                    let value = if pattern >> (r * 6 + c) & 1 == 1 {
                        Value::Number(f64::from(c))
                    } else if (pattern + c) % 3 == 0 {
                        Value::Text(" ".into())
                    } else {
                        continue;
                    };
                    s.cells.insert(CellRef::new(r + 1, c), Cell::value(value));
                }
            }
            let filled = |r: u32, c: u32| s.get(CellRef::new(r, c)).is_some_and(|x| !blank(x));
            for (top, bottom) in [(1, 1), (2, 2), (1, 2), (0, 1)] {
                for first in 0..6 {
                    for last in first..6 {
                        let each = (first..=last).all(|c| (top..=bottom).any(|r| filled(r, c)));
                        let got = columns_filled(&s, (top, bottom), (first, last));
                        assert_eq!(got, each, "{pattern:012b} {top}-{bottom} {first}-{last}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_form_whose_label_is_missing_is_ruled_out_before_scoring() {
        let (p, fa, fb) = two_forms();
        let wb = sheet(
            "S",
            &[
                &["Chỉ tiêu", "Số lượng"],
                &["Tổng số đảng viên", "10"],
                &["Chi bộ trưởng", "4"],
            ],
        );
        let idx = SheetIndex::new(&wb.sheets[0], &p);
        assert!(!ruled_out(fa, &idx, &p));
        assert!(ruled_out(fb, &idx, &p));
        assert_eq!(match_score(fb, &idx, &p), None);
        assert_eq!(match_score(fa, &idx, &p), Some(2));
        let (inst, _) = run(&p, &wb);
        assert_eq!(inst.iter().map(|i| i.form).collect::<Vec<_>>(), vec![fa]);
    }

    const HEADS: &str = r#"
[settings]
abbreviations = { "SL" = "Số lượng", "%" = "Tỷ lệ (%)" }
report_year_label = "Năm báo cáo"
year_words = ["Năm"]

[form]
id = "H"
name = "Heads"
labels = ["Tổng số"]
[[column]]
id = "n"
header = "Số lượng"
[[column]]
id = "pct"
header = "Tỷ lệ (%)"
kind = "percent"
[[row]]
id = "total"
label = "Tổng số"
[[row]]
id = "head"
label = "Cấp trưởng"
[[row]]
id = "school"
label = "Cấp trường"
[[check]]
id = "H.sum"
expr = "head + school == total"
message = "{found} / {expected}"
"#;

    #[test]
    fn an_abbreviated_heading_is_its_column_and_a_slipped_label_its_row() {
        let p = pack(HEADS);
        let wb = sheet(
            "S",
            &[
                &["Chỉ tiêu", "SL", "%"],
                &["Tổng số", "10", "100"],
                &["Cấp trưởngg", "4", "40"],
                &["Cấp trường", "6", "60"],
            ],
        );
        let (inst, findings) = run(&p, &wb);
        assert_eq!(findings, vec![]);
        assert_eq!(inst[0].cols, vec![Some(1), Some(2)]);
        assert_eq!(inst[0].rows, vec![Some(1), Some(2), Some(3)]);
        assert_eq!(
            inst[0].label_match,
            vec![
                Some(Quality::Exact),
                Some(Quality::Fuzzy),
                Some(Quality::Exact)
            ],
            "each row's match is kept"
        );
    }

    #[test]
    fn a_label_matching_two_rows_equally_is_one_finding_and_neither_row_is_checked() {
        // `Cấp trưng`: `Cấp trưởng` or `Cấp trường` with a letter dropped, equally.
        let p = pack(HEADS);
        let wb = sheet(
            "S",
            &[
                &["Chỉ tiêu", "Số lượng", "Tỷ lệ (%)"],
                &["Tổng số", "10", "100"],
                &["Cấp trưng", "4", "40"],
                &["Cấp trường học", "9", "60"],
            ],
        );
        let (inst, findings) = run(&p, &wb);
        assert_eq!(inst[0].rows, vec![Some(1), None, None]);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].rule, "layout.label-two-rows");
        assert_eq!(findings[0].cells[0].cell, "A3");
        assert!(
            findings[0].message.contains("Cấp trưởng")
                && findings[0].message.contains("Cấp trường"),
            "{}",
            findings[0].message
        );
        // The whole check: the one finding of the form, and no sum over the doubtful rows;
        // the workbook as a whole is said not checked (its only check read those rows).
        let (_, all, _) = crate::check::check_workbook(&wb, "t.xlsx", &p);
        assert_eq!(
            all.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
            vec!["workbook.no-check-applied", "layout.label-two-rows"],
            "{all:?}"
        );
    }

    #[test]
    fn a_heading_under_two_years_is_the_report_years() {
        let p = pack(HEADS);
        let grouped = |year: &str| {
            sheet(
                "S",
                &[
                    &["Năm báo cáo:", year],
                    &["", ""],
                    &["Chỉ tiêu", "Năm 2020", "", "Năm 2021", ""],
                    &["", "SL", "%", "SL", "%"],
                    &["Tổng số", "11", "100", "10", "100"],
                    &["Cấp trưởng", "5", "40", "4", "40"],
                    &["Cấp trường", "5", "60", "6", "60"],
                ],
            )
        };
        let (inst, findings) = run(&p, &grouped("2021"));
        assert_eq!(findings, vec![]);
        assert_eq!(inst[0].cols, vec![Some(3), Some(4)]);
        assert_eq!(inst[0].rows, vec![Some(4), Some(5), Some(6)]);
        let (inst, _) = run(&p, &grouped("2020"));
        assert_eq!(inst[0].cols, vec![Some(1), Some(2)]);
        // The report year's column is not there: said, not guessed.
        let (inst, findings) = run(&p, &grouped("2019"));
        assert_eq!(inst[0].cols, vec![None, None]);
        assert!(
            findings.iter().all(|f| f.rule == "layout.column-not-found") && findings.len() == 2,
            "{findings:?}"
        );
        // No report year at all: ambiguous, not guessed.
        let mut no_year = grouped("2021");
        no_year.sheets[0].cells.remove(&CellRef::new(0, 0));
        let (inst, findings) = run(&p, &no_year);
        assert_eq!(inst[0].cols, vec![None, None]);
        assert!(
            findings.iter().all(|f| f.rule == "layout.column-ambiguous") && findings.len() == 2,
            "{findings:?}"
        );
        // Each year's heading written its own way: the year still chooses.
        let mut mixed = grouped("2021");
        mixed.sheets[0].cells.insert(
            CellRef::new(3, 1),
            crate::model::Cell::value(Value::Text("Số lượng".into())),
        );
        let (inst, findings) = run(&p, &mixed);
        assert_eq!(findings, vec![]);
        assert_eq!(inst[0].cols, vec![Some(3), Some(4)]);
        // The year in the heading itself.
        let wb = sheet(
            "S",
            &[
                &["Năm báo cáo: 2021"],
                &[
                    "Chỉ tiêu",
                    "Số lượng năm 2020",
                    "Số lượng năm 2021",
                    "Tỷ lệ (%) năm 2021",
                ],
                &["Tổng số", "11", "10", "100"],
                &["Cấp trưởng", "5", "4", "40"],
                &["Cấp trường", "5", "6", "60"],
            ],
        );
        let (inst, findings) = run(&p, &wb);
        assert_eq!(findings, vec![]);
        assert_eq!(inst[0].cols, vec![Some(2), Some(3)]);
        assert_eq!(
            report_year(&wb, &p, &inst).map(|(_, at, y)| (at, y)),
            Some((CellRef::new(0, 0), 2021))
        );
    }
}
