//! The annotated review workbook (being written).
