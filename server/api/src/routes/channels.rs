//! Channels as their viewers see them: a guild's channel list and single channels (guild
//! channels filtered through VIEW_CHANNEL; DMs and group DMs to their recipients).

use axum::extract::State;
use parley_app::AppState;
use parley_app::access::{GuildAccess, unknown_channel};
use parley_app::channel_access::ChannelAccess;
use parley_app::error::AppResult;
use parley_app::objects::guild::ChannelObject;
use parley_app::objects::private::AnyChannelObject;
use parley_app::objects::thread_member::ThreadMemberObject;
use parley_core::{Permissions, Snowflake};
use parley_store::channels::ChannelKind;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, SignedIn, TooManyRequests, schema};
use parley_app::private_channels::views;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(guild_channels)).routes(routes!(get_channel))
}

/// The guild's channels that I can see (VIEW_CHANNEL), categories included; threads are
/// listed at `/guilds/{guild_id}/threads/active`.
#[utoipa::path(get, path = "/guilds/{guild_id}/channels", tag = "channels", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = Vec<ChannelObject>),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn guild_channels(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<Json<Vec<ChannelObject>>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    let activity = state.store.guild_channel_activity(access.guild.id).await?;
    let visible = access
        .channels
        .iter()
        .filter(|c| c.kind != ChannelKind::PublicThread)
        .filter(|c| access.channel_permissions(c).contains(Permissions::VIEW_CHANNEL));
    Ok(Json(ChannelObject::list(visible, &access.overwrites, &activity)))
}

/// One channel, if I can see it: a guild channel, or a DM or group DM I am in.
#[utoipa::path(get, path = "/channels/{channel_id}", tag = "channels", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = AnyChannelObject),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Cannot see it (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_channel(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(channel_id): Path<Snowflake>,
) -> AppResult<Json<AnyChannelObject>> {
    Ok(Json(match ChannelAccess::open(&state, channel_id, auth.user_id).await? {
        ChannelAccess::Guild { access, channel, .. } => {
            let activity = state.store.channel_activity(channel.id).await?;
            let object = ChannelObject::new(&channel, &access.overwrites).with_activity(Some(&activity));
            // A thread tells a reader who joined it their own thread member object.
            let member = match channel.kind {
                ChannelKind::PublicThread => state.store.thread_member(channel.id, auth.user_id).await?,
                _ => None,
            };
            AnyChannelObject::Guild(ChannelObject {
                member: member.as_ref().map(|m| Box::new(ThreadMemberObject::from(m))),
                ..object
            })
        }
        ChannelAccess::Private { channel, user_id } => {
            let (_, object) = views(&state, &channel, &[user_id]).await?.pop().ok_or_else(unknown_channel)?;
            AnyChannelObject::Private(object)
        }
    }))
}
