//! The limits of instance invites (admins' registration codes), for the API and
//! `parley admin create-invite`.

use parley_core::FieldErrors;

/// The longest an invite may live: one year.
pub const MAX_INVITE_AGE_SECS: i64 = 365 * 24 * 3600;
/// The most uses an invite may allow.
pub const MAX_INVITE_USES: i64 = 10_000;

/// Parses invite limits shared by the API and `parley admin create-invite`.
pub fn invite_limits(max_age: Option<i64>, max_uses: Option<i64>) -> Result<(i64, i64), FieldErrors> {
    let mut errors = FieldErrors::new();
    let max_age = max_age.unwrap_or(86_400);
    let max_uses = max_uses.unwrap_or(1);
    if !(0..=MAX_INVITE_AGE_SECS).contains(&max_age) {
        errors.add("max_age", "NUMBER_TYPE_MAX", format!("Must be between 0 and {MAX_INVITE_AGE_SECS} seconds."));
    }
    if !(0..=MAX_INVITE_USES).contains(&max_uses) {
        errors.add("max_uses", "NUMBER_TYPE_MAX", format!("Must be between 0 and {MAX_INVITE_USES}."));
    }
    errors.into_result().map(|()| (max_age, max_uses))
}
