//! Interactions: a person uses an application's command, a component on its message, or a
//! modal it opened ([`start`]); the application hears of it in INTERACTION_CREATE
//! ([`payload`]), answers once through the callback ([`answer`]) and then reads, edits,
//! deletes and adds messages through the interaction's token for 15 minutes
//! ([`messages`]). An application may take its interactions over HTTP instead, signed with
//! Ed25519 ([`endpoint`]). What a person's client sends is [`request`]; interaction tokens
//! are [`token`].

pub mod answer;
pub mod endpoint;
pub mod messages;
pub mod payload;
pub mod request;
pub mod start;
pub mod token;

use axum::http::StatusCode;
use parley_core::ErrorCode;

use crate::error::AppError;

/// 404 (10062): no such interaction, not its token, or too old.
pub fn unknown_interaction() -> AppError {
    AppError::new(StatusCode::NOT_FOUND, ErrorCode::UnknownInteraction)
}

/// 404 (10063): no such command, or not one that can be used here.
pub fn unknown_command() -> AppError {
    AppError::new(StatusCode::NOT_FOUND, ErrorCode::UnknownApplicationCommand)
}

/// Discord's interaction types.
pub mod kind {
    pub const APPLICATION_COMMAND: i32 = 2;
    pub const MESSAGE_COMPONENT: i32 = 3;
    pub const AUTOCOMPLETE: i32 = 4;
    pub const MODAL_SUBMIT: i32 = 5;
}
