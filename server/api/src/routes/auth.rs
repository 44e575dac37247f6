//! Registration, login, token refresh and logout.

use axum::extract::Request;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use parley_app::auth::bootstrap::{is_bootstrap_token, request_is_local};
use parley_app::auth::{refresh_token, revocation};
use parley_app::error::{AppError, AppResult};
use parley_app::instance_settings;
use parley_app::joins::announce_join;
use parley_app::{AppState, RegistrationMode};
use parley_core::account::{DisplayName, Email, Password, Username};
use parley_core::{ErrorCode, FieldErrors, Timestamp};
use parley_store::StoreError;
use parley_store::error::Conflict;
use parley_store::sessions::{NewSession, RefreshOutcome, RevokeReason, SessionRecord};
use parley_store::users::{NewUser, RegistrationRules, UserRecord};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::client::{ClientMeta, device_name_from_user_agent};
use crate::extract::{AuthUser, Json};
use crate::models::{CurrentUser, ErrorBody, JsonBody, SignedIn, TokenResponse, TooManyRequests, Unavailable, schema};

pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    let limited = OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .route_layer(middleware::from_fn_with_state(state.clone(), limit_by_address));
    OpenApiRouter::new().merge(limited).routes(routes!(logout))
}

/// Refuses a client address that has used up its auth budget for the minute.
async fn limit_by_address(State(state): State<AppState>, client: ClientMeta, request: Request, next: Next) -> Response {
    match state.limits.auth_ip.check(&client.ip.to_string()) {
        Ok(()) => next.run(request).await,
        Err(limited) => {
            state.metrics.auth.rate_limited.inc();
            tracing::warn!(ip = %client.ip, "auth rate limit reached for address");
            AppError::RateLimited(limited).into_response()
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// 2-32 characters: a-z, 0-9, `_` and `.`; case-insensitive.
    #[schema(value_type = schema::Username)]
    pub username: String,
    /// 8-128 characters.
    #[schema(value_type = schema::NewPassword)]
    pub password: String,
    #[schema(value_type = Option<schema::Email>)]
    pub email: Option<String>,
    /// The name shown instead of the username, 1-32 characters of any script.
    #[schema(value_type = Option<schema::DisplayName>)]
    pub global_name: Option<String>,
    /// An instance invite code, or a guild invite code (which also brings the new account
    /// into its guild); one of them is needed when registration is `invite_only`.
    pub invite: Option<String>,
    /// A name for this device in the session list; derived from the user agent if absent.
    #[schema(value_type = Option<schema::DeviceName>)]
    pub device_name: Option<String>,
    /// On an instance others can reach that has no admin yet: the bootstrap token (from the
    /// setup link the server prints), which makes this account the admin.
    #[schema(max_length = 64)]
    pub bootstrap_token: Option<String>,
}

/// Create an account and sign in on this device. The first account on an instance whose
/// registration is not `closed` needs no invite and becomes the instance admin; on an instance
/// others can reach, only with the bootstrap token.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created and signed in", body = TokenResponse),
        (status = 400, description = "Invalid fields, a taken username or email, a wrong bootstrap token (50035); malformed JSON (50109); an unknown, expired or used-up invite (10006)", body = ErrorBody),
        (status = 403, description = "Registration closed (90004) or an invite is required (90005)", body = ErrorBody),
        JsonBody,
        (status = 429, description = "Too many requests from this address (90006); or a REST rate limit (90006, with `global: true` for the account's overall budget)", body = ErrorBody),
        Unavailable,
    ))]
async fn register(
    State(state): State<AppState>,
    client: ClientMeta,
    headers: axum::http::HeaderMap,
    Json(body): Json<RegisterRequest>,
) -> AppResult<(StatusCode, Json<TokenResponse>)> {
    let mut errors = FieldErrors::new();
    let username = errors.check("username", Username::parse(&body.username));
    let password = errors.check("password", Password::parse(&body.password));
    let email = body.email.as_deref().and_then(|e| errors.check("email", Email::parse(e)));
    let global_name = body.global_name.as_deref().and_then(|n| errors.check("global_name", DisplayName::parse(n)));
    let device_name = parse_device_name(body.device_name.as_deref(), &mut errors);
    if body.bootstrap_token.as_ref().is_some_and(|t| t.chars().count() > 64) {
        errors.add("bootstrap_token", "BASE_TYPE_MAX_LENGTH", "Must be 64 or fewer in length.");
    }
    errors.into_result()?;
    let (Some(username), Some(password)) = (username, password) else {
        return Err(AppError::internal("validated fields missing"));
    };
    // As an admin set it live, else the `registration` setting (read now: every node agrees).
    let registration = instance_settings::registration(&state).await?;
    if registration == RegistrationMode::Closed {
        return Err(AppError::new(StatusCode::FORBIDDEN, ErrorCode::RegistrationClosed));
    }
    let now = Timestamp::now();
    let new_user = NewUser {
        id: state.ids.next(),
        username: username.into_inner(),
        global_name: global_name.map(DisplayName::into_inner),
        email: email.map(Email::into_inner),
        password_hash: Some(state.passwords.hash(password.expose()).await?),
        bot: false,
        now,
    };
    // Others can reach this instance (or this request came from elsewhere, through a proxy or
    // under another name): the first admin is whoever holds the bootstrap token.
    // (`client.ip` is the peer's here: forwarded addresses are trusted only behind a proxy,
    // which makes the instance reachable.)
    let local = !state.config.admin_bootstrap && request_is_local(client.ip, &headers);
    let claim_first_admin = match body.bootstrap_token.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        _ if local => true,
        None => false,
        Some(token) if is_bootstrap_token(&state.tokens, token) => true,
        Some(_) => {
            return Err(AppError::field(
                "bootstrap_token",
                "BOOTSTRAP_TOKEN_INVALID",
                "That is not this instance's setup token: use the link the server printed when it started, \
                 or run `parley admin bootstrap-token`.",
            ));
        }
    };
    let rules = RegistrationRules {
        claim_first_admin,
        invite_required: registration == RegistrationMode::InviteOnly,
        invite_code: body.invite.as_deref().map(str::trim).filter(|c| !c.is_empty()),
    };
    let registered = state.store.register_user(&new_user, rules).await.map_err(|e| match e {
        StoreError::Conflict(Conflict::Username) => AppError::field(
            "username",
            "USERNAME_ALREADY_TAKEN",
            "Username is unavailable. Try adding numbers, letters, underscores _ , or periods.",
        ),
        StoreError::Conflict(Conflict::Email) => {
            AppError::field("email", "EMAIL_ALREADY_REGISTERED", "Email is already registered.")
        }
        StoreError::InviteRequired => AppError::new(StatusCode::FORBIDDEN, ErrorCode::InviteRequired),
        StoreError::InviteUnusable => AppError::with_message(
            StatusCode::BAD_REQUEST,
            ErrorCode::UnknownInvite,
            "That invite code is unknown, expired or used up; ask an admin for a new one.",
        ),
        other => other.into(),
    })?;
    let user = registered.user;
    state.metrics.auth.registrations.inc();
    tracing::info!(user_id = %user.id, admin = user.is_admin, "account registered");
    if let Some(guild_id) = registered.joined_guild {
        announce_join(&state, guild_id, user.id).await?;
    }
    let tokens = start_session(&state, &user, &client, device_name).await?;
    Ok((StatusCode::CREATED, Json(tokens)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// A username or an email address.
    #[schema(max_length = 320, pattern = r"[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]")]
    pub login: String,
    #[schema(min_length = 1, max_length = 128)]
    pub password: String,
    #[schema(value_type = Option<schema::DeviceName>)]
    pub device_name: Option<String>,
}

/// Sign in with a password and start a session on this device (replacing this device's
/// previous session, if any). Repeated failures lock the account for a while.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 400, description = "Invalid fields, or a wrong login or password (50035, `INVALID_LOGIN`); malformed JSON (50109)", body = ErrorBody),
        (status = 403, description = "Locked after repeated failures (90003), or the account was disabled by an instance admin (90012, told only with the right password)", body = ErrorBody),
        JsonBody,
        (status = 429, description = "Too many attempts from this address or for this login (90006); or a REST rate limit (90006, with `global: true` for the account's overall budget)", body = ErrorBody),
        Unavailable,
    ))]
async fn login(
    State(state): State<AppState>,
    client: ClientMeta,
    Json(body): Json<LoginRequest>,
) -> AppResult<Json<TokenResponse>> {
    let mut errors = FieldErrors::new();
    let device_name = parse_device_name(body.device_name.as_deref(), &mut errors);
    if body.login.trim().is_empty() || body.login.len() > 320 {
        errors.add("login", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 320 in length.");
    }
    if body.password.is_empty() || body.password.chars().count() > Password::MAX {
        errors.add("password", "BASE_TYPE_BAD_LENGTH", format!("Must be between 1 and {} in length.", Password::MAX));
    }
    errors.into_result()?;
    let account_key = body.login.trim().to_lowercase();
    if let Err(limited) = state.limits.login_account.check(&account_key) {
        state.metrics.auth.rate_limited.inc();
        return Err(AppError::RateLimited(limited));
    }
    // Whether the name belongs to an account must not show, in the answer or in its time:
    // every attempt costs one password check (against a dummy hash when there is no account
    // or it is locked), a failure one write, and names with no account lock out by the same
    // rule as accounts do.
    let now = Timestamp::now();
    let user = state.store.user_by_login(&account_key).await?;
    let locked_until = match &user {
        Some(user) => user.locked_until.filter(|until| *until > now.unix_millis()),
        None => state.store.unknown_login_locked_until(&account_key, now).await?,
    };
    let stored_hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let correct = state.passwords.verify(&body.password, stored_hash).await?;
    if let Some(until) = locked_until {
        // Even the right password waits for the lock to end; a guess learns nothing.
        return Err(AppError::locked(until, now));
    }
    if !correct {
        state.metrics.auth.login_failures.inc();
        let locked_now = match &user {
            Some(user) => state.store.record_login_failure(user.id, now, state.config.lockout).await?,
            None => state.store.record_unknown_login_failure(&account_key, now, state.config.lockout).await?,
        };
        if let Some(until) = locked_now {
            state.metrics.auth.lockouts.inc();
            tracing::warn!(user_id = ?user.as_ref().map(|u| u.id), ip = %client.ip, locked_until = until, "login name locked after repeated failed logins");
            return Err(AppError::locked(until, now));
        }
        tracing::info!(ip = %client.ip, known_account = user.is_some(), "failed login");
        let mut errors = FieldErrors::new();
        errors.add("login", "INVALID_LOGIN", "Login or password is invalid.");
        errors.add("password", "INVALID_LOGIN", "Login or password is invalid.");
        return Err(errors.into());
    }
    let user = user.ok_or_else(|| AppError::internal("password verified without an account"))?;
    if user.disabled_at.is_some() {
        // Said only to whoever knows the password: a guess learns nothing of the account.
        tracing::info!(user_id = %user.id, ip = %client.ip, "sign-in to a disabled account refused");
        return Err(AppError::new(StatusCode::FORBIDDEN, ErrorCode::AccountDisabled));
    }
    state.store.clear_login_failures(user.id).await?;
    state.metrics.auth.logins.inc();
    Ok(Json(start_session(&state, &user, &client, device_name).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Spend a refresh token for a new access token and a new refresh token. A refresh token
/// works once: presenting a spent one revokes the whole session (code 90002), since it
/// means the token was copied.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 400, description = "A missing or non-string refresh_token (50035); malformed JSON (50109)", body = ErrorBody),
        (status = 401, description = "Invalid or expired (90001), or reused: session revoked (90002)", body = ErrorBody),
        JsonBody,
        (status = 429, description = "Too many requests from this address (90006); or a REST rate limit (90006, with `global: true` for the account's overall budget)", body = ErrorBody),
        Unavailable,
    ))]
async fn refresh(State(state): State<AppState>, Json(body): Json<RefreshRequest>) -> AppResult<Json<TokenResponse>> {
    let now = Timestamp::now();
    let presented = refresh_token::hash(body.refresh_token.trim());
    let (next, next_hash) = refresh_token::generate();
    let expires = now.plus_millis(state.config.refresh_token_ttl.as_millis() as i64);
    match state.store.rotate_refresh_token(&presented, &next_hash, expires, now).await? {
        RefreshOutcome::Rotated(session) => {
            let user = state
                .store
                .user_by_id(session.user_id)
                .await?
                .ok_or_else(|| AppError::new(StatusCode::UNAUTHORIZED, ErrorCode::RefreshTokenInvalid))?;
            Ok(Json(token_response(&state, &user, &session, next, now)))
        }
        RefreshOutcome::Reused { session_id, user_id } => {
            state.metrics.auth.refresh_reuse.inc();
            revocation::sessions_ended(&state, user_id, vec![session_id]);
            tracing::warn!(%session_id, %user_id, "spent refresh token presented again; session revoked");
            Err(AppError::new(StatusCode::UNAUTHORIZED, ErrorCode::RefreshTokenReused))
        }
        RefreshOutcome::Invalid => Err(AppError::new(StatusCode::UNAUTHORIZED, ErrorCode::RefreshTokenInvalid)),
    }
}

/// End the current session: its access and refresh tokens stop working at once.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 403, description = "Bots have no session to end (20001)", body = ErrorBody),
        SignedIn,
        TooManyRequests,
    ))]
async fn logout(State(state): State<AppState>, auth: AuthUser) -> AppResult<StatusCode> {
    let session_id = auth.session()?.id;
    if state.store.revoke_session(auth.user_id, session_id, RevokeReason::Logout, Timestamp::now()).await? {
        revocation::sessions_ended(&state, auth.user_id, vec![session_id]);
    }
    Ok(StatusCode::NO_CONTENT)
}

fn parse_device_name(raw: Option<&str>, errors: &mut FieldErrors) -> Option<String> {
    let name = raw?.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        errors.add("device_name", "BASE_TYPE_BAD_LENGTH", "Must be 1 to 64 printable characters.");
        return None;
    }
    Some(name.to_owned())
}

/// Starts a session for `user` on the client's device and returns its first tokens.
pub(crate) async fn start_session(
    state: &AppState,
    user: &UserRecord,
    client: &ClientMeta,
    device_name: Option<String>,
) -> AppResult<TokenResponse> {
    let now = Timestamp::now();
    let (refresh, refresh_hash) = refresh_token::generate();
    let device_id = client.device_id.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let (session, replaced) = state
        .store
        .create_session(&NewSession {
            id: state.ids.next(),
            user_id: user.id,
            device_id,
            device_name: device_name.unwrap_or_else(|| device_name_from_user_agent(&client.user_agent)),
            user_agent: client.user_agent.clone(),
            ip: client.ip.to_string(),
            now,
            refresh_hash,
            refresh_expires_at: now.plus_millis(state.config.refresh_token_ttl.as_millis() as i64),
        })
        .await?;
    revocation::sessions_ended(state, user.id, replaced);
    // An admin may have disabled (or the person deleted) the account while its password was
    // being checked: a session made meanwhile ends at once rather than outliving that.
    if state.store.user_by_id(user.id).await?.is_none_or(|u| u.disabled_at.is_some()) {
        state.store.revoke_session(user.id, session.id, RevokeReason::RevokedByAdmin, now).await?;
        tracing::info!(user_id = %user.id, "a session started as the account was disabled was ended");
        return Err(AppError::new(StatusCode::FORBIDDEN, ErrorCode::AccountDisabled));
    }
    tracing::info!(user_id = %user.id, session_id = %session.id, ip = %client.ip, "session started");
    Ok(token_response(state, user, &session, refresh, now))
}

fn token_response(
    state: &AppState,
    user: &UserRecord,
    session: &SessionRecord,
    refresh: String,
    now: Timestamp,
) -> TokenResponse {
    let access = state.tokens.issue(user.id, session.id, now);
    TokenResponse {
        token: access.clone(),
        access_token: access,
        token_type: "Bearer",
        expires_in: state.tokens.ttl_ms() / 1000,
        refresh_token: refresh,
        session_id: session.id,
        device_id: session.device_id.clone(),
        user_id: user.id,
        user: CurrentUser::from(user),
    }
}
