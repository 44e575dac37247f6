//! A guild's public widget (`widget.json`, Discord's): while the guild has its widget on,
//! anyone, signed in or not, from any site (CORS `*`: it holds nothing private), sees its
//! name, the voice channels anyone may join, and who is online (up to 100 by display name,
//! never the username they sign in with; ids are positions, as on Discord), as of at most ten
//! seconds ago. Off: 403 (50004).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use parley_app::AppState;
use parley_app::access::{GuildAccess, unknown_guild};
use parley_app::error::{AppError, AppResult};
use parley_core::{ChannelKind, ErrorCode, Permissions, Snowflake, Timestamp};
use parley_store::members::MemberRecord;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{Json, Path};
use crate::models::{ErrorBody, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(widget_json))
}

/// A voice channel anyone may join.
#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetChannel {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    pub name: String,
    pub position: i64,
}

/// Someone online, as a stranger may see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetMember {
    /// Their place in this list (not their user id).
    pub id: String,
    /// Their display name (`global_name`), never the name they sign in with.
    pub username: String,
    /// Always "0000".
    pub discriminator: &'static str,
    /// Always null.
    #[schema(value_type = Option<String>)]
    pub avatar: Option<String>,
    pub status: &'static str,
    /// A picture to show for them (Parley's, until avatars are served).
    pub avatar_url: String,
}

/// A guild's public widget.
#[derive(Debug, Serialize, ToSchema)]
pub struct Widget {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    pub name: String,
    /// Always null: Parley makes no invite for the widget.
    #[schema(value_type = Option<String>)]
    pub instant_invite: Option<String>,
    pub channels: Vec<WidgetChannel>,
    pub members: Vec<WidgetMember>,
    pub presence_count: usize,
}

/// The guild's public widget (no sign-in needed; the guild must have its widget on).
#[utoipa::path(get, path = "/guilds/{guild_id}/widget.json", tag = "guilds",
    params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = Widget),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        (status = 403, description = "The guild's widget is off (50004)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn widget_json(
    State(state): State<AppState>,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<([(header::HeaderName, &'static str); 1], Json<Widget>)> {
    let snapshot = state.cache.guild(&state.store, guild_id).await?.ok_or_else(unknown_guild)?;
    if !snapshot.guild.widget_enabled {
        return Err(AppError::new(StatusCode::FORBIDDEN, ErrorCode::WidgetDisabled));
    }
    // What anyone may see: the permissions of someone holding only @everyone.
    let stranger = GuildAccess::with_member(
        Arc::clone(&snapshot),
        Arc::new(MemberRecord {
            guild_id,
            user_id: Snowflake::from_i64(0),
            nick: None,
            joined_at: Timestamp::now(),
            communication_disabled_until: None,
            role_ids: Vec::new(),
            mute: false,
            deaf: false,
        }),
    );
    let mut channels: Vec<WidgetChannel> = snapshot
        .channels
        .iter()
        .filter(|c| c.kind == ChannelKind::Voice)
        .filter(|c| stranger.channel_permissions(c).contains(Permissions::VIEW_CHANNEL | Permissions::CONNECT))
        .map(|c| WidgetChannel { id: c.id, name: c.name.clone(), position: c.position })
        .collect();
    channels.sort_by_key(|c| (c.position, c.id));
    let online = state.widgets.members(&state, guild_id).await?;
    let avatar_url = format!("{}/favicon.svg", state.tokens.issuer().trim_end_matches('/'));
    let members = online
        .names
        .iter()
        .enumerate()
        .map(|(i, name)| WidgetMember {
            id: i.to_string(),
            username: name.clone(),
            discriminator: "0000",
            avatar: None,
            status: "online",
            avatar_url: avatar_url.clone(),
        })
        .collect();
    Ok((
        [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        Json(Widget {
            id: guild_id,
            name: snapshot.guild.name.clone(),
            instant_invite: None,
            channels,
            members,
            presence_count: online.presence_count,
        }),
    ))
}
