// TEMPORARY stub until the sniff module lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Container {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sniffed {
    Workbook(Container),
    Unreadable(Unreadable),
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub kind: UnreadableKind,
    pub reason: String,
    pub hint: String,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum UnreadableKind {
    Empty,
    Html,
    Text,
    Encrypted,
    NotAWorkbookZip,
    Truncated,
    OtherFormat,
    Corrupt,
    Missing,
    TooLarge,
}
pub fn sniff(bytes: &[u8], _file_name: &str) -> Sniffed {
    if bytes.starts_with(b"PK") {
        Sniffed::Workbook(Container::Xlsx)
    } else {
        Sniffed::Workbook(Container::Xls)
    }
}
pub fn explain_read_error(_bytes: &[u8], _file_name: &str, reader_error: &str) -> Unreadable {
    Unreadable {
        kind: UnreadableKind::Corrupt,
        reason: reader_error.to_string(),
        hint: String::new(),
    }
}
