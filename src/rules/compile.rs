//! Compiling rule sources into a [`Pack`]: every file's TOML read (all its mistakes at once),
//! the settings merged, each form's columns, rows, records and checks resolved, every
//! expression lowered to a [`CExpr`] with its names bound; every problem of every file, one
//! [`RuleFileError`] per file.

use super::*;

/// Compiles rule sources into a pack. Every file's problems are collected: what is wrong in
/// the file as written (TOML syntax, unknown keys, wrong types, missing keys), settings that
/// contradict another file's, and what its definitions get wrong; one [`RuleFileError`] per
/// file with problems, in path order.
pub fn compile(sources: &[Source]) -> Result<Pack, Vec<RuleFileError>> {
    compile_in(sources, Lang::En)
}

/// [`compile`], the schema mistakes of the files as written said in `lang` (the problems of
/// what they define are English: docs/not-done.md).
pub fn compile_in(sources: &[Source], lang: Lang) -> Result<Pack, Vec<RuleFileError>> {
    let Read {
        written,
        parsed,
        not_toml,
    } = read_files(sources, lang);
    // Settings first (their problems: values that contradict another file's, unknown message
    // ids), then the names of all forms.
    let mut settings_problems: BTreeMap<usize, Vec<RuleProblem>> = BTreeMap::new();
    let (settings, pending_groups, notices) =
        merge_settings(sources, &parsed, &not_toml, &mut settings_problems);
    let mut per_file: BTreeMap<usize, Vec<RuleProblem>> = BTreeMap::new();
    let (form_ids, form_files) = form_names(sources, &parsed, &mut per_file);

    // Shapes of all forms, so cross-form references resolve whatever the file order.
    let mut shapes: Vec<FormShape> = Vec::new();
    for (_, pi) in &form_files {
        let def = &parsed[*pi].1;
        shapes.push(FormShape::of(def));
    }

    let mut forms = Vec::new();
    for (fi, (si, pi)) in form_files.iter().enumerate() {
        let def = &parsed[*pi].1;
        let mut probs = Problems::new(&sources[*si]);
        if let Some(form) = compile_form(fi, def, &shapes, &form_ids, &settings, &mut probs) {
            forms.push(form);
        }
        per_file.entry(*si).or_default().extend(probs.list);
    }
    // Files with rows/checks but no [form].
    for (si, def) in &parsed {
        if def.form.is_none()
            && (!def.row.is_empty()
                || !def.check.is_empty()
                || !def.column.is_empty()
                || !def.cell.is_empty()
                || def.localise.is_some())
        {
            let mut p = Problems::new(&sources[*si]);
            p.add_part_missing(
                0..0,
                "this file has rows, columns, cells, checks or [localise] weights but no [form] table",
                "start of file",
                Some("add a [form] table with an `id` and a `name`".into()),
            );
            per_file.entry(*si).or_default().extend(p.list);
        }
    }
    let groups = compile_groups(sources, pending_groups, &form_ids, &mut per_file);
    let (register, plausibility) =
        units::compile_units(sources, &parsed, &forms, settings.folding, &mut per_file);
    let errors = file_errors(
        sources,
        Read {
            written,
            parsed,
            not_toml,
        },
        settings_problems,
        per_file,
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    let linked = linked_fields(&forms);
    let form_labels = crate::read::labels::FormLabels::new(
        forms.iter().map(|f| f.labels.as_slice()),
        &settings.abbreviations,
    );
    Ok(Pack {
        settings,
        forms,
        groups,
        linked,
        register,
        plausibility,
        sources: sources.to_vec(),
        sources_fingerprint: Source::fingerprint(sources),
        form_labels,
        notices,
    })
}

/// The rule files as written: their problems, what was read of them, and which are not TOML.
pub(super) struct Read {
    /// Problems of the files as written, by source.
    pub(super) written: BTreeMap<usize, Vec<RuleProblem>>,
    /// What was read of each file, by source.
    pub(super) parsed: Vec<(usize, RuleFileDef)>,
    /// Files that are not TOML: what the parser recovered of them only names their forms and
    /// rows for the other files (their settings are not taken).
    pub(super) not_toml: HashSet<usize>,
}

/// Every rule file read into its `*Def`s, with every mistake of the file as written.
pub(super) fn read_files(sources: &[Source], lang: Lang) -> Read {
    let mut written: BTreeMap<usize, Vec<RuleProblem>> = BTreeMap::new();
    let mut parsed: Vec<(usize, RuleFileDef)> = Vec::new();
    let mut not_toml: HashSet<usize> = HashSet::new();
    for (i, src) in sources.iter().enumerate() {
        let read = schema::parse::<RuleFileDef>(&src.text, lang);
        let mut probs = Problems::new(src);
        for p in read.problems {
            probs.add(p.span, p.message, p.label, p.help);
        }
        if !probs.list.is_empty() {
            written.insert(i, probs.list);
        }
        if read.syntax {
            not_toml.insert(i);
        }
        if let Some(def) = read.def {
            parsed.push((i, def));
        }
    }

    Read {
        written,
        parsed,
        not_toml,
    }
}

/// The forms' ids, each to its index among the forms (the first file that defines it), and
/// each form's (source index, parsed index); a form defined twice is a problem of the second.
pub(super) fn form_names(
    sources: &[Source],
    parsed: &[(usize, RuleFileDef)],
    per_file: &mut BTreeMap<usize, Vec<RuleProblem>>,
) -> (HashMap<String, usize>, Vec<(usize, usize)>) {
    let mut form_ids: HashMap<String, usize> = HashMap::new();
    let mut form_files: Vec<(usize, usize)> = Vec::new(); // (source index, parsed index)
    let mut dup_forms: Vec<(usize, Range<usize>, String)> = Vec::new();
    for (pi, (si, def)) in parsed.iter().enumerate() {
        if let Some(f) = &def.form {
            let id = f.id.get_ref().clone();
            match form_ids.entry(id) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    dup_forms.push((*si, f.id.span(), e.key().clone()))
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(form_files.len());
                    form_files.push((*si, pi));
                }
            }
        }
    }

    for (si, span, id) in dup_forms {
        let first = form_ids
            .get(&id)
            .and_then(|fi| form_files.get(*fi))
            .map(|(fsi, _)| &sources[*fsi]);
        let help = match first {
            Some(f) if f.name.ends_with(BUILT_IN) => format!(
                "the built-in pack defines it in {}: give your form its own id, or check your files alone with --no-default-rules",
                f.name
            ),
            Some(f) => format!("it is defined in {} already; give each form its own id", f.name),
            None => "give each form its own id".to_string(),
        };
        let mut p = Problems::new(&sources[si]);
        p.add(
            span,
            format!("the form `{id}` is defined twice"),
            "second definition",
            Some(help),
        );
        per_file.entry(si).or_default().extend(p.list);
    }

    (form_ids, form_files)
}

/// The `[[workbook]]` groups of forms, each form named resolved.
pub(super) fn compile_groups(
    sources: &[Source],
    pending_groups: Vec<(usize, &WorkbookDef)>,
    form_ids: &HashMap<String, usize>,
    per_file: &mut BTreeMap<usize, Vec<RuleProblem>>,
) -> Vec<WorkbookGroup> {
    let mut groups = Vec::new();
    for (si, w) in pending_groups {
        let mut p = Problems::new(&sources[si]);
        let mut idx = Vec::new();
        for f in &w.forms {
            match form_ids.get(f.get_ref()) {
                Some(i) => idx.push(*i),
                None => p.add_may_follow(
                    f.span(),
                    format!("no form is called `{}`", f.get_ref()),
                    "unknown form",
                    did_you_mean(f.get_ref(), form_ids.keys().map(String::as_str)),
                ),
            }
        }
        per_file.entry(si).or_default().extend(p.list);
        groups.push(WorkbookGroup {
            id: w.id.get_ref().clone(),
            forms: idx,
            missing_severity: w.missing_severity,
        });
    }
    groups
}

/// Every file's problems, one [`RuleFileError`] per file with problems, in path order; none
/// when the pack compiles.
pub(super) fn file_errors(
    sources: &[Source],
    read: Read,
    settings_problems: BTreeMap<usize, Vec<RuleProblem>>,
    mut per_file: BTreeMap<usize, Vec<RuleProblem>>,
) -> Vec<RuleFileError> {
    let Read {
        written,
        parsed,
        not_toml,
    } = read;
    // A file with mistakes as written is reported with every other mistake of its
    // definitions, so that one run shows them all — except what may follow from those
    // mistakes: a name unknown or a part missing (a misspelt key is a missing one, a table
    // without its `id` defines no name). A file that is not TOML is reported by its syntax
    // errors alone: what was recovered of it is not what its author wrote.
    for (si, problems) in written {
        let own = per_file.entry(si).or_default();
        if not_toml.contains(&si) {
            own.clear();
        } else {
            // A table without its `id` (misspelt, say) defines no name either.
            let lost = problems.iter().any(|p| p.message == "missing key `id`")
                || names_lost(&sources[si].text, parsed.iter().find(|(i, _)| *i == si));
            own.retain(|p| match p.may_follow {
                None => true,
                Some(Follows::Name) => !lost,
                Some(Follows::Part) => false,
            });
        }
        own.extend(problems);
    }
    for (si, problems) in settings_problems {
        per_file.entry(si).or_default().extend(problems);
    }
    let mut errors = Vec::new();
    for (si, mut problems) in per_file {
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.span.offset());
            errors.push(RuleFileError {
                path: sources[si].name.clone(),
                problems,
            });
        }
    }
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    errors
}

/// The fields of other forms the checks and column sources read (form, row, column).
pub(super) fn linked_fields(forms: &[Form]) -> std::collections::BTreeSet<(usize, usize, usize)> {
    let mut linked = std::collections::BTreeSet::new();
    for f in forms {
        for c in &f.checks {
            collect_linked(&c.expr, &mut linked);
            if let Some(w) = &c.when {
                collect_linked(w, &mut linked);
            }
        }
        for col in &f.columns {
            if let Some(s) = &col.source {
                collect_linked(s, &mut linked);
            }
        }
    }
    linked
}

/// Whether a file read with schema mistakes lost names on the way: an `id` written in the
/// text (any table's, as plain TOML) that no definition read has. Then an unknown name in the
/// file may be that one, and is not reported beside the mistake that lost it.
pub(super) fn names_lost(text: &str, read: Option<&(usize, RuleFileDef)>) -> bool {
    fn ids<'t>(v: &'t toml::Value, out: &mut Vec<&'t str>) {
        match v {
            toml::Value::Table(t) => {
                if let Some(toml::Value::String(id)) = t.get("id") {
                    out.push(id);
                }
                t.values().for_each(|v| ids(v, out));
            }
            toml::Value::Array(items) => items.iter().for_each(|v| ids(v, out)),
            _ => {}
        }
    }
    let Some((_, def)) = read else {
        return true;
    };
    let Ok(raw) = text.parse::<toml::Table>() else {
        return true;
    };
    let mut written = Vec::new();
    raw.values().for_each(|v| ids(v, &mut written));
    let id = |s: &Spanned<String>| s.get_ref().clone();
    let mut read_ids: HashSet<String> = HashSet::new();
    read_ids.extend(def.form.iter().map(|f| id(&f.id)));
    read_ids.extend(def.row.iter().map(|r| id(&r.id)));
    read_ids.extend(def.column.iter().map(|c| id(&c.id)));
    read_ids.extend(def.cell.iter().map(|c| id(&c.id)));
    read_ids.extend(def.check.iter().map(|c| id(&c.id)));
    if let Some(s) = &def.settings {
        read_ids.extend(s.workbook.iter().map(|w| id(&w.id)));
    }
    written.iter().any(|w| !read_ids.contains(*w))
}

/// The figures of other workbooks an expression reads.
pub(super) fn collect_linked(
    e: &CExpr,
    out: &mut std::collections::BTreeSet<(usize, usize, usize)>,
) {
    match e {
        CExpr::Num(_) => {}
        CExpr::Field(FieldRef::Other { inner, .. }) => {
            if let FieldRef::Rows {
                form, rows, col, ..
            } = inner.as_ref()
            {
                for r in rows {
                    out.insert((*form, *r, *col));
                }
            }
        }
        CExpr::Field(_) => {}
        CExpr::Neg(x) | CExpr::Not(x) => collect_linked(x, out),
        CExpr::Binary(_, a, b) | CExpr::Compare(_, a, b) | CExpr::Logic(_, a, b) => {
            collect_linked(a, out);
            collect_linked(b, out);
        }
        CExpr::Call(_, args) => args.iter().for_each(|a| collect_linked(a, out)),
    }
}

/// The other workbooks an expression reads.
pub(super) fn links_of(e: &CExpr, out: &mut Vec<Link>) {
    match e {
        CExpr::Num(_) => {}
        CExpr::Field(FieldRef::Other { link, .. }) => {
            if !out.contains(link) {
                out.push(*link);
            }
        }
        CExpr::Field(_) => {}
        CExpr::Neg(x) | CExpr::Not(x) => links_of(x, out),
        CExpr::Binary(_, a, b) | CExpr::Compare(_, a, b) | CExpr::Logic(_, a, b) => {
            links_of(a, out);
            links_of(b, out);
        }
        CExpr::Call(_, args) => args.iter().for_each(|a| links_of(a, out)),
    }
}

/// The names a form defines, for resolving references into it.
pub(super) struct FormShape {
    pub(super) id: String,
    pub(super) columns: Vec<String>,
    /// Which columns hold text (never read as figures).
    pub(super) text_cols: Vec<bool>,
    pub(super) rows: Vec<String>,
    pub(super) cells: Vec<String>,
}

impl FormShape {
    pub(super) fn of(def: &RuleFileDef) -> FormShape {
        FormShape {
            id: def
                .form
                .as_ref()
                .map(|f| f.id.get_ref().clone())
                .unwrap_or_default(),
            columns: def.column.iter().map(|c| c.id.get_ref().clone()).collect(),
            text_cols: def.column.iter().map(|c| c.kind == Kind::Text).collect(),
            rows: def.row.iter().map(|r| r.id.get_ref().clone()).collect(),
            cells: def.cell.iter().map(|c| c.id.get_ref().clone()).collect(),
        }
    }
}

/// A rule file's regular expression (`what`: which pattern, for the message), compiled as
/// `regex`; a problem on its span when it does not compile.
pub(super) fn pattern(
    pat: &Spanned<String>,
    regex: &str,
    what: &str,
    probs: &mut Problems<'_>,
) -> Option<Regex> {
    match Regex::new(regex) {
        Ok(re) => Some(re),
        Err(e) => {
            probs.add(
                pat.span(),
                format!("the {what} pattern is not a valid regular expression"),
                e.to_string()
                    .lines()
                    .last()
                    .unwrap_or("invalid")
                    .to_string(),
                None,
            );
            None
        }
    }
}

/// A check id: ASCII letters, digits, `.`, `_` and `-`, starting with a letter. Only ASCII,
/// so that two ids never look alike (a Cyrillic `а` for a Latin `a`) and none hides a
/// zero-width or bidi control character.
pub(super) fn valid_check_id(id: &str) -> bool {
    id.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

/// A form, column, row or cell id: ASCII letters, digits and `_`, parts joined by `.`,
/// starting with a letter (ASCII only, as [`valid_check_id`]).
pub(super) fn valid_id(id: &str) -> bool {
    let mut parts = id.split('.');
    parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        && id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

pub(super) const PLACEHOLDERS: [&str; 9] = [
    "found",
    "expected",
    "difference",
    "label",
    "form",
    "sheet",
    "cell",
    "column",
    "other",
];

/// One form of a rule file compiled: its recognition (id, sheet, titles, labels), columns,
/// rows, cells, records and checks, each by a function of its own; every problem to `probs`.
pub(super) fn compile_form(
    fi: usize,
    def: &RuleFileDef,
    shapes: &[FormShape],
    form_ids: &HashMap<String, usize>,
    settings: &Settings,
    probs: &mut Problems<'_>,
) -> Option<Form> {
    let fdef = def.form.as_ref()?;
    let folding = settings.folding;
    let key = |t: &str| label_key(t, folding);
    let form_id = fdef.id.get_ref().clone();
    if !valid_id(&form_id) || form_id.contains('.') {
        probs.add(
            fdef.id.span(),
            format!("`{form_id}` is not a valid form id"),
            "form id",
            Some("use letters, digits and `_`, starting with a letter (e.g. `F1`)".into()),
        );
    }
    let sheet = match &fdef.sheet {
        Some(pat) => pattern(pat, &format!("(?i){}", pat.get_ref()), "sheet", probs),
        None => None,
    };
    if fdef.labels.is_empty() && fdef.title.is_empty() && fdef.sheet.is_none() {
        probs.add_part_missing(
            fdef.id.span(),
            "the form says nothing to recognise its sheet by",
            "this form",
            Some("add `sheet`, `title` or `labels` to [form]".into()),
        );
    }
    // Ids of columns, rows and cells, each once.
    let mut seen: HashSet<String> = HashSet::new();
    let mut columns = compile_columns(def, settings, &mut seen, probs);
    if columns.is_empty() && !def.row.is_empty() {
        probs.add_part_missing(
            fdef.id.span(),
            "the form has rows but no [[column]]",
            "this form",
            Some("add at least one [[column]] with the header of the values' column".into()),
        );
    }
    let row_index: HashMap<&str, usize> = def
        .row
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.get_ref().as_str(), i))
        .collect();
    let rows = compile_rows(def, settings, &row_index, &mut seen, probs);
    let cells = compile_cells(def, &mut seen, probs);
    let records = compile_records(def, &row_index, probs);
    let whole = WholeForm {
        fi,
        def,
        shapes,
        form_ids,
        settings,
        has_records: def.records.is_some(),
        match_unit: records.as_ref().is_some_and(|r| r.match_unit),
    };
    compile_sources(&whole, &mut columns, probs);
    let sources: Vec<Option<CExpr>> = columns.iter().map(|c| c.source.clone()).collect();
    let mut checks = Vec::new();
    let mut check_ids: HashSet<&str> = HashSet::new();
    for c in &def.check {
        checks.extend(compile_check(&whole, c, &sources, &mut check_ids, probs));
    }
    let weights = localise_weights(def, &rows, &columns, &cells, probs);
    Some(Form {
        id: form_id,
        name: fdef.name.clone(),
        sheet,
        titles: fdef.title.iter().map(|t| key(t)).collect(),
        labels: fdef.labels.iter().map(|t| key(t)).collect(),
        titles_written: fdef.title.clone(),
        labels_written: fdef.labels.clone(),
        columns,
        rows,
        cells,
        weights,
        checks,
        records,
    })
}

/// What compiling a form's sources and checks reads of the whole form and pack.
pub(super) struct WholeForm<'a> {
    pub(super) fi: usize,
    pub(super) def: &'a RuleFileDef,
    pub(super) shapes: &'a [FormShape],
    pub(super) form_ids: &'a HashMap<String, usize>,
    pub(super) settings: &'a Settings,
    /// The form has `[records]`.
    pub(super) has_records: bool,
    /// Its records are matched to unit workbooks.
    pub(super) match_unit: bool,
}

/// The form's `[[column]]`s: ids valid and once, the keys their headers are found by (with
/// their group's, joined both ways), what an empty cell means.
pub(super) fn compile_columns(
    def: &RuleFileDef,
    settings: &Settings,
    seen: &mut HashSet<String>,
    probs: &mut Problems<'_>,
) -> Vec<Column> {
    let key = |t: &str| label_key(t, settings.folding);
    let mut columns = Vec::new();
    for c in &def.column {
        let id = c.id.get_ref();
        if !valid_id(id) || id.contains('.') {
            probs.add(
                c.id.span(),
                format!("`{id}` is not a valid column id"),
                "column id",
                Some("use letters, digits and `_`".into()),
            );
        }
        if !seen.insert(format!("col:{id}")) {
            probs.add(
                c.id.span(),
                format!("the column `{id}` is defined twice"),
                "again",
                None,
            );
        }
        let mut keys = vec![key(&c.header)];
        keys.extend(c.aliases.iter().map(|a| key(a)));
        let mut group_keys: Vec<String> = c.group.iter().map(|g| key(g)).collect();
        if c.group.is_some() {
            group_keys.extend(c.group_aliases.iter().map(|a| key(a.get_ref())));
        } else if let Some(a) = c.group_aliases.first() {
            probs.add(
                a.span(),
                "`group_aliases` without a `group`",
                "no group to be an alias of",
                Some(
                    "add `group = \"…\"` (the heading over this column) or drop the aliases".into(),
                ),
            );
        }
        let mut flat_keys = Vec::new();
        for g in &group_keys {
            for h in &keys {
                for joined in [format!("{g} {h}"), format!("{h} {g}")] {
                    let f = crate::text::flat_key(&joined);
                    if !flat_keys.contains(&f) {
                        flat_keys.push(f);
                    }
                }
            }
        }
        let empty = c.empty.unwrap_or(match c.kind {
            Kind::Percent => Empty::Skip,
            _ => Empty::Zero,
        });
        columns.push(Column {
            id: id.clone(),
            header: match &c.group {
                Some(g) => format!("{g} - {}", c.header),
                None => c.header.clone(),
            },
            keys,
            group_keys,
            flat_keys,
            kind: c.kind,
            empty,
            source: None,
        });
    }
    columns
}

/// The form's `[[row]]`s: ids valid and once, the row each is searched under (one level of
/// sections), the keys their labels are found by; a row others are under is a heading.
pub(super) fn compile_rows(
    def: &RuleFileDef,
    settings: &Settings,
    row_index: &HashMap<&str, usize>,
    seen: &mut HashSet<String>,
    probs: &mut Problems<'_>,
) -> Vec<Row> {
    let key = |t: &str| label_key(t, settings.folding);
    let mut rows = Vec::new();
    for r in &def.row {
        let id = r.id.get_ref();
        if !valid_id(id) {
            probs.add(r.id.span(), format!("`{id}` is not a valid row id"), "row id", Some("use letters, digits, `_` and `.` between parts, starting with a letter (e.g. `age.18_30`)".into()));
        }
        if !seen.insert(format!("field:{id}")) {
            probs.add(
                r.id.span(),
                format!("`{id}` is defined twice in this form"),
                "again",
                None,
            );
        }
        let under = match &r.under {
            Some(u) => match row_index.get(u.get_ref().as_str()) {
                Some(&i) if def.row[i].under.is_some() => {
                    probs.add(
                        u.span(),
                        format!(
                            "`{}` is itself searched under another row; sections cannot nest",
                            u.get_ref()
                        ),
                        "nested section",
                        None,
                    );
                    None
                }
                Some(&i) if i == rows.len() => {
                    probs.add(
                        u.span(),
                        "a row cannot be searched under itself",
                        "itself",
                        None,
                    );
                    None
                }
                Some(&i) => Some(i),
                None => {
                    probs.add_may_follow(
                        u.span(),
                        format!("no row `{}` in this form", u.get_ref()),
                        "unknown row",
                        did_you_mean(u.get_ref(), row_index.keys().copied()),
                    );
                    None
                }
            },
            None => None,
        };
        let mut keys = vec![key(&r.label)];
        keys.extend(r.aliases.iter().map(|a| key(a)));
        let flat_keys = keys.iter().map(|k| crate::text::flat_key(k)).collect();
        rows.push(Row {
            id: id.clone(),
            label: r.label.clone(),
            keys,
            flat_keys,
            under,
            required: r.required,
            is_heading: false,
        });
    }
    let headings: Vec<usize> = rows.iter().filter_map(|r| r.under).collect();
    for h in headings {
        rows[h].is_heading = true;
    }

    rows
}

/// The form's single `[[cell]]`s: ids valid and once, each at an address or a defined name.
pub(super) fn compile_cells(
    def: &RuleFileDef,
    seen: &mut HashSet<String>,
    probs: &mut Problems<'_>,
) -> Vec<CellField> {
    let mut cells = Vec::new();
    for c in &def.cell {
        let id = c.id.get_ref();
        if !valid_id(id) {
            probs.add(
                c.id.span(),
                format!("`{id}` is not a valid cell id"),
                "cell id",
                None,
            );
        }
        if !seen.insert(format!("field:{id}")) {
            probs.add(
                c.id.span(),
                format!("`{id}` is defined twice in this form"),
                "again",
                None,
            );
        }
        let at = match (&c.at, &c.name) {
            (Some(a), None) => match CellRef::parse_a1(a.get_ref()) {
                Some(r) => Some(CellAt::Address(r)),
                None => {
                    probs.add(
                        a.span(),
                        format!("`{}` is not a cell address", a.get_ref()),
                        "not A1",
                        Some("write an address such as `D3`".into()),
                    );
                    None
                }
            },
            (None, Some(n)) => Some(CellAt::Name(n.clone())),
            _ => {
                probs.add(c.id.span(), "a [[cell]] needs exactly one of `at` (an address such as `D3`) or `name` (an Excel defined name)", "this cell", None);
                None
            }
        };
        let empty = if c.required {
            Empty::Required
        } else {
            c.empty.unwrap_or(Empty::Zero)
        };
        if let Some(at) = at {
            cells.push(CellField {
                id: id.clone(),
                label: c.label.clone().unwrap_or_else(|| id.clone()),
                at,
                kind: c.kind,
                empty,
            });
        }
    }

    cells
}

/// The index of the column `name` names, or a problem (`what`: where it is named).
pub(super) fn column_named(
    def: &RuleFileDef,
    name: &Spanned<String>,
    what: &str,
    probs: &mut Problems<'_>,
) -> Option<usize> {
    let found = def
        .column
        .iter()
        .position(|c| c.id.get_ref() == name.get_ref());
    if found.is_none() {
        probs.add_may_follow(
            name.span(),
            format!("no column `{}` in this form ({what})", name.get_ref()),
            "unknown column",
            did_you_mean(
                name.get_ref(),
                def.column.iter().map(|c| c.id.get_ref().as_str()),
            ),
        );
    }
    found
}

/// The form's `[records]`: the key and label columns, the row that ends them, how they are
/// matched to units.
pub(super) fn compile_records(
    def: &RuleFileDef,
    row_index: &HashMap<&str, usize>,
    probs: &mut Problems<'_>,
) -> Option<Records> {
    def.records.as_ref().and_then(|r| {
        let key = column_named(def, &r.key, "the records' key", probs);
        let label = r.label.as_ref().and_then(|l| column_named(def, l, "the records' label", probs));
        let end = r.end.as_ref().and_then(|e| {
            let found = row_index.get(e.get_ref().as_str()).copied();
            if found.is_none() {
                probs.add(
                    e.span(),
                    format!("no row `{}` in this form", e.get_ref()),
                    "unknown row",
                    Some("`end` names the [[row]] that ends the records, e.g. a total row".into()),
                );
            }
            found
        });
        let match_unit = match &r.match_ {
            None => false,
            Some(m) if m.get_ref() == "unit_code" => true,
            Some(m) => {
                probs.add(
                    m.span(),
                    format!("`{}` is not a way to match records", m.get_ref()),
                    "unknown",
                    Some("write `match = \"unit_code\"`: the workbook whose unit code is the record's key".into()),
                );
                false
            }
        };
        let unit_pattern = r.unit_pattern.as_ref().and_then(|pat| {
            pattern(pat, &format!("^(?:{})$", pat.get_ref()), "unit", probs)
        });
        Some(Records {
            key: key?,
            label,
            end,
            match_unit,
            unit_pattern,
            number: r.number.as_ref().map(|n| n.get_ref().clone()),
        })
    })
}

/// Each column's `source`: an expression over the matched unit's workbook (only where the
/// records are matched to units).
pub(super) fn compile_sources(w: &WholeForm<'_>, columns: &mut [Column], probs: &mut Problems<'_>) {
    let WholeForm {
        fi,
        def,
        shapes,
        form_ids,
        has_records,
        match_unit,
        ..
    } = *w;
    for (ci, c) in def.column.iter().enumerate() {
        let Some(src) = &c.source else { continue };
        if !match_unit {
            probs.add(
                src.span(),
                "a column `source` reads the matched unit's workbook, but this form has no `[records]` with `match`",
                "no match",
                Some("add `[records]` with `key` and `match = \"unit_code\"`".into()),
            );
            continue;
        }
        let cx = Ctx {
            fi,
            shapes,
            form_ids,
            has_each: false,
            each_records: false,
            has_records,
            match_unit,
            at_col: None,
            sources: &[],
            in_source: true,
        };
        let base = string_content_offset(&probs.src.text, &src.span());
        if let Some(e) = compile_expr_text(src.get_ref(), base, &cx, probs) {
            if let Some(col) = columns.get_mut(ci) {
                col.source = Some(e);
            }
        }
    }
}

/// One `[[check]]` compiled: its id valid and once, then one [`Check`] per column `@` stands
/// for (the same mistake in every column shown once), with its rows, languages, tolerance and
/// lint notes.
pub(super) fn compile_check<'d>(
    w: &WholeForm<'d>,
    c: &'d CheckDef,
    sources: &[Option<CExpr>],
    check_ids: &mut HashSet<&'d str>,
    probs: &mut Problems<'_>,
) -> Vec<Check> {
    let WholeForm {
        fi,
        def,
        shapes,
        form_ids,
        settings,
        has_records,
        match_unit,
    } = *w;
    let id = c.id.get_ref();
    if !valid_check_id(id) {
        probs.add(
            c.id.span(),
            format!("`{}` is not a valid check id", id.escape_default()),
            "check id",
            Some("use ASCII letters, digits, `.`, `_` and `-`, starting with a letter (e.g. `F1.total-sum`): an id that only looks like another, or hides an invisible character, would tell two checks apart that no one can".into()),
        );
    }
    if !check_ids.insert(id) {
        probs.add(
            c.id.span(),
            format!("the check `{id}` is defined twice"),
            "again",
            Some("check ids must be unique and stable: reports and users refer to them".into()),
        );
    }
    let each = check_each(c, &shapes[fi], has_records, probs);
    let at_cols = check_columns(def, c, probs);
    let each_records = matches!(each, Some(Each::Records));
    let mut compiled = Vec::new();
    for (n, at_col) in at_cols.iter().enumerate() {
        let cx = Ctx {
            fi,
            shapes,
            form_ids,
            has_each: c.each.is_some(),
            each_records,
            has_records,
            match_unit,
            at_col: *at_col,
            sources,
            in_source: false,
        };
        let before = probs.list.len();
        let base = string_content_offset(&probs.src.text, &c.expr.span());
        let expr = compile_expr_text(c.expr.get_ref(), base, &cx, probs);
        if n == 0 {
            if let Some(e) = &expr {
                if !matches!(e, CExpr::Compare(..) | CExpr::Logic(..) | CExpr::Not(..)) {
                    probs.add(
                        c.expr.span(),
                        "a check must compare two values (`==`, `!=`, `<`, `<=`, `>`, `>=`) or state a condition (`not …`, `… and …`)",
                        "no comparison",
                        Some("e.g. `male + female == total`".into()),
                    );
                }
            }
        }
        let when = c.when.as_ref().and_then(|w| {
            let base = string_content_offset(&probs.src.text, &w.span());
            compile_expr_text(w.get_ref(), base, &cx, probs)
        });
        compiled.push((*at_col, expr, when));
        // The same mistake in every column is shown once.
        if probs.list.len() > before {
            break;
        }
    }
    let (translations, doc_translations) = check_languages(c, probs);
    check_placeholders(c, probs);
    let tolerance = match &c.tolerance {
        None => settings.tolerance,
        Some(t) => match tolerance::compile(t.get_ref()) {
            Ok(t) => t,
            Err((message, help)) => {
                probs.add(t.span(), message, "this tolerance", Some(help));
                Tolerance::None
            }
        },
    };
    let lint = check_lint(c, probs);
    let mut checks = Vec::new();
    let msg = c.message.get_ref();
    for (column, expr, when) in compiled {
        let Some(expr) = expr else { continue };
        let mut links = Vec::new();
        links_of(&expr, &mut links);
        if let Some(w) = &when {
            links_of(w, &mut links);
        }
        checks.push(Check {
            id: id.clone(),
            severity: c.severity,
            expr,
            when,
            each: each.clone(),
            column,
            links,
            message: msg.clone(),
            messages: translations.clone(),
            expr_text: c.expr.get_ref().clone(),
            doc: c.doc.clone(),
            docs: doc_translations.clone(),
            tolerance,
            lint: lint.clone(),
        });
    }
    checks
}

/// The rows a check is applied to (`each`): the form's records, or the rows a name names.
pub(super) fn check_each(
    c: &CheckDef,
    shape: &FormShape,
    has_records: bool,
    probs: &mut Problems<'_>,
) -> Option<Each> {
    c.each.as_ref().and_then(|e| {
        if e.get_ref() == "records" && !shape.rows.iter().any(|r| r == "records") {
            if !has_records {
                probs.add(
                    e.span(),
                    "`each = \"records\"` needs a `[records]` table in this form",
                    "no records",
                    None,
                );
                return None;
            }
            return Some(Each::Records);
        }
        let rs = resolve_rows(shape, e.get_ref());
        if rs.is_empty() {
            probs.add_may_follow(
                e.span(),
                format!("`{}` names no row of this form", e.get_ref()),
                "no rows",
                did_you_mean(e.get_ref(), shape.rows.iter().map(String::as_str)),
            );
            None
        } else {
            Some(Each::Rows(rs))
        }
    })
}

/// The columns `@` stands for in a check (`columns`): one compiled check per column; `[None]`
/// when it names none.
pub(super) fn check_columns(
    def: &RuleFileDef,
    c: &CheckDef,
    probs: &mut Problems<'_>,
) -> Vec<Option<usize>> {
    // The columns `@` stands for: one compiled check per column.
    match &c.columns {
        None => vec![None],
        Some(list) => {
            let mut out = Vec::new();
            for name in list {
                if name.get_ref() == "*" {
                    out.extend(
                        def.column
                            .iter()
                            .enumerate()
                            .filter(|(_, col)| col.kind != Kind::Text)
                            .map(|(i, _)| Some(i)),
                    );
                } else if let Some(i) = column_named(def, name, "in `columns`", probs) {
                    out.push(Some(i));
                }
            }
            if out.is_empty() {
                vec![None]
            } else {
                out
            }
        }
    }
}

/// A check's message and doc in other languages (`messages`, `docs`), by language.
pub(super) fn check_languages(
    c: &CheckDef,
    probs: &mut Problems<'_>,
) -> (
    BTreeMap<crate::registry::Lang, String>,
    BTreeMap<crate::registry::Lang, String>,
) {
    let mut translations = BTreeMap::new();
    let mut doc_translations = BTreeMap::new();
    let both = c
        .messages
        .iter()
        .map(|t| (t, false))
        .chain(c.docs.iter().map(|t| (t, true)));
    for ((code, text), is_doc) in both {
        match crate::registry::Lang::of_code(code.get_ref()) {
            Some(l) => {
                if is_doc {
                    doc_translations.insert(l, text.get_ref().clone());
                } else {
                    translations.insert(l, text.get_ref().clone());
                }
            }
            None => probs.add(
                code.span(),
                format!("`{}` is not a language crossfoot writes", code.get_ref()),
                "unknown language",
                Some(format!(
                    "the languages are {}",
                    crate::registry::Lang::ALL.map(|l| l.code()).join(", ")
                )),
            ),
        }
    }
    (translations, doc_translations)
}

/// Every placeholder of a check's messages is one crossfoot fills ([`PLACEHOLDERS`]).
pub(super) fn check_placeholders(c: &CheckDef, probs: &mut Problems<'_>) {
    for text in std::iter::once(&c.message).chain(c.messages.values()) {
        let msg = text.get_ref();
        let mbase = string_content_offset(&probs.src.text, &text.span());
        let mut rest = msg.as_str();
        let mut offset = 0;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            let name = &rest[open + 1..open + close];
            if !PLACEHOLDERS.contains(&name) {
                let s = mbase + offset + open;
                probs.add(
                    s..s + close + 1,
                    format!("unknown placeholder `{{{name}}}`"),
                    "unknown",
                    Some(format!(
                        "the placeholders are {}",
                        PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                    )),
                );
            }
            offset += open + close + 1;
            rest = &rest[open + close + 1..];
        }
    }
}

/// A check's `lint` notes: why a lint message about it is expected, by lint code.
pub(super) fn check_lint(c: &CheckDef, probs: &mut Problems<'_>) -> BTreeMap<String, String> {
    let mut lint = BTreeMap::new();
    for (code, why) in &c.lint {
        if LINT_CODES.contains(&code.get_ref().as_str()) {
            lint.insert(format!("lint.{}", code.get_ref()), why.get_ref().clone());
        } else {
            probs.add(
                code.span(),
                format!("`{}` is not the code of a lint message", code.get_ref()),
                "unknown code",
                Some(match did_you_mean(code.get_ref(), LINT_CODES) {
                    Some(d) => format!("{d} (the codes: {})", LINT_CODES.join(", ")),
                    None => format!("the codes: {}", LINT_CODES.join(", ")),
                }),
            );
        }
    }
    lint
}

/// The form's `[localise]` weights: every name a row, column or cell of the form, every
/// weight a number above 0.
pub(super) fn localise_weights(
    def: &RuleFileDef,
    rows: &[Row],
    columns: &[Column],
    cells: &[CellField],
    probs: &mut Problems<'_>,
) -> Weights {
    let mut w = Weights::ones(rows.len(), columns.len(), cells.len());
    let Some(l) = &def.localise else {
        return w;
    };
    let positive = |v: &Spanned<f64>, probs: &mut Problems<'_>| -> Option<f64> {
        let x = *v.get_ref();
        if x.is_finite() && x > 0.0 {
            return Some(x);
        }
        probs.add(
            v.span(),
            format!("a weight must be a number above 0, not {x}"),
            "not above 0",
            Some(
                "1 is the default; above 1 trusts the figure more, between 0 and 1 less (e.g. 0.5)"
                    .into(),
            ),
        );
        None
    };
    if let Some(v) = &l.weight {
        if let Some(x) = positive(v, probs) {
            w.form = x;
        }
    }
    let by_id = |table: &BTreeMap<Spanned<String>, Spanned<f64>>,
                 ids: &[&str],
                 out: &mut Vec<f64>,
                 what: &str,
                 probs: &mut Problems<'_>| {
        for (name, v) in table {
            let Some(x) = positive(v, probs) else {
                continue;
            };
            match ids.iter().position(|id| *id == name.get_ref().as_str()) {
                Some(i) => out[i] = x,
                None => {
                    let listed = if ids.is_empty() {
                        format!("this form has no {what}s")
                    } else {
                        format!("the {what}s of this form: {}", ids.join(", "))
                    };
                    let help = match did_you_mean(name.get_ref(), ids.iter().copied()) {
                        Some(d) => format!("{d} ({listed})"),
                        None => listed,
                    };
                    probs.add_may_follow(
                        name.span(),
                        format!("no {what} `{}` in this form to weight", name.get_ref()),
                        format!("unknown {what}"),
                        Some(help),
                    );
                }
            }
        }
    };
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    by_id(&l.rows, &ids, &mut w.rows, "row", probs);
    let ids: Vec<&str> = columns.iter().map(|c| c.id.as_str()).collect();
    by_id(&l.columns, &ids, &mut w.columns, "column", probs);
    let ids: Vec<&str> = cells.iter().map(|c| c.id.as_str()).collect();
    by_id(&l.cells, &ids, &mut w.cells, "cell", probs);
    w
}

/// Rows named by `path`: an id, `prefix.*`, or `*` (all rows).
pub(super) fn resolve_rows(shape: &FormShape, path: &str) -> Vec<usize> {
    if path == "*" {
        return (0..shape.rows.len()).collect();
    }
    if let Some(prefix) = path.strip_suffix(".*") {
        let p = format!("{prefix}.");
        return shape
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.starts_with(&p))
            .map(|(i, _)| i)
            .collect();
    }
    shape
        .rows
        .iter()
        .position(|r| r == path)
        .into_iter()
        .collect()
}

pub(super) struct Ctx<'a> {
    pub(super) fi: usize,
    pub(super) shapes: &'a [FormShape],
    pub(super) form_ids: &'a HashMap<String, usize>,
    pub(super) has_each: bool,
    /// The check iterates over the form's records (`prev`, `unit` make sense).
    pub(super) each_records: bool,
    /// The form has `[records]` (`records[col]` makes sense).
    pub(super) has_records: bool,
    /// Records are matched to unit workbooks (`unit.…` makes sense).
    pub(super) match_unit: bool,
    /// The column `@` stands for.
    pub(super) at_col: Option<usize>,
    /// Each column's `source`, compiled.
    pub(super) sources: &'a [Option<CExpr>],
    /// Compiling a column's `source`: every reference reads the matched unit's workbook.
    pub(super) in_source: bool,
}

pub(super) fn compile_expr_text(
    text: &str,
    base: usize,
    cx: &Ctx<'_>,
    probs: &mut Problems<'_>,
) -> Option<CExpr> {
    match expr::parse(text) {
        Ok(e) => {
            let before = probs.list.len();
            let c = lower(&e, base, cx, false, probs);
            if probs.list.len() == before {
                c
            } else {
                None
            }
        }
        Err(pe) => {
            probs.add(
                base + pe.span.start..base + pe.span.end,
                pe.message,
                "here",
                None,
            );
            None
        }
    }
}

/// The value of an expression that reads no figure (`0`, `2 - 2`, `-(1 * 0)`), if it is one.
pub(super) fn constant(e: &CExpr) -> Option<f64> {
    match e {
        CExpr::Num(n) => Some(*n),
        CExpr::Neg(x) => constant(x).map(|v| -v),
        CExpr::Binary(op, a, b) => {
            let (a, b) = (constant(a)?, constant(b)?);
            Some(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
            })
        }
        _ => None,
    }
}

pub(super) fn lower(
    e: &expr::Expr,
    base: usize,
    cx: &Ctx<'_>,
    in_aggregate: bool,
    probs: &mut Problems<'_>,
) -> Option<CExpr> {
    let sp = |s: expr::Span| base + s.start..base + s.end;
    Some(match &e.kind {
        ExprKind::Num(n) => CExpr::Num(*n),
        ExprKind::Neg(x) => CExpr::Neg(Box::new(lower(x, base, cx, false, probs)?)),
        ExprKind::Not(x) => CExpr::Not(Box::new(lower(x, base, cx, false, probs)?)),
        ExprKind::Binary(op, a, b_expr) => {
            let a = lower(a, base, cx, false, probs);
            let b = lower(b_expr, base, cx, false, probs);
            // A division by a constant zero could never be applied: a rule-file error, not a
            // check that silently never runs.
            if *op == BinOp::Div && b.as_ref().and_then(constant).is_some_and(|v| v == 0.0) {
                probs.add(
                    sp(b_expr.span),
                    "this divides by zero: the check could never be applied",
                    "always 0",
                    Some("divide by a figure, e.g. `$ / total * 100`".into()),
                );
                return None;
            }
            CExpr::Binary(*op, Box::new(a?), Box::new(b?))
        }
        ExprKind::Compare(op, a, b) => {
            let a = lower(a, base, cx, false, probs);
            let b = lower(b, base, cx, false, probs);
            CExpr::Compare(*op, Box::new(a?), Box::new(b?))
        }
        ExprKind::Logic(op, a, b) => {
            let a = lower(a, base, cx, false, probs);
            let b = lower(b, base, cx, false, probs);
            CExpr::Logic(*op, Box::new(a?), Box::new(b?))
        }
        ExprKind::Call(f, args) => {
            let agg = matches!(f, Func::Sum | Func::Min | Func::Max);
            let mut out = Vec::new();
            let mut ok = true;
            for a in args {
                match lower(a, base, cx, agg, probs) {
                    Some(c) => out.push(c),
                    None => ok = false,
                }
            }
            if !ok {
                return None;
            }
            CExpr::Call(*f, out)
        }
        ExprKind::Ref(r) => {
            let shape_own = &cx.shapes[cx.fi];
            let own_row = |p: &str| shape_own.rows.iter().any(|x| x == p);
            if r.path == "@" {
                probs.add(
                    sp(r.path_span),
                    "`@` is the current column; write it inside `[ ]`, e.g. `total[@]`",
                    "not a value",
                    None,
                );
                return None;
            }
            if cx.in_source {
                // A column's source: a reference into the matched unit's workbook.
                let inner = lower_plain(e, base, cx, in_aggregate, probs)?;
                return match inner {
                    CExpr::Field(f @ FieldRef::Rows { form, .. }) if form != cx.fi => {
                        Some(CExpr::Field(FieldRef::Other {
                            link: Link::Unit,
                            inner: Box::new(f),
                        }))
                    }
                    _ => {
                        probs.add(
                            sp(r.path_span),
                            "a source names a row of the unit's workbook, written `FORM.row` or `FORM.row[column]`",
                            "not in another form",
                            Some("e.g. `source = \"FORM.row\"`".into()),
                        );
                        None
                    }
                };
            }
            // `records[col]`: every record of this form.
            if r.path == "records" && cx.has_records && !own_row("records") {
                if !in_aggregate {
                    probs.add(
                        sp(r.path_span),
                        "`records` names several values; use it inside sum(), min() or max()",
                        "several values",
                        Some("e.g. `sum(records[total])`".into()),
                    );
                    return None;
                }
                let col = resolve_col(shape_own, r, cx.at_col, base, probs)?;
                return Some(CExpr::Field(FieldRef::Records { col }));
            }
            // `prev[col]`: the record before the current one.
            if r.path == "prev" && !own_row("prev") {
                if !cx.each_records {
                    probs.add(
                        sp(r.path_span),
                        "`prev` is the record before the current one, but this check does not go through the records",
                        "no records",
                        Some("add `each = \"records\"` to the check".into()),
                    );
                    return None;
                }
                let col = resolve_col(shape_own, r, cx.at_col, base, probs)?;
                return Some(CExpr::Field(FieldRef::Prev { col }));
            }
            // `unit[col]`: the column's source, read in the matched unit's workbook.
            if r.path == "unit" && !own_row("unit") {
                if !(cx.match_unit && cx.each_records) {
                    probs.add(
                        sp(r.path_span),
                        "`unit` is the workbook matched to the current record: it needs `[records]` with `match` and `each = \"records\"`",
                        "no matched unit",
                        None,
                    );
                    return None;
                }
                let col = resolve_col(shape_own, r, cx.at_col, base, probs)?;
                return match cx.sources.get(col).cloned().flatten() {
                    Some(src) => Some(src),
                    None => {
                        probs.add(
                            r.column.as_ref().map_or(sp(r.path_span), |(_, s)| sp(*s)),
                            format!(
                                "the column `{}` has no `source` to read in the unit's workbook",
                                shape_own.columns.get(col).map_or("", String::as_str)
                            ),
                            "no source",
                            Some("add `source = \"FORM.row\"` to the [[column]]".into()),
                        );
                        None
                    }
                };
            }
            // `unit.FORM.row`, `previous.FORM.row`: a figure of another workbook.
            for (prefix, link) in [("unit.", Link::Unit), ("previous.", Link::Previous)] {
                let Some(rest) = r.path.strip_prefix(prefix) else {
                    continue;
                };
                if own_row(&r.path) {
                    break;
                }
                let form_named = rest
                    .split_once('.')
                    .is_some_and(|(f, _)| cx.form_ids.contains_key(f));
                if !form_named {
                    probs.add(
                        sp(r.path_span),
                        format!("`{prefix}` must be followed by a form and a row, e.g. `{prefix}FORM.row`"),
                        "no form",
                        None,
                    );
                    return None;
                }
                if link == Link::Unit && !(cx.match_unit && cx.each_records) {
                    probs.add(
                        sp(r.path_span),
                        "`unit.` reads the workbook matched to the current record: it needs `[records]` with `match` and `each = \"records\"`",
                        "no matched unit",
                        None,
                    );
                    return None;
                }
                let prefix_len = prefix.len();
                let inner_ref = expr::RefExpr {
                    path: rest.to_string(),
                    path_span: expr::Span {
                        start: r.path_span.start + prefix_len,
                        end: r.path_span.end,
                    },
                    column: r.column.clone(),
                };
                let inner_cx = Ctx {
                    at_col: None,
                    ..*cx
                };
                let inner = lower_plain(
                    &expr::Expr {
                        kind: ExprKind::Ref(inner_ref),
                        span: e.span,
                    },
                    base,
                    &inner_cx,
                    in_aggregate,
                    probs,
                )?;
                return match inner {
                    CExpr::Field(f @ FieldRef::Rows { .. }) => {
                        Some(CExpr::Field(FieldRef::Other {
                            link,
                            inner: Box::new(f),
                        }))
                    }
                    _ => {
                        probs.add(
                            sp(r.path_span),
                            "only rows of another workbook can be read (`FORM.row` or `FORM.row[column]`)",
                            "not a row",
                            None,
                        );
                        None
                    }
                };
            }
            return lower_plain(e, base, cx, in_aggregate, probs);
        }
    })
}

/// A reference in this workbook: `$`, a row, `FORM.row`, a cell.
pub(super) fn lower_plain(
    e: &expr::Expr,
    base: usize,
    cx: &Ctx<'_>,
    in_aggregate: bool,
    probs: &mut Problems<'_>,
) -> Option<CExpr> {
    let sp = |s: expr::Span| base + s.start..base + s.end;
    let ExprKind::Ref(r) = &e.kind else {
        return None;
    };
    {
        {
            let shape_own = &cx.shapes[cx.fi];
            // `$`: the current row.
            if r.path == "$" {
                if !cx.has_each {
                    probs.add_part_missing(
                        sp(r.path_span),
                        "`$` means the current row, but this check has no `each`",
                        "no current row",
                        Some("add `each = \"group.*\"` to the check, or name the row".into()),
                    );
                    return None;
                }
                let col = resolve_col(shape_own, r, cx.at_col, base, probs)?;
                return Some(CExpr::Field(FieldRef::Current { col }));
            }
            // `FORM.path`: another form of the same workbook.
            let (fi, path) = match r.path.split_once('.') {
                Some((first, rest))
                    if cx.form_ids.contains_key(first)
                        && !shape_own.rows.iter().any(|x| x == &r.path) =>
                {
                    (cx.form_ids[first], rest)
                }
                _ => (cx.fi, r.path.as_str()),
            };
            let shape = &cx.shapes[fi];
            let glob = path == "*" || path.ends_with(".*");
            if glob {
                if !in_aggregate {
                    probs.add(
                        sp(r.path_span),
                        format!(
                            "`{}` names several values; use it inside sum(), min() or max()",
                            r.path
                        ),
                        "several values",
                        Some(format!("e.g. `sum({})`", r.path)),
                    );
                    return None;
                }
                let rows = resolve_rows(shape, path);
                if rows.is_empty() {
                    probs.add_may_follow(
                        sp(r.path_span),
                        format!("`{}` matches no row of form {}", r.path, shape.id),
                        "matches nothing",
                        did_you_mean(path, shape.rows.iter().map(String::as_str)),
                    );
                    return None;
                }
                let col = resolve_col(
                    shape,
                    r,
                    if fi == cx.fi { cx.at_col } else { None },
                    base,
                    probs,
                )?;
                return Some(CExpr::Field(FieldRef::Rows {
                    form: fi,
                    rows,
                    col,
                    glob: true,
                }));
            }
            if let Some(row) = shape.rows.iter().position(|x| x == path) {
                let col = resolve_col(
                    shape,
                    r,
                    if fi == cx.fi { cx.at_col } else { None },
                    base,
                    probs,
                )?;
                return Some(CExpr::Field(FieldRef::Rows {
                    form: fi,
                    rows: vec![row],
                    col,
                    glob: false,
                }));
            }
            if let Some(cell) = shape.cells.iter().position(|x| x == path) {
                if let Some((c, cspan)) = &r.column {
                    probs.add(
                        sp(*cspan),
                        format!("`{path}` is a single cell; it has no column `{c}`"),
                        "not a row",
                        None,
                    );
                    return None;
                }
                return Some(CExpr::Field(FieldRef::Cell { form: fi, cell }));
            }
            let names = shape
                .rows
                .iter()
                .chain(shape.cells.iter())
                .map(String::as_str);
            let mut help = did_you_mean(path, names);
            if help.is_none() && fi == cx.fi {
                help = Some(format!("form {} defines {} rows and {} cells; references to another form are written `FORM.row`", shape.id, shape.rows.len(), shape.cells.len()));
            }
            probs.add_may_follow(
                sp(r.path_span),
                format!("form {} has no field `{}`", shape.id, path),
                "unknown field",
                help,
            );
            None
        }
    }
}

pub(super) fn resolve_col(
    shape: &FormShape,
    r: &expr::RefExpr,
    at: Option<usize>,
    base: usize,
    probs: &mut Problems<'_>,
) -> Option<usize> {
    let col = resolve_col_name(shape, r, at, base, probs)?;
    if shape.text_cols.get(col).copied().unwrap_or(false) {
        let span = r.column.as_ref().map_or(r.path_span, |(_, s)| *s);
        probs.add(
            base + span.start..base + span.end,
            format!(
                "the column `{}` of form {} holds text, not figures",
                shape.columns[col], shape.id
            ),
            "text column",
            None,
        );
        return None;
    }
    Some(col)
}

pub(super) fn resolve_col_name(
    shape: &FormShape,
    r: &expr::RefExpr,
    at: Option<usize>,
    base: usize,
    probs: &mut Problems<'_>,
) -> Option<usize> {
    if let Some((c, cspan)) = &r.column {
        if c == "@" {
            if at.is_none() {
                probs.add_part_missing(
                    base + cspan.start..base + cspan.end,
                    "`@` is the current column, but this check has no `columns`",
                    "no current column",
                    Some(
                        "add `columns = [\"*\"]` (every figure column) or a list of column ids"
                            .into(),
                    ),
                );
            }
            return at;
        }
    }
    match &r.column {
        None => {
            if shape.columns.is_empty() {
                probs.add(
                    base + r.path_span.start..base + r.path_span.end,
                    format!("form {} has no columns", shape.id),
                    "no column",
                    None,
                );
                return None;
            }
            Some(0)
        }
        Some((c, cspan)) => match shape.columns.iter().position(|x| x == c) {
            Some(i) => Some(i),
            None => {
                probs.add_may_follow(
                    base + cspan.start..base + cspan.end,
                    format!("form {} has no column `{c}`", shape.id),
                    "unknown column",
                    did_you_mean(c, shape.columns.iter().map(String::as_str)),
                );
                None
            }
        },
    }
}
