//! Users: the current user's account (`GET /users/@me`, `PATCH /users/@me`), and another
//! user by id (`GET /users/{user_id}`) for those who share a guild or a DM with them.

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::accounts::{self, Content};
use parley_app::error::{AppError, AppResult};
use parley_app::files::AssetRef;
use parley_app::files::assets::{DATA_URI_BODY_BYTES, keep_data_uri};
use parley_app::files::image_asset::AssetKind;
use parley_core::account::{DisplayName, Email, Password, Username};
use parley_core::{ErrorCode, FieldErrors, Snowflake, Timestamp};
use parley_store::StoreError;
use parley_store::error::Conflict;
use parley_store::sessions::RevokeReason;
use parley_store::users::{ProfilePatch, UserRecord};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, Path, nullable};
use crate::models::{CurrentUser, ErrorBody, JsonBody, PublicUser, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_me, modify_me))
        // An avatar arrives inside the JSON, as a data URI.
        .layer(axum::extract::DefaultBodyLimit::max(DATA_URI_BODY_BYTES))
        .routes(routes!(get_user))
        .routes(routes!(delete_me))
}

async fn current_user(state: &AppState, auth: &AuthUser) -> AppResult<UserRecord> {
    state.store.user_by_id(auth.user_id).await?.ok_or_else(AppError::unauthorized)
}

/// The signed-in user.
#[utoipa::path(get, path = "/users/@me", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = CurrentUser),
        SignedIn,
        TooManyRequests,
    ))]
async fn get_me(State(state): State<AppState>, auth: AuthUser) -> AppResult<Json<CurrentUser>> {
    Ok(Json(CurrentUser::from(&current_user(&state, &auth).await?)))
}

/// A user by id: yourself, or someone who shares a guild or a DM with you. Anyone else is
/// Unknown User (404, 10013), as an id that names nobody is, so an instance's accounts cannot
/// be listed by trying ids (Discord answers for any user).
#[utoipa::path(get, path = "/users/{user_id}", tag = "users", security(("bearer" = [])),
    params(("user_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = PublicUser),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 404, description = "Unknown user (10013): none, or one you share no guild or DM with", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_user(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(user_id): Path<Snowflake>,
) -> AppResult<Json<PublicUser>> {
    let known = user_id == auth.user_id
        || state.store.share_a_guild(auth.user_id, user_id).await?
        || state.store.share_a_private_channel(auth.user_id, user_id).await?;
    let user = match known {
        true => state.store.user_by_id(user_id).await?,
        false => None,
    };
    user.map(|u| Json(PublicUser::from(&u))).ok_or_else(parley_app::private_channels::unknown_user)
}

/// The current-password check is a login by another door: it shares the login's per-account
/// rate limit and lockout, so a stolen access token cannot be used to guess the password
/// (a locked account is refused before any check, and failures count toward the lock).
async fn check_current_password(state: &AppState, user: &UserRecord, password: &str) -> AppResult<()> {
    if let Err(limited) = state.limits.login_account.check(&format!("user:{}", user.id)) {
        state.metrics.auth.rate_limited.inc();
        return Err(AppError::RateLimited(limited));
    }
    let now = Timestamp::now();
    let correct = state.passwords.verify(password, user.password_hash.as_deref()).await?;
    if let Some(until) = user.locked_until.filter(|until| *until > now.unix_millis()) {
        return Err(AppError::locked(until, now));
    }
    if correct {
        state.store.clear_login_failures(user.id).await?;
        return Ok(());
    }
    state.metrics.auth.login_failures.inc();
    if let Some(until) = state.store.record_login_failure(user.id, now, state.config.lockout).await? {
        state.metrics.auth.lockouts.inc();
        tracing::warn!(user_id = %user.id, locked_until = until, "account locked after repeated wrong current passwords");
        return Err(AppError::locked(until, now));
    }
    Err(AppError::field("password", "PASSWORD_DOES_NOT_MATCH", "Password does not match."))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ModifyMeRequest {
    #[schema(value_type = Option<schema::Username>)]
    pub username: Option<String>,
    /// `null` clears the display name.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<schema::DisplayName>)]
    pub global_name: Option<Option<String>>,
    /// `null` removes the email address. Needs `password`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<schema::Email>)]
    pub email: Option<Option<String>>,
    /// The current password: required to change `username`, `email` or the password.
    pub password: Option<String>,
    /// A new password; every other session of the user is ended.
    #[schema(value_type = Option<schema::NewPassword>)]
    pub new_password: Option<String>,
    /// A new avatar as a data URI (`data:image/png;base64,...`): PNG, JPEG, GIF or WebP, at
    /// most 10 MiB and 8192 pixels a side; kept at most 1024 a side. `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<schema::ImageDataUri>)]
    pub avatar: Option<Option<String>>,
}

/// Change my username, display name, avatar, email or password. Changing the password ends
/// every other session. The avatar is then served at `/avatars/{user_id}/{avatar}.png`.
#[utoipa::path(patch, path = "/users/@me", tag = "users", security(("bearer" = [])), request_body = ModifyMeRequest,
    responses(
        (status = 200, description = "OK", body = CurrentUser),
        (status = 400, description = "Invalid fields, a taken username or email, a wrong or missing current password, or an avatar that is not an image or too large (50035); malformed JSON (50109)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Locked after repeated wrong passwords (90003), or a bot changing an email or password (20001)", body = ErrorBody),
        JsonBody,
        (status = 429, description = "Too many password checks for this account (90006); or a REST rate limit (90006, with `global: true` for the account's overall budget)", body = ErrorBody),
    ))]
async fn modify_me(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<ModifyMeRequest>,
) -> AppResult<Json<CurrentUser>> {
    let user = current_user(&state, &auth).await?;
    let mut errors = FieldErrors::new();
    let username = body.username.as_deref().and_then(|u| errors.check("username", Username::parse(u)));
    let global_name = body.global_name.as_ref().map(|name| match name {
        Some(n) => errors.check("global_name", DisplayName::parse(n)).map(DisplayName::into_inner),
        None => None,
    });
    let email = body.email.as_ref().map(|email| match email {
        Some(e) => errors.check("email", Email::parse(e)).map(Email::into_inner),
        None => None,
    });
    let new_password = body.new_password.as_deref().and_then(|p| errors.check("new_password", Password::parse(p)));
    errors.into_result()?;

    if auth.is_bot() && (email.is_some() || body.password.is_some() || body.new_password.is_some()) {
        // A bot signs in with its token alone: it has no email or password to change (and
        // its wrong guesses must not count as failed logins).
        return Err(AppError::with_message(
            StatusCode::FORBIDDEN,
            ErrorCode::BotsCannotUse,
            "Bots have no email or password; reset the bot's token instead",
        ));
    }
    // A bot renames itself with its token, as on Discord; people confirm with their password.
    let sensitive = (username.is_some() && !auth.is_bot()) || email.is_some() || new_password.is_some();
    if sensitive {
        let Some(current) = body.password.as_deref() else {
            return Err(AppError::field(
                "password",
                "BASE_TYPE_REQUIRED",
                "Your current password is required to change this.",
            ));
        };
        check_current_password(&state, &user, current).await?;
    }
    let avatar = match body.avatar {
        Some(Some(uri)) => Some(Some(keep_data_uri(&state, "avatar", AssetKind::Avatar, user.id, &uri).await?.hash)),
        Some(None) => Some(None),
        None => None,
    };
    let now = Timestamp::now();
    let patch = ProfilePatch { username: username.map(Username::into_inner), global_name, email, avatar };
    let mut updated = state
        .store
        .update_profile(user.id, &patch, now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(Conflict::Username) => {
                AppError::field("username", "USERNAME_ALREADY_TAKEN", "Username is unavailable.")
            }
            StoreError::Conflict(Conflict::Email) => {
                AppError::field("email", "EMAIL_ALREADY_REGISTERED", "Email is already registered.")
            }
            other => other.into(),
        })?
        .ok_or_else(AppError::unauthorized)?;
    if let Some(new_password) = new_password {
        let hash = state.passwords.hash(new_password.expose()).await?;
        state.store.set_password_hash(user.id, &hash, now).await?;
        let ended =
            state.store.revoke_other_sessions(user.id, auth.session()?.id, RevokeReason::PasswordChanged, now).await?;
        tracing::info!(user_id = %user.id, ended_sessions = ended.len(), "password changed");
        parley_app::auth::revocation::sessions_ended(&state, user.id, ended);
        updated.password_hash = Some(hash);
    }
    // A replaced or removed avatar leaves storage (and its public URL) at once.
    if let Some(old) = user.avatar.as_ref().filter(|old| updated.avatar.as_ref() != Some(*old)) {
        state.images.forget(&AssetRef { kind: AssetKind::Avatar, owner: user.id, hash: old.clone() }).await;
    }
    let seen_by_others =
        updated.username != user.username || updated.global_name != user.global_name || updated.avatar != user.avatar;
    if seen_by_others {
        parley_app::objects::member::announce_profile_change(&state, &updated).await?;
    }
    Ok(Json(CurrentUser::from(&updated)))
}

/// The body of `POST /users/@me/delete`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeleteMeRequest {
    /// My current password (checked as a login is, with its lockout).
    #[schema(max_length = 1024)]
    pub password: String,
    /// Delete every message I wrote too; by default they stay, under "Deleted User".
    #[serde(default)]
    pub delete_messages: bool,
}

/// Delete my account (Discord's route for it): my sessions end everywhere, I leave every
/// guild, my messages stay under "Deleted User" unless `delete_messages`, and the account is
/// anonymised; it cannot be signed in to again. Refused while I own a guild or an
/// application. People only.
#[utoipa::path(post, path = "/users/@me/delete", tag = "users", security(("bearer" = [])), request_body = DeleteMeRequest,
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A wrong password (`PASSWORD_DOES_NOT_MATCH`), guilds I own (`ACCOUNT_OWNS_GUILDS`) or applications (`ACCOUNT_OWNS_APPLICATIONS`) (50035); malformed JSON (50109)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Locked after repeated wrong passwords (90003), or a bot (20001)", body = ErrorBody),
        JsonBody,
        (status = 429, description = "Too many password checks for this account (90006); or a REST rate limit (90006)", body = ErrorBody),
    ))]
async fn delete_me(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<DeleteMeRequest>,
) -> AppResult<StatusCode> {
    auth.session()?;
    let user = current_user(&state, &auth).await?;
    check_current_password(&state, &user, &body.password).await?;
    let content = if body.delete_messages { Content::Delete } else { Content::Keep };
    accounts::delete_account(&state, &user, content, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
