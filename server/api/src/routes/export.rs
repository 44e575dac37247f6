//! "Export my data": `GET /users/@me/export`, a download of everything Parley keeps of the
//! person: their account, settings, blocks, guilds, sessions, the files they uploaded (names
//! and sizes, not the bytes) and every message they wrote. People only.
//!
//! The messages and files are streamed page by page (each page after the last id of the one
//! before), so an export holds one page in memory however much a person wrote. A database
//! failure mid-way ends the download early (the JSON is then cut off; the log says why).

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use futures::StreamExt;
use futures::stream::{self, Stream};
use parley_app::AppState;
use parley_app::error::{AppError, AppResult};
use parley_app::notifications::UserGuildSettings;
use parley_app::objects::CurrentUser;
use parley_app::relationships::{UserSettingsObject, relationships_of};
use parley_core::{Snowflake, Timestamp};
use parley_store::export::{ExportedFile, ExportedMessage};
use parley_store::users::UserRecord;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::AuthUser;
use crate::models::{ErrorBody, SignedIn, TooManyRequests};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export_my_data))
}

/// Messages or files read from the database per page.
const PAGE: i64 = 500;

fn iso(ms: i64) -> String {
    Timestamp::from_unix_millis(ms).to_iso8601()
}

/// Everything before the two long lists, as one JSON object's first members.
async fn head(state: &AppState, user: &UserRecord) -> AppResult<String> {
    let user_id = user.id;
    let now = Timestamp::now();
    let mut guilds = Vec::new();
    for guild in state.store.guilds_of_member(user_id).await? {
        let member = state.store.member(guild.id, user_id).await?;
        guilds.push(json!({
            "id": guild.id,
            "name": guild.name,
            "owner": guild.owner_id == user_id,
            "joined_at": member.as_ref().map(|m| m.joined_at.to_iso8601()),
            "nick": member.and_then(|m| m.nick),
        }));
    }
    let sessions: Vec<Value> = state
        .store
        .active_sessions(user_id)
        .await?
        .iter()
        .map(|s| {
            json!({"id": s.id, "device_name": s.device_name, "created_at": s.created_at.to_iso8601(),
                   "last_seen_at": s.last_seen_at.to_iso8601(), "ip": s.ip})
        })
        .collect();
    let notification_settings: Vec<UserGuildSettings> = state
        .store
        .notification_settings(user_id)
        .await?
        .iter()
        .map(|s| UserGuildSettings::from_stored(s, now))
        .collect();
    let dm_settings: UserSettingsObject = state.store.dm_privacy(user_id).await?.into();
    let private_channels: Vec<Snowflake> =
        state.store.private_channels_of(user_id).await?.iter().map(|c| c.id).collect();
    let head = json!({
        "exported_at": now.to_iso8601(),
        "account": CurrentUser::from(user),
        "created_at": user.created_at.to_iso8601(),
        "user_settings": dm_settings,
        "notification_settings": notification_settings,
        "relationships": relationships_of(state, user_id).await?,
        "guilds": guilds,
        "private_channels": private_channels,
        "sessions": sessions,
    });
    let text = serde_json::to_string(&head).map_err(AppError::internal)?;
    // The object stays open: its last two members, the lists, follow.
    text.strip_suffix('}').map(str::to_owned).ok_or_else(|| AppError::internal("the export's head is not an object"))
}

fn file_json(f: &ExportedFile) -> Value {
    json!({"id": f.id.to_string(), "channel_id": f.channel_id.to_string(),
           "message_id": f.message_id.map(|m| m.to_string()), "filename": f.filename,
           "content_type": f.content_type, "size": f.size, "created_at": iso(f.created_at)})
}

fn message_json(m: &ExportedMessage) -> Value {
    json!({"id": m.id.to_string(), "channel_id": m.channel_id.to_string(),
           "guild_id": m.guild_id.map(|g| g.to_string()), "content": m.content,
           "timestamp": iso(m.created_at), "edited_timestamp": m.edited_at.map(iso),
           "attachments": serde_json::from_str::<Value>(&m.attachments).unwrap_or(Value::Array(Vec::new()))})
}

/// Where the stream is.
enum Step {
    Files { after: i64, first: bool },
    Messages { after: i64, first: bool },
    Done,
}

/// The two lists, page by page, closing the object at the end.
fn lists(state: AppState, user_id: Snowflake) -> impl Stream<Item = Result<Bytes, AppError>> {
    stream::try_unfold(Step::Files { after: 0, first: true }, move |step| {
        let state = state.clone();
        async move {
            let mut out = String::new();
            let next = match step {
                Step::Files { after, first } => {
                    if first {
                        out.push_str(",\"files\":[");
                    }
                    let page = state.store.files_uploaded_by(user_id, after, PAGE).await?;
                    for (i, f) in page.iter().enumerate() {
                        if !(first && i == 0) {
                            out.push(',');
                        }
                        out.push_str(&file_json(f).to_string());
                    }
                    match page.last() {
                        Some(last) if page.len() as i64 == PAGE => Step::Files { after: last.id, first: false },
                        _ => Step::Messages { after: 0, first: true },
                    }
                }
                Step::Messages { after, first } => {
                    if first {
                        out.push_str("],\"messages\":[");
                    }
                    let page = state.store.messages_written_by(user_id, after, PAGE).await?;
                    for (i, m) in page.iter().enumerate() {
                        if !(first && i == 0) {
                            out.push(',');
                        }
                        out.push_str(&message_json(m).to_string());
                    }
                    match page.last() {
                        Some(last) if page.len() as i64 == PAGE => Step::Messages { after: last.id, first: false },
                        _ => {
                            out.push_str("]}");
                            Step::Done
                        }
                    }
                }
                Step::Done => return Ok(None),
            };
            Ok(Some((Bytes::from(out), next)))
        }
    })
}

/// Download everything Parley keeps of me, as one JSON file: `account`, `created_at`,
/// `user_settings`, `notification_settings`, `relationships`, `guilds` (`{id, name, owner,
/// joined_at, nick}`), `private_channels` (ids), `sessions` (signed-in devices), `files` (each
/// file I uploaded that is kept: `{id, channel_id, message_id, filename, content_type, size,
/// created_at}`) and `messages` (each message I wrote: `{id, channel_id, guild_id, content,
/// timestamp, edited_timestamp, attachments}`), oldest first.
#[utoipa::path(get, path = "/users/@me/export", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, description = "The export, as an attachment (`parley-export-{username}.json`)", content_type = "application/json", body = Object),
        SignedIn,
        (status = 403, description = "Bots have no export (20001)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn export_my_data(State(state): State<AppState>, auth: AuthUser) -> AppResult<Response> {
    auth.session()?;
    let user_id = auth.user_id;
    let user = state.store.user_by_id(user_id).await?.ok_or_else(AppError::unauthorized)?;
    let head = head(&state, &user).await?;
    tracing::info!(%user_id, "a person exports their data");
    let body = stream::once(async move { Ok::<Bytes, AppError>(Bytes::from(head)) }).chain(lists(state, user_id));
    let body = body.inspect(|chunk| {
        if let Err(e) = chunk {
            tracing::warn!(error = %e, "an export ended early");
        }
    });
    let mut response = Response::new(Body::from_stream(body));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Usernames are letters, digits, `_` and `.`, so the name needs no quoting beyond this.
    let disposition = format!("attachment; filename=\"parley-export-{}.json\"", user.username);
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
    );
    Ok(response)
}
