//! The instance admin console's API (instance admins only): the overview, the accounts
//! (search, view), disabling and enabling an account, promoting and demoting admins, and
//! ending an account's sessions. An admin never acts on their own account here, so an
//! instance always keeps the admin who acts.

use axum::extract::State;
use parley_app::AppState;
use parley_app::accounts::{self, Content, Deleted};
use parley_app::error::{AppError, AppResult};
use parley_app::private_channels::unknown_user;
use parley_core::{Snowflake, Timestamp};
use parley_store::administration::{AccountChange, InstanceCounts};
use parley_store::users::UserRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::query::Query;
use crate::extract::{AdminUser, Json, Path};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(overview))
        .routes(routes!(list_users))
        .routes(routes!(get_user, modify_user, delete_user))
        .routes(routes!(end_sessions))
}

/// The instance at a glance.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminOverview {
    /// People's accounts (bots not counted), disabled ones included.
    pub users: i64,
    pub bots: i64,
    pub disabled_users: i64,
    pub guilds: i64,
    pub messages: i64,
    /// People online on the node that answered (each node knows its own sessions).
    pub online_now: usize,
    /// Bytes of uploaded files kept.
    pub storage_bytes: i64,
    pub version: &'static str,
    /// Seconds since the answering node started.
    pub uptime_seconds: i64,
    #[schema(value_type = String, format = DateTime)]
    pub started_at: String,
}

/// One account as an admin sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUserView {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    pub username: String,
    pub global_name: Option<String>,
    pub email: Option<String>,
    pub avatar: Option<String>,
    pub bot: bool,
    /// An instance admin.
    pub admin: bool,
    pub disabled: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub disabled_at: Option<String>,
    /// Deleted (kept anonymised under the messages it left).
    pub deleted: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: String,
}

impl From<&UserRecord> for AdminUserView {
    fn from(u: &UserRecord) -> Self {
        Self {
            id: u.id,
            username: u.username.clone(),
            global_name: u.global_name.clone(),
            email: u.email.clone(),
            avatar: u.avatar.clone(),
            bot: u.bot,
            admin: u.is_admin,
            disabled: u.disabled_at.is_some(),
            disabled_at: u.disabled_at.map(|ms| Timestamp::from_unix_millis(ms).to_iso8601()),
            deleted: u.deleted_at.is_some(),
            created_at: u.created_at.to_iso8601(),
        }
    }
}

/// The instance in numbers (admins only).
#[utoipa::path(get, path = "/admin/overview", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = AdminOverview),
        SignedIn,
        (status = 403, description = "Not an instance admin (50013)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn overview(State(state): State<AppState>, _admin: AdminUser) -> AppResult<Json<AdminOverview>> {
    let InstanceCounts { users, bots, disabled, guilds, messages, file_bytes } = state.store.instance_counts().await?;
    let now = Timestamp::now();
    Ok(Json(AdminOverview {
        users,
        bots,
        disabled_users: disabled,
        guilds,
        messages,
        online_now: state.online.count(),
        storage_bytes: file_bytes,
        version: env!("CARGO_PKG_VERSION"),
        uptime_seconds: (now.unix_millis() - state.started_at.unix_millis()) / 1000,
        started_at: state.started_at.to_iso8601(),
    }))
}

/// Which accounts to list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListUsersQuery {
    /// Only accounts whose username, display name or email starts with this (any case; 1-100
    /// characters).
    #[param(max_length = 100)]
    pub query: Option<String>,
    /// Accounts after this id (the last one of the previous page).
    #[param(value_type = Option<schema::Snowflake>)]
    pub after: Option<Snowflake>,
    /// 1-200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// The instance's accounts by id, people and bots (admins only).
#[utoipa::path(get, path = "/admin/users", tag = "admin", security(("bearer" = [])),
    params(ListUsersQuery),
    responses(
        (status = 200, description = "OK", body = Vec<AdminUserView>),
        (status = 400, description = "A limit out of 1-200 or a query longer than 100 characters (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not an instance admin (50013)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn list_users(
    State(state): State<AppState>,
    _admin: AdminUser,
    Query(query): Query<ListUsersQuery>,
) -> AppResult<Json<Vec<AdminUserView>>> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::field("limit", "NUMBER_TYPE_MAX", "Must be between 1 and 200."));
    }
    let text = query.query.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if text.is_some_and(|q| q.chars().count() > 100) {
        return Err(AppError::field("query", "BASE_TYPE_BAD_LENGTH", "Must be at most 100 characters."));
    }
    let users = state.store.list_users(text, query.after, limit).await?;
    Ok(Json(users.iter().map(AdminUserView::from).collect()))
}

async fn account(state: &AppState, user_id: Snowflake) -> AppResult<UserRecord> {
    state.store.user_by_id(user_id).await?.ok_or_else(unknown_user)
}

/// One account (admins only).
#[utoipa::path(get, path = "/admin/users/{user_id}", tag = "admin", security(("bearer" = [])),
    params(("user_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = AdminUserView),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not an instance admin (50013)", body = ErrorBody),
        (status = 404, description = "Unknown user (10013)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_user(
    State(state): State<AppState>,
    _admin: AdminUser,
    Path(user_id): Path<Snowflake>,
) -> AppResult<Json<AdminUserView>> {
    Ok(Json(AdminUserView::from(&account(&state, user_id).await?)))
}

/// A change to an account (admins only).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ModifyUserRequest {
    /// Disable (every session ends at once, its connections close, sign-in is refused with
    /// 90012, a bot's token stops working) or enable it again.
    pub disabled: Option<bool>,
    /// Make the account an instance admin, or not.
    pub admin: Option<bool>,
}

/// Disable or enable an account, promote or demote an admin (admins only; never oneself).
#[utoipa::path(patch, path = "/admin/users/{user_id}", tag = "admin", security(("bearer" = [])),
    params(("user_id" = schema::Snowflake, Path)),
    request_body = ModifyUserRequest,
    responses(
        (status = 200, description = "OK: the account as now stored", body = AdminUserView),
        (status = 400, description = "My own account (50035 `ADMIN_SELF`), or making a bot an admin (50035 `ADMIN_BOT`); malformed JSON (50109)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not an instance admin (50013)", body = ErrorBody),
        (status = 404, description = "Unknown user (10013)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn modify_user(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(user_id): Path<Snowflake>,
    Json(body): Json<ModifyUserRequest>,
) -> AppResult<Json<AdminUserView>> {
    let user = account(&state, user_id).await?;
    if user.id == admin.user.id {
        // So an instance cannot lose its last admin, nor an admin lock themselves out.
        return Err(AppError::field(
            "user_id",
            "ADMIN_SELF",
            "You cannot disable or demote your own account; another admin can.",
        ));
    }
    if user.deleted_at.is_some() && (body.disabled == Some(false) || body.admin == Some(true)) {
        return Err(AppError::field(
            "user_id",
            "ACCOUNT_DELETED",
            "This account was deleted; it cannot be enabled or made an admin.",
        ));
    }
    if body.admin == Some(true) && user.bot {
        return Err(AppError::field("admin", "ADMIN_BOT", "A bot cannot be an instance admin."));
    }
    let now = Timestamp::now();
    let disabled = body.disabled.map(|d| d.then_some(now));
    match state.store.change_account(admin.user.id, user.id, body.admin, disabled).await? {
        AccountChange::ActorNotAdmin => return Err(AppError::forbidden()),
        AccountChange::Made { admin: admin_changed, disabled: disabled_changed } => {
            if admin_changed || disabled_changed {
                tracing::warn!(admin = %admin.user.id, user_id = %user.id, ?body.admin, ?body.disabled, "instance admin changed an account");
            }
            if disabled_changed && body.disabled == Some(true) {
                accounts::end_every_session(&state, &user, now).await?;
            }
        }
    }
    Ok(Json(AdminUserView::from(&account(&state, user_id).await?)))
}

/// How many sessions ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsEnded {
    pub ended: usize,
}

/// Sign an account out everywhere: every session ends and its connections close (admins
/// only; for myself, `POST /auth/sessions/revoke-others` keeps this device).
#[utoipa::path(delete, path = "/admin/users/{user_id}/sessions", tag = "admin", security(("bearer" = [])),
    params(("user_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = SessionsEnded),
        (status = 400, description = "My own account (50035 `ADMIN_SELF`)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not an instance admin (50013)", body = ErrorBody),
        (status = 404, description = "Unknown user (10013)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn end_sessions(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(user_id): Path<Snowflake>,
) -> AppResult<Json<SessionsEnded>> {
    let user = account(&state, user_id).await?;
    if user.id == admin.user.id {
        return Err(AppError::field(
            "user_id",
            "ADMIN_SELF",
            "End your own other sessions from your settings instead.",
        ));
    }
    let ended = accounts::end_every_session(&state, &user, Timestamp::now()).await?;
    tracing::warn!(admin = %admin.user.id, user_id = %user.id, ended, "instance admin ended an account's sessions");
    Ok(Json(SessionsEnded { ended }))
}

/// What becomes of a deleted account's messages.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DeleteUserQuery {
    /// `keep` (default: kept under "Deleted User") or `delete`.
    #[param(value_type = Option<String>, pattern = "^(keep|delete)$")]
    pub messages: Option<String>,
}

/// Delete an account (admins only; never one's own): its sessions end, it leaves every guild,
/// its messages are kept under "Deleted User" (`messages=keep`) or deleted (`messages=delete`),
/// and the account is anonymised. Refused while it owns a guild or an application.
#[utoipa::path(delete, path = "/admin/users/{user_id}", tag = "admin", security(("bearer" = [])),
    params(("user_id" = schema::Snowflake, Path), DeleteUserQuery),
    responses(
        (status = 200, description = "Deleted", body = Deleted),
        (status = 400, description = "My own account (`ADMIN_SELF`), a bot (`ACCOUNT_IS_BOT`), one that owns guilds (`ACCOUNT_OWNS_GUILDS`) or applications (`ACCOUNT_OWNS_APPLICATIONS`), one deleted already (`ACCOUNT_DELETED`), or `messages` not keep or delete (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not an instance admin (50013)", body = ErrorBody),
        (status = 404, description = "Unknown user (10013)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn delete_user(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(user_id): Path<Snowflake>,
    Query(query): Query<DeleteUserQuery>,
) -> AppResult<Json<Deleted>> {
    let content = match query.messages.as_deref() {
        None | Some("keep") => Content::Keep,
        Some("delete") => Content::Delete,
        Some(_) => return Err(AppError::field("messages", "BASE_TYPE_CHOICES", "Must be keep or delete.")),
    };
    let user = account(&state, user_id).await?;
    if user.id == admin.user.id {
        return Err(AppError::field("user_id", "ADMIN_SELF", "Delete your own account from your settings instead."));
    }
    if user.deleted_at.is_some() {
        return Err(AppError::field("user_id", "ACCOUNT_DELETED", "This account was deleted already."));
    }
    let deleted = accounts::delete_account(&state, &user, content, Some(admin.user.id)).await?;
    tracing::warn!(admin = %admin.user.id, user_id = %user.id, "instance admin deleted an account");
    Ok(Json(deleted))
}
