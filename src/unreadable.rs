//! Why a file cannot be read: its [`UnreadableKind`] (defined in [`crate::finding`], where the
//! registry's table of each kind's texts names it) and the sentences that say it. The reader
//! ([`crate::read::sniff`], [`crate::read::load`]) and the callers that read files set it; the
//! registry words it in each language and every output shows it.
//!
//! Why this is on the ground floor: the results ([`crate::result`]) and the registry
//! ([`crate::registry`]) carry and word it without importing the reading stage.

pub use crate::finding::UnreadableKind;

/// A file crossfoot cannot read, explained for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub kind: UnreadableKind,
    /// One English sentence a person understands: what the file is.
    pub reason: String,
    /// What to do about it.
    pub hint: String,
}
