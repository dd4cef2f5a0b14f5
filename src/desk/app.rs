//! The desk's state, shared by the server (which answers requests) and the pages (which draw
//! it): the store, the checker, the tokens and the configuration.

use super::store::{Row, Store};
use super::{Checker, Config, Expected};
use crate::registry::Lang;
use std::sync::Mutex;
use std::time::Instant;

/// The running desk.
pub struct App {
    pub store: Store,
    pub checker: Box<dyn Checker>,
    pub(super) token: String,
    /// The pages' CSRF token: derived from the access token, unknown to another site.
    pub csrf: String,
    pub config: Config,
    /// Where the desk listens (for the links it makes).
    pub addr: std::net::SocketAddr,
    pub(super) failures: Mutex<(Instant, u32)>,
    /// Re-checks of the summaries asked for, and the last asked one a re-check covered.
    pub(super) rechecks_asked: std::sync::atomic::AtomicU64,
    pub(super) rechecks_done: Mutex<u64>,
}

impl App {
    pub fn lang_default(&self) -> Lang {
        self.checker.lang()
    }
}

/// The units the round expects: the unit list's (`--unit-list`), the register's and last
/// year's (the checker's), and those the latest summaries' records name; each key once, the
/// first that names it giving its code and name (a later one may give the name it lacks).
pub fn expected(app: &App) -> Result<Vec<(String, Expected)>, super::store::StoreError> {
    let mut all: Vec<Expected> = app.config.expected.clone();
    all.extend(app.checker.known_units());
    let summaries = app.store.summary_ids()?;
    if !summaries.is_empty() {
        for (row, _) in app.store.latest()? {
            if summaries.contains(&row.id) {
                all.extend(app.store.summary_units(row.id)?);
            }
        }
    }
    let mut out: Vec<(String, Expected)> = Vec::new();
    let mut at: std::collections::BTreeMap<String, usize> = Default::default();
    for e in all {
        let key = app.checker.unit_key(&e.code);
        match at.get(&key) {
            Some(&i) => {
                if out[i].1.name.is_none() {
                    out[i].1.name = e.name;
                }
            }
            None => {
                at.insert(key.clone(), out.len());
                out.push((key, e));
            }
        }
    }
    Ok(out)
}

/// The units the round expects that have sent nothing yet: (key, code, name).
pub fn missing(
    app: &App,
    latest: &[(Row, i64)],
) -> Result<Vec<(String, String, Option<String>)>, super::store::StoreError> {
    let sent: std::collections::BTreeSet<&str> =
        latest.iter().map(|(r, _)| r.unit_key.as_str()).collect();
    Ok(expected(app)?
        .into_iter()
        .filter(|(k, _)| !sent.contains(k.as_str()))
        .map(|(k, e)| (k, e.code, e.name))
        .collect())
}
