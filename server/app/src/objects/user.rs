//! User objects: the signed-in user as they see themselves, and anyone as others see them.

use parley_core::Snowflake;
use parley_store::users::UserRecord;
use serde::Serialize;
use utoipa::ToSchema;

use super::schema;

/// The signed-in user (Discord's user object with the private fields), plus Parley's
/// `instance_admin`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentUser {
    #[schema(value_type = schema::Snowflake)]
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
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PublicUser {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    pub username: String,
    pub discriminator: &'static str,
    pub global_name: Option<String>,
    pub avatar: Option<String>,
    pub bot: bool,
    /// Always 0 (Parley has no badges); twilight requires the field on mentioned users.
    pub public_flags: u64,
    /// Always 0, as `public_flags`: Discord's user object always carries both.
    pub flags: u64,
    /// The guild whose tag the user wears: Parley has no guild tags, so always `null`.
    #[schema(value_type = Option<Object>)]
    pub primary_guild: Option<serde_json::Value>,
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
            public_flags: 0,
            flags: 0,
            primary_guild: None,
        }
    }
}
