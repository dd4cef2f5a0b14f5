//! The fuzz harness: what each target does with one input (see `harness.rs`).

mod harness;
pub use harness::*;
