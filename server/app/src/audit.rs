//! Audit log entries for moderation and configuration changes, with the reason a moderator
//! gives in `X-Audit-Log-Reason` (URL-encoded, as Discord's clients send it).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use parley_core::{FieldErrors, Snowflake, Timestamp};
use parley_store::audit_log::AuditEntry;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{AppError, AppResult};

/// Discord's audit log action types, for the changes Parley records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    GuildUpdate = 1,
    ChannelCreate = 10,
    ChannelUpdate = 11,
    ChannelDelete = 12,
    ChannelOverwriteCreate = 13,
    ChannelOverwriteUpdate = 14,
    ChannelOverwriteDelete = 15,
    MemberKick = 20,
    MemberPrune = 21,
    MemberBanAdd = 22,
    MemberBanRemove = 23,
    MemberUpdate = 24,
    MemberRoleUpdate = 25,
    MemberMove = 26,
    MemberDisconnect = 27,
    BotAdd = 28,
    RoleCreate = 30,
    RoleUpdate = 31,
    RoleDelete = 32,
    InviteCreate = 40,
    InviteDelete = 42,
    WebhookCreate = 50,
    WebhookUpdate = 51,
    WebhookDelete = 52,
    EmojiCreate = 60,
    EmojiUpdate = 61,
    EmojiDelete = 62,
    MessageDelete = 72,
    MessageBulkDelete = 73,
    MessagePin = 74,
    MessageUnpin = 75,
    ThreadCreate = 110,
    ThreadUpdate = 111,
    ThreadDelete = 112,
    ApplicationCommandPermissionUpdate = 121,
    OnboardingCreate = 166,
    OnboardingUpdate = 167,
}

/// The reason given with a request, if any.
#[derive(Clone, Debug, Default)]
pub struct AuditReason(pub Option<String>);

pub const MAX_REASON_CHARS: usize = 512;

impl FromRequestParts<AppState> for AuditReason {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let Some(raw) = parts.headers.get("x-audit-log-reason") else { return Ok(Self(None)) };
        let invalid = || {
            AppError::Invalid(FieldErrors::single(
                "X-Audit-Log-Reason",
                "BASE_TYPE_INVALID",
                "Must be URL-encoded UTF-8, at most 512 characters.",
            ))
        };
        let reason = percent_decode(raw.as_bytes()).ok_or_else(invalid)?;
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(invalid());
        }
        if reason.contains('\0') {
            // `%00`: PostgreSQL cannot store it, and the entry must be stored with its action.
            return Err(AppError::Invalid(FieldErrors::single(
                "X-Audit-Log-Reason",
                crate::text::NUL_CODE,
                crate::text::NUL_MESSAGE,
            )));
        }
        Ok(Self(Some(reason).filter(|r| !r.trim().is_empty())))
    }
}

fn percent_decode(raw: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'%' => {
                let hex = std::str::from_utf8(raw.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// One change, in Discord's shape.
pub fn change(key: &str, old: Option<Value>, new: Option<Value>) -> Value {
    let mut c = json!({ "key": key });
    if let Some(old) = old {
        c["old_value"] = old;
    }
    if let Some(new) = new {
        c["new_value"] = new;
    }
    c
}

/// The entry for a change about to be made. The store writes it in the change's own
/// transaction (each audited store method takes it), so a change and its entry commit
/// together or not at all: nothing happens unrecorded.
pub fn entry(
    state: &AppState,
    guild_id: Snowflake,
    actor: Snowflake,
    action: AuditAction,
    target: Option<Snowflake>,
    changes: Vec<Value>,
    reason: &AuditReason,
) -> AuditEntry {
    AuditEntry {
        id: state.ids.next(),
        guild_id,
        user_id: actor,
        action_type: action as i64,
        target_id: target.map(Snowflake::as_i64),
        changes: Value::Array(changes).to_string(),
        reason: reason.0.clone(),
        created_at: Timestamp::now(),
    }
}

/// Records the entry of a change that has no row of its own (a voice move or disconnect,
/// carried out on the bus): before the change is made, and a failure refuses the change.
pub async fn record(
    state: &AppState,
    guild_id: Snowflake,
    actor: Snowflake,
    action: AuditAction,
    target: Option<Snowflake>,
    changes: Vec<Value>,
    reason: &AuditReason,
) -> AppResult<()> {
    let entry = entry(state, guild_id, actor, action, target, changes, reason);
    state.store.add_audit_entry(&entry).await?;
    Ok(())
}

/// Parses the `action_type` query filter.
pub fn parse_action(raw: &str) -> AppResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| (1..=200).contains(n))
        .ok_or_else(|| AppError::field("action_type", "NUMBER_TYPE_COERCE", "Must be an audit log action type."))
}

/// Changes between two serialised objects, for the listed keys whose values differ.
pub fn diff<A: serde::Serialize, B: serde::Serialize>(old: &A, new: &B, keys: &[&str]) -> Vec<Value> {
    let (old, new) = (serde_json::to_value(old).unwrap_or_default(), serde_json::to_value(new).unwrap_or_default());
    keys.iter()
        .filter(|k| old[**k] != new[**k])
        .map(|k| change(k, Some(old[*k].clone()), Some(new[*k].clone())))
        .collect()
}

/// The listed keys of a created object, as changes with only a new value.
pub fn created<T: serde::Serialize>(new: &T, keys: &[&str]) -> Vec<Value> {
    let new = serde_json::to_value(new).unwrap_or_default();
    keys.iter().filter(|k| !new[**k].is_null()).map(|k| change(k, None, Some(new[*k].clone()))).collect()
}

/// The listed keys of a deleted object, as changes with only an old value.
pub fn deleted<T: serde::Serialize>(old: &T, keys: &[&str]) -> Vec<Value> {
    let old = serde_json::to_value(old).unwrap_or_default();
    keys.iter().filter(|k| !old[**k].is_null()).map(|k| change(k, Some(old[*k].clone()), None)).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn reasons_are_percent_decoded() {
        assert_eq!(super::percent_decode(b"spam%20and%20%F0%9F%A6%80").as_deref(), Some("spam and 🦀"));
        assert_eq!(super::percent_decode(b"bad%zz"), None);
        assert_eq!(super::percent_decode(b"cut%2"), None);
        assert_eq!(super::percent_decode(b"%FF"), None, "not UTF-8");
    }
}
