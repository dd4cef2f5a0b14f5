//! The integration tests, one binary: each file of `tests/` is a module of it (linking one
//! binary instead of one per file is most of what `cargo test` used to spend after the build).
//! Run one file's tests with `cargo test --test suite <file>::`.

mod common;

mod accounted;
mod bench_measure;
mod bounded;
mod ci;
mod cli;
mod consolidate;
mod corpus;
mod desk;
mod discover;
mod drift;
mod formats;
mod forms_generator;
mod fuzz_regressions;
mod hostile;
mod init;
mod languages;
mod layout;
mod levels;
mod lint;
mod localise;
mod mark;
mod outputs;
mod paper;
mod properties;
mod review;
mod review_pdf;
mod rule_errors;
mod safety;
mod silent;
mod structure;
mod units;
mod xlsx_values;
