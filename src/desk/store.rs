//! Where the desk keeps its submissions: every upload's bytes once, content-addressed by their
//! SHA-256 under `DIR/blobs/`, and a row per submission in an embedded SQLite database
//! (`DIR/desk.sqlite`).
//!
//! Never lost: a blob is written to a temporary file, fsynced, renamed into place and its
//! folder fsynced *before* the row naming it is committed (SQLite in WAL mode with
//! `synchronous = FULL`); a crash leaves at most an unnamed temporary file or a blob no row
//! names, never a row without its bytes. Nothing is ever overwritten or deleted: a blob that
//! is already there is the same bytes (its name is their hash), and a new upload for a unit is
//! a new row — a new version.

use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The desk's storage in one folder.
pub struct Store {
    dir: PathBuf,
    db: Mutex<Connection>,
}

/// A submission as it is stored (the result JSON aside).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub id: i64,
    /// The key versions of one unit share: the unit's code key, or `file:` and the file name
    /// when the workbook gives no code.
    pub unit_key: String,
    pub unit_name: Option<String>,
    pub unit_code: Option<String>,
    pub version: i64,
    pub file_name: String,
    pub sent_by: String,
    pub received: String,
    pub sha256: String,
    pub size: i64,
    pub state: String,
    pub errors: i64,
    pub warnings: i64,
    #[serde(skip)]
    pub review_sha: Option<String>,
    #[serde(skip)]
    pub marked_sha: Option<String>,
    #[serde(skip)]
    pub marked_ext: Option<String>,
    #[serde(skip)]
    pub sheets_sha: Option<String>,
}

/// A submission to record.
pub struct NewRow<'a> {
    pub unit_key: &'a str,
    pub unit_name: Option<&'a str>,
    pub unit_code: Option<&'a str>,
    pub file_name: &'a str,
    pub sent_by: &'a str,
    pub sha256: &'a str,
    pub size: usize,
    pub state: &'a str,
    pub errors: usize,
    pub warnings: usize,
    pub result_json: &'a str,
    pub review_sha: Option<&'a str>,
    pub marked_sha: Option<&'a str>,
    pub marked_ext: Option<&'a str>,
    pub sheets_sha: Option<&'a str>,
    /// When the workbook is a summary: the units its records name.
    pub summary_of: Option<&'a [super::Expected]>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("the database lock is poisoned")]
    Poisoned,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_key TEXT NOT NULL,
    unit_name TEXT,
    unit_code TEXT,
    version INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    sent_by TEXT NOT NULL,
    received TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    state TEXT NOT NULL,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    result_json TEXT NOT NULL,
    review_sha TEXT,
    marked_sha TEXT,
    marked_ext TEXT,
    sheets_sha TEXT
);
CREATE INDEX IF NOT EXISTS submissions_unit ON submissions(unit_key, id);
CREATE TABLE IF NOT EXISTS marks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id INTEGER NOT NULL,
    finding_key TEXT NOT NULL,
    figures TEXT NOT NULL,
    note TEXT NOT NULL,
    state TEXT NOT NULL,
    made_on INTEGER NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS marks_submission ON marks(submission_id, id);
CREATE TABLE IF NOT EXISTS links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_sha TEXT NOT NULL UNIQUE,
    unit_key TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS summaries (
    submission_id INTEGER PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS summary_units (
    submission_id INTEGER NOT NULL,
    code TEXT NOT NULL,
    name TEXT
);
CREATE INDEX IF NOT EXISTS summary_units_submission ON summary_units(submission_id);
CREATE TABLE IF NOT EXISTS revoked_links (
    link_id INTEGER PRIMARY KEY,
    revoked TEXT NOT NULL
);
";

/// A reviewer's mark on a finding of one submission: `explained` with a note, made on this
/// version or carried from the one before; or `dropped`: a mark of the version before whose
/// finding is still there with other figures (the note kept, to be shown).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Mark {
    #[serde(skip)]
    pub finding_key: String,
    #[serde(skip)]
    pub figures: String,
    pub note: String,
    pub state: String,
    /// The submission the mark was first made on.
    pub made_on: i64,
    pub created: String,
}

/// A branch link as the reviewer sees it listed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Link {
    pub id: i64,
    pub unit_key: String,
    pub created: String,
    /// When it was revoked (its token refused since).
    pub revoked: Option<String>,
    /// The unit's versions sent through a branch link.
    pub branch_versions: i64,
}

/// A finding as a mark follows it: its identity (rule, sheet, cells) and its figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingId {
    pub key: String,
    pub figures: String,
}

const COLUMNS: &str = "id, unit_key, unit_name, unit_code, version, file_name, sent_by, received, \
    sha256, size, state, errors, warnings, review_sha, marked_sha, marked_ext, sheets_sha";

fn row_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        unit_key: r.get(1)?,
        unit_name: r.get(2)?,
        unit_code: r.get(3)?,
        version: r.get(4)?,
        file_name: r.get(5)?,
        sent_by: r.get(6)?,
        received: r.get(7)?,
        sha256: r.get(8)?,
        size: r.get(9)?,
        state: r.get(10)?,
        errors: r.get(11)?,
        warnings: r.get(12)?,
        review_sha: r.get(13)?,
        marked_sha: r.get(14)?,
        marked_ext: r.get(15)?,
        sheets_sha: r.get(16)?,
    })
}

/// The hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        use std::fmt::Write as _;
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Whether `s` is a hex SHA-256 as [`sha256_hex`] writes it (the only names a blob has).
fn is_sha(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Store {
    /// Opens (creating when new) the desk's folder and database.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir.join("blobs"))?;
        std::fs::create_dir_all(dir.join("tmp"))?;
        let db = Connection::open(dir.join("desk.sqlite"))?;
        db.busy_timeout(std::time::Duration::from_secs(30))?;
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "FULL")?;
        db.execute_batch(SCHEMA)?;
        Ok(Store {
            dir: dir.to_path_buf(),
            db: Mutex::new(db),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the blob named `sha` is (or would be).
    pub fn blob_path(&self, sha: &str) -> Option<PathBuf> {
        is_sha(sha).then(|| self.dir.join("blobs").join(&sha[..2]).join(sha))
    }

    /// Stores `bytes` once under their hash, durably: written to a temporary file, fsynced,
    /// renamed into place, the folder fsynced. Returns the hash.
    pub fn put_blob(&self, bytes: &[u8]) -> Result<String, StoreError> {
        let sha = sha256_hex(bytes);
        let path = self.dir.join("blobs").join(&sha[..2]).join(&sha);
        if path.is_file() {
            // Its name is its content's hash: the same bytes, kept as they were.
            return Ok(sha);
        }
        let folder = self.dir.join("blobs").join(&sha[..2]);
        std::fs::create_dir_all(&folder)?;
        let mut tmp = tempfile::NamedTempFile::new_in(self.dir.join("tmp"))?;
        tmp.write_all(bytes)?;
        tmp.as_file().sync_all()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = tmp
                .as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o444));
        }
        // `persist_noclobber`: a blob already there (another upload of the same bytes at the
        // same moment) is never replaced.
        match tmp.persist_noclobber(&path) {
            Ok(_) => {}
            Err(e) if path.is_file() => drop(e),
            Err(e) => return Err(e.error.into()),
        }
        sync_dir(&folder)?;
        sync_dir(&self.dir.join("blobs"))?;
        Ok(sha)
    }

    /// The bytes of the blob named `sha`.
    pub fn blob(&self, sha: &str) -> Option<Vec<u8>> {
        std::fs::read(self.blob_path(sha)?).ok()
    }

    fn db(&self) -> Result<std::sync::MutexGuard<'_, Connection>, StoreError> {
        self.db.lock().map_err(|_| StoreError::Poisoned)
    }

    /// Records a submission (its blobs already stored): the unit's next version. Returns the
    /// row as stored.
    /// `findings`: the new version's findings, for the marks of the version before.
    pub fn insert(
        &self,
        new: &NewRow<'_>,
        received: &str,
        findings: &[FindingId],
    ) -> Result<Row, StoreError> {
        let mut db = self.db()?;
        let tx = db.transaction()?;
        let version: i64 = tx.query_row(
            "SELECT COUNT(*) + 1 FROM submissions WHERE unit_key = ?1",
            params![new.unit_key],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO submissions (unit_key, unit_name, unit_code, version, file_name, sent_by, \
             received, sha256, size, state, errors, warnings, result_json, review_sha, \
             marked_sha, marked_ext, sheets_sha) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            params![
                new.unit_key,
                new.unit_name,
                new.unit_code,
                version,
                new.file_name,
                new.sent_by,
                received,
                new.sha256,
                new.size as i64,
                new.state,
                new.errors as i64,
                new.warnings as i64,
                new.result_json,
                new.review_sha,
                new.marked_sha,
                new.marked_ext,
                new.sheets_sha,
            ],
        )?;
        let id = tx.last_insert_rowid();
        if let Some(units) = new.summary_of {
            tx.execute(
                "INSERT INTO summaries (submission_id) VALUES (?1)",
                params![id],
            )?;
            for u in units {
                tx.execute(
                    "INSERT INTO summary_units (submission_id, code, name) VALUES (?1, ?2, ?3)",
                    params![id, u.code, u.name],
                )?;
            }
        }
        carry_marks(&tx, new.unit_key, id, findings, received)?;
        tx.commit()?;
        drop(db);
        self.row(id)?
            .ok_or(StoreError::Db(rusqlite::Error::QueryReturnedNoRows))
    }

    pub fn row(&self, id: i64) -> Result<Option<Row>, StoreError> {
        let db = self.db()?;
        let row = db
            .query_row(
                &format!("SELECT {COLUMNS} FROM submissions WHERE id = ?1"),
                params![id],
                row_of,
            )
            .optional()?;
        Ok(row)
    }

    /// The stored result JSON of submission `id`.
    pub fn result_json(&self, id: i64) -> Result<Option<String>, StoreError> {
        let db = self.db()?;
        Ok(db
            .query_row(
                "SELECT result_json FROM submissions WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Each unit's latest submission, by unit key, and how many versions it has.
    pub fn latest(&self) -> Result<Vec<(Row, i64)>, StoreError> {
        let db = self.db()?;
        let mut stmt = db.prepare(&format!(
            "SELECT {COLUMNS}, (SELECT COUNT(*) FROM submissions s2 WHERE s2.unit_key = s.unit_key) \
             FROM submissions s WHERE id IN (SELECT MAX(id) FROM submissions GROUP BY unit_key) \
             ORDER BY unit_key"
        ))?;
        let rows = stmt
            .query_map([], |r| Ok((row_of(r)?, r.get::<_, i64>(17)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The submissions that are summaries (they hold a form whose records are units).
    pub fn summary_ids(&self) -> Result<std::collections::BTreeSet<i64>, StoreError> {
        let db = self.db()?;
        let mut stmt = db.prepare("SELECT submission_id FROM summaries")?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// The units the records of summary `id` name, in its order.
    pub fn summary_units(&self, id: i64) -> Result<Vec<super::Expected>, StoreError> {
        let db = self.db()?;
        let mut stmt = db.prepare(
            "SELECT code, name FROM summary_units WHERE submission_id = ?1 ORDER BY rowid",
        )?;
        let units = stmt
            .query_map(params![id], |r| {
                Ok(super::Expected {
                    code: r.get(0)?,
                    name: r.get(1)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(units)
    }

    /// Every version of one unit, oldest first.
    pub fn versions(&self, unit_key: &str) -> Result<Vec<Row>, StoreError> {
        let db = self.db()?;
        let mut stmt = db.prepare(&format!(
            "SELECT {COLUMNS} FROM submissions WHERE unit_key = ?1 ORDER BY id"
        ))?;
        let rows = stmt
            .query_map(params![unit_key], row_of)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

/// The marks of a unit's version before `id` onto version `id`: a mark whose finding is
/// there with the same figures is carried; with other figures, it is recorded dropped (shown,
/// not applied); a finding that is gone takes its mark with it.
fn carry_marks(
    tx: &rusqlite::Transaction<'_>,
    unit_key: &str,
    id: i64,
    findings: &[FindingId],
    now: &str,
) -> Result<(), StoreError> {
    let prev: Option<i64> = tx.query_row(
        "SELECT MAX(id) FROM submissions WHERE unit_key = ?1 AND id < ?2",
        params![unit_key, id],
        |r| r.get(0),
    )?;
    let Some(prev) = prev else { return Ok(()) };
    for m in marks_of(tx, prev)? {
        if m.state != "explained" {
            continue;
        }
        let Some(now_f) = findings.iter().find(|f| f.key == m.finding_key) else {
            continue;
        };
        let state = if now_f.figures == m.figures {
            "explained"
        } else {
            "dropped"
        };
        tx.execute(
            "INSERT INTO marks (submission_id, finding_key, figures, note, state, made_on, created) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![id, m.finding_key, now_f.figures, m.note, state, m.made_on, now],
        )?;
    }
    Ok(())
}

/// The marks of one submission, one per finding (the latest), oldest first.
fn marks_of(db: &Connection, submission: i64) -> Result<Vec<Mark>, StoreError> {
    let mut stmt = db.prepare(
        "SELECT finding_key, figures, note, state, made_on, created FROM marks \
         WHERE id IN (SELECT MAX(id) FROM marks WHERE submission_id = ?1 GROUP BY finding_key) \
         ORDER BY id",
    )?;
    let marks = stmt
        .query_map(params![submission], |r| {
            Ok(Mark {
                finding_key: r.get(0)?,
                figures: r.get(1)?,
                note: r.get(2)?,
                state: r.get(3)?,
                made_on: r.get(4)?,
                created: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(marks)
}

impl Store {
    /// Marks a finding of submission `id` explained, with a note (a later mark of the same
    /// finding is the one shown; none is removed).
    pub fn add_mark(
        &self,
        id: i64,
        finding: &FindingId,
        note: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        let db = self.db()?;
        db.execute(
            "INSERT INTO marks (submission_id, finding_key, figures, note, state, made_on, created) \
             VALUES (?1, ?2, ?3, ?4, 'explained', ?1, ?5)",
            params![id, finding.key, finding.figures, note, now],
        )?;
        Ok(())
    }

    /// A branch link's token for `unit_key` (only its hash is kept: looking it up leaks
    /// nothing of the token's bytes, and the database holds no usable token).
    /// Returns the link's id (for listing and revoking it).
    pub fn add_link(&self, unit_key: &str, token: &str, now: &str) -> Result<i64, StoreError> {
        let db = self.db()?;
        db.execute(
            "INSERT INTO links (token_sha, unit_key, created) VALUES (?1, ?2, ?3)",
            params![sha256_hex(token.as_bytes()), unit_key, now],
        )?;
        Ok(db.last_insert_rowid())
    }

    /// The unit of the branch link whose token is `token`, unless the link was revoked.
    pub fn link_unit(&self, token: &str) -> Result<Option<String>, StoreError> {
        let db = self.db()?;
        Ok(db
            .query_row(
                "SELECT unit_key FROM links WHERE token_sha = ?1 \
                 AND id NOT IN (SELECT link_id FROM revoked_links)",
                params![sha256_hex(token.as_bytes())],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Every branch link made, oldest first (the token is not kept: only its hash).
    pub fn links(&self) -> Result<Vec<Link>, StoreError> {
        let db = self.db()?;
        let mut stmt = db.prepare(
            "SELECT l.id, l.unit_key, l.created, r.revoked, \
             (SELECT COUNT(*) FROM submissions s WHERE s.unit_key = l.unit_key AND s.sent_by = 'branch') \
             FROM links l LEFT JOIN revoked_links r ON r.link_id = l.id ORDER BY l.id",
        )?;
        let links = stmt
            .query_map([], |r| {
                Ok(Link {
                    id: r.get(0)?,
                    unit_key: r.get(1)?,
                    created: r.get(2)?,
                    revoked: r.get(3)?,
                    branch_versions: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(links)
    }

    /// Revokes branch link `id`: its token is refused from now on (the link's row is kept).
    /// Whether there is such a link (revoking one already revoked keeps the first time).
    pub fn revoke_link(&self, id: i64, now: &str) -> Result<bool, StoreError> {
        let db = self.db()?;
        let exists: Option<i64> = db
            .query_row("SELECT id FROM links WHERE id = ?1", params![id], |r| {
                r.get(0)
            })
            .optional()?;
        if exists.is_none() {
            return Ok(false);
        }
        db.execute(
            "INSERT OR IGNORE INTO revoked_links (link_id, revoked) VALUES (?1, ?2)",
            params![id, now],
        )?;
        Ok(true)
    }

    /// The marks of submission `id` (the latest per finding).
    pub fn marks(&self, id: i64) -> Result<Vec<Mark>, StoreError> {
        let db = self.db()?;
        marks_of(&db, id)
    }
}

/// Makes a folder's entries (a rename into it) durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// The time now as `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc_text(secs)
}

/// `secs` since the epoch as `YYYY-MM-DD HH:MM:SS` (UTC; days to a civil date after Howard
/// Hinnant's algorithm).
pub fn utc_text(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_text_of_known_instants() {
        assert_eq!(utc_text(0), "1970-01-01 00:00:00");
        assert_eq!(utc_text(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(utc_text(1_798_761_599), "2026-12-31 23:59:59");
    }

    #[test]
    fn blobs_are_stored_once_and_rows_are_versions() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = store.put_blob(b"first").unwrap();
        let again = store.put_blob(b"first").unwrap();
        assert_eq!(a, again);
        assert_eq!(a, sha256_hex(b"first"));
        assert_eq!(store.blob(&a).unwrap(), b"first");
        assert!(store.blob("../desk.sqlite").is_none());
        let new = |file_name| NewRow {
            unit_key: "U1",
            unit_name: Some("Unit one"),
            unit_code: Some("U1"),
            file_name,
            sent_by: "reviewer",
            sha256: &a,
            size: 5,
            state: "clean",
            errors: 0,
            warnings: 0,
            result_json: "{}",
            review_sha: None,
            marked_sha: None,
            marked_ext: None,
            sheets_sha: None,
            summary_of: None,
        };
        let f = |figures: &str| FindingId {
            key: "rule\u{0}sheet\u{0}C7".into(),
            figures: figures.into(),
        };
        let one = store
            .insert(&new("a.xlsx"), "2026-01-01 00:00:00", &[f("1")])
            .unwrap();
        store
            .add_mark(one.id, &f("1"), "confirmed by phone", "2026-01-01 00:00:01")
            .unwrap();
        let two = store
            .insert(&new("b.xlsx"), "2026-01-02 00:00:00", &[f("1")])
            .unwrap();
        let carried = store.marks(two.id).unwrap();
        assert_eq!(carried.len(), 1);
        assert_eq!(
            (carried[0].state.as_str(), carried[0].made_on),
            ("explained", one.id)
        );
        assert_eq!(carried[0].note, "confirmed by phone");
        let three = store
            .insert(&new("c.xlsx"), "2026-01-03 00:00:00", &[f("2")])
            .unwrap();
        assert_eq!(store.marks(three.id).unwrap()[0].state, "dropped");
        // A dropped mark is not carried further; a finding gone takes its mark with it.
        let four = store
            .insert(&new("d.xlsx"), "2026-01-04 00:00:00", &[f("2")])
            .unwrap();
        assert!(store.marks(four.id).unwrap().is_empty());
        assert_eq!((one.version, two.version), (1, 2));
        let latest = store.latest().unwrap();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].0.id, four.id);
        assert_eq!(latest[0].1, 4);
        // Reopened: everything is there.
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.versions("U1").unwrap().len(), 4);
        assert_eq!(store.result_json(one.id).unwrap().as_deref(), Some("{}"));
    }
}
