//! Response objects shared by several routes, in Discord's field names.

use parley_core::{Snowflake, Timestamp};
use parley_store::users::UserRecord;
use serde::Serialize;
use utoipa::ToSchema;

/// The signed-in user (Discord's user object with the private fields), plus Parley's
/// `instance_admin`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentUser {
    #[schema(value_type = String, example = "175928847299117063")]
    pub id: Snowflake,
    pub username: String,
    /// Always `"0"`: Parley uses unique usernames, as Discord now does.
    pub discriminator: &'static str,
    pub global_name: Option<String>,
    pub avatar: Option<String>,
    pub bot: bool,
    pub system: bool,
    pub mfa_enabled: bool,
    /// Parley does not verify email addresses (yet): always false.
    pub verified: bool,
    pub email: Option<String>,
    pub flags: u64,
    pub public_flags: u64,
    pub premium_type: u8,
    pub locale: &'static str,
    /// Parley: whether this user administers the instance.
    pub instance_admin: bool,
}

impl From<&UserRecord> for CurrentUser {
    fn from(user: &UserRecord) -> Self {
        Self {
            id: user.id,
            username: user.username.clone(),
            discriminator: "0",
            global_name: user.global_name.clone(),
            avatar: user.avatar.clone(),
            bot: user.bot,
            system: false,
            mfa_enabled: false,
            verified: false,
            email: user.email.clone(),
            flags: 0,
            public_flags: 0,
            premium_type: 0,
            locale: "en-US",
            instance_admin: user.is_admin,
        }
    }
}

/// Another user as anyone may see them (Discord's user object without private fields).
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicUser {
    #[schema(value_type = String)]
    pub id: Snowflake,
    pub username: String,
    pub discriminator: &'static str,
    pub global_name: Option<String>,
    pub avatar: Option<String>,
    pub bot: bool,
}

impl From<&UserRecord> for PublicUser {
    fn from(user: &UserRecord) -> Self {
        Self {
            id: user.id,
            username: user.username.clone(),
            discriminator: "0",
            global_name: user.global_name.clone(),
            avatar: user.avatar.clone(),
            bot: user.bot,
        }
    }
}

/// Tokens for a new or refreshed session.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// The access token again, under the name Discord's login response uses.
    pub token: String,
    /// An Ed25519-signed JWT; send it as `Authorization: Bearer <token>`.
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Single use: spend it at `POST /auth/refresh` for new tokens. Presenting it a second
    /// time revokes the session.
    pub refresh_token: String,
    #[schema(value_type = String)]
    pub session_id: Snowflake,
    /// Send it back as `X-Parley-Device-Id` on later logins from this device.
    pub device_id: String,
    #[schema(value_type = String)]
    pub user_id: Snowflake,
    pub user: CurrentUser,
}

/// One signed-in device.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    #[schema(value_type = String)]
    pub id: Snowflake,
    pub device_id: String,
    pub device_name: String,
    pub user_agent: String,
    pub ip: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub last_seen_at: Timestamp,
    /// Whether this is the session making the request.
    pub current: bool,
}

/// The JSON error body of every failed request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable numeric code; see the error table in docs/api.md.
    pub code: u32,
    pub message: String,
    /// For code 50035: field errors, nested by field, each `{"_errors": [{code, message}]}`.
    #[schema(value_type = Option<Object>)]
    pub errors: Option<serde_json::Value>,
    /// For 429: seconds to wait.
    pub retry_after: Option<f64>,
}
