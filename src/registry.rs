//! The registry of everything crossfoot says in its own words: each kind of finding it makes
//! itself ([`Kind`], defined once in [`KINDS`]: id, default severity, message template in
//! English and Vietnamese, the placeholders it provides, and a short doc), the other texts its
//! messages and workbooks are made of ([`TEXTS`]: hints, the summary workbook's Notes), and the
//! words of the terminal report ([`Words`]), of the review workbook ([`ReviewWords`]), of the
//! marked copies ([`MarkWords`]), of a cell's part in a check in their notes ([`RoleWords`])
//! and of unreadable files ([`UNREADABLE`], one table with both languages;
//! [`crate::messages::unreadable_text`] chooses).
//!
//! The catalogue is data compiled in: call sites name a [`Kind`] or a [`TextId`] (a
//! [`MessageId`] is either), never a string, so a misspelt id does not compile (and
//! `tests/structure.rs` refuses a bare id string outside this module); a test walks
//! the tables (both languages, placeholders, the table of docs/rules.md; each word table's `texts()`
//! names every field, so a field it leaves out does not compile). A rule pack may still give
//! its own text for any id under `[settings.messages]`, in its own language.
//!
//! This module depends only on the ground floor, [`crate::finding`] (with the kinds of
//! unreadable file) and [`crate::locale`] (how numbers are written): no stage (the reading
//! stage takes its texts of unreadable files from here).

use crate::finding::Severity;
use crate::locale::Locale;

/// The language crossfoot writes in (`--lang`): its findings, terminal report, workbooks.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Vi,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Vi];

    /// The language for a rule pack's `language` setting: `vi` → Vietnamese, anything else →
    /// English.
    pub fn from_pack(language: &str) -> Lang {
        let l = language.trim().to_ascii_lowercase();
        if l == "vi" || l.starts_with("vi-") || l.starts_with("vi_") {
            Lang::Vi
        } else {
            Lang::En
        }
    }

    /// The language's code, as rule files write it (`en`, `vi`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Vi => "vi",
        }
    }

    /// The language of a code (`en`, `vi`), if crossfoot speaks it.
    pub fn of_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// How numbers are written in this language (vi `2.675` / `72,27`; en `2,675` / `72.27`).
    pub fn locale(self) -> Locale {
        match self {
            Lang::Vi => Locale::Vi,
            Lang::En => Locale::En,
        }
    }

    /// The language's name, in English (for notices).
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Vi => "Vietnamese",
        }
    }
}

/// A text in both languages.
#[derive(Debug, Clone, Copy)]
pub struct Texts {
    pub en: &'static str,
    pub vi: &'static str,
}

impl Texts {
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Vi => self.vi,
        }
    }
}

/// The doc of a finding kind, in fixed sections.
#[derive(Debug, Clone, Copy)]
pub struct Doc {
    pub what: Texts,
    pub why: Texts,
    pub fix: Texts,
    pub example: Texts,
}

/// A kind of finding crossfoot makes itself. `KINDS[k as usize]` is its definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    WorkbookNoForm,
    WorkbookWrongExtension,
    WorkbookFormMissing,
    WorkbookFormRepeated,
    WorkbookSheetAmbiguous,
    WorkbookYearMismatch,
    LayoutFormRegionsAmbiguous,
    LayoutColumnNotFound,
    LayoutColumnAmbiguous,
    LayoutLabelNotFound,
    LayoutLabelAmbiguous,
    LayoutLabelNumberingAmbiguous,
    LayoutLabelTwoRows,
    LayoutNameNotFound,
    UnitCodeIrregular,
    ValueRequired,
    ValueNotANumber,
    ValueError,
    ValueNegative,
    ValueNotWhole,
    ValueFormulaNotStored,
    SubtotalMismatch,
    ConsolidationUnitWithoutRow,
    ConsolidationRowWithoutUnit,
    ConsolidationDuplicateUnit,
    ConsolidationDuplicateRow,
    ConsolidationPreviousMissing,
    ConsolidationPreviousUnread,
    ConsolidationPreviousDuplicate,
    ValueNotFinite,
    CheckNotFinite,
    WorkbookNoCheckApplied,
    ConsolidationPreviousOwn,
    ConsolidationPreviousYear,
    UnitCodeRepeated,
    DiscoverTotalMismatch,
    DiscoverHeadingMismatch,
    DiscoverPercentMismatch,
    DiscoverSumOmits,
    DiscoverOutlineMismatch,
    UnitNotInRegister,
    UnitNotSubmitted,
    UnitNameDiffers,
    UnitOutsideLife,
    RegisterDuplicateCode,
    HistoryUnusualChange,
    HistoryCopiedUnchanged,
    HistorySameAsUnit,
    UnitMergerOpening,
    UnitSplitNotComparable,
    UnitNoPredecessor,
    UnitSplitOpening,
    HistoryShareMoved,
}

/// The definition of a finding kind.
#[derive(Debug, Clone, Copy)]
pub struct KindDef {
    pub kind: Kind,
    pub id: &'static str,
    /// The severity it is reported with (`workbook.form-missing`: unless the pack's
    /// `missing_severity` says otherwise).
    pub severity: Severity,
    /// The placeholders the finding provides to its template.
    pub params: &'static [&'static str],
    pub message: Texts,
    pub doc: Doc,
}

impl Kind {
    pub fn def(self) -> &'static KindDef {
        &KINDS[self as usize]
    }
    pub fn id(self) -> &'static str {
        self.def().id
    }
    pub fn severity(self) -> Severity {
        self.def().severity
    }
    /// The kind of an id (`layout.label-not-found`).
    pub fn of_id(id: &str) -> Option<Kind> {
        KINDS.iter().find(|d| d.id == id).map(|d| d.kind)
    }
}

macro_rules! t {
    ($en:expr, $vi:expr) => {
        Texts { en: $en, vi: $vi }
    };
}

macro_rules! doc {
    ($what:expr, $why:expr, $fix:expr, $example:expr) => {
        Doc {
            what: $what,
            why: $why,
            fix: $fix,
            example: $example,
        }
    };
}

const WHY_LAYOUT: Texts = t!(
    "the checks that read this figure cannot be made: a discrepancy there would pass unseen",
    "các phép kiểm tra đọc số liệu này không thực hiện được: một sai lệch ở đó sẽ không được phát hiện"
);
const WHY_VALUE: Texts = t!(
    "a total or percentage built on this cell cannot be checked, and the figure itself is likely wrong",
    "không kiểm tra được tổng số hay tỷ lệ dựa trên ô này, và bản thân số liệu có thể sai"
);
const WHY_LINK: Texts = t!(
    "the summary and the branch workbooks cannot be compared row by row: a branch may be counted twice or not at all",
    "không đối chiếu được biểu tổng hợp với tệp của từng đơn vị: một đơn vị có thể bị tính hai lần hoặc bị bỏ sót"
);
const WHY_PREVIOUS: Texts = t!(
    "this year's opening figures were not compared with last year's closing figures",
    "số đầu năm nay không được đối chiếu với số cuối năm trước"
);

/// Every finding kind crossfoot makes itself, in the order of [`Kind`].
pub const KINDS: &[KindDef] = &[
    KindDef {
        kind: Kind::WorkbookNoForm,
        id: "workbook.no-form",
        severity: Severity::Error,
        params: &["sheets", "closest"],
        message: t!(
            "no sheet of this workbook matches a form of the rule pack (sheets: {sheets}){closest}",
            "Không có trang tính nào trong tệp khớp với một biểu mẫu đã biết (các trang: {sheets}){closest}"
        ),
        doc: doc!(
            t!("No sheet matches a form of the rule pack by its name, title or labels.",
               "Không trang tính nào khớp với một biểu của bộ quy tắc theo tên trang, tiêu đề hay nhãn."),
            t!("Nothing in the workbook was checked.", "Không số liệu nào trong tệp được kiểm tra."),
            t!("Use the form's template, or name the sheet as the form; the message names the closest form and what it lacks.",
               "Dùng đúng mẫu biểu, hoặc đặt tên trang theo biểu; thông báo nêu biểu gần nhất và phần còn thiếu."),
            t!("a workbook whose only sheet is \"Sheet1\" with a letter in it", "tệp chỉ có trang \"Sheet1\" chứa một công văn")
        ),
    },
    KindDef {
        kind: Kind::WorkbookWrongExtension,
        id: "workbook.wrong-extension",
        severity: Severity::Warning,
        params: &["what", "ext", "right"],
        message: t!(
            "the file is {what} saved with a .{ext} name; it was read as what it is (rename it to .{right}, or open it and save it as .xlsx)",
            "Tệp thực chất là {what} nhưng mang đuôi .{ext}; tệp đã được đọc theo đúng định dạng (hãy đổi đuôi thành .{right}, hoặc mở và lưu lại dưới dạng .xlsx)"
        ),
        doc: doc!(
            t!("The file's name says one format, its content another.", "Đuôi tệp ghi một định dạng, nội dung là định dạng khác."),
            t!("Other programs may refuse to open it.", "Các chương trình khác có thể không mở được tệp."),
            t!("Rename it, or open it and save it as .xlsx.", "Đổi đuôi tệp, hoặc mở và lưu lại dưới dạng .xlsx."),
            t!("an .xlsx workbook named report.xls", "tệp .xlsx mang tên baocao.xls")
        ),
    },
    KindDef {
        kind: Kind::WorkbookFormMissing,
        id: "workbook.form-missing",
        severity: Severity::Warning,
        params: &["form", "name", "group"],
        message: t!(
            "the workbook has no sheet with form {form} ({name})",
            "Tệp thiếu biểu {form} ({name})"
        ),
        doc: doc!(
            t!("A form expected with the others of its workbook (`[[settings.workbook]]`) is missing; the pack's `missing_severity` sets the severity.",
               "Thiếu một biểu phải nộp cùng các biểu khác của tệp (`[[settings.workbook]]`); mức độ do `missing_severity` của bộ quy tắc quy định."),
            t!("Its figures and the checks across forms are missing.", "Thiếu số liệu của biểu và các phép kiểm tra liên biểu."),
            t!("Add the form's sheet to the workbook.", "Bổ sung trang tính của biểu vào tệp."),
            t!("a branch workbook with M01, M02 and M04 but no M03", "tệp có biểu M01, M02, M04 nhưng thiếu M03")
        ),
    },
    KindDef {
        kind: Kind::WorkbookFormRepeated,
        id: "workbook.form-repeated",
        severity: Severity::Warning,
        params: &["form", "sheets"],
        message: t!(
            "form {form} appears in more than one sheet ({sheets}); cross-form checks use the first",
            "Biểu {form} xuất hiện ở nhiều trang tính ({sheets}); các phép kiểm tra liên biểu dùng trang đầu tiên"
        ),
        doc: doc!(
            t!("One form is in several sheets.", "Một biểu có ở nhiều trang tính."),
            t!("Checks across forms read the first; the other may be the one meant.", "Phép kiểm tra liên biểu đọc trang đầu; trang kia có thể mới là trang đúng."),
            t!("Delete the old copy of the sheet.", "Xóa bản cũ của trang tính."),
            t!("sheets \"M01\" and \"M01 (2)\"", "trang \"M01\" và \"M01 (2)\"")
        ),
    },
    KindDef {
        kind: Kind::WorkbookSheetAmbiguous,
        id: "workbook.sheet-ambiguous",
        severity: Severity::Warning,
        params: &["sheet", "form", "other"],
        message: t!(
            "sheet {sheet} could be form {form} or form {other}; it was not checked",
            "Trang tính {sheet} có thể là biểu {form} hoặc biểu {other}; trang này không được kiểm tra"
        ),
        doc: doc!(
            t!("A sheet matches two forms equally well.", "Một trang tính khớp với hai biểu như nhau."),
            t!("It was not checked rather than checked against the wrong form.", "Trang không được kiểm tra, để khỏi kiểm tra theo nhầm biểu."),
            t!("Name the sheet as its form, or give it the form's title.", "Đặt tên trang theo biểu, hoặc ghi đúng tiêu đề của biểu."),
            t!("a sheet named \"Bieu\" with the labels of two forms", "trang tên \"Bieu\" có nhãn của hai biểu")
        ),
    },
    KindDef {
        kind: Kind::WorkbookYearMismatch,
        id: "workbook.year-mismatch",
        severity: Severity::Warning,
        params: &["year", "run_year", "cell"],
        message: t!(
            "the title gives the report year {year} ({cell}), not the run's {run_year}; its year-over-year checks were not made",
            "Tiêu đề ghi năm báo cáo {year} (ô {cell}), không phải năm {run_year} của đợt kiểm tra; không đối chiếu với năm trước"
        ),
        doc: doc!(
            t!("The workbook's title block names another report year than the run's.", "Phần tiêu đề của tệp ghi năm báo cáo khác năm của đợt kiểm tra."),
            t!("Last year's file sent again, or a title not updated: its figures may not be this year's.", "Có thể gửi lại tệp năm trước, hoặc chưa sửa tiêu đề: số liệu có thể không phải của năm nay."),
            t!("Send this year's workbook, or correct the year in its title.", "Gửi tệp của năm nay, hoặc sửa năm trong tiêu đề."),
            t!("\"Năm báo cáo: 2020\" in a run of 2021", "\"Năm báo cáo: 2020\" trong đợt kiểm tra năm 2021")
        ),
    },
    KindDef {
        kind: Kind::LayoutFormRegionsAmbiguous,
        id: "layout.form-regions-ambiguous",
        severity: Severity::Error,
        params: &["form", "sheet", "cells"],
        message: t!(
            "form {form}: sheet {sheet} holds more than one table equally like it (titles at {cells}); none was read, rather than check the wrong one — leave one, or move the other to a sheet of its own",
            "Biểu {form}: trang tính {sheet} có nhiều bảng giống biểu này như nhau (tiêu đề ở ô {cells}); không bảng nào được đọc, để khỏi kiểm tra nhầm bảng — hãy chỉ để lại một bảng, hoặc chuyển bảng kia sang trang tính riêng"
        ),
        doc: doc!(
            t!("One sheet holds two or more tables that each match the same form.", "Một trang tính có hai bảng trở lên cùng khớp với một biểu."),
            t!("Which one is the form is not decided: checking either could hide the slips of the other, so neither is checked.",
               "Không xác định được bảng nào là biểu: kiểm tra một bảng có thể bỏ sót sai lệch của bảng kia, nên không bảng nào được kiểm tra."),
            t!("Delete the old copy of the table, or move it to a sheet of its own.", "Xóa bản cũ của bảng, hoặc chuyển sang trang tính riêng."),
            t!("M01 pasted twice on one sheet, an old and a corrected copy", "biểu M01 được dán hai lần trên một trang, bản cũ và bản đã sửa")
        ),
    },
    KindDef {
        kind: Kind::LayoutColumnNotFound,
        id: "layout.column-not-found",
        severity: Severity::Error,
        params: &["form", "header", "closest"],
        message: t!(
            "form {form}: no column headed \"{header}\"{closest}",
            "Biểu {form}: không tìm thấy cột \"{header}\"{closest}"
        ),
        doc: doc!(
            t!("No column of the sheet has the header the form names.", "Không cột nào của trang có tiêu đề như biểu quy định."),
            WHY_LAYOUT,
            t!("Write the header as the form does (the message names the closest text), or add it as an alias in the rule file.",
               "Ghi tiêu đề cột đúng như biểu (thông báo nêu chữ gần giống nhất), hoặc thêm bí danh trong tệp quy tắc."),
            t!("\"So luong\" typed as \"SL\"", "\"Số lượng\" gõ thành \"SL\"")
        ),
    },
    KindDef {
        kind: Kind::LayoutColumnAmbiguous,
        id: "layout.column-ambiguous",
        severity: Severity::Error,
        params: &["form", "header", "cells"],
        message: t!(
            "form {form}: the column header \"{header}\" appears more than once ({cells})",
            "Biểu {form}: tiêu đề cột \"{header}\" xuất hiện nhiều lần ({cells})"
        ),
        doc: doc!(
            t!("A column header is in several places; none is used.", "Một tiêu đề cột có ở nhiều chỗ; không cột nào được dùng."),
            WHY_LAYOUT,
            t!("Leave one column with that header, or tell them apart by their group in the rule file.",
               "Chỉ để một cột mang tiêu đề đó, hoặc phân biệt theo nhóm cột trong tệp quy tắc."),
            t!("two columns headed \"Tỷ lệ (%)\"", "hai cột cùng tiêu đề \"Tỷ lệ (%)\"")
        ),
    },
    KindDef {
        kind: Kind::LayoutLabelNotFound,
        id: "layout.label-not-found",
        severity: Severity::Error,
        params: &["form", "label", "closest"],
        message: t!(
            "form {form}: no row labelled \"{label}\"{closest}",
            "Biểu {form}: không tìm thấy dòng \"{label}\"{closest}"
        ),
        doc: doc!(
            t!("No row of the sheet has the label the form names.", "Không dòng nào của trang có nhãn như biểu quy định."),
            WHY_LAYOUT,
            t!("Write the label as the form does (the message names the closest text), or add it as an alias in the rule file.",
               "Ghi nhãn đúng như biểu (thông báo nêu chữ gần giống nhất), hoặc thêm bí danh trong tệp quy tắc."),
            t!("the row \"Nữ\" deleted", "dòng \"Nữ\" bị xóa")
        ),
    },
    KindDef {
        kind: Kind::LayoutLabelAmbiguous,
        id: "layout.label-ambiguous",
        severity: Severity::Error,
        params: &["form", "label", "cells"],
        message: t!(
            "form {form}: the label \"{label}\" appears in more than one row ({cells}); none was used",
            "Biểu {form}: chỉ tiêu \"{label}\" xuất hiện ở nhiều dòng ({cells}); không dùng dòng nào"
        ),
        doc: doc!(
            t!("A row label is in several rows; none is used.", "Một nhãn dòng có ở nhiều dòng; không dòng nào được dùng."),
            WHY_LAYOUT,
            t!("Leave one row with that label, or search it under its heading (`under`) in the rule file.",
               "Chỉ để một dòng mang nhãn đó, hoặc tìm nó dưới đề mục (`under`) trong tệp quy tắc."),
            t!("\"Nữ\" under two headings", "\"Nữ\" ở dưới hai đề mục")
        ),
    },
    KindDef {
        kind: Kind::LayoutLabelNumberingAmbiguous,
        id: "layout.label-numbering-ambiguous",
        severity: Severity::Error,
        params: &["form", "label", "other", "text", "cell"],
        message: t!(
            "form {form}: {cell} reads \"{text}\": the row \"{other}\", or numbering before the row \"{label}\"? It was not used for \"{label}\"",
            "Biểu {form}: ô {cell} ghi \"{text}\": là dòng \"{other}\", hay số thứ tự trước dòng \"{label}\"? Ô này không được dùng cho dòng \"{label}\""
        ),
        doc: doc!(
            t!("A label could be one row's label, or another's with its numbering in front.", "Một nhãn có thể là nhãn của dòng này, hoặc nhãn của dòng khác có số thứ tự phía trước."),
            WHY_LAYOUT,
            t!("Write the numbering in its own column, or the label exactly as the form does.", "Ghi số thứ tự ở cột riêng, hoặc ghi nhãn đúng như biểu."),
            t!("\"1 Tổng số\" in a form with rows \"1 Tổng số\" and \"Tổng số\"", "\"1 Tổng số\" trong biểu có dòng \"1 Tổng số\" và dòng \"Tổng số\"")
        ),
    },
    KindDef {
        kind: Kind::LayoutLabelTwoRows,
        id: "layout.label-two-rows",
        severity: Severity::Error,
        params: &["form", "text", "cell", "labels"],
        message: t!(
            "form {form}: {cell} reads \"{text}\", which matches the rows \"{labels}\" equally well; none of them was read",
            "Biểu {form}: ô {cell} ghi \"{text}\", khớp như nhau với các dòng \"{labels}\"; không dòng nào được đọc"
        ),
        doc: doc!(
            t!("A shortened or mistyped label matches two rows of the form equally well.", "Một nhãn viết tắt hoặc gõ sai khớp như nhau với hai dòng của biểu."),
            WHY_LAYOUT,
            t!("Write the label in full, as the form does.", "Ghi nhãn đầy đủ như biểu."),
            t!("\"Cấp trưng\" in a form with rows \"Cấp trưởng\" and \"Cấp trường\"", "\"Cấp trưng\" trong biểu có dòng \"Cấp trưởng\" và dòng \"Cấp trường\"")
        ),
    },
    KindDef {
        kind: Kind::LayoutNameNotFound,
        id: "layout.name-not-found",
        severity: Severity::Error,
        params: &["form", "name"],
        message: t!(
            "form {form}: the workbook has no defined name \"{name}\"",
            "Biểu {form}: tệp không có tên vùng \"{name}\""
        ),
        doc: doc!(
            t!("The workbook lacks an Excel defined name the form reads a cell by.", "Tệp thiếu một tên vùng Excel mà biểu dùng để đọc ô."),
            WHY_LAYOUT,
            t!("Use the form's template, which defines the name.", "Dùng đúng mẫu biểu, trong đó có tên vùng."),
            t!("no name \"ReportYear\"", "không có tên vùng \"ReportYear\"")
        ),
    },
    KindDef {
        kind: Kind::UnitCodeIrregular,
        id: "unit.code-irregular",
        severity: Severity::Info,
        params: &["written", "code"],
        message: t!(
            "the unit code is written \"{written}\", read as {code}",
            "Mã đơn vị ghi \"{written}\", được đọc là {code}"
        ),
        doc: doc!(
            t!("The unit code is written otherwise than its usual form (case, dashes, spaces).", "Mã đơn vị được ghi khác cách ghi thông thường (chữ hoa, gạch nối, khoảng trắng)."),
            t!("It was matched anyway; a tidy code is easier to find.", "Mã vẫn được đối chiếu; mã ghi gọn gàng dễ tra cứu hơn."),
            t!("Write the code as the message reads it.", "Ghi mã như thông báo đã đọc."),
            t!("\"td - 08\" read as TD-08", "\"td - 08\" được đọc là TD-08")
        ),
    },
    KindDef {
        kind: Kind::ValueRequired,
        id: "value.required",
        severity: Severity::Error,
        params: &["label", "text"],
        message: t!(
            "{label}: required figure missing (the cell is empty)",
            "{label}: thiếu số liệu bắt buộc (ô để trống)"
        ),
        doc: doc!(
            t!("A figure the form requires is empty.", "Một số liệu bắt buộc bị để trống."),
            t!("An empty cell is never read as zero: the total is unknown.", "Ô trống không bao giờ được coi là số 0: tổng số chưa biết."),
            t!("Fill in the figure (0 if there are none).", "Điền số liệu (ghi 0 nếu không có)."),
            t!("\"Tổng số đảng viên\" left empty", "\"Tổng số đảng viên\" để trống")
        ),
    },
    KindDef {
        kind: Kind::ValueNotANumber,
        id: "value.not-a-number",
        severity: Severity::Error,
        params: &["label", "text"],
        message: t!(
            "{label}: the cell holds \"{text}\", which is not a number",
            "{label}: ô ghi \"{text}\", không phải là số"
        ),
        doc: doc!(
            t!("A figure's cell holds text that is not a number.", "Ô số liệu chứa chữ, không phải là số."),
            WHY_VALUE,
            t!("Write the number alone, without words or units.", "Chỉ ghi con số, không kèm chữ hay đơn vị."),
            t!("\"khoảng 50\"", "\"khoảng 50\"")
        ),
    },
    KindDef {
        kind: Kind::ValueError,
        id: "value.error",
        severity: Severity::Error,
        params: &["label", "text"],
        message: t!(
            "{label}: the cell shows the error {text}",
            "{label}: ô báo lỗi {text}"
        ),
        doc: doc!(
            t!("A figure's cell shows a spreadsheet error.", "Ô số liệu báo lỗi của bảng tính."),
            WHY_VALUE,
            t!("Correct the formula that makes the error.", "Sửa công thức gây ra lỗi."),
            t!("#DIV/0! in a percentage", "#DIV/0! ở ô tỷ lệ")
        ),
    },
    KindDef {
        kind: Kind::ValueNegative,
        id: "value.negative",
        severity: Severity::Error,
        params: &["label", "text"],
        message: t!(
            "{label}: a count cannot be negative ({text})",
            "{label}: số lượng không được âm ({text})"
        ),
        doc: doc!(
            t!("A count (of people, of branches) is below zero.", "Một số lượng (người, chi bộ) nhỏ hơn 0."),
            WHY_VALUE,
            t!("Write the count as it is.", "Ghi đúng số lượng."),
            t!("-3 members", "-3 đảng viên")
        ),
    },
    KindDef {
        kind: Kind::ValueNotWhole,
        id: "value.not-whole",
        severity: Severity::Error,
        params: &["label", "text"],
        message: t!(
            "{label}: a count must be a whole number ({text})",
            "{label}: số lượng phải là số nguyên ({text})"
        ),
        doc: doc!(
            t!("A count has decimals.", "Một số lượng có phần thập phân."),
            WHY_VALUE,
            t!("Write the whole number; a percentage belongs in its own column.", "Ghi số nguyên; tỷ lệ ghi ở cột riêng."),
            t!("12.5 members", "12,5 đảng viên")
        ),
    },
    KindDef {
        kind: Kind::ValueFormulaNotStored,
        id: "value.formula-not-stored",
        severity: Severity::Error,
        params: &["label", "text"],
        message: t!(
            "{label}: the value of the formula ={text} is not stored in the file; open and save it in a spreadsheet program",
            "{label}: giá trị của công thức ={text} không được lưu trong tệp; hãy mở và lưu lại tệp bằng Excel hoặc LibreOffice"
        ),
        doc: doc!(
            t!("A formula's value is not in the file, and crossfoot cannot compute it.", "Giá trị của công thức không được lưu trong tệp, và crossfoot không tính được."),
            WHY_VALUE,
            t!("Open the file in a spreadsheet program and save it.", "Mở tệp bằng chương trình bảng tính và lưu lại."),
            t!("a workbook written by a script that stores formulas only", "tệp do một chương trình tạo ra, chỉ lưu công thức")
        ),
    },
    KindDef {
        kind: Kind::SubtotalMismatch,
        id: "structure.subtotal-mismatch",
        severity: Severity::Error,
        params: &["form", "label", "column", "found", "expected", "difference", "rows"],
        message: t!(
            "form {form}: the subtotal row \"{label}\", column {column}: reads {found}, but the rows it sums ({rows}) add up to {expected} (difference {difference})",
            "Biểu {form}: dòng cộng \"{label}\", cột {column}: ghi {found}, nhưng cộng các dòng thuộc nó ({rows}) = {expected} (chênh lệch {difference})"
        ),
        doc: doc!(
            t!("A row that sums the rows of its block or group (a subtotal, a group row of a summary) does not add up.",
               "Một dòng cộng của một khối hay một nhóm (dòng cộng, dòng khối trong biểu tổng hợp) không khớp với tổng các dòng thuộc nó."),
            t!("A reader of the table takes the subtotal as the block's figure: it is wrong, or one of its rows is.",
               "Người đọc biểu lấy dòng cộng làm số liệu của cả khối: dòng cộng sai, hoặc một dòng thuộc nó sai."),
            t!("Correct the subtotal, or the row that is wrong; a subtotal as =SUM(…) of its rows cannot drift.",
               "Sửa dòng cộng, hoặc dòng bị sai; dùng công thức =SUM(…) cho dòng cộng để không bị lệch."),
            t!("\"I. Khối xã, thị trấn\" reading 1,250 over branches that add up to 1,205", "dòng \"I. Khối xã, thị trấn\" ghi 1.250 trong khi các chi bộ thuộc khối cộng lại 1.205")
        ),
    },
    KindDef {
        kind: Kind::ConsolidationUnitWithoutRow,
        id: "consolidation.unit-without-row",
        severity: Severity::Error,
        params: &["unit_file", "unit", "code", "form"],
        message: t!(
            "{unit_file} (unit {unit}, code {code}) has no row in form {form}",
            "Tệp {unit_file} (đơn vị {unit}, mã {code}) không có dòng trong biểu {form}"
        ),
        doc: doc!(
            t!("A branch workbook of the run has no row in the summary.", "Một tệp đơn vị trong lần kiểm tra không có dòng trong biểu tổng hợp."),
            WHY_LINK,
            t!("Add the branch's row to the summary, or check its unit code.", "Thêm dòng của đơn vị vào biểu tổng hợp, hoặc kiểm tra lại mã đơn vị."),
            t!("TD-09's workbook, and no row TD-09 in TH01", "có tệp của TD-09 nhưng TH01 không có dòng TD-09")
        ),
    },
    KindDef {
        kind: Kind::ConsolidationRowWithoutUnit,
        id: "consolidation.row-without-unit",
        severity: Severity::Error,
        params: &["code", "label", "form"],
        message: t!(
            "{label}: the row with code \"{code}\" of form {form} has no unit workbook in this run",
            "{label}: dòng mã \"{code}\" của biểu {form} không có tệp đơn vị nào trong lần kiểm tra này"
        ),
        doc: doc!(
            t!("A row of the summary has no branch workbook in the run.", "Một dòng của biểu tổng hợp không có tệp đơn vị trong lần kiểm tra."),
            WHY_LINK,
            t!("Add the branch's workbook to the run, or correct the row's code.", "Thêm tệp của đơn vị vào lần kiểm tra, hoặc sửa mã của dòng."),
            t!("a row TD-11 and no workbook with code TD-11", "dòng TD-11 nhưng không có tệp mã TD-11")
        ),
    },
    KindDef {
        kind: Kind::ConsolidationDuplicateUnit,
        id: "consolidation.duplicate-unit",
        severity: Severity::Error,
        params: &["code", "files"],
        message: t!(
            "the unit code \"{code}\" is in several workbooks ({files}); the row was not compared",
            "Mã đơn vị \"{code}\" có ở nhiều tệp ({files}); dòng này không được đối chiếu"
        ),
        doc: doc!(
            t!("Several branch workbooks carry one unit code.", "Nhiều tệp đơn vị mang cùng một mã."),
            WHY_LINK,
            t!("Leave the old one out of the run, or correct the code of the other.", "Bỏ tệp cũ khỏi lần kiểm tra, hoặc sửa mã của tệp kia."),
            t!("branch-07.xlsx and branch-07-v2.xlsx, both TD-07", "chibo-07.xlsx và chibo-07-v2.xlsx đều mang mã TD-07")
        ),
    },
    KindDef {
        kind: Kind::ConsolidationDuplicateRow,
        id: "consolidation.duplicate-row",
        severity: Severity::Error,
        params: &["code", "form", "cells"],
        message: t!(
            "the unit code \"{code}\" is in several rows of form {form} ({cells})",
            "Mã đơn vị \"{code}\" có ở nhiều dòng của biểu {form} ({cells})"
        ),
        doc: doc!(
            t!("One unit code is in several rows of the summary.", "Một mã đơn vị có ở nhiều dòng của biểu tổng hợp."),
            WHY_LINK,
            t!("Delete the repeated row.", "Xóa dòng bị lặp."),
            t!("TD-03 in rows 9 and 14", "TD-03 ở dòng 9 và dòng 14")
        ),
    },
    KindDef {
        kind: Kind::ConsolidationPreviousMissing,
        id: "consolidation.previous-missing",
        severity: Severity::Warning,
        params: &["code", "count"],
        message: t!(
            "no workbook of last year with unit code {code} among --previous; the opening figures were not compared",
            "Không có tệp năm trước của đơn vị mã {code} trong --previous; số đầu năm không được đối chiếu"
        ),
        doc: doc!(
            t!("No workbook of last year (`--previous`) has the branch's code.", "Không tệp năm trước nào (`--previous`) mang mã của đơn vị."),
            WHY_PREVIOUS,
            t!("Add last year's workbook of the branch to --previous.", "Thêm tệp năm trước của đơn vị vào --previous."),
            t!("a branch founded this year", "một đơn vị mới thành lập năm nay")
        ),
    },
    KindDef {
        kind: Kind::ConsolidationPreviousUnread,
        id: "consolidation.previous-unread",
        severity: Severity::Warning,
        params: &["code", "count"],
        message: t!(
            "no readable workbook of last year with unit code {code} among --previous ({count} of last year's workbooks could not be read); the opening figures were not compared",
            "Không có tệp năm trước đọc được của đơn vị mã {code} trong --previous ({count} tệp năm trước không đọc được); số đầu năm không được đối chiếu"
        ),
        doc: doc!(
            t!("No readable workbook of last year has the branch's code, and some of last year's could not be read.", "Không tệp năm trước đọc được nào mang mã của đơn vị, và có tệp năm trước không đọc được."),
            WHY_PREVIOUS,
            t!("Make last year's unreadable workbooks readable (the report says why each is not).", "Sửa các tệp năm trước không đọc được (báo cáo nêu lý do từng tệp)."),
            t!("last year's TD-04 saved as a web page", "tệp năm trước của TD-04 lưu dưới dạng trang web")
        ),
    },
    KindDef {
        kind: Kind::ConsolidationPreviousDuplicate,
        id: "consolidation.previous-duplicate",
        severity: Severity::Warning,
        params: &["code", "files", "used"],
        message: t!(
            "the unit code \"{code}\" is in several workbooks of last year ({files}); {used} was used",
            "Mã đơn vị \"{code}\" có ở nhiều tệp năm trước ({files}); dùng tệp {used}"
        ),
        doc: doc!(
            t!("Several of last year's workbooks carry the branch's code; the first was used.", "Nhiều tệp năm trước mang mã của đơn vị; tệp đầu tiên được dùng."),
            t!("The comparison may be with the wrong one.", "Có thể đã đối chiếu với nhầm tệp."),
            t!("Leave the wrong one out of --previous.", "Bỏ tệp sai khỏi --previous."),
            t!("two copies of last year's TD-02", "hai bản tệp năm trước của TD-02")
        ),
    },
    KindDef {
        kind: Kind::ValueNotFinite,
        id: "value.not-finite",
        severity: Severity::Error,
        params: &["label", "text"],
        message: t!(
            "{label}: the cell holds \"{text}\", which is not a finite number",
            "{label}: ô ghi \"{text}\", không phải là một số hữu hạn"
        ),
        doc: doc!(
            t!("A figure's cell holds an infinity or a value that is not a number (a number too large for the file, such as 1e999, or a formula's NaN).",
               "Ô số liệu chứa giá trị vô hạn hoặc không phải là số (một số quá lớn như 1e999, hay kết quả NaN của công thức)."),
            WHY_VALUE,
            t!("Write the figure as the number it is.", "Ghi số liệu đúng con số thực tế."),
            t!("1e999 typed as a percentage", "1e999 ghi vào ô tỷ lệ")
        ),
    },
    KindDef {
        kind: Kind::CheckNotFinite,
        id: "check.not-finite",
        severity: Severity::Error,
        params: &["check"],
        message: t!(
            "{check} is not applied: the figures it reads are too large to compute with",
            "Không áp dụng được kiểm tra {check}: các số liệu được đọc quá lớn, không tính được"
        ),
        doc: doc!(
            t!("A check's sum, product or quotient of the figures it reads is beyond the largest number crossfoot computes with.",
               "Tổng, tích hay thương của các số liệu mà kiểm tra đọc vượt quá số lớn nhất crossfoot tính được."),
            t!("The check cannot tell whether the figures agree; it is not taken as passed.",
               "Kiểm tra không xác định được các số liệu có khớp nhau hay không; không được coi là đạt."),
            t!("Correct the figures: they are far larger than any real count.", "Sửa lại số liệu: chúng lớn hơn nhiều so với bất kỳ con số thực tế nào."),
            t!("two age groups of 1e308 each", "hai nhóm tuổi, mỗi nhóm ghi 1e308")
        ),
    },
    KindDef {
        kind: Kind::WorkbookNoCheckApplied,
        id: "workbook.no-check-applied",
        severity: Severity::Warning,
        params: &[],
        message: t!(
            "no check of the forms found could be applied to this workbook: it is not checked",
            "Không áp dụng được kiểm tra nào của các biểu tìm thấy cho tệp này: tệp chưa được kiểm tra"
        ),
        doc: doc!(
            t!("The workbook matches a form, but none of the form's checks could be applied: every one reads a figure that is missing, unreadable or not given, or divides by zero.",
               "Tệp khớp với một biểu, nhưng không kiểm tra nào của biểu áp dụng được: kiểm tra nào cũng đọc một số liệu bị thiếu, không đọc được hoặc để trống, hoặc chia cho 0."),
            t!("Nothing in the workbook was checked; it is not clean.", "Không số liệu nào trong tệp được kiểm tra; tệp không được coi là đạt."),
            t!("Fill in the figures the other findings name.", "Điền các số liệu mà các phát hiện khác nêu."),
            t!("a form whose every figure is a dash", "một biểu mà mọi ô số liệu đều ghi dấu gạch ngang")
        ),
    },
    KindDef {
        kind: Kind::ConsolidationPreviousOwn,
        id: "consolidation.previous-own",
        severity: Severity::Warning,
        params: &["file"],
        message: t!(
            "last year's workbook of this unit, {file}, is one of this run's own workbooks (--previous names this year's files?); the opening figures were not compared with it",
            "Tệp năm trước của đơn vị, {file}, là một trong các tệp của chính lần kiểm tra này (--previous chỉ vào tệp năm nay?); số đầu năm không được đối chiếu với tệp đó"
        ),
        doc: doc!(
            t!("A workbook given as last year's (`--previous`) is one of the workbooks being checked.", "Một tệp được đưa làm tệp năm trước (`--previous`) cũng là tệp đang được kiểm tra."),
            t!("Comparing a workbook with itself, or with another of this year's, proves nothing; it was not done.", "So một tệp với chính nó, hay với một tệp khác của năm nay, không chứng minh được gì; việc đối chiếu không được thực hiện."),
            t!("Give last year's folder to --previous.", "Đưa thư mục của năm trước vào --previous."),
            t!("--previous submissions/ on a check of submissions/", "--previous submissions/ khi kiểm tra chính submissions/")
        ),
    },
    KindDef {
        kind: Kind::ConsolidationPreviousYear,
        id: "consolidation.previous-year",
        severity: Severity::Warning,
        params: &["file", "year", "expected"],
        message: t!(
            "last year's workbook of this unit, {file}, reports the year {year}, not {expected}; the opening figures were not compared with it",
            "Tệp năm trước của đơn vị, {file}, ghi năm báo cáo {year}, không phải {expected}; số đầu năm không được đối chiếu với tệp đó"
        ),
        doc: doc!(
            t!("The report year in the title block of last year's workbook is not the year before this workbook's.", "Năm báo cáo ở phần đầu tệp năm trước không phải năm liền trước năm của tệp này."),
            t!("It is another year's file (or this year's sent again): its closing figures are not last year's, even when they match.", "Đó là tệp của một năm khác (hoặc tệp năm nay gửi lại): số cuối năm của nó không phải của năm trước, kể cả khi khớp."),
            t!("Give the workbook of the year before to --previous, or correct its report year.", "Đưa tệp của năm liền trước vào --previous, hoặc sửa năm báo cáo của tệp."),
            t!("a workbook of 2019 given as last year's for 2021", "tệp năm 2019 được đưa làm tệp năm trước của năm 2021")
        ),
    },
    KindDef {
        kind: Kind::UnitCodeRepeated,
        id: "unit.code-repeated",
        severity: Severity::Warning,
        params: &["code", "file"],
        message: t!(
            "the unit code {code} is also that of {file}: two workbooks of one unit in this run",
            "Mã đơn vị {code} cũng là mã của tệp {file}: lần kiểm tra này có hai tệp của cùng một đơn vị"
        ),
        doc: doc!(
            t!("Two workbooks of one run carry one unit code.", "Hai tệp trong một lần kiểm tra mang cùng một mã đơn vị."),
            t!("One is likely a copy sent again, or carries another unit's code: counted twice in a summary, or a unit missing.", "Có thể một tệp là bản gửi lại, hoặc ghi nhầm mã của đơn vị khác: bị tính hai lần khi tổng hợp, hoặc thiếu một đơn vị."),
            t!("Leave the old one out, or correct the code of the other.", "Bỏ tệp cũ, hoặc sửa mã của tệp kia."),
            t!("branch-07.xlsx and branch-07-final.xlsx, both TD-07", "branch-07.xlsx và branch-07-final.xlsx, cùng mã TD-07")
        ),
    },
    KindDef {
        kind: Kind::DiscoverTotalMismatch,
        id: "discover.total-mismatch",
        severity: Severity::Warning,
        params: &["label", "cell", "found", "expected", "difference", "count", "rows", "witness"],
        message: t!(
            "the total \"{label}\" in {cell} reads {found}, but the {count} rows {rows} add up to {expected} (difference {difference}); assumed: the row totals them, as it does in column {witness}",
            "dòng tổng \"{label}\" ở ô {cell} ghi {found}, nhưng {count} dòng {rows} cộng lại bằng {expected} (chênh lệch {difference}); giả định: dòng này là tổng của các dòng đó, như ở cột {witness}"
        ),
        doc: doc!(
            t!("check --discover: a row labelled as a total whose typed figure is not the sum of the block of rows above (or below) it, within the precision shown, while another column of the same row is.", "check --discover: một dòng ghi là dòng tổng có số liệu nhập tay khác tổng của khối dòng phía trên (hoặc phía dưới), theo độ chính xác hiển thị, trong khi một cột khác của cùng dòng thì khớp."),
            t!("A typed total that does not add up is the commonest slip of a table, and no rule pack needs to know the table to see it.", "Dòng tổng nhập tay không khớp là lỗi thường gặp nhất của một bảng, và không cần bộ quy tắc nào để nhận ra."),
            t!("Correct the total or the figure of the block that is wrong; if the row is no total of that block, nothing to do (it is a warning, and says what it assumed).", "Sửa dòng tổng hoặc số liệu sai trong khối; nếu dòng này không phải tổng của khối đó thì bỏ qua (đây là cảnh báo, và có nêu giả định)."),
            t!("Total in D12 reads 1,234, rows 5–11 add up to 1,233", "Dòng Tổng cộng ở D12 ghi 1.234, các dòng 5–11 cộng lại bằng 1.233")
        ),
    },
    KindDef {
        kind: Kind::DiscoverHeadingMismatch,
        id: "discover.heading-mismatch",
        severity: Severity::Warning,
        params: &["label", "cell", "found", "expected", "difference", "count", "rows", "witness"],
        message: t!(
            "the heading \"{label}\" in {cell} reads {found}, but the {count} items numbered under it (rows {rows}) add up to {expected} (difference {difference}); assumed: the heading sums its items, as it does in column {witness}",
            "mục \"{label}\" ở ô {cell} ghi {found}, nhưng {count} mục con đánh số bên dưới (dòng {rows}) cộng lại bằng {expected} (chênh lệch {difference}); giả định: mục này là tổng các mục con, như ở cột {witness}"
        ),
        doc: doc!(
            t!("check --discover: a numbered heading (2) whose typed figure is not the sum of the items numbered under it (2.1, 2.2, …), within the precision shown, while another column of the same row is; items after a part word (Trong đó) are not summed.", "check --discover: một mục đánh số (2) có số liệu nhập tay khác tổng các mục con đánh số bên dưới (2.1, 2.2, …), theo độ chính xác hiển thị, trong khi một cột khác của cùng dòng thì khớp; các mục sau chữ \"Trong đó\" không được cộng."),
            t!("A heading's figure typed by hand and not updated after one of its items changed is as common as a wrong total, and the numbering says which rows it sums.", "Số liệu của một mục nhập tay mà không cập nhật khi một mục con thay đổi cũng thường gặp như dòng tổng sai, và số thứ tự cho biết mục đó là tổng của những dòng nào."),
            t!("Correct the heading or the item that is wrong; if the heading is no sum of its items, nothing to do (it is a warning, and says what it assumed).", "Sửa mục hoặc mục con sai; nếu mục này không phải tổng các mục con thì bỏ qua (đây là cảnh báo, và có nêu giả định)."),
            t!("2 Increase reads 14 in C8, 2.1 + 2.2 add up to 13", "Mục 2 Tăng trong năm ở C8 ghi 14, mục 2.1 + 2.2 cộng lại bằng 13")
        ),
    },
    KindDef {
        kind: Kind::DiscoverPercentMismatch,
        id: "discover.percent-mismatch",
        severity: Severity::Warning,
        params: &["cell", "found", "expected", "count", "base", "witnesses"],
        message: t!(
            "the percentage in {cell} reads {found}%, but {count} ÷ {base} × 100 is {expected}%; assumed: the column is a share of {base}, as {witnesses} other rows of it are",
            "tỷ lệ ở ô {cell} ghi {found}%, nhưng {count} ÷ {base} × 100 = {expected}%; giả định: cột này là tỷ lệ trên {base}, như {witnesses} dòng khác của cột"
        ),
        doc: doc!(
            t!("check --discover: a percentage column (a % heading or format) whose figure in a row is not the count beside it ÷ the base (the count of the row reading 100 %, or the one count most of its figures are shares of), as shown, while at least three other rows of the column are, and no other row's count is its base.", "check --discover: một cột tỷ lệ (tiêu đề có % hoặc định dạng phần trăm) có số ở một dòng khác số lượng bên cạnh ÷ mẫu số (số lượng của dòng ghi 100 %, hoặc số lượng mà phần lớn các tỷ lệ của cột tính trên đó), theo số chữ số hiển thị, trong khi ít nhất ba dòng khác của cột thì khớp, và không dòng nào khác là mẫu số của nó."),
            t!("A percentage typed by hand, or not recomputed after its count changed, is a slip no total shows.", "Tỷ lệ nhập tay, hoặc không tính lại sau khi số lượng thay đổi, là lỗi mà dòng tổng không cho thấy."),
            t!("Recompute the percentage from its count; if the row is a share of something else, nothing to do (it is a warning, and says what it assumed).", "Tính lại tỷ lệ từ số lượng; nếu dòng này là tỷ lệ trên một số khác thì bỏ qua (đây là cảnh báo, và có nêu giả định)."),
            t!("D9 reads 27.40%, C9 ÷ C7 × 100 is 28.77%", "Ô D9 ghi 27,40%, C9 ÷ C7 × 100 = 28,77%")
        ),
    },
    KindDef {
        kind: Kind::DiscoverSumOmits,
        id: "discover.sum-omits",
        severity: Severity::Warning,
        params: &["cell", "range", "omitted", "value", "label", "count"],
        message: t!(
            "the sum in {cell} adds {range} but leaves out {omitted} ({value}, \"{label}\"), next to what it adds in the same block; assumed: {omitted} is a member of the block, labelled as the {count} figures summed are",
            "công thức tổng ở ô {cell} cộng {range} nhưng bỏ sót ô {omitted} ({value}, \"{label}\") liền kề trong cùng khối; giả định: ô {omitted} là một thành phần của khối, có nhãn cùng kiểu với {count} số được cộng"
        ),
        doc: doc!(
            t!("check --discover: a cell whose formula adds cells of its own column (or row) — one SUM of ranges and cells, or cells joined by + — and leaves out the adjacent cell of the same block (next to either end, or the one cell it skips between them): a figure labelled as the members summed are (numbered at the same level, or in the same label column), no total, no part (Trong đó), no subtotal; when other sums of the same total exist, one of them counts it.", "check --discover: một ô có công thức cộng các ô của chính cột (hoặc dòng) của nó — một hàm SUM trên các vùng và ô, hoặc các ô nối bằng dấu + — mà bỏ sót ô liền kề trong cùng khối (sát một đầu, hoặc một ô duy nhất bị bỏ qua ở giữa): một số có nhãn cùng kiểu với các ô được cộng (đánh số cùng cấp, hoặc cùng cột nhãn), không phải dòng tổng, không phải phần \"Trong đó\", không phải tổng phụ; khi có các công thức tổng khác của cùng dòng tổng, ít nhất một công thức trong đó có cộng ô này."),
            t!("A row added to a block after its SUM was written is left out of the total, and the stored figure looks right.", "Dòng thêm vào khối sau khi đã viết hàm SUM sẽ không được cộng vào tổng, mà số hiển thị trông vẫn hợp lý."),
            t!("Widen the range to the whole block; if the cell is left out on purpose, nothing to do (it is a warning, and says what it assumed).", "Mở rộng vùng cộng cho cả khối; nếu cố ý bỏ ô đó thì bỏ qua (đây là cảnh báo, và có nêu giả định)."),
            t!("C14 =SUM(C8:C12), C13 holds 7 and is labelled as C8:C12 are", "Ô C14 =SUM(C8:C12), ô C13 ghi 7 và có nhãn cùng kiểu với C8:C12")
        ),
    },
    KindDef {
        kind: Kind::DiscoverOutlineMismatch,
        id: "discover.outline-mismatch",
        severity: Severity::Warning,
        params: &["label", "cell", "found", "expected", "difference", "count", "rows", "witness", "by"],
        message: t!(
            "the heading \"{label}\" in {cell} reads {found}, but the {count} rows {by} (rows {rows}) add up to {expected} (difference {difference}); assumed, from the workbook's formatting: the heading sums them, as it does in column {witness}",
            "mục \"{label}\" ở ô {cell} ghi {found}, nhưng {count} dòng {by} (dòng {rows}) cộng lại bằng {expected} (chênh lệch {difference}); giả định, theo định dạng của tệp: mục này là tổng các dòng đó, như ở cột {witness}"
        ),
        doc: doc!(
            t!("check --discover: a heading row set apart by its formatting — its label less indented than the rows under it (the cell's indent, or leading spaces), or bold over rows in plain type — whose typed figure is not the sum of the rows one level under it, up to the next row at its level, within the precision shown, while another column of the same row is; rows after a part word (Trong đó) are not summed. The cell's indent and bold are read for .xlsx only.", "check --discover: một dòng mục được phân biệt bằng định dạng — nhãn thụt lề ít hơn các dòng bên dưới (thụt lề của ô, hoặc dấu cách ở đầu), hoặc in đậm trên các dòng chữ thường — có số liệu nhập tay khác tổng các dòng thấp hơn một cấp bên dưới, đến dòng cùng cấp tiếp theo, theo độ chính xác hiển thị, trong khi một cột khác của cùng dòng thì khớp; các dòng sau chữ \"Trong đó\" không được cộng. Thụt lề và chữ đậm của ô chỉ đọc được với tệp .xlsx."),
            t!("Many tables show their hierarchy by indentation or bold type, not by numbering; a heading typed by hand and not updated is the same slip as a wrong total.", "Nhiều bảng thể hiện cấp mục bằng thụt lề hoặc chữ đậm, không đánh số; mục nhập tay mà không cập nhật là cùng một lỗi như dòng tổng sai."),
            t!("Correct the heading or the row that is wrong; if the heading is no sum of the rows under it, nothing to do (it is a warning, and says what it assumed).", "Sửa mục hoặc dòng sai; nếu mục này không phải tổng các dòng bên dưới thì bỏ qua (đây là cảnh báo, và có nêu giả định)."),
            t!("Bold \"Increase\" reads 14 in C8, the indented rows 9–10 add up to 13", "Mục in đậm \"Tăng trong năm\" ở C8 ghi 14, các dòng thụt lề 9–10 cộng lại bằng 13")
        ),
    },
    KindDef {
        kind: Kind::UnitNotInRegister,
        id: "unit.not-in-register",
        severity: Severity::Warning,
        params: &["code", "register"],
        message: t!(
            "the unit code {code} is not in the register of units {register}",
            "Mã đơn vị {code} không có trong danh sách đơn vị {register}"
        ),
        doc: doc!(
            t!("A workbook carries a unit code the register of units (`--units`) does not list.", "Tệp mang mã đơn vị không có trong danh sách đơn vị (`--units`)."),
            WHY_REGISTER,
            t!("Correct the code in the workbook, or add the unit to the register.", "Sửa mã đơn vị trong tệp, hoặc bổ sung đơn vị vào danh sách."),
            t!("TD-71 sent, the register lists TD-01 to TD-70", "gửi TD-71, danh sách có TD-01 đến TD-70")
        ),
    },
    KindDef {
        kind: Kind::UnitNotSubmitted,
        id: "unit.not-submitted",
        severity: Severity::Warning,
        params: &["code", "name", "year"],
        message: t!(
            "not yet submitted: {name} ({code}), in the register for {year}, sent no workbook in this run",
            "Chưa nộp: {name} ({code}), có trong danh sách năm {year}, chưa có tệp trong lần kiểm tra này"
        ),
        doc: doc!(
            t!("A unit the register lists for the year sent no workbook.", "Một đơn vị có trong danh sách của năm chưa gửi tệp."),
            WHY_REGISTER,
            t!("Ask the unit for its workbook, or end its life in the register (Đến năm).", "Đề nghị đơn vị gửi tệp, hoặc ghi năm kết thúc (Đến năm) trong danh sách."),
            t!("TD-14 sent nothing", "TD-14 chưa gửi")
        ),
    },
    KindDef {
        kind: Kind::UnitNameDiffers,
        id: "unit.name-differs",
        severity: Severity::Warning,
        params: &["code", "name", "registered"],
        message: t!(
            "the workbook names unit {code} \"{name}\", the register \"{registered}\"",
            "Tệp ghi tên đơn vị {code} là \"{name}\", danh sách ghi \"{registered}\""
        ),
        doc: doc!(
            t!("The unit's name in the title block is not the register's for its code.", "Tên đơn vị ở phần đầu biểu khác tên trong danh sách ứng với mã đó."),
            t!("a code typed for another unit's makes the figures count for the wrong unit", "ghi nhầm mã của đơn vị khác làm số liệu bị tính cho sai đơn vị"),
            t!("Correct the code or the name in the workbook, or the register.", "Sửa mã hoặc tên trong tệp, hoặc trong danh sách."),
            t!("TD-07 named Chi bộ Thôn 3, registered as Chi bộ Thôn 7", "TD-07 ghi Chi bộ Thôn 3, danh sách ghi Chi bộ Thôn 7")
        ),
    },
    KindDef {
        kind: Kind::UnitOutsideLife,
        id: "unit.outside-life",
        severity: Severity::Warning,
        params: &["code", "year", "from", "to"],
        message: t!(
            "unit {code} reports for {year}, but the register gives it the years {from}–{to}",
            "Đơn vị {code} báo cáo năm {year}, nhưng danh sách ghi đơn vị tồn tại từ năm {from} đến năm {to}"
        ),
        doc: doc!(
            t!("A unit sends a workbook for a year the register says it did not exist.", "Một đơn vị gửi báo cáo cho năm mà theo danh sách đơn vị không còn (hoặc chưa) tồn tại."),
            t!("a unit merged into another is counted twice: on its own and in its successor", "đơn vị đã hợp nhất bị tính hai lần: riêng nó và trong đơn vị mới"),
            t!("Leave the workbook out, or correct the register's years.", "Bỏ tệp này, hoặc sửa năm trong danh sách."),
            t!("TD-05, merged in 2025, reports for 2026", "TD-05 đã hợp nhất năm 2025, vẫn báo cáo năm 2026")
        ),
    },
    KindDef {
        kind: Kind::RegisterDuplicateCode,
        id: "register.duplicate-code",
        severity: Severity::Warning,
        params: &["code", "rows"],
        message: t!(
            "the register lists the unit code {code} more than once (rows {rows}); the first is used",
            "Danh sách đơn vị có mã {code} nhiều lần (dòng {rows}); dùng dòng đầu tiên"
        ),
        doc: doc!(
            t!("Two rows of the register of units carry one code.", "Hai dòng của danh sách đơn vị có cùng một mã."),
            WHY_REGISTER,
            t!("Delete the repeated row, or give one of the units its own code.", "Xóa dòng lặp, hoặc sửa mã của một đơn vị."),
            t!("TD-03 in rows 5 and 9", "TD-03 ở dòng 5 và dòng 9")
        ),
    },
    KindDef {
        kind: Kind::HistoryUnusualChange,
        id: "history.unusual-change",
        severity: Severity::Warning,
        params: &["figure", "value", "previous", "ratio", "median", "score", "limit", "units"],
        message: t!(
            "{figure} is {value}, last year {previous} (× {ratio}; the units' median × {median}): unusual among the {units} units — score {score}, limit {limit}",
            "{figure} là {value}, năm trước {previous} (× {ratio}; trung vị các đơn vị × {median}): bất thường so với {units} đơn vị — điểm {score}, ngưỡng {limit}"
        ),
        doc: doc!(
            t!("A figure changed from last year far more than the same figure of the other units (Hidiroglou–Berthelot score of the ratio this year / last year, thresholds in the pack's [plausibility]).", "Một số liệu thay đổi so với năm trước nhiều hơn hẳn cùng số liệu của các đơn vị khác (điểm Hidiroglou–Berthelot của tỷ số năm nay / năm trước, ngưỡng trong [plausibility] của bộ quy tắc)."),
            t!("a figure typed ten times too large or too small passes every sum when its parts are typed the same way", "số liệu ghi lớn gấp mười hoặc nhỏ đi mười lần vẫn khớp mọi phép cộng nếu các số thành phần cũng ghi như vậy"),
            t!("Check the figure against last year's and the unit's records; a real change (a merger) needs no correction.", "Đối chiếu với số năm trước và hồ sơ của đơn vị; thay đổi thật (hợp nhất) thì không cần sửa."),
            t!("M01.total 1240, last year 125", "M01.total 1240, năm trước 125")
        ),
    },
    KindDef {
        kind: Kind::HistoryCopiedUnchanged,
        id: "history.copied-unchanged",
        severity: Severity::Warning,
        params: &["file", "count", "flows"],
        message: t!(
            "all {count} figures equal last year's workbook {file}, though the year had changes ({flows})",
            "Cả {count} số liệu giống hệt tệp năm trước {file}, dù trong năm có biến động ({flows})"
        ),
        doc: doc!(
            t!("Every figure of the workbook is last year's, while its flows say members came or left.", "Mọi số liệu của tệp giống năm trước, trong khi số tăng, giảm cho thấy có biến động."),
            t!("last year's workbook sent again passes every check of its own", "tệp năm trước gửi lại vẫn khớp mọi phép kiểm tra của chính nó"),
            t!("Ask the unit for this year's workbook.", "Đề nghị đơn vị gửi tệp của năm nay."),
            t!("TD-09 sent its 2020 workbook as 2021's", "TD-09 gửi tệp năm 2020 làm tệp năm 2021")
        ),
    },
    KindDef {
        kind: Kind::HistorySameAsUnit,
        id: "history.same-as-unit",
        severity: Severity::Warning,
        params: &["file", "code", "count"],
        message: t!(
            "all {count} figures equal those of {file} (unit {code}): one unit's file copied for another?",
            "Cả {count} số liệu giống hệt tệp {file} (đơn vị {code}): có thể đã sao chép tệp của đơn vị khác"
        ),
        doc: doc!(
            t!("Two units of the run have the same figures in every form.", "Hai đơn vị trong lần kiểm tra có số liệu giống hệt nhau ở mọi biểu."),
            t!("one unit's workbook sent with another's code passes every check of its own", "tệp của đơn vị này gửi với mã của đơn vị khác vẫn khớp mọi phép kiểm tra của chính nó"),
            t!("Ask both units which figures are theirs.", "Hỏi lại hai đơn vị số liệu nào là của mình."),
            t!("TD-04 and TD-11 identical", "TD-04 và TD-11 giống hệt nhau")
        ),
    },
    KindDef {
        kind: Kind::UnitMergerOpening,
        id: "unit.merger-opening",
        severity: Severity::Warning,
        params: &["code", "figure", "value", "sum", "predecessors"],
        message: t!(
            "unit {code} was formed from {predecessors}: its {figure} is {value}, but their closing figures of last year add up to {sum}",
            "Đơn vị {code} được hình thành từ {predecessors}: {figure} là {value}, nhưng cộng số cuối năm trước của các đơn vị này là {sum}"
        ),
        doc: doc!(
            t!("A unit formed by a merger opens the year with another figure than its predecessors closed last year with (the register's Tiền thân).", "Đơn vị hình thành do hợp nhất có số đầu năm khác tổng số cuối năm trước của các đơn vị tiền thân (cột Tiền thân của danh sách)."),
            t!("members lost or counted twice in a merger pass every check of the new unit's own workbook", "đảng viên bị sót hoặc tính hai lần khi hợp nhất vẫn khớp mọi phép kiểm tra trong tệp của đơn vị mới"),
            t!("Check the opening figure against the predecessors' closing ones, or the register's predecessors.", "Đối chiếu số đầu năm với số cuối năm của các đơn vị tiền thân, hoặc sửa cột Tiền thân."),
            t!("TD-10 opens with 80; TD-03 closed with 40 and TD-04 with 45", "TD-10 đầu năm 80; TD-03 cuối năm 40, TD-04 cuối năm 45")
        ),
    },
    KindDef {
        kind: Kind::UnitSplitNotComparable,
        id: "unit.split-not-comparable",
        severity: Severity::Info,
        params: &["code", "predecessor", "others"],
        message: t!(
            "unit {code} was formed by splitting {predecessor} (with {others}): its opening figures are not compared with last year's, the register gives no shares",
            "Đơn vị {code} được hình thành do tách từ {predecessor} (cùng với {others}): số đầu năm không được đối chiếu với năm trước vì danh sách không ghi tỷ lệ chia"
        ),
        doc: doc!(
            t!("A unit was formed from a unit that was split among several; without the shares its opening cannot be compared.", "Đơn vị hình thành từ một đơn vị bị tách thành nhiều đơn vị; không có tỷ lệ chia thì không đối chiếu được số đầu năm."),
            t!("a figure not compared is said, never taken as passed", "số liệu không được đối chiếu thì phải nói rõ, không coi là đúng"),
            t!("Compare the opening figures of the units split together with the predecessor's closing figure by hand.", "Tự đối chiếu tổng số đầu năm của các đơn vị được tách với số cuối năm của đơn vị cũ."),
            t!("TD-13 and TD-14 both formed from TD-06", "TD-13 và TD-14 cùng tách từ TD-06")
        ),
    },
    KindDef {
        kind: Kind::UnitNoPredecessor,
        id: "unit.no-predecessor",
        severity: Severity::Warning,
        params: &["code", "missing"],
        message: t!(
            "unit {code}: no workbook of last year among --previous for its predecessor(s) {missing}; its opening figures were not compared",
            "Đơn vị {code}: không có tệp năm trước trong --previous của đơn vị tiền thân {missing}; số đầu năm không được đối chiếu"
        ),
        doc: doc!(
            t!("Last year's workbooks (`--previous`) lack one of the predecessors the register gives a unit.", "Các tệp năm trước (`--previous`) thiếu tệp của một đơn vị tiền thân mà danh sách ghi cho đơn vị."),
            WHY_PREVIOUS,
            t!("Add the predecessor's workbook of last year to --previous, or correct the register.", "Thêm tệp năm trước của đơn vị tiền thân vào --previous, hoặc sửa danh sách."),
            t!("TD-15 formed from TD-09, which sent nothing last year", "TD-15 hình thành từ TD-09, năm trước TD-09 không gửi tệp")
        ),
    },
    KindDef {
        kind: Kind::UnitSplitOpening,
        id: "unit.split-opening",
        severity: Severity::Warning,
        params: &["code", "figure", "value", "expected", "predecessors"],
        message: t!(
            "unit {code} was formed from {predecessors}: its {figure} is {value}, but their closing figures of last year times the register's shares give {expected}",
            "Đơn vị {code} được hình thành từ {predecessors}: {figure} là {value}, nhưng số cuối năm trước của các đơn vị này nhân tỷ lệ chia trong danh sách là {expected}"
        ),
        doc: doc!(
            t!("A unit formed by a split opens the year with another figure than the share of its predecessors' closing figures the register gives it (the register's share column), beyond what the shares' rounding allows.", "Đơn vị hình thành do tách có số đầu năm khác phần số cuối năm của đơn vị tiền thân theo tỷ lệ chia ghi trong danh sách, quá mức sai số do làm tròn tỷ lệ."),
            t!("members lost or counted twice in a split pass every check of the new units' own workbooks", "đảng viên bị sót hoặc tính hai lần khi chia tách vẫn khớp mọi phép kiểm tra trong tệp của các đơn vị mới"),
            t!("Check the opening figure against the predecessor's closing one, or the register's shares.", "Đối chiếu số đầu năm với số cuối năm của đơn vị tiền thân, hoặc sửa tỷ lệ chia trong danh sách."),
            t!("TD-13 opens with 70; TD-06 closed with 100, 60% of it is 60", "TD-13 đầu năm 70; TD-06 cuối năm 100, 60% là 60")
        ),
    },
    KindDef {
        kind: Kind::HistoryShareMoved,
        id: "history.share-moved",
        severity: Severity::Warning,
        params: &["share", "now", "before", "moved", "limit"],
        message: t!(
            "{share} is {now}, last year {before}: it moved {moved} percentage points, more than the pack allows ({limit})",
            "{share} là {now}, năm trước {before}: thay đổi {moved} điểm phần trăm, nhiều hơn mức bộ quy tắc cho phép ({limit})"
        ),
        doc: doc!(
            t!("The share of a figure in its base (women among members, say) moved from last year by more than the pack's [plausibility] max_share_move, in a unit large enough (min_share_base) for such a move to be unusual.", "Tỷ lệ của một số liệu trong tổng của nó (nữ trong tổng số đảng viên chẳng hạn) thay đổi so với năm trước nhiều hơn max_share_move trong [plausibility] của bộ quy tắc, ở đơn vị đủ lớn (min_share_base) để thay đổi như vậy là bất thường."),
            t!("a breakdown typed in the wrong row or column keeps every sum and moves a share", "số liệu ghi nhầm dòng, nhầm cột vẫn khớp mọi phép cộng nhưng làm tỷ lệ thay đổi"),
            t!("Check the figure and its base against last year's and the unit's records; a real change needs no correction.", "Đối chiếu số liệu và tổng của nó với năm trước và hồ sơ của đơn vị; thay đổi thật thì không cần sửa."),
            t!("women 62% of members, last year 31%", "nữ 62% tổng số, năm trước 31%")
        ),
    },
];

const WHY_REGISTER: Texts = t!(
    "a unit missing, unknown or misnamed makes the summary count the wrong units",
    "đơn vị thiếu, lạ hoặc sai tên làm biểu tổng hợp tính sai đơn vị"
);

/// A text crossfoot's messages and workbooks are made of that is no finding of its own: the
/// hints of a message, the words of an explanation, the summary workbook's Notes, the lint's
/// messages. `TEXTS[t as usize]` is its definition; call sites name it, never its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TextId {
    HintNoFormClosest,
    HintNoFormLabels,
    HintNoFormPattern,
    HintNoFormTitle,
    HintNoFormLegacyFont,
    HintClosest,
    ExplainMostLikely,
    ExplainOneOf,
    ExplainCommon,
    ExplainOrLarger,
    ExplainNotLocalised,
    ExplainLeftOut,
    ExplainNote,
    ExplainNoteKind,
    ExplainRange,
    SlipSwappedDigits,
    SlipMistypedDigit,
    SlipOffByOne,
    SlipSign,
    SlipTruncatedPercentage,
    SlipWrongBase,
    SlipRowOff,
    SlipFollows,
    ConsolidateNotesSheet,
    ConsolidateFile,
    ConsolidateCode,
    ConsolidateName,
    ConsolidateNote,
    ConsolidateErrors,
    ConsolidateFiguresMissing,
    ConsolidateUnreadable,
    ConsolidateSkipped,
    ConsolidateIncomplete,
    ConsolidateEmpty,
    ConsolidateNoCode,
    ConsolidateDuplicate,
    ConsolidateSummary,
    ConsolidateNotASummary,
    ConsolidateNotAUnit,
    ConsolidateOlder,
    ConsolidateExcludedErrors,
    ConsolidateCut,
    ConsolidateRowsCut,
    ConsolidateColumnsCut,
    SlipLastYearsFigure,
    ExplainOthersGiven,
    LintContradiction,
    LintContradictionHint,
    LintRedundant,
    LintRedundantHint,
    LintFixed,
    LintFixedHint,
    LintNeverFails,
    LintNeverFailsHint,
    LintNotWhole,
    LintNotWholeHint,
    LintNeverApplies,
    LintNeverAppliesHint,
    LintExplained,
    LintSummary,
    InitHeader,
    InitEdit,
    InitSheet,
    InitLabels,
    InitColumns,
    InitRows,
    InitPart,
    InitChecks,
    InitDropped,
    InitFound,
    InitFromFormula,
    InitHundred,
    InitSumMessage,
    InitSumOfMessage,
    InitColumnsMessage,
    InitPartMessage,
    InitPercentMessage,
    InitSettings,
    InitSheetSkipped,
    InitTableUntitled,
    InitGroupTotal,
    InitGroupMessage,
    InitExists,
    InitNothing,
    InitWritten,
    LintUndecided,
    DiscoverByIndent,
    DiscoverByBold,
}

/// The definition of a text: its id (the key a pack's `[settings.messages]` gives it under),
/// the placeholders it provides, its text in both languages.
#[derive(Debug, Clone, Copy)]
pub struct TextDef {
    pub text: TextId,
    pub id: &'static str,
    pub params: &'static [&'static str],
    pub texts: Texts,
}

impl TextId {
    pub fn def(self) -> &'static TextDef {
        &TEXTS[self as usize]
    }
    pub fn id(self) -> &'static str {
        self.def().id
    }
    /// The text of an id (`explain.most-likely`).
    pub fn of_id(id: &str) -> Option<TextId> {
        TEXTS.iter().find(|d| d.id == id).map(|d| d.text)
    }
}

macro_rules! td {
    ($v:ident, $id:expr, $params:expr, $texts:expr) => {
        TextDef {
            text: TextId::$v,
            id: $id,
            params: $params,
            texts: $texts,
        }
    };
}

/// The other texts of crossfoot's messages and workbooks, in the order of [`TextId`]. A pack
/// may give its own for any of them too.
pub const TEXTS: &[TextDef] = &[
    td!(HintNoFormClosest, "hint.no-form-closest", &["form", "name", "sheet", "found", "labels", "lacks"], t!(
        "; the closest is form {form} ({name}) in sheet \"{sheet}\": {found} of its {labels} labels found; {lacks}",
        "; gần nhất là biểu {form} ({name}) ở trang \"{sheet}\": có {found} trên {labels} nhãn; {lacks}")),
    td!(HintNoFormLabels, "hint.no-form-labels", &["labels"], t!("missing labels {labels}", "thiếu các nhãn {labels}")),
    td!(HintNoFormPattern, "hint.no-form-pattern", &["pattern"], t!(
        "the sheet name does not match the form's pattern {pattern}",
        "tên trang không khớp mẫu {pattern} của biểu")),
    td!(HintNoFormTitle, "hint.no-form-title", &["titles"], t!("no title {titles}", "không có tiêu đề {titles}")),
    td!(HintNoFormLegacyFont, "hint.no-form-legacy-font", &["text", "read"], t!(
        "; its texts look typed in a legacy Vietnamese font encoding (TCVN3/ABC, .VnTime): \"{text}\" reads \"{read}\"; convert the workbook to Unicode (e.g. with Unikey's converter) and check it again",
        "; văn bản trong tệp có vẻ gõ bằng bảng mã cũ TCVN3 (ABC, phông .VnTime): \"{text}\" là \"{read}\"; hãy chuyển mã tệp sang Unicode (ví dụ bằng công cụ chuyển mã của Unikey) rồi kiểm tra lại")),
    td!(HintClosest, "hint.closest", &["text", "cell"], t!(
        "; the closest is \"{text}\" in {cell}",
        "; gần giống nhất là \"{text}\" ở ô {cell}")),
    // The words of explanations (crate::explain::localise): the most likely cause, never certain.
    td!(ExplainMostLikely, "explain.most-likely", &["changes", "count"], t!(
        "most likely: {changes} (resolves {count} finding(s))",
        "khả năng cao nhất: {changes} (giải thích {count} phát hiện)")),
    td!(ExplainOneOf, "explain.one-of", &["changes", "count", "resolves"], t!(
        "most likely one of {count} equally small explanations (each resolves {resolves} finding(s)): {changes}",
        "khả năng cao nhất là một trong {count} cách sửa ít ô như nhau (mỗi cách giải thích {resolves} phát hiện): {changes}")),
    td!(ExplainCommon, "explain.common", &["changes", "count", "more", "resolves", "rest"], t!(
        "most likely: {changes} — in each of the {count} equally small explanations (each resolves {resolves} finding(s)), with {more} more change(s) among: {rest}",
        "khả năng cao nhất: {changes} — có trong cả {count} cách sửa ít ô như nhau (mỗi cách giải thích {resolves} phát hiện), cùng với {more} ô khác trong số: {rest}")),
    td!(ExplainOrLarger, "explain.or-larger", &["changes", "count", "more"], t!(
        "or, if {more} more figure(s) are wrong ({count} such reading(s)), for example: {changes}",
        "hoặc, nếu sai thêm {more} ô ({count} cách như vậy), ví dụ: {changes}")),
    td!(ExplainNotLocalised, "explain.not-localised", &["count"], t!(
        "not localised (too many possibilities): {count} finding(s)",
        "chưa xác định được ô sai (quá nhiều khả năng): {count} phát hiện")),
    td!(ExplainLeftOut, "explain.left-out", &["count"], t!(
        "{count} failing check(s) that are not linear were left out of the explanation",
        "{count} phép kiểm tra không tuyến tính không được xét khi tìm ô sai")),
    td!(ExplainNote, "explain.note", &["value"], t!(
        "probably {value}",
        "có lẽ là {value}")),
    td!(ExplainNoteKind, "explain.note-kind", &["kind", "value"], t!(
        "probably {value} — {kind}",
        "có lẽ là {value} — {kind}")),
    td!(ExplainRange, "explain.range", &["high", "low"], t!(
        "between {low} and {high}",
        "trong khoảng {low} đến {high}")),
    td!(SlipSwappedDigits, "slip.swapped-digits", &[], t!(
        "two digits swapped",
        "hai chữ số bị đảo chỗ")),
    td!(SlipMistypedDigit, "slip.mistyped-digit", &[], t!(
        "one digit mistyped",
        "gõ nhầm một chữ số")),
    td!(SlipOffByOne, "slip.off-by-one", &[], t!(
        "off by one",
        "lệch 1 đơn vị")),
    td!(SlipSign, "slip.sign", &[], t!(
        "the sign",
        "sai dấu")),
    td!(SlipTruncatedPercentage, "slip.truncated-percentage", &[], t!(
        "a percentage truncated instead of rounded",
        "tỷ lệ bị cắt bớt thay vì làm tròn")),
    td!(SlipWrongBase, "slip.wrong-base", &[], t!(
        "a percentage of the wrong base",
        "tỷ lệ tính trên sai mẫu số")),
    td!(SlipRowOff, "slip.row-off", &[], t!(
        "the figure of the row above or below (pasted one row off)",
        "trùng số liệu của dòng trên hoặc dưới (dán lệch một dòng)")),
    td!(SlipFollows, "slip.follows", &[], t!(
        "recomputed from its count and base",
        "tính lại từ số lượng và mẫu số")),
    td!(ConsolidateNotesSheet, "consolidate.notes-sheet", &[], t!("Notes", "Ghi chú")),
    td!(ConsolidateFile, "consolidate.file", &[], t!("File", "Tệp")),
    td!(ConsolidateCode, "consolidate.code", &[], t!("Code", "Mã")),
    td!(ConsolidateName, "consolidate.name", &[], t!("Unit", "Đơn vị")),
    td!(ConsolidateNote, "consolidate.note", &[], t!("Note", "Ghi chú")),
    td!(ConsolidateErrors, "consolidate.errors", &["count"], t!(
        "included; the workbook carries {count} error(s)",
        "đã đưa vào; tệp có {count} lỗi")),
    td!(ConsolidateFiguresMissing, "consolidate.figures-missing", &["columns"], t!(
        "included; figures not readable, left empty: {columns}",
        "đã đưa vào; các số liệu không đọc được, để trống: {columns}")),
    td!(ConsolidateUnreadable, "consolidate.unreadable", &["reason"], t!(
        "left out: the file cannot be read ({reason})",
        "không đưa vào: không đọc được tệp ({reason})")),
    td!(ConsolidateSkipped, "consolidate.skipped", &["reason"], t!(
        "left out: {reason}",
        "không đưa vào: {reason}")),
    td!(ConsolidateIncomplete, "consolidate.incomplete", &["count"], t!(
        "{count} input(s) are not in the summary: they could not be read or carry no unit code (each is listed on its Notes sheet)",
        "{count} tệp đầu vào không có trong biểu tổng hợp: không đọc được hoặc không có mã đơn vị (từng tệp được liệt kê ở trang Ghi chú)")),
    td!(ConsolidateEmpty, "consolidate.empty", &[], t!(
        "no unit was consolidated: the summary has no unit row",
        "không tổng hợp được đơn vị nào: biểu tổng hợp không có dòng đơn vị")),
    td!(ConsolidateNoCode, "consolidate.no-code", &[], t!(
        "left out: no unit code in the title block",
        "không đưa vào: phần đầu biểu không có mã đơn vị")),
    td!(ConsolidateDuplicate, "consolidate.duplicate", &["file"], t!(
        "left out: the same code as {file}, which was used",
        "không đưa vào: trùng mã với tệp {file}, tệp đó đã được dùng")),
    td!(ConsolidateSummary, "consolidate.summary", &[], t!(
        "left out: the workbook is a summary itself, not a unit",
        "không đưa vào: tệp này là biểu tổng hợp, không phải của một đơn vị")),
    td!(ConsolidateNotASummary, "consolidate.not-a-summary", &[], t!(
        "left out: this summary is of the summaries among the workbooks (one level up), and this workbook is no summary",
        "không đưa vào: biểu tổng hợp này tổng hợp các biểu tổng hợp trong số tệp (cấp trên một bậc), và tệp này không phải biểu tổng hợp")),
    td!(ConsolidateNotAUnit, "consolidate.not-a-unit", &["code"], t!(
        "left out: its code {code} is not the code of a unit of this summary (the summary's own workbook or another organisation's)",
        "không đưa vào: mã {code} của tệp không phải mã của một đơn vị trong biểu tổng hợp này (tệp của chính cấp tổng hợp hoặc của một tổ chức khác)")),
    td!(ConsolidateOlder, "consolidate.older", &["file"], t!(
        "left out (--prefer newest): {file} has the same code and was modified later",
        "không đưa vào (--prefer newest): tệp {file} cùng mã và được sửa sau")),
    td!(ConsolidateExcludedErrors, "consolidate.excluded-errors", &["count"], t!(
        "left out (--exclude-errors): the workbook carries {count} error(s)",
        "không đưa vào (--exclude-errors): tệp có {count} lỗi")),
    td!(ConsolidateCut, "consolidate.cut", &["count", "max"], t!(
        "this text has {count} characters, more than a cell holds ({max}): it is cut here; the whole text is in the branch's workbook",
        "đoạn chữ này dài {count} ký tự, quá sức chứa của một ô ({max}): được cắt bớt ở đây; toàn văn có trong tệp của đơn vị")),
    td!(ConsolidateRowsCut, "consolidate.rows-cut", &["shown", "count"], t!(
        "only the first {shown} of {count} units fit in a worksheet: the others are left out, and the totals are of those shown",
        "một trang tính chỉ chứa được {shown} trên {count} đơn vị đầu tiên: các đơn vị còn lại không được đưa vào, và tổng số chỉ tính các đơn vị có mặt")),
    td!(ConsolidateColumnsCut, "consolidate.columns-cut", &["shown", "count"], t!(
        "only the first {shown} of the form's {count} columns fit in a worksheet",
        "một trang tính chỉ chứa được {shown} trên {count} cột đầu tiên của biểu")),
    td!(SlipLastYearsFigure, "slip.last-years-figure", &[], t!(
        "last year's figure, not updated",
        "trùng số liệu năm trước (chưa cập nhật)")),
    td!(ExplainOthersGiven, "explain.others-given", &["files"], t!(
        "the figures of {files} are taken as right",
        "số liệu của {files} được coi là đúng")),
    // The words of `crossfoot rules lint` (crate::explain::lint).
    td!(LintContradiction, "lint.contradiction", &["checks"], t!(
        "no figures can satisfy these checks together: {checks}",
        "không có bộ số liệu nào thỏa mãn cùng lúc các phép kiểm tra: {checks}")),
    td!(LintContradictionHint, "lint.contradiction-hint", &[], t!(
        "one of them is written wrong: every workbook would fail at least one",
        "có một phép kiểm tra viết sai: tệp nào cũng sẽ vi phạm ít nhất một phép")),
    td!(LintRedundant, "lint.redundant", &["check", "checks"], t!(
        "{check} follows from {checks}: it never fails unless one of them does",
        "{check} suy ra được từ {checks}: phép này chỉ sai khi một trong các phép kia sai")),
    td!(LintRedundantHint, "lint.redundant-hint", &[], t!(
        "leave it out, or keep it for its own message and say why in the check: lint.redundant = \"…\"",
        "bỏ phép này, hoặc giữ lại vì thông báo riêng của nó và ghi lý do trong phép kiểm tra: lint.redundant = \"…\"")),
    td!(LintFixed, "lint.fixed", &["figure", "value", "checks"], t!(
        "the checks leave {figure} only one value, {value}: {checks}",
        "các phép kiểm tra chỉ cho {figure} một giá trị duy nhất là {value}: {checks}")),
    td!(LintFixedHint, "lint.fixed-hint", &[], t!(
        "a figure the checks fix needs no form; is one of these checks written wrong?",
        "số liệu đã bị các phép kiểm tra cố định thì không cần điền; có phép nào viết sai không?")),
    td!(LintNeverFails, "lint.never-fails", &["check"], t!(
        "{check} holds whatever the figures: it can never fail",
        "{check} luôn đúng với mọi số liệu: phép này không bao giờ báo sai")),
    td!(LintNeverFailsHint, "lint.never-fails-hint", &[], t!(
        "compare the figures it is meant to compare, or leave it out",
        "so sánh đúng các số liệu cần so sánh, hoặc bỏ phép này")),
    td!(LintNotWhole, "lint.not-whole", &["checks"], t!(
        "no whole numbers satisfy {checks}: the counts it reads are whole, and only fractions would do",
        "không có số nguyên nào thỏa mãn {checks}: các số đếm là số nguyên, mà chỉ số lẻ mới thỏa")),
    td!(LintNotWholeHint, "lint.not-whole-hint", &[], t!(
        "every workbook would fail it: is a coefficient or a constant written wrong, or is the figure a count that should be a number?",
        "tệp nào cũng sẽ vi phạm: có hệ số hay hằng số nào viết sai, hoặc số liệu này không phải số đếm (kind = \"number\")?")),
    td!(LintNeverApplies, "lint.never-applies", &["check"], t!(
        "{check} never applies: no figures satisfy its condition (when)",
        "{check} không bao giờ được áp dụng: không có số liệu nào thỏa mãn điều kiện (when) của nó")),
    td!(LintNeverAppliesHint, "lint.never-applies-hint", &[], t!(
        "the condition is written wrong (counts are never below zero), or the check can go",
        "điều kiện viết sai (số đếm không bao giờ âm), hoặc có thể bỏ phép này")),
    td!(LintExplained, "lint.explained", &["reason"], t!(
        "explained in the pack: {reason}",
        "đã giải thích trong bộ quy tắc: {reason}")),
    td!(LintSummary, "lint.summary", &["checks", "messages", "explained", "left"], t!(
        "lint: {checks} linear check(s) read, {messages} message(s), {explained} explained in the pack; {left} check(s) not linear (percentages, conditions, records, other workbooks) left out",
        "lint: đã xét {checks} phép kiểm tra tuyến tính, {messages} thông báo, {explained} đã giải thích trong bộ quy tắc; {left} phép không tuyến tính (tỷ lệ, điều kiện, bản ghi, tệp khác) không được xét")),
    // The words of `crossfoot init` (crate::explain::init): comments and check messages of the
    // pack it drafts.
    td!(InitHeader, "init.header", &["form", "file", "sheet"], t!(
        "Form {form}, drafted by crossfoot init from {file}, sheet {sheet}.",
        "Biểu {form}, do crossfoot init soạn từ tệp {file}, trang tính {sheet}.")),
    td!(InitEdit, "init.edit", &[], t!(
        "A draft: read it, correct what it guessed, delete what is not meant; then `crossfoot rules lint` and `crossfoot check --no-default-rules --rules` this folder.",
        "Bản nháp: hãy đọc, sửa những gì nó đoán sai, xóa những gì không đúng ý; sau đó chạy `crossfoot rules lint` và `crossfoot check --no-default-rules --rules` với thư mục này.")),
    td!(InitSheet, "init.sheet", &[], t!(
        "The sheet's name, as a pattern (lower case, without diacritics); the title below also finds the form.",
        "Tên trang tính, dạng mẫu (chữ thường, không dấu); tiêu đề bên dưới cũng giúp nhận ra biểu.")),
    td!(InitLabels, "init.labels", &[], t!(
        "Labels that must all be present for a sheet to be this form.",
        "Các nhãn phải có đủ để một trang tính được nhận là biểu này.")),
    td!(InitColumns, "init.columns", &[], t!(
        "Columns, found by their headings; the kind from the heading, the number formats and the figures (count: whole numbers ≥ 0).",
        "Các cột, tìm theo tiêu đề cột; loại cột suy từ tiêu đề, định dạng số và số liệu (count: số nguyên ≥ 0).")),
    td!(InitRows, "init.rows", &[], t!(
        "Rows, found by their labels (the numbering comes off by itself); the hierarchy from the numbering: a row's id begins with its heading's.",
        "Các dòng, tìm theo nhãn (số thứ tự tự được bỏ qua); thứ bậc theo số thứ tự: mã của dòng bắt đầu bằng mã của mục trên nó.")),
    td!(InitPart, "init.part", &["whole"], t!(
        "A part of \"{whole}\" (of which), not a member of its sum.",
        "Một phần của \"{whole}\" (trong đó), không cộng vào tổng.")),
    td!(InitChecks, "init.checks", &[], t!(
        "Checks. Each says where it came from; \"found in the example\" means the figures of the example agree with it, not that it is meant: confirm it.",
        "Các phép kiểm tra. Mỗi phép ghi rõ nguồn gốc; \"tìm thấy trong tệp mẫu\" nghĩa là số liệu của tệp mẫu khớp với phép này, chưa chắc đó là quy định: hãy xác nhận.")),
    td!(InitDropped, "init.dropped", &["count"], t!(
        "{count} check(s) drafted from one workbook did not hold in another and were left out.",
        "{count} phép kiểm tra soạn từ một tệp không đúng với tệp khác nên đã bị bỏ.")),
    td!(InitFound, "init.found", &[], t!(
        "found in the example: confirm",
        "tìm thấy trong tệp mẫu: hãy xác nhận")),
    td!(InitFromFormula, "init.from-formula", &["cell", "formula"], t!(
        "from the template's formula in {cell} {formula}",
        "theo công thức của mẫu ở ô {cell} {formula}")),
    td!(InitHundred, "init.hundred", &[], t!(
        "the template shows 100 in this item's percentage: every percentage is of it",
        "mẫu ghi 100 ở tỷ lệ của mục này: mọi tỷ lệ đều tính trên mục này")),
    td!(InitSumMessage, "init.sum-message", &["heading", "found", "expected", "difference"], t!(
        "{heading}: the rows under it add up to {found}, not {expected} (difference {difference})",
        "{heading}: cộng các dòng bên dưới = {found}, khác {expected} (chênh lệch {difference})")),
    td!(InitSumOfMessage, "init.sum-of-message", &["heading", "target", "found", "expected", "difference"], t!(
        "{heading}: the rows under it add up to {found}, not {target} {expected} (difference {difference})",
        "{heading}: cộng các dòng bên dưới = {found}, khác {target} {expected} (chênh lệch {difference})")),
    td!(InitColumnsMessage, "init.columns-message", &["label", "column", "found", "expected", "difference"], t!(
        "{label}: the columns after {column} add up to {found}, not {expected} (difference {difference})",
        "{label}: cộng các cột sau cột {column} = {found}, khác {expected} (chênh lệch {difference})")),
    td!(InitPartMessage, "init.part-message", &["part", "whole", "found", "expected"], t!(
        "{part} ({found}) is more than {whole} ({expected})",
        "{part} ({found}) lớn hơn {whole} ({expected})")),
    td!(InitPercentMessage, "init.percent-message", &["base", "label", "found", "expected"], t!(
        "{label}: the percentage reads {found}%, of {base} it is {expected}%",
        "{label}: tỷ lệ ghi {found}%, tính trên {base} đúng phải là {expected}%")),
    td!(InitSettings, "init.settings", &[], t!(
        "The settings of the pack crossfoot init ran with, copied: how numbers and labels are read. Use this folder alone: crossfoot check --no-default-rules --rules FOLDER.",
        "Các thiết lập của bộ quy tắc khi chạy crossfoot init, được chép lại: cách đọc số và nhãn. Dùng riêng thư mục này: crossfoot check --no-default-rules --rules THƯ_MỤC.")),
    td!(InitSheetSkipped, "init.sheet-skipped", &["sheet"], t!(
        "sheet {sheet}: no table of two or more labelled rows under a header; not written (a table of records, one row per unit or year, is not drafted yet)",
        "trang tính {sheet}: không có bảng nào có từ hai dòng có nhãn dưới dòng tiêu đề; không được soạn (bảng bản ghi, mỗi dòng một đơn vị hay một năm, chưa được hỗ trợ)")),
    td!(InitTableUntitled, "init.table-untitled", &["sheet", "row", "form"], t!(
        "sheet {sheet}: the table headed in row {row} shares its sheet with another and has no title of its own above it; crossfoot tells the tables of one sheet apart by their titles: give form {form} a `title` before using it",
        "trang tính {sheet}: bảng có dòng tiêu đề ở dòng {row} chung trang tính với bảng khác mà không có tiêu đề riêng phía trên; crossfoot phân biệt các bảng trên một trang tính theo tiêu đề: hãy thêm `title` cho biểu {form} trước khi dùng")),
    td!(InitGroupTotal, "init.group-total", &["group", "column"], t!(
        "the heading {group} stands over its sub-columns, {column} among them: the others add up to it",
        "tiêu đề {group} đứng trên các cột con, trong đó có cột {column}: các cột còn lại cộng bằng cột này")),
    td!(InitGroupMessage, "init.group-message", &["group", "column", "label", "found", "expected", "difference"], t!(
        "{label}, {group}: the columns add up to {found}, not {column} {expected} (difference {difference})",
        "{label}, {group}: cộng các cột = {found}, khác {column} {expected} (chênh lệch {difference})")),
    td!(InitExists, "init.exists", &["file"], t!(
        "{file} exists already: nothing was written (crossfoot init replaces no file; choose another --out)",
        "{file} đã có: chưa ghi gì (crossfoot init không ghi đè tệp nào; hãy chọn --out khác)")),
    td!(InitNothing, "init.nothing", &[], t!(
        "no table of the workbook could be drafted as a form: nothing was written",
        "không có bảng nào của tệp soạn được thành biểu: chưa ghi gì")),
    td!(InitWritten, "init.written", &["forms", "checks", "dir"], t!(
        "init: {forms} form(s), {checks} check(s) drafted in {dir}: read them, then crossfoot rules lint --no-default-rules {dir}",
        "init: đã soạn {forms} biểu, {checks} phép kiểm tra trong {dir}: hãy đọc lại, rồi chạy crossfoot rules lint --no-default-rules {dir}")),
    td!(LintUndecided, "lint.undecided", &["checks"], t!(
        "too many combinations to decide for these checks: {checks}",
        "quá nhiều tổ hợp, không kết luận được cho các phép kiểm tra: {checks}")),
    td!(DiscoverByIndent, "discover.by-indent", &[], t!(
        "indented under it",
        "thụt lề dưới mục này")),
    td!(DiscoverByBold, "discover.by-bold", &[], t!(
        "in plain type under this bold row",
        "chữ thường dưới dòng in đậm này")),
];

/// Any id crossfoot has a text for: a finding kind or another text. What message lookups take,
/// so that an id that does not exist does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MessageId {
    Kind(Kind),
    Text(TextId),
}

impl From<Kind> for MessageId {
    fn from(k: Kind) -> MessageId {
        MessageId::Kind(k)
    }
}

impl From<TextId> for MessageId {
    fn from(t: TextId) -> MessageId {
        MessageId::Text(t)
    }
}

impl MessageId {
    /// The id as rule files and reports write it (`layout.label-not-found`, `explain.note`).
    pub fn id(self) -> &'static str {
        match self {
            MessageId::Kind(k) => k.id(),
            MessageId::Text(t) => t.id(),
        }
    }
    /// The built-in template in a language.
    pub fn template(self, lang: Lang) -> &'static str {
        match self {
            MessageId::Kind(k) => k.def().message.get(lang),
            MessageId::Text(t) => t.def().texts.get(lang),
        }
    }
    /// The placeholders it provides.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            MessageId::Kind(k) => k.def().params,
            MessageId::Text(t) => t.def().params,
        }
    }
    /// The id of a text as written (a key of a pack's `[settings.messages]`), if it is one.
    pub fn of_id(id: &str) -> Option<MessageId> {
        Kind::of_id(id)
            .map(MessageId::Kind)
            .or_else(|| TextId::of_id(id).map(MessageId::Text))
    }
}

/// Every id a pack may give a text for under `[settings.messages]`.
pub fn known_ids() -> impl Iterator<Item = &'static str> {
    KINDS.iter().map(|k| k.id).chain(TEXTS.iter().map(|t| t.id))
}

/// The built-in template of an id written as text (a pack's key) in a language.
pub fn template(id: &str, lang: Lang) -> Option<&'static str> {
    MessageId::of_id(id).map(|m| m.template(lang))
}

/// The placeholders an id written as text provides.
pub fn params(id: &str) -> Option<&'static [&'static str]> {
    MessageId::of_id(id).map(MessageId::params)
}

// ---------------------------------------------------------------------------------------------
// The terminal's words

/// The words of the terminal report and of `explain`, in one language.
#[derive(Debug)]
pub struct Words {
    pub error: &'static str,
    pub warning: &'static str,
    pub info: &'static str,
    /// `(one, many)` of a count.
    pub files: (&'static str, &'static str),
    pub errors: (&'static str, &'static str),
    pub warnings: (&'static str, &'static str),
    pub infos: (&'static str, &'static str),
    pub checked: &'static str,
    pub unreadable: &'static str,
    pub skipped: &'static str,
    pub passed_over: &'static str,
    pub lock_files: (&'static str, &'static str),
    pub hidden_files: (&'static str, &'static str),
    pub system_files: (&'static str, &'static str),
    pub expected: &'static str,
    pub found: &'static str,
    pub difference: &'static str,
    pub cells_read: &'static str,
    pub clean: &'static str,
    /// The summary line's counts of files: with a warning (and no error), with an error.
    pub with_warnings: &'static str,
    pub with_errors: &'static str,
    pub unit: &'static str,
    pub forms: &'static str,
    pub workbook: &'static str,
    pub cannot_read: &'static str,
    pub hint: &'static str,
    pub previous_unreadable: &'static str,
    pub previous_section: &'static str,
    pub none_checked: &'static str,
    pub no_form_matched: &'static str,
    /// The folders named held no file to read.
    pub nothing_found: &'static str,
    /// A check not applied: the count's words in the summary, and why (one per
    /// [`crate::check::eval::Reason`]).
    pub not_applied: &'static str,
    pub na_unreadable_figure: &'static str,
    pub na_figure_missing: &'static str,
    pub na_division_by_zero: &'static str,
    pub na_not_finite: &'static str,
    pub na_cannot_evaluate: &'static str,
    pub na_formulas_unread: &'static str,
    pub progress: &'static str,
    pub what: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
    pub example: &'static str,
    pub severity: &'static str,
    pub message: &'static str,
    pub form: &'static str,
    pub expression: &'static str,
    pub placeholders: &'static str,
    pub fallback: &'static str,
    pub wrote_review: &'static str,
    pub wrote_summary: &'static str,
    /// Why a file that was read is passed over: one of crossfoot's own review workbooks.
    pub skip_own_review: &'static str,
    pub skip_same_file: &'static str,
    /// The end of a text from an input cut where the terminal shows it
    /// ([`crate::text::visible`]): its length in characters.
    pub cut: &'static str,
    /// The lines on stderr after writing marked copies (`--mark`).
    pub wrote_mark: &'static str,
    pub rebuilt: &'static str,
    pub no_mark: &'static str,
    /// A temporary file of an earlier run stopped while writing, removed.
    pub removed_stale: &'static str,
    /// A file crossfoot had not written, replaced by an output as `--force` allowed.
    pub replaced_foreign: &'static str,
}

pub const EN: Words = Words {
    error: "error",
    warning: "warning",
    info: "info",
    files: ("file", "files"),
    errors: ("error", "errors"),
    warnings: ("warning", "warnings"),
    infos: ("info", "info"),
    checked: "checked",
    unreadable: "unreadable",
    skipped: "skipped",
    passed_over: "passed over",
    lock_files: ("lock file", "lock files"),
    hidden_files: ("hidden file", "hidden files"),
    system_files: ("system file", "system files"),
    expected: "expected",
    found: "found",
    difference: "difference",
    cells_read: "cells read",
    clean: "clean",
    with_warnings: "with warnings",
    with_errors: "with errors",
    unit: "unit",
    forms: "forms",
    workbook: "(workbook)",
    cannot_read: "cannot read",
    hint: "hint",
    previous_unreadable: "{count} of last year's workbooks could not be read: the year-over-year checks of their units were not done",
    previous_section: "last year's workbooks (--previous) that could not be read:",
    none_checked: "no file was checked",
    no_form_matched: "no file matched a form of the rule pack: nothing was checked against its rules",
    nothing_found: "no workbook to check: {paths} held no file to read",
    not_applied: "checks not applied",
    na_unreadable_figure: "a figure it reads could not be read",
    na_figure_missing: "a figure it reads is not in the workbook",
    na_division_by_zero: "it divides by zero",
    na_not_finite: "its figures are too large to compute with",
    na_cannot_evaluate: "its expression gives no value",
    na_formulas_unread: "the formulas of the sheets could not be read (the SUMs were compared by their stored values only)",
    progress: "workbooks checked, {eta} left",
    what: "What it means",
    why: "Why it matters",
    fix: "How to fix",
    example: "Example",
    severity: "Severity",
    message: "Message",
    form: "Form",
    expression: "Expression",
    placeholders: "Placeholders",
    fallback: "{count} check(s) of the rule pack have no message in {lang}: their messages are in the pack's language ({pack})",
    wrote_review: "wrote the review workbook to {path}",
    wrote_summary: "wrote the summary to {path}: {form} {rows} row(s), {notes} note(s)",
    skip_own_review: "a review workbook written by crossfoot, not a submission",
    skip_same_file: "the same file as {file} (a hard link or another name of it): read once, under that name",
    cut: "…({count} characters)",
    wrote_mark: "wrote the marked copy of {input} to {path}",
    rebuilt: " (rebuilt: {why})",
    no_mark: "no marked copy written to {dir}: no checked workbook has findings",
    removed_stale: "removed {path}, a temporary file left by an earlier crossfoot run that was stopped while writing",
    replaced_foreign: "replaced {path}, a file crossfoot had not written (--force)",
};

pub const VI: Words = Words {
    error: "lỗi",
    warning: "cảnh báo",
    info: "ghi chú",
    files: ("tệp", "tệp"),
    errors: ("lỗi", "lỗi"),
    warnings: ("cảnh báo", "cảnh báo"),
    infos: ("ghi chú", "ghi chú"),
    checked: "đã kiểm tra",
    unreadable: "không đọc được",
    skipped: "bỏ qua",
    passed_over: "không xét",
    lock_files: ("tệp khóa", "tệp khóa"),
    hidden_files: ("tệp ẩn", "tệp ẩn"),
    system_files: ("tệp hệ thống", "tệp hệ thống"),
    expected: "cần là",
    found: "ghi",
    difference: "chênh lệch",
    cells_read: "các ô đã đọc",
    clean: "không có sai sót",
    with_warnings: "có cảnh báo",
    with_errors: "có lỗi",
    unit: "đơn vị",
    forms: "biểu",
    workbook: "(cả tệp)",
    cannot_read: "không đọc được",
    hint: "gợi ý",
    previous_unreadable: "{count} tệp năm trước không đọc được: các phép đối chiếu với năm trước của các đơn vị đó không được thực hiện",
    previous_section: "các tệp năm trước (--previous) không đọc được:",
    none_checked: "không tệp nào được kiểm tra",
    no_form_matched: "không tệp nào khớp với một biểu của bộ quy tắc: không có gì được kiểm tra theo quy tắc",
    nothing_found: "không có tệp nào để kiểm tra: {paths} không chứa tệp nào đọc được",
    not_applied: "kiểm tra không áp dụng được",
    na_unreadable_figure: "có số liệu cần đọc không đọc được",
    na_figure_missing: "có số liệu cần đọc không có trong tệp",
    na_division_by_zero: "phép chia cho 0",
    na_not_finite: "số liệu quá lớn, không tính được",
    na_cannot_evaluate: "biểu thức không cho ra giá trị",
    na_formulas_unread: "không đọc được công thức của các trang tính (các hàm SUM chỉ được so theo giá trị đã lưu)",
    progress: "tệp đã kiểm tra, còn {eta}",
    what: "Ý nghĩa",
    why: "Vì sao quan trọng",
    fix: "Cách sửa",
    example: "Ví dụ",
    severity: "Mức độ",
    message: "Thông báo",
    form: "Biểu",
    expression: "Biểu thức",
    placeholders: "Tham số",
    fallback: "{count} phép kiểm tra của bộ quy tắc không có thông báo bằng {lang}: thông báo của chúng dùng ngôn ngữ của bộ quy tắc ({pack})",
    wrote_review: "đã ghi sổ kiểm tra vào {path}",
    wrote_summary: "đã ghi biểu tổng hợp vào {path}: biểu {form}, {rows} dòng, {notes} ghi chú",
    skip_own_review: "sổ kiểm tra do crossfoot ghi, không phải báo cáo của đơn vị",
    skip_same_file: "cùng một tệp với {file} (liên kết cứng hoặc tên khác của tệp đó): chỉ đọc một lần, dưới tên đó",
    cut: "…({count} ký tự)",
    wrote_mark: "đã ghi bản đánh dấu của {input} vào {path}",
    rebuilt: " (dựng lại: {why})",
    no_mark: "không ghi bản đánh dấu nào vào {dir}: không tệp nào đã kiểm tra có phát hiện",
    removed_stale: "đã xoá {path}, tệp tạm do một lần chạy crossfoot trước bị dừng giữa chừng để lại",
    replaced_foreign: "đã thay {path}, một tệp không do crossfoot tạo ra (--force)",
};

impl Words {
    pub fn of(lang: Lang) -> &'static Words {
        match lang {
            Lang::En => &EN,
            Lang::Vi => &VI,
        }
    }

    /// Every text of the table, by field name (the walk test's view: a field left out here
    /// does not compile).
    pub fn texts(&self) -> Vec<(&'static str, &'static str)> {
        let Words {
            error,
            warning,
            info,
            files,
            errors,
            warnings,
            infos,
            checked,
            unreadable,
            skipped,
            passed_over,
            lock_files,
            hidden_files,
            system_files,
            expected,
            found,
            difference,
            cells_read,
            clean,
            with_warnings,
            with_errors,
            unit,
            forms,
            workbook,
            cannot_read,
            hint,
            previous_unreadable,
            previous_section,
            none_checked,
            no_form_matched,
            nothing_found,
            not_applied,
            na_unreadable_figure,
            na_figure_missing,
            na_division_by_zero,
            na_not_finite,
            na_cannot_evaluate,
            na_formulas_unread,
            progress,
            what,
            why,
            fix,
            example,
            severity,
            message,
            form,
            expression,
            placeholders,
            fallback,
            wrote_review,
            wrote_summary,
            skip_own_review,
            skip_same_file,
            cut,
            wrote_mark,
            rebuilt,
            no_mark,
            removed_stale,
            replaced_foreign,
        } = *self;
        let mut out = vec![
            ("error", error),
            ("warning", warning),
            ("info", info),
            ("checked", checked),
            ("unreadable", unreadable),
            ("skipped", skipped),
            ("passed_over", passed_over),
            ("expected", expected),
            ("found", found),
            ("difference", difference),
            ("cells_read", cells_read),
            ("clean", clean),
            ("with_warnings", with_warnings),
            ("with_errors", with_errors),
            ("unit", unit),
            ("forms", forms),
            ("workbook", workbook),
            ("cannot_read", cannot_read),
            ("hint", hint),
            ("previous_unreadable", previous_unreadable),
            ("previous_section", previous_section),
            ("none_checked", none_checked),
            ("no_form_matched", no_form_matched),
            ("nothing_found", nothing_found),
            ("not_applied", not_applied),
            ("na_unreadable_figure", na_unreadable_figure),
            ("na_figure_missing", na_figure_missing),
            ("na_division_by_zero", na_division_by_zero),
            ("na_not_finite", na_not_finite),
            ("na_cannot_evaluate", na_cannot_evaluate),
            ("na_formulas_unread", na_formulas_unread),
            ("progress", progress),
            ("what", what),
            ("why", why),
            ("fix", fix),
            ("example", example),
            ("severity", severity),
            ("message", message),
            ("form", form),
            ("expression", expression),
            ("placeholders", placeholders),
            ("fallback", fallback),
            ("wrote_review", wrote_review),
            ("wrote_summary", wrote_summary),
            ("skip_own_review", skip_own_review),
            ("skip_same_file", skip_same_file),
            ("cut", cut),
            ("wrote_mark", wrote_mark),
            ("rebuilt", rebuilt),
            ("no_mark", no_mark),
            ("removed_stale", removed_stale),
            ("replaced_foreign", replaced_foreign),
        ];
        for (name, (one, many)) in [
            ("files", files),
            ("errors", errors),
            ("warnings", warnings),
            ("infos", infos),
            ("lock_files", lock_files),
            ("hidden_files", hidden_files),
            ("system_files", system_files),
        ] {
            out.push((name, one));
            out.push((name, many));
        }
        out
    }

    pub fn severity(&self, s: Severity) -> &'static str {
        match s {
            Severity::Error => self.error,
            Severity::Warning => self.warning,
            Severity::Info => self.info,
        }
    }

    /// `n` and the word, one or many.
    pub fn count(&self, n: usize, (one, many): (&str, &str)) -> String {
        format!("{n} {}", if n == 1 { one } else { many })
    }

    /// A language's name in this language.
    pub fn lang_name(&self, lang: Lang) -> &'static str {
        match (std::ptr::eq(self, &VI), lang) {
            (false, Lang::En) => "English",
            (false, Lang::Vi) => "Vietnamese",
            (true, Lang::En) => "tiếng Anh",
            (true, Lang::Vi) => "tiếng Việt",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The review workbook's and the marked copies' words

/// The words of the review workbook ([`crate::write::annotate`]), in one language.
#[derive(Debug)]
pub struct ReviewWords {
    pub summary_sheet: &'static str,
    pub findings_sheet: &'static str,
    pub file: &'static str,
    pub branch: &'static str,
    pub code: &'static str,
    pub status: &'static str,
    pub errors: &'static str,
    pub warnings: &'static str,
    pub first_finding: &'static str,
    pub chart_label: &'static str,
    pub sheet: &'static str,
    pub cell: &'static str,
    pub rule: &'static str,
    pub severity: &'static str,
    pub message: &'static str,
    pub expected: &'static str,
    pub found: &'static str,
    pub difference: &'static str,
    pub clean: &'static str,
    pub with_warnings: &'static str,
    pub with_errors: &'static str,
    /// Before the forms read in part, on a file's status (`M01 80 %`).
    pub read_in_part: &'static str,
    pub unreadable: &'static str,
    pub skipped: &'static str,
    pub sev_error: &'static str,
    pub sev_warning: &'static str,
    pub sev_info: &'static str,
    pub chart_title: &'static str,
    pub most_suspect: &'static str,
    pub most_likely: &'static str,
    pub suggested: &'static str,
    /// The reviewer's note on a finding marked explained (the review desk's marks).
    pub review_note: &'static str,
    /// The heading of the notes printed below a marked copy's cells (notes do not print).
    pub notes: &'static str,
    /// The banner of a marked copy: where it was copied from, and the link back.
    pub copied_from: &'static str,
    pub of_sheet: &'static str,
    pub back_to_summary: &'static str,
    /// The Summary's line of totals: `{files}`, `{clean}`, `{warnings}`, `{errors}`,
    /// `{unreadable}` files; `{error_count}` errors, `{warning_count}` warnings.
    pub totals: &'static str,
    /// Sheets not copied: `{skipped}` of `{total}`, beyond `{max}` sheets in all.
    pub sheets_skipped: &'static str,
    /// Findings not listed: the first `{shown}` of `{total}`.
    pub findings_cut: &'static str,
    /// The note on a text cut to fit a cell: `{n}` characters, `{max}` in a cell.
    pub text_cut: &'static str,
    /// The note on a sheet with `{n}` cells beyond a worksheet's grid.
    pub beyond_grid: &'static str,
    /// The note on a formula not kept: `{why}` (one of the `unsafe_…` texts), `{formula}`.
    pub formula_not_kept: &'static str,
    /// Why a formula is not kept: it calls the function `{name}`, not a pure calculation.
    pub unsafe_function: &'static str,
    /// … it refers to another workbook, a file or an address.
    pub unsafe_external: &'static str,
    /// … it is a DDE link.
    pub unsafe_dde: &'static str,
    /// … it uses the defined name `{name}`.
    pub unsafe_name: &'static str,
    /// … it has `{n}` characters, more than a formula may (`{max}`).
    pub unsafe_too_long: &'static str,
    /// … crossfoot cannot read it (`{why}`: the scanner's words).
    pub unsafe_unreadable: &'static str,
}

pub const REVIEW_EN: ReviewWords = ReviewWords {
    summary_sheet: "Summary",
    findings_sheet: "Findings",
    file: "File",
    branch: "Branch",
    code: "Code",
    status: "Status",
    errors: "Errors",
    warnings: "Warnings",
    first_finding: "First finding",
    chart_label: "Chart label",
    sheet: "Sheet",
    cell: "Cell",
    rule: "Rule",
    severity: "Severity",
    message: "Message",
    expected: "Expected",
    found: "Found",
    difference: "Difference",
    clean: "clean",
    with_warnings: "warnings",
    with_errors: "errors",
    read_in_part: "forms read in part",
    unreadable: "unreadable",
    skipped: "skipped",
    sev_error: "error",
    sev_warning: "warning",
    sev_info: "info",
    chart_title: "Findings per branch",
    most_suspect: "a cell the check read; the most suspect is",
    most_likely: "Most likely cause",
    suggested: "Suggested",
    review_note: "Reviewer's note",
    notes: "Notes",
    copied_from: "Copied from",
    of_sheet: "sheet",
    back_to_summary: "← Back to the Summary",
    totals: "{files} files: {clean} clean, {warnings} with warnings, {errors} with errors, {unreadable} unreadable; {error_count} errors, {warning_count} warnings in all",
    sheets_skipped: "{skipped} of the {total} checked sheets carry no finding and were not copied into this workbook (more than {max} sheets in all: only sheets with findings are copied)",
    findings_cut: "only the first {shown} of {total} findings are listed (the most rows a worksheet holds)",
    text_cut: "This text has {n} characters, more than a cell holds ({max}): it is cut here. The whole text is in the submitted workbook and in crossfoot's JSON report.",
    beyond_grid: "{n} cell(s) of this sheet lie beyond the rows and columns a worksheet holds (1,048,576 × 16,384) and are not copied here.",
    formula_not_kept: "Formula not kept: {why}. The cell holds the value the submitted workbook stored. The formula, as text:\n={formula}",
    unsafe_function: "it calls {name}, which is not one of the pure calculation functions crossfoot keeps",
    unsafe_external: "it refers to another workbook, a file or an address",
    unsafe_dde: "it is a DDE link, which starts another program",
    unsafe_name: "it uses the name {name}, whose meaning crossfoot cannot check",
    unsafe_too_long: "it has {n} characters, more than a spreadsheet formula may ({max})",
    unsafe_unreadable: "crossfoot cannot read it ({why})",
};

pub const REVIEW_VI: ReviewWords = ReviewWords {
    summary_sheet: "Tổng hợp",
    findings_sheet: "Phát hiện",
    file: "Tệp",
    branch: "Đơn vị",
    code: "Mã đơn vị",
    status: "Trạng thái",
    errors: "Số lỗi",
    warnings: "Số cảnh báo",
    first_finding: "Phát hiện đầu tiên",
    chart_label: "Nhãn biểu đồ",
    sheet: "Trang tính",
    cell: "Ô",
    rule: "Mã quy tắc",
    severity: "Mức độ",
    message: "Nội dung",
    expected: "Giá trị đúng",
    found: "Giá trị ghi",
    difference: "Chênh lệch",
    clean: "sạch",
    with_warnings: "có cảnh báo",
    with_errors: "có lỗi",
    read_in_part: "biểu đọc chưa trọn",
    unreadable: "không đọc được",
    skipped: "bỏ qua",
    sev_error: "lỗi",
    sev_warning: "cảnh báo",
    sev_info: "thông tin",
    chart_title: "Số lỗi và cảnh báo theo đơn vị",
    most_suspect: "ô này được đọc khi kiểm tra; ô nghi sai nhất là",
    most_likely: "Nguyên nhân khả dĩ nhất",
    suggested: "Giá trị đề xuất",
    review_note: "Ghi chú của người duyệt",
    notes: "Ghi chú",
    copied_from: "Sao từ tệp",
    of_sheet: "trang tính",
    back_to_summary: "← Về trang Tổng hợp",
    totals: "{files} tệp: {clean} sạch, {warnings} có cảnh báo, {errors} có lỗi, {unreadable} không đọc được; tổng cộng {error_count} lỗi, {warning_count} cảnh báo",
    sheets_skipped: "{skipped} trong số {total} trang tính đã kiểm tra không có phát hiện nào nên không được sao chép vào sổ này (quá {max} trang tính: chỉ sao chép các trang có phát hiện)",
    findings_cut: "chỉ liệt kê {shown} trong số {total} phát hiện đầu tiên (số dòng tối đa của một trang tính)",
    text_cut: "Nội dung này có {n} ký tự, nhiều hơn một ô chứa được ({max}) nên đã bị cắt. Toàn văn có trong tệp đơn vị gửi và trong báo cáo JSON của crossfoot.",
    beyond_grid: "{n} ô của trang tính này nằm ngoài số dòng và cột tối đa của một trang tính (1.048.576 × 16.384) nên không được sao chép.",
    formula_not_kept: "Công thức không được giữ lại: {why}. Ô này chứa giá trị đã lưu trong tệp đơn vị gửi. Công thức dạng văn bản:\n={formula}",
    unsafe_function: "công thức gọi hàm {name}, không thuộc danh sách các hàm tính toán thuần túy mà crossfoot giữ lại",
    unsafe_external: "công thức tham chiếu tới sổ tính, tệp hoặc địa chỉ khác",
    unsafe_dde: "công thức là liên kết DDE, có thể khởi chạy chương trình khác",
    unsafe_name: "công thức dùng tên {name}, crossfoot không kiểm tra được ý nghĩa của tên này",
    unsafe_too_long: "công thức dài {n} ký tự, vượt giới hạn của bảng tính ({max})",
    unsafe_unreadable: "crossfoot không đọc được công thức ({why})",
};

/// The words of a marked copy ([`crate::write::mark`]), in one language.
#[derive(Debug)]
pub struct MarkWords {
    pub sheet_name: &'static str,
    pub headings: [&'static str; 9],
    pub severity: [&'static str; 3],
    pub expected: &'static str,
    pub found: &'static str,
    pub difference: &'static str,
    pub most_suspect: &'static str,
    pub edited: &'static str,
    pub rebuilt: &'static str,
    pub rebuilt_ods: &'static str,
    pub rebuilt_binary: &'static str,
    pub none: &'static str,
    /// The word of a marked copy's file name (`branch.checked.xlsx`): letters, digits and `-`.
    pub copy_word: &'static str,
    /// The word before the format a converted copy was made from (`branch.from-xls.…`).
    pub copy_from: &'static str,
    /// A finding the reviewer marked explained (the review desk's marked copy): `{note}`.
    pub explained: &'static str,
}

pub const MARK_EN: MarkWords = MarkWords {
    sheet_name: "crossfoot findings",
    headings: [
        "Sheet", "Cell", "Severity", "Rule", "Message", "Expected", "Found", "Difference", "Note",
    ],
    severity: ["info", "warning", "error"],
    expected: "expected",
    found: "found",
    difference: "difference",
    most_suspect: "the cell most likely wrong is",
    edited: "This is your own workbook, marked by crossfoot: the cells below are filled and carry a note. Correct the figures and send the workbook again; this sheet may stay.",
    rebuilt: "This copy was rebuilt by crossfoot from the figures read (your workbook's formatting is not kept): correct your own workbook, not this copy. Why rebuilt:",
    rebuilt_ods: "an OpenDocument (.ods) workbook is copied as values and formulas only",
    rebuilt_binary: "an .xls or .xlsb workbook is converted to .xlsx",
    none: "No findings.",
    copy_word: "checked",
    copy_from: "from",
    explained: "The reviewer accepted the explanation: {note}",
};

pub const MARK_VI: MarkWords = MarkWords {
    sheet_name: "Kết quả kiểm tra",
    headings: [
        "Trang tính",
        "Ô",
        "Mức độ",
        "Mã quy tắc",
        "Nội dung",
        "Giá trị đúng",
        "Giá trị ghi",
        "Chênh lệch",
        "Ghi chú",
    ],
    severity: ["thông tin", "cảnh báo", "lỗi"],
    expected: "giá trị đúng",
    found: "giá trị ghi",
    difference: "chênh lệch",
    most_suspect: "ô nghi sai nhất là",
    edited: "Đây là chính tệp của đơn vị, được crossfoot đánh dấu: các ô dưới đây được tô màu và có ghi chú. Hãy sửa số liệu rồi gửi lại tệp; trang này có thể giữ nguyên.",
    rebuilt: "Bản này do crossfoot dựng lại từ số liệu đã đọc (định dạng của tệp gốc không được giữ): hãy sửa trên tệp gốc của đơn vị, không sửa trên bản này. Lý do dựng lại:",
    rebuilt_ods: "tệp OpenDocument (.ods) chỉ được chép giá trị và công thức",
    rebuilt_binary: "tệp .xls hoặc .xlsb được chuyển sang .xlsx",
    none: "Không có phát hiện nào.",
    copy_word: "kiem-tra",
    copy_from: "tu",
    explained: "Người duyệt đã chấp nhận giải trình: {note}",
};

impl ReviewWords {
    pub fn of(lang: Lang) -> &'static ReviewWords {
        match lang {
            Lang::En => &REVIEW_EN,
            Lang::Vi => &REVIEW_VI,
        }
    }

    pub fn severity(&self, s: Severity) -> &'static str {
        match s {
            Severity::Error => self.sev_error,
            Severity::Warning => self.sev_warning,
            Severity::Info => self.sev_info,
        }
    }

    /// Every text of the table, by field name (the walk test's view: a field left out here
    /// does not compile).
    pub fn texts(&self) -> Vec<(&'static str, &'static str)> {
        let ReviewWords {
            summary_sheet,
            findings_sheet,
            file,
            branch,
            code,
            status,
            errors,
            warnings,
            first_finding,
            chart_label,
            sheet,
            cell,
            rule,
            severity,
            message,
            expected,
            found,
            difference,
            clean,
            with_warnings,
            with_errors,
            read_in_part,
            unreadable,
            skipped,
            sev_error,
            sev_warning,
            sev_info,
            chart_title,
            most_suspect,
            most_likely,
            suggested,
            review_note,
            notes,
            copied_from,
            of_sheet,
            back_to_summary,
            totals,
            sheets_skipped,
            findings_cut,
            text_cut,
            beyond_grid,
            formula_not_kept,
            unsafe_function,
            unsafe_external,
            unsafe_dde,
            unsafe_name,
            unsafe_too_long,
            unsafe_unreadable,
        } = *self;
        vec![
            ("summary_sheet", summary_sheet),
            ("findings_sheet", findings_sheet),
            ("file", file),
            ("branch", branch),
            ("code", code),
            ("status", status),
            ("errors", errors),
            ("warnings", warnings),
            ("first_finding", first_finding),
            ("chart_label", chart_label),
            ("sheet", sheet),
            ("cell", cell),
            ("rule", rule),
            ("severity", severity),
            ("message", message),
            ("expected", expected),
            ("found", found),
            ("difference", difference),
            ("clean", clean),
            ("with_warnings", with_warnings),
            ("with_errors", with_errors),
            ("read_in_part", read_in_part),
            ("unreadable", unreadable),
            ("skipped", skipped),
            ("sev_error", sev_error),
            ("sev_warning", sev_warning),
            ("sev_info", sev_info),
            ("chart_title", chart_title),
            ("most_suspect", most_suspect),
            ("most_likely", most_likely),
            ("suggested", suggested),
            ("review_note", review_note),
            ("notes", notes),
            ("copied_from", copied_from),
            ("of_sheet", of_sheet),
            ("back_to_summary", back_to_summary),
            ("totals", totals),
            ("sheets_skipped", sheets_skipped),
            ("findings_cut", findings_cut),
            ("text_cut", text_cut),
            ("beyond_grid", beyond_grid),
            ("formula_not_kept", formula_not_kept),
            ("unsafe_function", unsafe_function),
            ("unsafe_external", unsafe_external),
            ("unsafe_dde", unsafe_dde),
            ("unsafe_name", unsafe_name),
            ("unsafe_too_long", unsafe_too_long),
            ("unsafe_unreadable", unsafe_unreadable),
        ]
    }
}

impl MarkWords {
    pub fn of(lang: Lang) -> &'static MarkWords {
        match lang {
            Lang::En => &MARK_EN,
            Lang::Vi => &MARK_VI,
        }
    }

    pub fn severity(&self, s: Severity) -> &'static str {
        match s {
            Severity::Info => self.severity[0],
            Severity::Warning => self.severity[1],
            Severity::Error => self.severity[2],
        }
    }

    /// Every text of the table, by field name (a field left out here does not compile).
    pub fn texts(&self) -> Vec<(&'static str, &'static str)> {
        let MarkWords {
            sheet_name,
            headings,
            severity,
            expected,
            found,
            difference,
            most_suspect,
            edited,
            rebuilt,
            rebuilt_ods,
            rebuilt_binary,
            none,
            copy_word,
            copy_from,
            explained,
        } = *self;
        let mut out = vec![
            ("sheet_name", sheet_name),
            ("expected", expected),
            ("found", found),
            ("difference", difference),
            ("most_suspect", most_suspect),
            ("explained", explained),
            ("edited", edited),
            ("rebuilt", rebuilt),
            ("rebuilt_ods", rebuilt_ods),
            ("rebuilt_binary", rebuilt_binary),
            ("none", none),
            ("copy_word", copy_word),
            ("copy_from", copy_from),
        ];
        out.extend(headings.iter().map(|h| ("headings", *h)));
        out.extend(severity.iter().map(|s| ("severity", *s)));
        out
    }
}

/// What a cell is to a check, in a note on a cell the check does not test: "This cell (124)"
/// then its [`Role`](crate::finding::Role) (the review workbook's and the marked copy's notes).
#[derive(Debug)]
pub struct RoleWords {
    pub this_cell: &'static str,
    pub found: &'static str,
    pub part_of_found: &'static str,
    pub expected: &'static str,
    pub part_of_expected: &'static str,
    pub read: &'static str,
}

pub const ROLE_EN: RoleWords = RoleWords {
    this_cell: "This cell",
    found: "is the figure the check tests",
    part_of_found: "is one of the figures the tested value is computed from",
    expected: "is the figure the check compares against",
    part_of_expected: "is one of the figures the expected value is computed from",
    read: "was read by the check",
};

pub const ROLE_VI: RoleWords = RoleWords {
    this_cell: "Ô này",
    found: "là số được kiểm tra",
    part_of_found: "là một trong các số dùng để tính số được kiểm tra",
    expected: "là số dùng để đối chiếu",
    part_of_expected: "là một trong các số dùng để tính giá trị đúng",
    read: "được đọc khi kiểm tra",
};

impl RoleWords {
    pub fn of(lang: Lang) -> &'static RoleWords {
        match lang {
            Lang::En => &ROLE_EN,
            Lang::Vi => &ROLE_VI,
        }
    }

    pub fn role(&self, r: crate::finding::Role) -> &'static str {
        use crate::finding::Role;
        match r {
            Role::Found => self.found,
            Role::PartOfFound => self.part_of_found,
            Role::Expected => self.expected,
            Role::PartOfExpected => self.part_of_expected,
            Role::Read => self.read,
        }
    }

    /// Every text of the table, by field name (a field left out here does not compile).
    pub fn texts(&self) -> Vec<(&'static str, &'static str)> {
        let RoleWords {
            this_cell,
            found,
            part_of_found,
            expected,
            part_of_expected,
            read,
        } = *self;
        vec![
            ("this_cell", this_cell),
            ("found", found),
            ("part_of_found", part_of_found),
            ("expected", expected),
            ("part_of_expected", part_of_expected),
            ("read", read),
        ]
    }
}

// ---------------------------------------------------------------------------------------------
// Unreadable files

/// What crossfoot says of an unreadable file of a kind, in both languages: the stable code
/// the JSON report's `reason` gives, what the kind is, and what to do. The reader's own English
/// sentence names the file's details (which format, which limit, what the reader stopped on):
/// English reports show that, and the reader takes its hint from here when the kind's hint is
/// all it has to say; other languages show the kind's text.
#[derive(Debug, Clone, Copy)]
pub struct UnreadableDef {
    pub kind: crate::finding::UnreadableKind,
    pub code: &'static str,
    pub reason: Texts,
    pub hint: Texts,
}

macro_rules! ud {
    ($kind:ident, $code:expr, $reason:expr, $hint:expr) => {
        UnreadableDef {
            kind: crate::finding::UnreadableKind::$kind,
            code: $code,
            reason: $reason,
            hint: $hint,
        }
    };
}

/// Every kind of unreadable file, in the order of [`crate::finding::UnreadableKind`].
pub const UNREADABLE: &[UnreadableDef] = &[
    ud!(Empty, "empty",
        t!("the file is empty (0 bytes)", "tệp rỗng (0 byte)"),
        t!("ask the branch to send the whole file again", "hãy gửi lại tệp đầy đủ")),
    ud!(Html, "html",
        t!("the file is a web page (HTML), not an Excel workbook, though it has an Excel extension",
           "tệp là một trang web (HTML), không phải bảng tính Excel, dù mang đuôi của Excel"),
        t!("open it in Excel and save it as an Excel Workbook (.xlsx)",
           "hãy mở tệp bằng Excel và lưu lại dưới dạng Sổ làm việc Excel (.xlsx)")),
    ud!(Text, "csv",
        t!("the file is plain text (CSV or TXT), not an Excel workbook",
           "tệp là văn bản thuần (CSV hoặc TXT), không phải bảng tính Excel"),
        t!("open it in Excel and save it as an Excel Workbook (.xlsx)",
           "hãy mở tệp bằng Excel và lưu lại dưới dạng Sổ làm việc Excel (.xlsx)")),
    ud!(Encrypted, "encrypted",
        t!("the workbook is protected by a password", "tệp Excel được bảo vệ bằng mật khẩu"),
        t!("open it with its password, remove the password (File → Info → Protect Workbook) and save it",
           "hãy mở tệp bằng mật khẩu, bỏ mật khẩu (Tệp → Thông tin → Bảo vệ sổ làm việc) và lưu lại")),
    ud!(NotAWorkbookZip, "not-a-workbook",
        t!("the archive holds no Excel or OpenDocument workbook",
           "tệp nén không chứa bảng tính Excel hay OpenDocument"),
        t!("send the workbook file itself (.xlsx)", "hãy gửi đúng tệp bảng tính (.xlsx)")),
    ud!(Truncated, "truncated",
        t!("the file is cut off (a download or copy that did not finish)",
           "tệp bị cắt cụt (tải về hoặc sao chép chưa xong)"),
        t!("download or copy the file again", "hãy tải về hoặc sao chép lại tệp")),
    ud!(OtherFormat, "other-format",
        t!("the file is not a workbook (a PDF, a picture, a database or an old format)",
           "tệp không phải bảng tính (PDF, ảnh, cơ sở dữ liệu hoặc định dạng cũ)"),
        t!("send the original workbook (.xlsx), not a printout or a picture",
           "hãy gửi bảng tính gốc (.xlsx), không phải bản in hay ảnh chụp")),
    ud!(Corrupt, "corrupt",
        t!("the file is damaged and cannot be read", "tệp bị hỏng, không đọc được"),
        t!("open it in a spreadsheet program; if it opens, save it again as .xlsx; if not, ask the branch to send it again",
           "hãy mở tệp bằng Excel (Excel có thể sửa được) và lưu lại, hoặc xin gửi lại")),
    ud!(Missing, "missing",
        t!("the file cannot be opened (it does not exist, or may not be read)",
           "không mở được tệp (không có tệp hoặc không có quyền đọc)"),
        t!("check the path", "hãy kiểm tra đường dẫn và quyền đọc tệp")),
    ud!(TooLarge, "too-large",
        t!("the file is too large to check safely", "tệp quá lớn để kiểm tra an toàn"),
        t!("check that this is the right file; if it is, raise the limit (--max-file-mb, --max-cells, --max-reader-mb)",
           "hãy kiểm tra lại tệp; nếu tệp đúng, hãy nâng giới hạn (--max-file-mb, --max-cells, --max-reader-mb)")),
    ud!(Internal, "internal",
        t!("crossfoot failed while reading this file", "crossfoot gặp lỗi khi đọc tệp này"),
        t!("please report it with the file; the other files were checked",
           "hãy báo lỗi này kèm tệp cho người bảo trì crossfoot")),
    ud!(NotRegular, "not-a-regular-file",
        t!("not a regular file (a folder, a link, a device or a pipe)",
           "không phải tệp thông thường (thư mục, liên kết, thiết bị hoặc ống dẫn)"),
        t!("name the workbook file itself", "hãy chỉ định tệp bảng tính thông thường")),
    ud!(Unsupported, "unsupported-cells",
        t!("the .xlsb workbook stores some cells in a short form crossfoot does not read yet: a check would miss those figures",
           "bảng tính .xlsb lưu một số ô ở dạng rút gọn mà crossfoot chưa đọc được: kiểm tra sẽ bỏ sót các số liệu đó"),
        t!("open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx); crossfoot reads that whole",
           "hãy mở tệp bằng Excel hoặc LibreOffice và lưu lại dưới dạng Sổ làm việc Excel (.xlsx)")),
];

/// The definition of an unreadable file's kind.
pub fn unreadable(kind: crate::finding::UnreadableKind) -> &'static UnreadableDef {
    &UNREADABLE[kind as usize]
}

/// The stable code of an unreadable file's kind, as the JSON report's `reason` gives it.
pub fn unreadable_code(kind: crate::finding::UnreadableKind) -> &'static str {
    unreadable(kind).code
}

/// The table (in docs/rules.md) of the findings crossfoot makes itself, as the registry makes it.
pub fn readme_table() -> String {
    let mut out = String::from("| rule id | severity | what |\n|---|---|---|\n");
    for k in KINDS {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            k.id,
            k.severity.as_str(),
            k.doc.what.en
        ));
    }
    out
}

/// The placeholders a template uses.
pub fn placeholders_of(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                out.push(&after[..close]);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The review desk's pages (`crossfoot serve`, [`crate::desk`])

/// One table of the desk's words, each field written once with its English and Vietnamese
/// text side by side.
macro_rules! desk_words {
    ($( $(#[$doc:meta])* $field:ident: ($en:expr, $vi:expr), )*) => {
        /// The words of the review desk's pages ([`crate::desk`]), in one language.
        #[derive(Debug)]
        pub struct DeskWords {
            $( $(#[$doc])* pub $field: &'static str, )*
        }

        pub const DESK_EN: DeskWords = DeskWords { $( $field: $en, )* };
        pub const DESK_VI: DeskWords = DeskWords { $( $field: $vi, )* };

        impl DeskWords {
            /// Every text of the table, by field name.
            pub fn texts(&self) -> Vec<(&'static str, &'static str)> {
                vec![ $( (stringify!($field), self.$field), )* ]
            }
        }
    };
}

desk_words! {
    title: ("crossfoot — review desk", "crossfoot — bàn duyệt số liệu"),
    round: ("The round", "Đợt báo cáo"),
    upload: ("Send workbooks", "Gửi sổ tính"),
    upload_hint: (
        "Choose one or more workbooks (.xlsx .xlsm .xlsb .xls .ods), or drop them here: each is kept and checked.",
        "Chọn một hoặc nhiều sổ tính (.xlsx .xlsm .xlsb .xls .ods), hoặc thả vào đây: mỗi tệp được lưu và kiểm tra."
    ),
    upload_button: ("Send and check", "Gửi và kiểm tra"),
    unit: ("Unit", "Đơn vị"),
    code: ("Code", "Mã"),
    file: ("File", "Tệp"),
    state: ("State", "Tình trạng"),
    received: ("Received (UTC)", "Nhận lúc (UTC)"),
    version: ("Version", "Lần gửi"),
    versions: ("Versions", "Các lần gửi"),
    errors: ("Errors", "Lỗi"),
    warnings: ("Warnings", "Cảnh báo"),
    state_clean: ("clean", "đạt"),
    state_warnings: ("warnings", "có cảnh báo"),
    state_errors: ("errors", "có lỗi"),
    state_unreadable: ("unreadable", "không đọc được"),
    state_skipped: ("not a submission", "không phải bài nộp"),
    state_missing: ("not yet submitted", "chưa nộp"),
    no_code: ("(no unit code)", "(không có mã đơn vị)"),
    nothing_yet: ("No workbook received yet.", "Chưa nhận sổ tính nào."),
    units_count: ("{count} units", "{count} đơn vị"),
    findings: ("Findings", "Phát hiện"),
    no_findings: ("No findings: the figures add up.", "Không có phát hiện: số liệu khớp."),
    most_likely: ("Most likely", "Khả năng cao nhất"),
    form: ("Form {form}", "Biểu {form}"),
    not_on_form: ("Not on a form", "Ngoài các biểu"),
    cells: ("Cells", "Ô"),
    rule: ("Rule", "Quy tắc"),
    downloads: ("Downloads", "Tải về"),
    review_workbook: ("Review workbook", "Sổ tính rà soát"),
    marked_copy: ("Marked copy for the branch", "Bản đánh dấu gửi cơ sở"),
    json: ("Result (JSON)", "Kết quả (JSON)"),
    summary_workbook: ("Summary workbook (.xlsx)", "Biểu tổng hợp (.xlsx)"),
    back: ("Back to the round", "Về đợt báo cáo"),
    back_branch: ("Back to your unit's workbooks", "Về các sổ tính của đơn vị"),
    sent_by: ("Sent by", "Người gửi"),
    reviewer: ("reviewer", "người duyệt"),
    sheet_cut: (
        "Only the first {rows} rows and {cols} columns are drawn.",
        "Chỉ vẽ {rows} dòng và {cols} cột đầu."
    ),
    unreadable_why: ("Not read", "Không đọc được"),
    since_previous: ("Since the previous version", "So với lần gửi trước"),
    fixed: ("{count} fixed", "{count} đã sửa"),
    new: ("{count} new", "{count} mới"),
    still_open: ("{count} still open", "{count} còn tồn tại"),
    fixed_one: ("fixed", "đã sửa"),
    new_one: ("new", "mới"),
    sha256: ("SHA-256", "SHA-256"),
    explained: ("Explained", "Đã giải trình"),
    explained_since: ("marked on version {version}", "đánh dấu ở lần gửi {version}"),
    dropped: (
        "Explanation dropped: the figures changed since it was written",
        "Giải trình bị bỏ: số liệu đã thay đổi kể từ khi ghi"
    ),
    mark_explained: ("Mark explained", "Đánh dấu đã giải trình"),
    branch: ("the branch (its link)", "cơ sở (qua đường dẫn riêng)"),
    recheck: (
        "the desk: checked again against the units' latest workbooks",
        "bàn duyệt: kiểm tra lại với sổ tính mới nhất của các đơn vị"
    ),
    branch_link: ("Link for the branch", "Đường dẫn cho cơ sở"),
    make_link: ("Make a link for this unit's branch", "Tạo đường dẫn cho cơ sở của đơn vị này"),
    link_made: (
        "Send this link to the branch: with it the branch can send this unit's workbooks and see their findings, nothing of any other unit. It is shown only now.",
        "Gửi đường dẫn này cho cơ sở: qua đó cơ sở gửi được sổ tính của đơn vị mình và xem các phát hiện, không thấy gì của đơn vị khác. Đường dẫn chỉ hiện lần này."
    ),
    branch_title: ("Your unit's workbooks", "Sổ tính của đơn vị"),
    branch_links: ("Branch links", "Đường dẫn của cơ sở"),
    link_loopback: (
        "The desk listens on this computer's own address (127.0.0.1): only this computer can open the link. For branches on other computers, start the desk with --bind on an address of your network they reach.",
        "Bàn duyệt đang nghe trên địa chỉ riêng của máy này (127.0.0.1): chỉ máy này mở được đường dẫn. Để cơ sở ở máy khác mở được, hãy chạy bàn duyệt với --bind trên một địa chỉ mạng mà cơ sở truy cập được."
    ),
    links_hint: (
        "Each link lets one unit's branch send its workbooks and see their findings. A revoked link is refused from then on; make a new one on the unit's page if needed.",
        "Mỗi đường dẫn cho cơ sở của một đơn vị gửi sổ tính và xem phát hiện của mình. Đường dẫn đã thu hồi bị từ chối từ đó; nếu cần, tạo đường dẫn mới ở trang của đơn vị."
    ),
    no_links: ("No branch link made yet.", "Chưa tạo đường dẫn nào cho cơ sở."),
    link_created: ("Made (UTC)", "Tạo lúc (UTC)"),
    link_sent: ("Versions sent by the branch", "Số lần cơ sở đã gửi"),
    link_open: ("open", "đang dùng"),
    link_revoked: ("revoked {time} (UTC)", "đã thu hồi lúc {time} (UTC)"),
    revoke: ("Revoke", "Thu hồi"),
    sending: ("sending and checking…", "đang gửi và kiểm tra…"),
    not_recorded: ("not recorded", "không được ghi nhận"),
    note_hint: (
        "why, e.g. two members moved in December, confirmed by phone",
        "lý do, ví dụ: hai đảng viên chuyển đi tháng 12, đã xác nhận qua điện thoại"
    ),
}

impl DeskWords {
    pub fn of(lang: Lang) -> &'static DeskWords {
        match lang {
            Lang::En => &DESK_EN,
            Lang::Vi => &DESK_VI,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The command line's diagnostics: what crossfoot says on the error stream when it cannot do
// what it was asked (a rule file, an output path, `--previous`, the arguments)

/// One table of the diagnostics' words, each field written once with its English and
/// Vietnamese text side by side.
macro_rules! diag_words {
    ($( $(#[$doc:meta])* $field:ident: ($en:expr, $vi:expr), )*) => {
        /// The words of the command line's diagnostics and notices, in one language.
        #[derive(Debug)]
        pub struct DiagWords {
            $( $(#[$doc])* pub $field: &'static str, )*
        }

        pub const DIAG_EN: DiagWords = DiagWords { $( $field: $en, )* };
        pub const DIAG_VI: DiagWords = DiagWords { $( $field: $vi, )* };

        impl DiagWords {
            /// Every text of the table, by field name.
            pub fn texts(&self) -> Vec<(&'static str, &'static str)> {
                vec![ $( (stringify!($field), self.$field), )* ]
            }
        }
    };
}

diag_words! {
    // An output path refused (run::output), before anything is read or written.
    cannot_write: ("cannot write {path}: {reason}", "không ghi được {path}: {reason}"),
    out_not_xlsx: (
        "crossfoot writes an Excel workbook, and its name must end in .xlsx",
        "crossfoot ghi ra một sổ tính Excel, nên tên tệp phải có đuôi .xlsx"
    ),
    out_not_xlsx_help: ("name it e.g. `{name}`", "hãy đặt tên, ví dụ `{name}`"),
    out_symlink: (
        "it is a symbolic link, and crossfoot does not write through links (it could replace what the link points to)",
        "đây là một liên kết tượng trưng, và crossfoot không ghi qua liên kết (có thể ghi đè lên tệp mà liên kết trỏ tới)"
    ),
    out_symlink_help: (
        "name a new file, or the file the link points to",
        "hãy chỉ định một tệp mới, hoặc chính tệp mà liên kết trỏ tới"
    ),
    out_folder: ("it is a folder", "đây là một thư mục"),
    out_folder_help: (
        "name a file in it, e.g. `{path}`",
        "hãy chỉ định một tệp trong thư mục đó, ví dụ `{path}`"
    ),
    out_special: ("it is not a regular file ({kind})", "đây không phải tệp thông thường ({kind})"),
    out_special_help: ("name a new .xlsx file", "hãy chỉ định một tệp .xlsx mới"),
    out_unexamined: ("it cannot be examined", "không xem được thông tin của tệp này"),
    out_previous: (
        "it is one of last year's workbooks (--previous), which this run reads",
        "đây là một trong các sổ tính năm trước (--previous) mà lần chạy này đọc"
    ),
    out_rule_file: (
        "it is one of the rule files this run reads",
        "đây là một trong các tệp quy tắc mà lần chạy này đọc"
    ),
    out_input: (
        "it is one of the workbooks being checked ({file}); crossfoot never writes over what it reads",
        "đây là một trong các sổ tính đang được kiểm tra ({file}); crossfoot không bao giờ ghi đè lên tệp mà nó đọc"
    ),
    out_new_name: (
        "write the output to a new file outside the folders being checked, e.g. `-o review.xlsx` in the current folder",
        "hãy ghi kết quả ra một tệp mới nằm ngoài các thư mục đang kiểm tra, ví dụ `-o review.xlsx` ở thư mục hiện tại"
    ),
    out_exists: (
        "it exists and is {what}; crossfoot replaces only its own earlier output of this kind, and the file was left as it is",
        "tệp đã có và là {what}; crossfoot chỉ thay thế kết quả cùng loại do chính nó ghi trước đó, nên tệp được giữ nguyên"
    ),
    out_exists_help: (
        "name another file, or add --force to replace it (crossfoot then says what it replaced)",
        "hãy chỉ định tệp khác, hoặc thêm --force để thay thế (khi đó crossfoot sẽ báo đã thay thế tệp nào)"
    ),
    out_is_review: ("a review workbook crossfoot wrote", "một sổ tính rà soát do crossfoot ghi"),
    out_is_marked: ("a marked copy crossfoot wrote", "một bản đánh dấu do crossfoot ghi"),
    out_is_summary: ("a summary crossfoot wrote", "một biểu tổng hợp do crossfoot ghi"),
    out_is_other_own: ("another kind of crossfoot workbook", "một loại sổ tính khác của crossfoot"),
    out_is_foreign: ("a file crossfoot did not write", "một tệp không do crossfoot ghi"),
    out_no_folder: ("the folder {path} does not exist", "thư mục {path} không tồn tại"),
    out_no_folder_help: (
        "create the folder first, or name a file in an existing one",
        "hãy tạo thư mục trước, hoặc chỉ định một tệp trong thư mục đã có"
    ),
    mark_not_a_folder: (
        "--mark names a folder for the marked copies, and this is a file",
        "--mark chỉ định thư mục chứa các bản đánh dấu, nhưng đây là một tệp"
    ),
    mark_not_a_folder_help: ("name a folder, e.g. `--mark marked/`", "hãy chỉ định một thư mục, ví dụ `--mark marked/`"),
    mark_create_folder: ("create the folder first", "hãy tạo thư mục trước"),
    // `--previous` names nothing to compare with.
    previous_empty: ("--previous {paths}: {reason}", "--previous {paths}: {reason}"),
    previous_nothing: ("no workbook there", "không có sổ tính nào ở đó"),
    previous_help: (
        "name the folder (or the files) of last year's workbooks, e.g. `--previous submissions-2020/`",
        "hãy chỉ định thư mục (hoặc các tệp) sổ tính của năm trước, ví dụ `--previous submissions-2020/`"
    ),
    // Rule files that do not compile (rules), and what loading the pack decided.
    rule_path: (
        "cannot read the rule path {path}: {reason}",
        "không đọc được đường dẫn quy tắc {path}: {reason}"
    ),
    rule_path_help: (
        "give a .toml rule file or a folder of them",
        "hãy chỉ định một tệp quy tắc .toml hoặc một thư mục chứa các tệp đó"
    ),
    rule_path_no_toml: ("the folder holds no .toml rule file", "thư mục không có tệp quy tắc .toml nào"),
    rule_path_too_large: (
        "larger than {mb} MB, which no rule file is",
        "lớn hơn {mb} MB, không tệp quy tắc nào lớn như vậy"
    ),
    rule_path_not_utf8: ("not UTF-8 text", "không phải văn bản UTF-8"),
    rules_problem_one: ("1 problem in {files}", "1 lỗi trong {files}"),
    rules_problems: ("{count} problems in {files}", "{count} lỗi trong {files}"),
    rules_in_file: ("the rule file {path}", "tệp quy tắc {path}"),
    rules_in_files: ("{count} rule files ({each})", "{count} tệp quy tắc ({each})"),
    rules_fix: (
        "fix the rule files; no workbook was checked",
        "hãy sửa các tệp quy tắc; chưa sổ tính nào được kiểm tra"
    ),
    rules_fix_and_check: (
        "fix the rule files and check them again",
        "hãy sửa các tệp quy tắc rồi kiểm tra lại"
    ),
    no_rules: ("no rules to check with", "không có quy tắc nào để kiểm tra"),
    no_rules_help: (
        "--no-default-rules drops the built-in pack; add your own with --rules PATH",
        "--no-default-rules bỏ bộ quy tắc có sẵn; hãy thêm quy tắc của bạn bằng --rules ĐƯỜNG_DẪN"
    ),
    forms_replaced: (
        "built-in forms replaced by your rule files' forms of the same id: {forms}",
        "các biểu có sẵn đã được thay bằng biểu cùng mã trong tệp quy tắc của bạn: {forms}"
    ),
    edited_in_one_language: (
        "warning: {file}: the check `{id}` has its {changed} changed but not its {kept}: a report in that language still shows the old text",
        "cảnh báo: {file}: phép kiểm tra `{id}` đã sửa {changed} nhưng chưa sửa {kept}: báo cáo bằng ngôn ngữ đó vẫn hiện nội dung cũ"
    ),
    settings_overridden: (
        "your rule files set {keys} otherwise than the built-in pack: your values are used",
        "tệp quy tắc của bạn đặt {keys} khác với bộ quy tắc có sẵn: giá trị của bạn được dùng"
    ),
    rules_ok: ("rules ok: {files}", "quy tắc hợp lệ: {files}"),
    rules_built_in: ("({count} built in)", "({count} có sẵn)"),
    rule_file: ("file", "tệp"),
    rule_files: ("files", "tệp"),
    form: ("form", "biểu"),
    forms: ("forms", "biểu"),
    check: ("check", "phép kiểm tra"),
    checks: ("checks", "phép kiểm tra"),
    // `consolidate` that writes nothing.
    no_summary_form: (
        "no form of the rule pack is a summary of units",
        "bộ quy tắc không có biểu nào là biểu tổng hợp các đơn vị"
    ),
    no_summary_form_called: (
        "no form of the rule pack is a summary of units called `{form}`",
        "bộ quy tắc không có biểu tổng hợp các đơn vị nào mang mã `{form}`"
    ),
    no_summary_form_help: (
        "a summary form has `[records]` with `key` and `match = \"unit_code\"` in its rule file",
        "biểu tổng hợp có `[records]` với `key` và `match = \"unit_code\"` trong tệp quy tắc của nó"
    ),
    no_consolidate_input: ("no workbook to consolidate", "không có sổ tính nào để tổng hợp"),
    no_consolidate_input_help: (
        "name branch workbooks or folders",
        "hãy chỉ định sổ tính của các cơ sở hoặc thư mục chứa chúng"
    ),
    exclude_unknown: (
        "--exclude {file}: not one of the workbooks being consolidated",
        "--exclude {file}: không phải một trong các sổ tính đang được tổng hợp"
    ),
    exclude_unknown_help: (
        "name a workbook given or found under a folder given, as the report shows it",
        "hãy ghi tên một sổ tính đã chỉ định hoặc nằm trong thư mục đã chỉ định, đúng như báo cáo hiển thị"
    ),
    conflict: (
        "one unit code in several workbooks: {codes}",
        "một mã đơn vị có trong nhiều sổ tính: {codes}"
    ),
    conflict_code: ("unit code {code} is in {files}", "mã đơn vị {code} có trong {files}"),
    and: (" and ", " và "),
    conflict_help: (
        "leave the wrong one out with `--exclude FILE`, or take the newest of each with `--prefer newest`; nothing was written",
        "hãy bỏ tệp sai bằng `--exclude TỆP`, hoặc lấy tệp mới nhất của mỗi mã bằng `--prefer newest`; chưa ghi gì cả"
    ),
    lint_hint: ("hint", "gợi ý"),
    summary_cannot_build: (
        "the summary workbook cannot be built: {reason}",
        "không tạo được biểu tổng hợp: {reason}"
    ),
    summary_build_help: (
        "this is a limit of the xlsx format crossfoot does not handle, or a bug in crossfoot; please report it with the command line used",
        "đây là giới hạn của định dạng xlsx mà crossfoot chưa xử lý được, hoặc lỗi của crossfoot; hãy báo lỗi kèm dòng lệnh đã dùng"
    ),
    summary_write_help: (
        "check the folder exists and is writable, and that the file is not open in a spreadsheet program",
        "hãy kiểm tra thư mục có tồn tại và ghi được không, và tệp có đang mở trong chương trình bảng tính không"
    ),
    unknown_id: (
        "`{id}` is neither a finding of crossfoot nor a check of the rule pack",
        "`{id}` không phải một loại phát hiện của crossfoot, cũng không phải một phép kiểm tra của bộ quy tắc"
    ),
    unknown_id_help: ("`crossfoot rules list` lists every id", "`crossfoot rules list` liệt kê mọi mã"),
    unknown_id_did_you_mean: (
        "did you mean `{name}`? `crossfoot rules list` lists every id",
        "có phải ý bạn là `{name}`? `crossfoot rules list` liệt kê mọi mã"
    ),
    // A rule file's schema mistakes (rules::schema): unknown, missing and wrong keys and values.
    did_you_mean: ("did you mean `{name}`?", "có phải ý bạn là `{name}`?"),
    schema_unknown_key: ("unknown key `{key}`", "khóa lạ `{key}`"),
    schema_unknown_key_label: ("unknown key", "khóa lạ"),
    schema_keys: ("the keys of this table: {keys}", "các khóa của bảng này: {keys}"),
    schema_hint_keys: ("{hint} (the keys of this table: {keys})", "{hint} (các khóa của bảng này: {keys})"),
    schema_no_keys: ("this table takes no keys", "bảng này không nhận khóa nào"),
    schema_missing_key: ("missing key `{key}`", "thiếu khóa `{key}`"),
    schema_missing_key_label: ("this table has no `{key}`", "bảng này không có `{key}`"),
    schema_missing_key_help: ("add `{key} = …` to this table", "hãy thêm `{key} = …` vào bảng này"),
    schema_unknown_value: (
        "`{value}` is not one of the values allowed here",
        "`{value}` không phải một giá trị được phép ở đây"
    ),
    schema_unknown_value_label: ("unknown value", "giá trị lạ"),
    schema_hint_values: ("{hint} (one of {values})", "{hint} (một trong {values})"),
    schema_write_one_of: ("write one of {values}", "hãy ghi một trong {values}"),
    schema_wrong_type: (
        "wrong type: {found} where {wanted} is expected",
        "sai kiểu: {found} ở chỗ cần {wanted}"
    ),
    schema_wrong_type_label: ("expected {wanted}", "cần {wanted}"),
    schema_wrong_word: (
        "wrong type: {found} `{shown}` where one of {values} is expected",
        "sai kiểu: {found} `{shown}` ở chỗ cần một trong {values}"
    ),
    schema_wrong_word_label: ("expected one of these words", "cần một trong các từ này"),
    schema_wrong_word_help: ("write one of {values}, in quotes", "hãy ghi một trong {values}, đặt trong dấu ngoặc kép"),
    schema_here: ("here", "ở đây"),
    schema_too_many: (
        "more than {max} mistakes; the rest are not shown",
        "hơn {max} lỗi; các lỗi còn lại không được hiện"
    ),
    schema_this_file: ("this file", "tệp này"),
    // The TOML types the schema names (a value found, a value wanted).
    type_integer: ("integer", "số nguyên"),
    type_float: ("float", "số thực"),
    type_string: ("string", "chuỗi"),
    type_boolean: ("boolean", "giá trị đúng/sai"),
    type_array: ("array", "mảng"),
    type_table: ("table", "bảng"),
    type_datetime: ("datetime", "ngày giờ"),
    type_a_value: ("a value", "một giá trị"),
    type_a_string: ("a string", "một chuỗi"),
    type_a_boolean: ("a boolean", "một giá trị đúng/sai (true/false)"),
    type_a_sequence: ("a sequence", "một mảng"),
    type_a_map: ("a map", "một bảng"),
    type_an_integer: ("an integer", "một số nguyên"),
    type_a_number: ("a number", "một số"),
    type_string_or_table: ("string or table", "chuỗi hoặc bảng"),
    type_another: ("another type", "kiểu khác"),
    // The review workbook and the marked copies that cannot be written (after the run).
    review_is_input: (
        "the review workbook {path} is one of the workbooks being checked",
        "sổ tính rà soát {path} là một trong các sổ tính đang được kiểm tra"
    ),
    review_is_input_help: (
        "name the review workbook differently, e.g. review.xlsx; crossfoot never overwrites a submission",
        "hãy đặt tên khác cho sổ tính rà soát, ví dụ review.xlsx; crossfoot không bao giờ ghi đè lên bài nộp"
    ),
    review_is_folder: (
        "{path} is a folder; the review workbook needs a file name",
        "{path} là một thư mục; sổ tính rà soát cần một tên tệp"
    ),
    review_is_folder_help: ("give a file name inside it, e.g. {path}", "hãy đặt một tên tệp trong thư mục đó, ví dụ {path}"),
    review_cannot_write: (
        "cannot write the review workbook {path}: {reason}",
        "không ghi được sổ tính rà soát {path}: {reason}"
    ),
    review_cannot_write_help: (
        "check that the folder exists and is writable, and that the file is not open in a spreadsheet program",
        "hãy kiểm tra thư mục có tồn tại và ghi được không, và tệp có đang mở trong chương trình bảng tính không"
    ),
    review_cannot_build: ("cannot build the review workbook: {reason}", "không tạo được sổ tính rà soát: {reason}"),
    review_cannot_build_help: (
        "this is a limit of the xlsx format or a bug in crossfoot; please report it with the command line used",
        "đây là giới hạn của định dạng xlsx hoặc lỗi của crossfoot; hãy báo lỗi kèm dòng lệnh đã dùng"
    ),
    cannot_mark: (
        "cannot make the marked copy of {file}: {reason}",
        "không tạo được bản đánh dấu của {file}: {reason}"
    ),
    mark_read_again: ("reading it again failed: {reason}", "đọc lại tệp không được: {reason}"),
    mark_changed: (
        "it changed while it was being checked (size or modification time); check it again",
        "tệp đã thay đổi trong lúc kiểm tra (kích thước hoặc thời điểm sửa); hãy kiểm tra lại"
    ),
    mark_over_input: (
        "its copy {path} would replace a file this run read",
        "bản sao {path} sẽ ghi đè lên một tệp mà lần chạy này đọc"
    ),
    mark_over_review: (
        "its copy {path} would replace the review workbook this run wrote (-o); name another folder for --mark or another file for -o",
        "bản sao {path} sẽ ghi đè lên sổ tính rà soát mà lần chạy này ghi (-o); hãy chỉ định thư mục khác cho --mark hoặc tệp khác cho -o"
    ),
    mark_write_failed: ("writing {path} failed: {error}", "ghi {path} không được: {error}"),
    mark_write_exists: (
        "writing {path} failed: {error}; only an earlier marked copy is replaced: name another folder for --mark, or add --force",
        "ghi {path} không được: {error}; chỉ bản đánh dấu trước đó mới được thay thế: hãy chỉ định thư mục khác cho --mark, hoặc thêm --force"
    ),
    // `crossfoot serve` starting.
    serve_unit_list: ("crossfoot serve: the unit list {path}: {reason}", "crossfoot serve: danh sách đơn vị {path}: {reason}"),
    serve_not_utf8: ("it is not UTF-8 text", "tệp không phải văn bản UTF-8"),
    serve_exposed: (
        "WARNING: the review desk listens on {addr}, which other machines can reach: anyone with the access URL can read every submission",
        "CẢNH BÁO: bàn duyệt nhận kết nối ở {addr}, nơi các máy khác truy cập được: ai có đường dẫn truy cập đều đọc được mọi bài nộp"
    ),
    serve_ready: (
        "crossfoot review desk on http://{addr} — open (the token is a secret; also written to {file}):",
        "bàn duyệt crossfoot ở http://{addr} — hãy mở (mã truy cập cần giữ bí mật; cũng được ghi vào {file}):"
    ),
    serve_failed: ("crossfoot serve: {error}", "crossfoot serve: {error}"),
    // The command line.
    no_input: ("no workbook to check", "không có sổ tính nào để kiểm tra"),
    no_input_help: (
        "name workbooks or folders, e.g. `crossfoot check submissions/` or `crossfoot check branch-07.xlsx`",
        "hãy chỉ định sổ tính hoặc thư mục, ví dụ `crossfoot check submissions/` hoặc `crossfoot check branch-07.xlsx`"
    ),
    name_the_command: (
        "to check workbooks, name the command: 'crossfoot check {args}'",
        "để kiểm tra sổ tính, hãy ghi rõ lệnh: 'crossfoot check {args}'"
    ),
    no_worker: (
        "crossfoot cannot find its own executable to start its worker processes ({error}); nothing was read",
        "crossfoot không tìm thấy tệp chạy của chính nó để khởi động các tiến trình đọc tệp ({error}); chưa tệp nào được đọc"
    ),
    cannot_write_json: ("cannot write JSON: {error}", "không ghi được JSON: {error}"),
    units_unread: ("--units {path}: {reason}", "--units {path}: {reason}"),
    units_help: (
        "name a workbook with one row per unit under the headings of the rule pack's [register]",
        "hãy chỉ định một sổ tính có mỗi đơn vị một dòng, dưới các tiêu đề mà [register] của bộ quy tắc nêu"
    ),
}

impl DiagWords {
    pub fn of(lang: Lang) -> &'static DiagWords {
        match lang {
            Lang::En => &DIAG_EN,
            Lang::Vi => &DIAG_VI,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_at_its_place_once_with_both_languages_and_its_placeholders() {
        let mut ids = std::collections::BTreeSet::new();
        for (i, k) in KINDS.iter().enumerate() {
            assert_eq!(k.kind as usize, i, "{} is out of place in KINDS", k.id);
            assert_eq!(k.kind.def().id, k.id);
            assert_eq!(Kind::of_id(k.id), Some(k.kind));
            assert!(ids.insert(k.id), "{} twice", k.id);
            for lang in Lang::ALL {
                let text = k.message.get(lang);
                assert!(!text.trim().is_empty(), "{} {lang:?}", k.id);
                for p in placeholders_of(text) {
                    assert!(k.params.contains(&p), "{} {lang:?}: {{{p}}}", k.id);
                }
                for section in [k.doc.what, k.doc.why, k.doc.fix, k.doc.example] {
                    assert!(
                        !section.get(lang).trim().is_empty(),
                        "{} doc {lang:?}",
                        k.id
                    );
                }
            }
        }
        for (i, d) in TEXTS.iter().enumerate() {
            let (id, params, texts) = (d.id, d.params, d.texts);
            assert_eq!(d.text as usize, i, "{id} is out of place in TEXTS");
            assert_eq!(TextId::of_id(id), Some(d.text));
            assert!(ids.insert(id), "{id} twice");
            for lang in Lang::ALL {
                assert!(!texts.get(lang).trim().is_empty(), "{id} {lang:?}");
                for p in placeholders_of(texts.get(lang)) {
                    assert!(params.contains(&p), "{id} {lang:?}: {{{p}}}");
                }
            }
        }
        // The English and the Vietnamese text of a kind use the same placeholders.
        for k in KINDS {
            let mut en = placeholders_of(k.message.en);
            let mut vi = placeholders_of(k.message.vi);
            en.sort();
            vi.sort();
            assert_eq!(en, vi, "{}", k.id);
        }
        // The terminal's, the review workbook's, the marked copies' and the notes' words: every
        // text in both languages, and a placeholder one language uses used by the other too.
        let tables = [
            ("Words", EN.texts(), VI.texts()),
            ("ReviewWords", REVIEW_EN.texts(), REVIEW_VI.texts()),
            ("MarkWords", MARK_EN.texts(), MARK_VI.texts()),
            ("RoleWords", ROLE_EN.texts(), ROLE_VI.texts()),
            ("DeskWords", DESK_EN.texts(), DESK_VI.texts()),
            ("DiagWords", DIAG_EN.texts(), DIAG_VI.texts()),
        ];
        for (table, en, vi) in tables {
            assert_eq!(en.len(), vi.len(), "{table}");
            for ((field, en), (field_vi, vi)) in en.iter().zip(&vi) {
                assert_eq!(field, field_vi, "{table}");
                assert!(!en.trim().is_empty(), "{table}.{field} En is empty");
                assert!(!vi.trim().is_empty(), "{table}.{field} Vi is empty");
                let mut pe = placeholders_of(en);
                let mut pv = placeholders_of(vi);
                pe.sort();
                pv.sort();
                assert_eq!(
                    pe, pv,
                    "{table}.{field}: the languages' placeholders differ"
                );
            }
        }
    }

    #[test]
    fn every_kind_is_in_the_docs_table() {
        let doc = include_str!("../docs/rules.md");
        let table = readme_table();
        assert!(
            doc.contains(&table),
            "the table of findings crossfoot makes itself in docs/rules.md is not the registry's; it should read:\n{table}"
        );
    }

    #[test]
    fn languages_and_codes() {
        assert_eq!(Lang::from_pack("vi-VN"), Lang::Vi);
        assert_eq!(Lang::from_pack("fr"), Lang::En);
        assert_eq!(Lang::of_code("vi"), Some(Lang::Vi));
        assert_eq!(Lang::of_code("xx"), None);
        assert_eq!(
            template("value.required", Lang::Vi),
            Some("{label}: thiếu số liệu bắt buộc (ô để trống)")
        );
        assert_eq!(params("hint.closest"), Some(&["text", "cell"][..]));
        assert_eq!(
            unreadable_code(crate::finding::UnreadableKind::Encrypted),
            "encrypted"
        );
    }

    #[test]
    fn every_unreadable_kind_is_at_its_place_with_both_languages() {
        let mut codes = std::collections::BTreeSet::new();
        for (i, d) in UNREADABLE.iter().enumerate() {
            assert_eq!(
                d.kind as usize, i,
                "{} is out of place in UNREADABLE",
                d.code
            );
            assert_eq!(unreadable(d.kind).code, d.code);
            assert!(codes.insert(d.code), "{} twice", d.code);
            for lang in Lang::ALL {
                assert!(!d.reason.get(lang).trim().is_empty(), "{} {lang:?}", d.code);
                assert!(!d.hint.get(lang).trim().is_empty(), "{} {lang:?}", d.code);
            }
        }
        // Every kind is in the table: a kind added to UnreadableKind does not compile here
        // until it is listed, and then fails until the table has it.
        use crate::finding::UnreadableKind as U;
        let all = [
            U::Empty,
            U::Html,
            U::Text,
            U::Encrypted,
            U::NotAWorkbookZip,
            U::Truncated,
            U::OtherFormat,
            U::Corrupt,
            U::Missing,
            U::TooLarge,
            U::Internal,
            U::NotRegular,
            U::Unsupported,
        ];
        for k in all {
            match k {
                U::Empty
                | U::Html
                | U::Text
                | U::Encrypted
                | U::NotAWorkbookZip
                | U::Truncated
                | U::OtherFormat
                | U::Corrupt
                | U::Missing
                | U::TooLarge
                | U::Internal
                | U::NotRegular
                | U::Unsupported => assert_eq!(unreadable(k).kind, k),
            }
        }
        assert_eq!(UNREADABLE.len(), all.len());
    }
}
