//! Creating an application with its bot user, for the API and `parley admin create-bot`.

use axum::http::StatusCode;
use parley_core::{ErrorCode, Snowflake, Timestamp};
use parley_store::StoreError;
use parley_store::applications::{ApplicationRecord, NewApplication};
use parley_store::error::Conflict;
use parley_store::users::NewUser;

use crate::auth::bot_token;
use crate::error::{AppError, AppResult};

/// 404 (10002): no such application, or not the caller's.
pub fn unknown_application() -> AppError {
    AppError::with_message(StatusCode::NOT_FOUND, ErrorCode::UnknownApplication, "Unknown Application")
}

/// Creates an application `id` owned by `owner_id` with its bot user (named after it, with
/// a number added if that username is taken) and returns it with its new bot token. Shared
/// by the API and `parley admin create-bot`; `name` must already be valid.
pub async fn new_application(
    store: &parley_store::Store,
    id: Snowflake,
    owner_id: Snowflake,
    name: &str,
    description: &str,
) -> AppResult<(ApplicationRecord, String)> {
    let (token, token_hash) = bot_token::generate(id);
    for attempt in 0..8 {
        let app = NewApplication {
            owner_id,
            name: name.to_owned(),
            description: description.to_owned(),
            token_hash: token_hash.clone(),
            bot: NewUser {
                id,
                username: bot_username(name, attempt),
                global_name: Some(name.to_owned()),
                email: None,
                password_hash: None,
                bot: true,
                now: Timestamp::now(),
            },
        };
        match store.create_application(&app).await {
            Ok(record) => return Ok((record, token)),
            Err(StoreError::Conflict(Conflict::Username)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::internal("no free username for the bot after 8 tries"))
}

/// A username for a bot from its application's name: Discord's characters only, with a
/// numeric suffix on the `attempt`th try when the plain one is taken.
fn bot_username(name: &str, attempt: u32) -> String {
    let mut base: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() { c } else { '_' })
        .collect();
    base.truncate(24);
    if base.trim_matches('_').len() < 2 {
        base = "bot".into();
    }
    if attempt == 0 {
        return base;
    }
    let mut bytes = [0u8; 2];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    format!("{base}_{}", u16::from_le_bytes(bytes) % 10_000)
}
