//! The stable numeric error codes carried by every API error (and, later, gateway errors).
//!
//! Codes shared with Discord keep Discord's numbers so bot libraries recognise them;
//! codes only Parley has live in the 90000 range. `docs/api.md` lists them all.

use serde::{Serialize, Serializer};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// No more specific code applies (unknown route, internal error).
    General,
    UnknownApplication,
    UnknownChannel,
    UnknownGuild,
    UnknownInvite,
    UnknownMember,
    UnknownMessage,
    UnknownRole,
    UnknownUser,
    UnknownEmoji,
    BotsCannotUse,
    OnlyBots,
    MaxPins,
    MaxRecipients,
    SlowmodeRateLimited,
    Unauthorized,
    UserBanned,
    RequestTooLarge,
    MissingAccess,
    /// A guild's public widget, while the guild has it off.
    WidgetDisabled,
    CannotMessageUser,
    CannotEditOthersMessage,
    CannotSendEmptyMessage,
    NonTextChannel,
    /// A thread's action on a channel that is no thread (thread members), or the like.
    InvalidChannelType,
    BulkDeleteTooOld,
    ThreadArchived,
    ThreadAlreadyCreated,
    MissingPermissions,
    InvalidFormBody,
    InvalidJson,
    // Parley's own.
    RefreshTokenInvalid,
    RefreshTokenReused,
    AccountLocked,
    RegistrationClosed,
    InviteRequired,
    RateLimited,
    UnknownSession,
    ServiceUnavailable,
    OwnerCannotLeave,
    MaxApplications,
    /// A file link that does not open: expired, altered, or its message deleted.
    UnknownFile,
    /// Moving or disconnecting someone who is not in a voice channel.
    TargetNotInVoice,
    UnknownWebhook,
    MaxWebhooks,
    /// A guild has its most emoji of that kind (still or animated).
    MaxEmojis,
    UnknownInteraction,
    UnknownApplicationCommand,
    /// A command that has no permissions set in the guild.
    UnknownApplicationCommandPermissions,
    InteractionAlreadyAcknowledged,
    MaxApplicationCommands,
    /// The member is not in a voice channel (or not in one the caller can see).
    UnknownVoiceState,
    /// A bulk ban banned nobody.
    BulkBanFailed,
    /// A person holds the most relationships (blocks) there may be.
    MaxRelationships,
    /// An instance admin disabled the account.
    AccountDisabled,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 55] = [
        Self::General,
        Self::UnknownApplication,
        Self::UnknownChannel,
        Self::UnknownGuild,
        Self::UnknownInvite,
        Self::UnknownMember,
        Self::UnknownMessage,
        Self::UnknownRole,
        Self::UnknownUser,
        Self::UnknownEmoji,
        Self::BotsCannotUse,
        Self::OnlyBots,
        Self::MaxPins,
        Self::MaxRecipients,
        Self::SlowmodeRateLimited,
        Self::Unauthorized,
        Self::UserBanned,
        Self::RequestTooLarge,
        Self::MissingAccess,
        Self::WidgetDisabled,
        Self::CannotMessageUser,
        Self::CannotEditOthersMessage,
        Self::CannotSendEmptyMessage,
        Self::NonTextChannel,
        Self::InvalidChannelType,
        Self::BulkDeleteTooOld,
        Self::ThreadArchived,
        Self::ThreadAlreadyCreated,
        Self::MissingPermissions,
        Self::InvalidFormBody,
        Self::InvalidJson,
        Self::RefreshTokenInvalid,
        Self::RefreshTokenReused,
        Self::AccountLocked,
        Self::RegistrationClosed,
        Self::InviteRequired,
        Self::RateLimited,
        Self::UnknownSession,
        Self::ServiceUnavailable,
        Self::OwnerCannotLeave,
        Self::MaxApplications,
        Self::UnknownFile,
        Self::TargetNotInVoice,
        Self::UnknownWebhook,
        Self::MaxWebhooks,
        Self::MaxEmojis,
        Self::UnknownInteraction,
        Self::UnknownApplicationCommand,
        Self::UnknownApplicationCommandPermissions,
        Self::InteractionAlreadyAcknowledged,
        Self::MaxApplicationCommands,
        Self::UnknownVoiceState,
        Self::BulkBanFailed,
        Self::MaxRelationships,
        Self::AccountDisabled,
    ];

    pub const fn number(self) -> u32 {
        match self {
            Self::General => 0,
            Self::UnknownApplication => 10002,
            Self::UnknownChannel => 10003,
            Self::UnknownGuild => 10004,
            Self::UnknownInvite => 10006,
            Self::UnknownMember => 10007,
            Self::UnknownMessage => 10008,
            Self::UnknownRole => 10011,
            Self::UnknownUser => 10013,
            Self::UnknownEmoji => 10014,
            Self::BotsCannotUse => 20001,
            Self::OnlyBots => 20002,
            Self::MaxPins => 30003,
            Self::MaxRecipients => 30004,
            Self::SlowmodeRateLimited => 20016,
            Self::Unauthorized => 40001,
            Self::UserBanned => 40007,
            Self::RequestTooLarge => 40005,
            Self::MissingAccess => 50001,
            Self::WidgetDisabled => 50004,
            Self::CannotMessageUser => 50007,
            Self::CannotEditOthersMessage => 50005,
            Self::CannotSendEmptyMessage => 50006,
            Self::NonTextChannel => 50008,
            Self::InvalidChannelType => 50024,
            Self::BulkDeleteTooOld => 50034,
            Self::ThreadArchived => 50083,
            Self::ThreadAlreadyCreated => 160004,
            Self::MissingPermissions => 50013,
            Self::InvalidFormBody => 50035,
            Self::InvalidJson => 50109,
            Self::RefreshTokenInvalid => 90001,
            Self::RefreshTokenReused => 90002,
            Self::AccountLocked => 90003,
            Self::RegistrationClosed => 90004,
            Self::InviteRequired => 90005,
            Self::RateLimited => 90006,
            Self::UnknownSession => 90007,
            Self::ServiceUnavailable => 90008,
            Self::OwnerCannotLeave => 90009,
            Self::MaxApplications => 90010,
            Self::UnknownFile => 90011,
            Self::TargetNotInVoice => 40032,
            Self::UnknownWebhook => 10015,
            Self::MaxWebhooks => 30007,
            Self::MaxEmojis => 30008,
            Self::UnknownInteraction => 10062,
            Self::UnknownApplicationCommand => 10063,
            Self::UnknownApplicationCommandPermissions => 10066,
            Self::InteractionAlreadyAcknowledged => 40060,
            Self::MaxApplicationCommands => 30032,
            Self::UnknownVoiceState => 10065,
            Self::BulkBanFailed => 500000,
            Self::MaxRelationships => 30002,
            Self::AccountDisabled => 90012,
        }
    }

    /// The default human message; routes may say something more specific.
    pub const fn message(self) -> &'static str {
        match self {
            Self::General => "Something went wrong",
            Self::UnknownApplication => "Unknown Application",
            Self::UnknownChannel => "Unknown Channel",
            Self::UnknownGuild => "Unknown Guild",
            Self::UnknownInvite => "Unknown invite",
            Self::UnknownMember => "Unknown Member",
            Self::UnknownMessage => "Unknown Message",
            Self::UnknownRole => "Unknown Role",
            Self::UnknownUser => "Unknown user",
            Self::UnknownEmoji => "Unknown Emoji",
            Self::BotsCannotUse => "Bots cannot use this endpoint",
            Self::OnlyBots => "Only bots can use this endpoint",
            Self::MaxPins => "Maximum number of pins reached",
            Self::MaxRecipients => "Maximum number of recipients reached (10)",
            Self::SlowmodeRateLimited => "This action cannot be performed due to slowmode rate limit",
            Self::Unauthorized => "401: Unauthorized",
            Self::UserBanned => "The user is banned from this guild.",
            Self::RequestTooLarge => "Request entity too large",
            Self::MissingAccess => "Missing Access",
            Self::WidgetDisabled => "Widget Disabled",
            Self::CannotMessageUser => "Cannot send messages to this user",
            Self::CannotEditOthersMessage => "Cannot edit a message authored by another user",
            Self::CannotSendEmptyMessage => "Cannot send an empty message",
            Self::NonTextChannel => "Cannot send messages in a non-text channel",
            Self::InvalidChannelType => "Cannot execute action on this channel type",
            Self::BulkDeleteTooOld => "You can only bulk delete messages that are under 14 days old",
            Self::ThreadArchived => "Thread is archived",
            Self::ThreadAlreadyCreated => "A thread has already been created for this message",
            Self::MissingPermissions => "Missing permissions",
            Self::InvalidFormBody => "Invalid Form Body",
            Self::InvalidJson => "The request body contains invalid JSON.",
            Self::RefreshTokenInvalid => "The refresh token is invalid or expired; log in again",
            Self::RefreshTokenReused => {
                "This refresh token was already used; the session has been revoked for safety. Log in again"
            }
            Self::AccountLocked => "Too many failed logins; the account is locked for a while",
            Self::RegistrationClosed => "Registration is closed on this instance",
            Self::InviteRequired => "Registration on this instance needs a valid invite code",
            Self::RateLimited => "You are being rate limited.",
            Self::UnknownSession => "Unknown session",
            Self::ServiceUnavailable => "The service is not ready",
            Self::OwnerCannotLeave => "The owner cannot leave their guild; transfer it or delete it instead",
            Self::MaxApplications => "Maximum number of applications reached (25)",
            Self::UnknownFile => "Unknown file",
            Self::TargetNotInVoice => "Target user is not connected to voice",
            Self::UnknownWebhook => "Unknown Webhook",
            Self::MaxWebhooks => "Maximum number of webhooks reached (15)",
            Self::MaxEmojis => "Maximum number of emojis reached",
            Self::UnknownInteraction => "Unknown interaction",
            Self::UnknownApplicationCommand => "Unknown application command",
            Self::UnknownApplicationCommandPermissions => "Unknown application command permissions",
            Self::InteractionAlreadyAcknowledged => "Interaction has already been acknowledged.",
            Self::MaxApplicationCommands => "Maximum number of application commands reached",
            Self::UnknownVoiceState => "Unknown voice state",
            Self::BulkBanFailed => "Failed to ban users",
            Self::MaxRelationships => "Maximum number of friends reached (1000)",
            Self::AccountDisabled => "This account has been disabled by an administrator of this instance",
        }
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_code_has_its_line_in_the_api_docs() {
        let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md")).unwrap();
        for code in ErrorCode::ALL {
            let row = format!("| {} |", code.number());
            assert!(
                docs.lines().any(|l| l.starts_with(&row)),
                "docs/api.md has no row for error code {} ({code:?})",
                code.number()
            );
        }
    }

    #[test]
    fn no_two_error_codes_share_a_number() {
        let mut numbers: Vec<_> = ErrorCode::ALL.iter().map(|c| c.number()).collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), ErrorCode::ALL.len());
    }
}
