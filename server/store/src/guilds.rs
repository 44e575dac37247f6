//! Guilds: creation with their default layout, lookup, listing per member, change, deletion.
//! Roles, members and channels are their own files; deleting a guild cascades to all of them.

use parley_core::{Permissions, Snowflake, Timestamp};

use crate::audit_log::{Audit, record_audit};
use crate::channels::ChannelKind;
use crate::{Store, StoreError, with_pool, with_writer};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct GuildRecord {
    #[sqlx(try_from = "i64")]
    pub id: Snowflake,
    pub name: String,
    #[sqlx(try_from = "i64")]
    pub owner_id: Snowflake,
    /// The icon's hash (its image is in object storage under it); `None`: no icon.
    pub icon: Option<String>,
    pub description: Option<String>,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
    /// The welcome screen as checked JSON; `None`: never set.
    pub welcome_screen: Option<String>,
    pub widget_enabled: bool,
    pub widget_channel_id: Option<i64>,
    /// The banner's hash, as `icon`.
    pub banner: Option<String>,
}

macro_rules! guild_columns {
    () => {
        "id, name, owner_id, icon, description, created_at, welcome_screen, widget_enabled, widget_channel_id, banner"
    };
}

/// The ids of what a new guild starts with, chosen by the caller (which owns id generation).
#[derive(Clone, Copy, Debug)]
pub struct DefaultLayout {
    pub text_category: Snowflake,
    pub voice_category: Snowflake,
    pub general_text: Snowflake,
    pub general_voice: Snowflake,
}

#[derive(Clone, Debug)]
pub struct NewGuild {
    pub id: Snowflake,
    pub name: String,
    pub owner_id: Snowflake,
    pub everyone_permissions: Permissions,
    pub layout: DefaultLayout,
    pub now: Timestamp,
}

/// Changes to a guild; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct GuildPatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    /// The new icon's hash (its image already stored), or `Some(None)` to remove it.
    pub icon: Option<Option<String>>,
    pub banner: Option<Option<String>>,
}

impl GuildPatch {
    /// `guild` as this patch leaves it (what its audit entry records).
    pub fn applied_to(&self, guild: &GuildRecord) -> GuildRecord {
        let mut after = guild.clone();
        if let Some(name) = &self.name {
            after.name = name.clone();
        }
        if let Some(description) = &self.description {
            after.description = description.clone();
        }
        if let Some(icon) = &self.icon {
            after.icon = icon.clone();
        }
        if let Some(banner) = &self.banner {
            after.banner = banner.clone();
        }
        after
    }
}

impl Store {
    /// Creates a guild, all at once: the guild, its @everyone role (whose id is the guild's),
    /// the owner as its first member, and the categories "Text Channels" and "Voice Channels"
    /// holding #general and the General voice channel.
    pub async fn create_guild(&self, guild: &NewGuild) -> Result<GuildRecord, StoreError> {
        let now = guild.now.unix_millis();
        let layout = guild.layout;
        let channels = [
            (layout.text_category, ChannelKind::Category, "Text Channels", 0, None),
            (layout.voice_category, ChannelKind::Category, "Voice Channels", 1, None),
            (layout.general_text, ChannelKind::Text, "general", 0, Some(layout.text_category)),
            (layout.general_voice, ChannelKind::Voice, "General", 0, Some(layout.voice_category)),
        ];
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let record: GuildRecord = sqlx::query_as(concat!(
                "INSERT INTO guilds (id, name, owner_id, created_at) VALUES ($1, $2, $3, $4) RETURNING ",
                guild_columns!()
            ))
            .bind(guild.id.as_i64())
            .bind(&guild.name)
            .bind(guild.owner_id.as_i64())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO roles (id, guild_id, name, position, permissions, created_at) VALUES ($1, $1, '@everyone', 0, $2, $3)")
                .bind(guild.id.as_i64())
                .bind(guild.everyone_permissions.bits() as i64)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO members (guild_id, user_id, joined_at) VALUES ($1, $2, $3)")
                .bind(guild.id.as_i64())
                .bind(guild.owner_id.as_i64())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            for (id, kind, name, position, parent) in channels {
                let voice = kind == ChannelKind::Voice;
                sqlx::query(
                    "INSERT INTO channels (id, guild_id, kind, name, position, parent_id, bitrate, user_limit, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(id.as_i64())
                .bind(guild.id.as_i64())
                .bind(kind.code())
                .bind(name)
                .bind(position)
                .bind(parent.map(Snowflake::as_i64))
                .bind(voice.then_some(64_000i64))
                .bind(voice.then_some(0i64))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(record)
        })
    }

    pub async fn guild(&self, id: Snowflake) -> Result<Option<GuildRecord>, StoreError> {
        let sql = concat!("SELECT ", guild_columns!(), " FROM guilds WHERE id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(id.as_i64()).fetch_optional(pool).await?))
    }

    /// The guilds `user_id` is a member of, oldest first.
    pub async fn guilds_of_member(&self, user_id: Snowflake) -> Result<Vec<GuildRecord>, StoreError> {
        let sql = concat!(
            "SELECT ",
            guild_columns!(),
            " FROM guilds WHERE id IN (SELECT guild_id FROM members WHERE user_id = $1) ORDER BY id"
        );
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(user_id.as_i64()).fetch_all(pool).await?))
    }

    /// Replaces the guild's welcome screen (checked JSON), with its audit entry.
    pub async fn set_welcome_screen(
        &self,
        id: Snowflake,
        json: &str,
        audit: Audit<'_>,
    ) -> Result<Option<GuildRecord>, StoreError> {
        let sql = concat!("UPDATE guilds SET welcome_screen = $2 WHERE id = $1 RETURNING ", guild_columns!());
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let updated: Option<GuildRecord> =
                sqlx::query_as(sql).bind(id.as_i64()).bind(json).fetch_optional(&mut *tx).await?;
            if updated.is_some() {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            Ok(updated)
        })
    }

    /// Sets the guild's widget settings, with their audit entry.
    pub async fn set_widget(
        &self,
        id: Snowflake,
        enabled: bool,
        channel_id: Option<Snowflake>,
        audit: Audit<'_>,
    ) -> Result<Option<GuildRecord>, StoreError> {
        let sql = concat!(
            "UPDATE guilds SET widget_enabled = $2, widget_channel_id = $3 WHERE id = $1 RETURNING ",
            guild_columns!()
        );
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let updated: Option<GuildRecord> = sqlx::query_as(sql)
                .bind(id.as_i64()).bind(enabled).bind(channel_id.map(Snowflake::as_i64))
                .fetch_optional(&mut *tx).await?;
            if updated.is_some() {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            Ok(updated)
        })
    }

    pub async fn update_guild(
        &self,
        id: Snowflake,
        patch: &GuildPatch,
        audit: Audit<'_>,
    ) -> Result<Option<GuildRecord>, StoreError> {
        let sql = concat!(
            "UPDATE guilds SET name = COALESCE($2, name), description = CASE WHEN $3 THEN $4 ELSE description END, \
             icon = CASE WHEN $5 THEN $6 ELSE icon END, banner = CASE WHEN $7 THEN $8 ELSE banner END \
             WHERE id = $1 RETURNING ",
            guild_columns!()
        );
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let updated: Option<GuildRecord> = sqlx::query_as(sql)
                .bind(id.as_i64())
                .bind(patch.name.as_deref())
                .bind(patch.description.is_some())
                .bind(patch.description.clone().flatten())
                .bind(patch.icon.is_some())
                .bind(patch.icon.clone().flatten())
                .bind(patch.banner.is_some())
                .bind(patch.banner.clone().flatten())
                .fetch_optional(&mut *tx)
                .await?;
            if updated.is_some() {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            Ok(updated)
        })
    }

    /// Deletes a guild and, by cascade, everything in it. Returns false if it did not exist.
    pub async fn delete_guild(&self, id: Snowflake) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM guilds WHERE id = $1").bind(id.as_i64()).execute(&mut *tx).await?.rows_affected();
            // Notification settings name the guild without a foreign key (guild 0 is DMs).
            sqlx::query("DELETE FROM notification_settings WHERE guild_id = $1").bind(id.as_i64()).execute(&mut *tx).await?;
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }
}

impl Store {
    /// The guild's onboarding as checked JSON; `None`: never set.
    pub async fn onboarding(&self, guild_id: Snowflake) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT onboarding FROM guild_onboarding WHERE guild_id = $1")
            .bind(guild_id.as_i64()).fetch_optional(pool).await?);
        Ok(row.map(|(json,)| json))
    }

    /// Replaces the guild's onboarding (checked JSON), with its audit entry.
    pub async fn set_onboarding(&self, guild_id: Snowflake, json: &str, audit: Audit<'_>) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO guild_onboarding (guild_id, onboarding) VALUES ($1, $2) \
                 ON CONFLICT (guild_id) DO UPDATE SET onboarding = excluded.onboarding")
                .bind(guild_id.as_i64()).bind(json).execute(&mut *tx).await?;
            record_audit!(&mut *tx, audit);
            tx.commit().await?;
            Ok(())
        })
    }
}
