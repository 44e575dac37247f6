//! Who a permission overwrite may name, as `PUT /channels/{id}/permissions/{overwrite_id}`
//! and channel creation (`permission_overwrites`) both check it.

use parley_core::Snowflake;
use parley_core::permissions::OverwriteKind;

use crate::AppState;
use crate::access::GuildAccess;
use crate::error::AppResult;

/// The overwrite type the API's `type` field names: 0 a role, 1 a member.
pub fn kind_of(code: i64) -> Option<OverwriteKind> {
    match code {
        0 => Some(OverwriteKind::Role),
        1 => Some(OverwriteKind::Member),
        _ => None,
    }
}

/// Whether `id` is a role (for [`OverwriteKind::Role`]) or a member of the guild.
pub async fn target_exists(
    state: &AppState,
    access: &GuildAccess,
    kind: OverwriteKind,
    id: Snowflake,
) -> AppResult<bool> {
    Ok(match kind {
        OverwriteKind::Role => access.roles.iter().any(|r| r.id == id),
        OverwriteKind::Member => state.store.member(access.guild.id, id).await?.is_some(),
    })
}
