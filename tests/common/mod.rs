pub mod district;
pub mod forms;

/// The full name the test binary gives test `name` of the module at `module_path` (pass
/// `module_path!()`): the path without the crate's name, as `--exact` wants it.
pub fn test_name(module_path: &str, name: &str) -> String {
    match module_path.split_once("::") {
        Some((_, module)) => format!("{module}::{name}"),
        None => name.to_string(),
    }
}
