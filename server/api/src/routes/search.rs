//! Message search in a guild, returning only what the searcher may read.

use axum::extract::State;
use parley_app::AppState;
use parley_app::access::{GuildAccess, missing_access};
use parley_app::error::AppResult;
use parley_app::objects::message::{MessageObject, message_objects};
use parley_core::{FieldErrors, Permissions, Snowflake};
use parley_store::channels::ChannelKind;
use parley_store::search::SearchQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::query::{self, Query};
use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

/// At most this many words are searched for.
pub const MAX_WORDS: usize = 10;

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchParams {
    /// Words that must all appear (at most 10, 1024 characters in all).
    #[param(value_type = Option<schema::SearchWords>)]
    pub content: Option<String>,
    /// Only messages by this user.
    #[param(value_type = Option<schema::Snowflake>)]
    pub author_id: Option<String>,
    /// Only this channel.
    #[param(value_type = Option<schema::Snowflake>)]
    pub channel_id: Option<String>,
    /// 1-25, default 25.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 25)]
    pub limit: Option<String>,
    /// Results to skip, 0-5000.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 5000)]
    pub offset: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub total_results: i64,
    /// Each hit as a list of one message (Discord's shape, which leaves room for context).
    pub messages: Vec<Vec<SearchHit>>,
    /// Whether older messages are still being indexed: Parley searches everything at once.
    pub doing_deep_historical_index: bool,
}

/// A message found, marked as the hit (Discord's shape; context messages would have false).
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    #[serde(flatten)]
    pub message: MessageObject,
    pub hit: bool,
}

/// Search the guild's messages by words, author and channel, newest first. Only channels the
/// searcher can read (VIEW_CHANNEL and READ_MESSAGE_HISTORY) are searched.
#[utoipa::path(get, path = "/guilds/{guild_id}/messages/search", tag = "messages", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), SearchParams),
    responses(
        (status = 200, description = "OK", body = SearchResults),
        (status = 400, description = "Bad query parameters (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member, or a channel_id you cannot read (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn search(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
    Query(params): Query<SearchParams>,
) -> AppResult<Json<SearchResults>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    let mut errors = FieldErrors::new();
    let content = params.content.unwrap_or_default();
    let words: Vec<String> = content.split_whitespace().map(str::to_owned).collect();
    if content.chars().count() > 1024 || words.len() > MAX_WORDS {
        errors.add("content", "BASE_TYPE_BAD_LENGTH", format!("At most {MAX_WORDS} words and 1024 characters."));
    }
    let limit = query::number(&mut errors, "limit", params.limit.as_deref(), 25, 1..=25);
    let offset = query::number(&mut errors, "offset", params.offset.as_deref(), 0, 0..=5000);
    let author_id = query::id(&mut errors, "author_id", params.author_id.as_deref());
    let only_channel = query::id(&mut errors, "channel_id", params.channel_id.as_deref());
    errors.into_result()?;

    let readable: Vec<Snowflake> = access
        .channels
        .iter()
        .filter(|c| matches!(c.kind, ChannelKind::Text | ChannelKind::PublicThread))
        .filter(|c| {
            access.channel_permissions(c).contains(Permissions::VIEW_CHANNEL | Permissions::READ_MESSAGE_HISTORY)
        })
        .map(|c| c.id)
        .collect();
    let channel_ids = match only_channel {
        Some(channel) if readable.contains(&channel) => vec![channel],
        Some(_) => return Err(missing_access()),
        None => readable,
    };
    let (total, records) =
        state.store.search_messages(&SearchQuery { words, author_id, channel_ids, limit, offset }).await?;
    let messages = message_objects(&state, &records, Some(auth.user_id))
        .await?
        .into_iter()
        .map(|message| vec![SearchHit { message, hit: true }])
        .collect();
    Ok(Json(SearchResults { total_results: total, messages, doing_deep_historical_index: false }))
}
