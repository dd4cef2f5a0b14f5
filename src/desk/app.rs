//! The desk's state, shared by the server (which answers requests) and the pages (which draw
//! it): the store, the checker, the tokens and the configuration.

use super::store::{Row, Store};
use super::{Checker, Config};
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
}

impl App {
    pub fn lang_default(&self) -> Lang {
        self.checker.lang()
    }
}

/// The units the round expects that have sent nothing yet: (key, code, name).
pub fn missing(app: &App, latest: &[(Row, i64)]) -> Vec<(String, String, Option<String>)> {
    let sent: std::collections::BTreeSet<&str> =
        latest.iter().map(|(r, _)| r.unit_key.as_str()).collect();
    let mut seen = std::collections::BTreeSet::new();
    app.config
        .expected
        .iter()
        .map(|e| (app.checker.unit_key(&e.code), e))
        .filter(|(k, _)| !sent.contains(k.as_str()) && seen.insert(k.clone()))
        .map(|(k, e)| (k, e.code.clone(), e.name.clone()))
        .collect()
}
