//! What the caller may do in a guild: loads the guild, its roles and the caller's
//! membership once, and answers permission questions through the one permission function
//! in `parley_core::permissions`.

use axum::http::StatusCode;
use parley_core::permissions::{
    ChannelScope, MemberFacts, Overwrite, RoleFacts, channel_permissions, guild_permissions,
};
use parley_core::{ErrorCode, Permissions, Snowflake, Timestamp};
use std::sync::Arc;

use parley_store::channels::{ChannelKind, ChannelRecord};
use parley_store::members::MemberRecord;
use parley_store::roles::RoleRecord;

use crate::cache::GuildSnapshot;

use crate::AppState;
use crate::error::{AppError, AppResult};

pub fn unknown_guild() -> AppError {
    AppError::with_message(StatusCode::NOT_FOUND, ErrorCode::UnknownGuild, "Unknown Guild")
}

pub fn unknown_channel() -> AppError {
    AppError::with_message(StatusCode::NOT_FOUND, ErrorCode::UnknownChannel, "Unknown Channel")
}

pub fn unknown_role() -> AppError {
    AppError::with_message(StatusCode::NOT_FOUND, ErrorCode::UnknownRole, "Unknown Role")
}

/// 400 (50035): an overwrite's target is no role or member of the guild.
pub fn unknown_overwrite_target() -> AppError {
    AppError::field("id", "OVERWRITE_TARGET_UNKNOWN", "Not a role or member of this guild.")
}

pub fn missing_access() -> AppError {
    AppError::new(StatusCode::FORBIDDEN, ErrorCode::MissingAccess)
}

/// Parses a path id; anything that is not a snowflake is simply not found.
pub fn parse_id(raw: &str, not_found: fn() -> AppError) -> AppResult<Snowflake> {
    raw.parse().map_err(|_| not_found())
}

/// The caller as a member of one guild. Derefs to the guild's snapshot (`guild`, `roles`,
/// `channels`, `overwrites`).
#[derive(Debug)]
pub struct GuildAccess {
    pub snapshot: Arc<GuildSnapshot>,
    pub member: Arc<MemberRecord>,
    now: Timestamp,
}

impl std::ops::Deref for GuildAccess {
    type Target = GuildSnapshot;
    fn deref(&self) -> &GuildSnapshot {
        &self.snapshot
    }
}

impl GuildAccess {
    /// 404 (10004) for a guild that does not exist, 403 (50001) for one the caller is not in.
    pub async fn load(state: &AppState, guild_id: Snowflake, user_id: Snowflake) -> AppResult<Self> {
        let snapshot = state.cache.guild(&state.store, guild_id).await?.ok_or_else(unknown_guild)?;
        Self::for_member(state, snapshot, user_id).await
    }

    /// Access to a guild whose snapshot the caller already holds.
    pub async fn for_member(state: &AppState, snapshot: Arc<GuildSnapshot>, user_id: Snowflake) -> AppResult<Self> {
        let member = state.cache.member(&state.store, snapshot.guild.id, user_id).await?.ok_or_else(missing_access)?;
        Ok(Self { snapshot, member, now: Timestamp::now() })
    }

    /// Access for a member already loaded (the gateway's fan-out holds them).
    pub fn with_member(snapshot: Arc<GuildSnapshot>, member: Arc<MemberRecord>) -> Self {
        Self { snapshot, member, now: Timestamp::now() }
    }

    pub fn is_owner(&self) -> bool {
        self.guild.owner_id == self.member.user_id
    }

    fn role_facts(&self) -> Vec<RoleFacts> {
        self.roles.iter().map(|r| RoleFacts { id: r.id, permissions: r.permissions.0 }).collect()
    }

    fn member_facts(&self) -> MemberFacts<'_> {
        MemberFacts {
            guild_id: self.guild.id,
            user_id: self.member.user_id,
            role_ids: &self.member.role_ids,
            is_owner: self.is_owner(),
            timed_out: self.member.timed_out_at(self.now),
        }
    }

    pub fn guild_permissions(&self) -> Permissions {
        guild_permissions(&self.member_facts(), &self.role_facts())
    }

    /// Permissions in `channel`, whose overwrite scopes are its category's then its own (a
    /// thread uses its parent's). `channels` and `overwrites` are the guild's.
    pub fn channel_permissions(&self, channel: &ChannelRecord) -> Permissions {
        let (channels, overwrites) = (&self.snapshot.channels, &self.snapshot.overwrites);
        let is_thread = channel.kind == ChannelKind::PublicThread;
        let scoped = if is_thread {
            channel.parent().and_then(|p| channels.iter().find(|c| c.id == p)).unwrap_or(channel)
        } else {
            channel
        };
        let category =
            scoped.parent().and_then(|p| channels.iter().find(|c| c.id == p && c.kind == ChannelKind::Category));
        let of = |id: Snowflake| -> Vec<Overwrite> {
            overwrites.iter().filter(|o| o.channel_id == id).map(|o| o.to_overwrite()).collect()
        };
        let category_overwrites = category.map(|c| of(c.id)).unwrap_or_default();
        let own = of(scoped.id);
        let scopes: [&[Overwrite]; 2] = [&category_overwrites, &own];
        channel_permissions(&self.member_facts(), &self.role_facts(), &ChannelScope { scopes: &scopes, is_thread })
    }

    /// The position of the caller's highest role (0, @everyone's, if they have none).
    pub fn highest_position(&self) -> i64 {
        self.roles.iter().filter(|r| self.member.role_ids.contains(&r.id)).map(|r| r.position).max().unwrap_or(0)
    }

    /// The role hierarchy: nobody manages a role at or above their own highest; the owner may.
    pub fn require_below_me(&self, role: &RoleRecord) -> AppResult<()> {
        if self.is_owner() || role.position < self.highest_position() {
            Ok(())
        } else {
            Err(AppError::with_message(
                StatusCode::FORBIDDEN,
                ErrorCode::MissingPermissions,
                format!("The role {:?} is at or above your highest role", role.name),
            ))
        }
    }

    /// Nobody manages a member whose highest role is at or above theirs (the guild owner can
    /// never be managed); the owner may manage anyone, and anyone may manage themselves within
    /// the roles below their own.
    pub fn require_member_below_me(&self, target: &MemberRecord) -> AppResult<()> {
        let target_highest =
            self.roles.iter().filter(|r| target.role_ids.contains(&r.id)).map(|r| r.position).max().unwrap_or(0);
        let allowed = self.is_owner()
            || target.user_id == self.member.user_id
            || (target.user_id != self.guild.owner_id && target_highest < self.highest_position());
        if allowed {
            Ok(())
        } else {
            Err(AppError::with_message(
                StatusCode::FORBIDDEN,
                ErrorCode::MissingPermissions,
                "That member's highest role is at or above yours",
            ))
        }
    }

    /// 403 (50013) naming what is missing, unless the caller has all of `needed` guild-wide.
    pub fn require(&self, needed: Permissions) -> AppResult<()> {
        require(self.guild_permissions(), needed)
    }
}

/// 403 (50013) naming what is missing, unless `have` contains all of `needed`.
pub fn require(have: Permissions, needed: Permissions) -> AppResult<()> {
    let missing = needed.missing_from(have);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AppError::with_message(
            StatusCode::FORBIDDEN,
            ErrorCode::MissingPermissions,
            format!("Missing Permissions: {}", missing.names().join(", ")),
        ))
    }
}
