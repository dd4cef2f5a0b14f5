pub mod district;
pub mod forms;
pub mod measure;
pub mod panel;
pub mod planted;

/// The full name the test binary gives test `name` of the module at `module_path` (pass
/// `module_path!()`): the path without the crate's name, as `--exact` wants it.
pub fn test_name(module_path: &str, name: &str) -> String {
    match module_path.split_once("::") {
        Some((_, module)) => format!("{module}::{name}"),
        None => name.to_string(),
    }
}

/// The text of the note (legacy comment) on `cell` in a `xl/commentsN.xml` part, unescaped.
pub fn comment_text(comments: &str, cell: &str) -> Option<String> {
    use regex::Regex;
    let re = Regex::new(&format!(
        r#"(?s)<comment ref="{cell}"[^>]*>(.*?)</comment>"#
    ))
    .ok()?;
    let body = &re.captures(comments)?[1];
    let t = Regex::new(r"(?s)<t[^>]*>(.*?)</t>").ok()?;
    let text: String = t.captures_iter(body).map(|c| c[1].to_string()).collect();
    Some(
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&"),
    )
}
