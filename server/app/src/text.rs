//! Rules every stored text follows, whichever route or socket it came in by.

/// The field error for text holding U+0000: no stored text may contain it (PostgreSQL cannot
/// store it, and SQLite would keep what PostgreSQL refuses), so it is refused at the edge, on
/// both backends alike.
pub const NUL_CODE: &str = "STRING_TYPE_INVALID_CHARACTER";
pub const NUL_MESSAGE: &str = "Must not contain the NUL character (U+0000).";
