//! Rules every stored text follows, whichever route or socket it came in by.

/// The field error for text holding U+0000: no stored text may contain it (PostgreSQL cannot
/// store it, and SQLite would keep what PostgreSQL refuses), so it is refused at the edge, on
/// both backends alike.
pub const NUL_CODE: &str = "STRING_TYPE_INVALID_CHARACTER";
pub const NUL_MESSAGE: &str = "Must not contain the NUL character (U+0000).";

/// Where the first string (or key) holding U+0000 is, as a field path (empty: the body itself);
/// `None` if none does.
pub fn nul_at(value: &serde_json::Value) -> Option<Vec<String>> {
    match value {
        serde_json::Value::String(s) => s.contains('\0').then(Vec::new),
        serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            nul_at(item).map(|mut path| {
                path.insert(0, i.to_string());
                path
            })
        }),
        serde_json::Value::Object(map) => map.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                return Some(Vec::new());
            }
            nul_at(item).map(|mut path| {
                path.insert(0, key.clone());
                path
            })
        }),
        _ => None,
    }
}
