//! Schema components for values that travel as strings but are not free text, so that a
//! client generated from the OpenAPI document knows their exact shape. Fields name them with
//! `#[schema(value_type = schema::Snowflake)]` (or `Option<...>`, `Vec<...>`).

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, SchemaType, Type};
use utoipa::{PartialSchema, ToSchema};

/// Decimal digits that always fit in 64 bits: every id Parley makes is below 2^63 (until
/// the year 2154), and the server refuses numbers that do not fit.
pub const SNOWFLAKE_PATTERN: &str = "^[0-9]{1,19}$";

/// A snowflake id: a 64-bit number sent as a decimal string, as Discord does.
pub struct Snowflake;

impl PartialSchema for Snowflake {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .pattern(Some(SNOWFLAKE_PATTERN))
            .description(Some(
                "A snowflake id: a 64-bit number as a decimal string (Discord's ids). Its top 42 bits \
                 are milliseconds since 2015-01-01T00:00:00Z.",
            ))
            .examples(["175928847299117063"])
            .into()
    }
}

impl ToSchema for Snowflake {}

/// A user id, or `@me` for the caller.
pub struct UserIdOrMe;

impl PartialSchema for UserIdOrMe {
    fn schema() -> RefOr<Schema> {
        // The snowflake spelled out rather than referenced: schemathesis 4.32.5 cannot
        // resolve a reference nested in a path parameter's schema.
        OneOfBuilder::new()
            .item(Snowflake::schema())
            .item(ObjectBuilder::new().schema_type(SchemaType::new(Type::String)).enum_values(Some(["@me"])))
            .description(Some("A user id, or `@me` for the caller."))
            .into()
    }
}

impl ToSchema for UserIdOrMe {}

/// A guild id, or `@me` for the caller's DMs (notification settings).
pub struct GuildIdOrMe;

impl PartialSchema for GuildIdOrMe {
    fn schema() -> RefOr<Schema> {
        // Spelled out as UserIdOrMe is, for schemathesis.
        OneOfBuilder::new()
            .item(Snowflake::schema())
            .item(ObjectBuilder::new().schema_type(SchemaType::new(Type::String)).enum_values(Some(["@me"])))
            .description(Some("A guild id, or `@me` for my DMs."))
            .into()
    }
}

impl ToSchema for GuildIdOrMe {}

/// Permission bits (Discord's positions) as a decimal string.
pub struct Permissions;

impl PartialSchema for Permissions {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .pattern(Some("^[0-9]{1,19}$"))
            .description(Some(
                "Permission bits as a decimal string, at Discord's bit positions (VIEW_CHANNEL is \
                 1024). Bits Parley does not know are dropped.",
            ))
            .examples(["1024"])
            .into()
    }
}

impl ToSchema for Permissions {}

/// Permission bits in a request: a decimal string, as Discord's libraries send them, or a bare
/// integer, which the server accepts too.
pub struct PermissionsInput;

impl PartialSchema for PermissionsInput {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(Permissions::schema())
            .item(
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::Integer))
                    .minimum(Some(0))
                    .maximum(Some(utoipa::Number::UInt(u64::MAX as usize))),
            )
            .description(Some(
                "Permission bits as a decimal string (or a bare integer), at Discord's bit positions \
                 (VIEW_CHANNEL is 1024). Bits Parley does not know are dropped.",
            ))
            .into()
    }
}

impl ToSchema for PermissionsInput {}

// Pieces of the text rules below, as the server checks them: `WS` is what Rust's `trim`
// removes (Unicode White_Space), `CTRL` what `char::is_control` refuses (Unicode Cc).
macro_rules! ws {
    () => {
        r"\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
    };
}
macro_rules! ctrl {
    () => {
        r"\u0000-\u001F\u007F-\u009F"
    };
}
/// Control characters that are not also white space (text channel names turn white space
/// into dashes, so only these are refused in them).
macro_rules! ctrl_not_ws {
    () => {
        r"\u0000-\u0008\u000E-\u001F\u007F-\u0084\u0086-\u009F"
    };
}
macro_rules! bidi {
    () => {
        r"\u202A-\u202E\u2066-\u2069"
    };
}
/// Invisible formatting characters a webhook's name refuses (`objects::webhook::check_name`):
/// soft hyphen, zero-width ones, direction marks and overrides, word joiners, the BOM.
macro_rules! invisible {
    () => {
        r"\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF"
    };
}
/// Text that the server trims, then wants `$min`..=`$max` (1 or 2 to N) characters of
/// without any character of the class `$refused`: optional white space, the first and last
/// kept characters (neither white space nor refused), and up to `$middle` (N - 2) between.
macro_rules! trimmed {
    (1, $middle:literal, $refused:expr) => {
        concat!(
            "^[",
            ws!(),
            "]*[^",
            ws!(),
            $refused,
            "](?:[^",
            $refused,
            "]{0,",
            $middle,
            "}[^",
            ws!(),
            $refused,
            "])?[",
            ws!(),
            "]*$"
        )
    };
    (2, $middle:literal, $refused:expr) => {
        concat!(
            "^[",
            ws!(),
            "]*[^",
            ws!(),
            $refused,
            "][^",
            $refused,
            "]{0,",
            $middle,
            "}[^",
            ws!(),
            $refused,
            "][",
            ws!(),
            "]*$"
        )
    };
}
/// Text the server trims, then wants at most N characters of (any); `$middle` is N - 2.
macro_rules! trimmed_up_to {
    ($middle:literal) => {
        concat!("^[", ws!(), "]*(?:[^", ws!(), r"](?:[\s\S]{0,", $middle, "}[^", ws!(), "])?)?[", ws!(), "]*$")
    };
}

/// A schema component for text with a rule the server checks; the pattern says it exactly.
macro_rules! text_rule {
    ($(#[$doc:meta])* $name:ident = $description:literal, $pattern:expr $(, max_length = $max:literal)?) => {
        $(#[$doc])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::String))
                    .pattern(Some($pattern))
                    $(.max_length(Some($max)))?
                    .description(Some($description))
                    .into()
            }
        }

        impl ToSchema for $name {}
    };
}

text_rule!(
    /// `parley_core::account::Username`.
    Username = "2-32 of a-z, 0-9, `_` and `.` (upper case is taken as lower case), no `..`, and not \
                everyone, here, system or parley.",
    r"^(?!(?:[Ee][Vv][Ee][Rr][Yy][Oo][Nn][Ee]|[Hh][Ee][Rr][Ee]|[Ss][Yy][Ss][Tt][Ee][Mm]|[Pp][Aa][Rr][Ll][Ee][Yy])$)(?![\s\S]*\.\.)[A-Za-z0-9_.]{2,32}$"
);
text_rule!(
    /// `parley_core::account::Password`.
    NewPassword = "8-128 characters, not only white space, without NUL.",
    concat!(r"^(?=[\s\S]*[^", ws!(), r"])[^\u0000]{8,128}$")
);
text_rule!(
    /// `parley_core::account::Email`, for its ASCII addresses (the server also takes other
    /// scripts, up to 254 bytes).
    Email = "An email address: something, `@`, and a domain with a dot inside it; no spaces. Kept in \
             lower case.",
    r"^[!-?A-~]+@(?!\.)[!-?A-~]*\.[!-?A-~]*(?<!\.)$",
    max_length = 254
);
text_rule!(
    /// `parley_core::account::DisplayName`.
    DisplayName = "1-32 characters of any script once trimmed, without control or bidirectional-override \
                   characters.",
    trimmed!(1, "30", concat!(ctrl!(), bidi!()))
);
text_rule!(
    /// An application's (and its bot's) name: a display name of at least 2 characters.
    ApplicationName = "2-32 characters once trimmed, without control or bidirectional-override characters.",
    trimmed!(2, "30", concat!(ctrl!(), bidi!()))
);
text_rule!(
    /// A device's name in the session list.
    DeviceName = "1-64 characters once trimmed, without control characters.",
    trimmed!(1, "62", ctrl!())
);
text_rule!(
    /// An image sent inline (avatars, icons, banners, emoji); its bytes must decode as PNG,
    /// JPEG, GIF or WebP, which no pattern can say (a refusal is IMAGE_INVALID).
    ImageDataUri = "A data URI: `data:image/png;base64,` and the image's bytes in base64 (PNG, JPEG, GIF or WebP; \
                    at most 10 MiB, 256 KiB for emoji).",
    r"^data:image/[A-Za-z0-9.+-]+;base64,[A-Za-z0-9+/]+={0,2}$"
);
text_rule!(
    /// A custom emoji's name (Discord's rule).
    EmojiName = "2-32 of A-Z, a-z, 0-9 and `_`.",
    r"^[A-Za-z0-9_]{2,32}$"
);
text_rule!(
    /// Guild names (Discord's limits).
    GuildName = "2-100 characters once trimmed, without control characters.",
    trimmed!(2, "98", ctrl!())
);
text_rule!(
    /// Role and thread names.
    Name = "1-100 characters once trimmed, without control characters.",
    trimmed!(1, "98", ctrl!())
);
text_rule!(
    /// Channel names: a text channel's is folded to lower case with dashes for white space.
    ChannelName = "1-100 characters once trimmed, without control characters other than white space \
                   (which a text channel's name turns into dashes).",
    trimmed!(1, "98", ctrl_not_ws!())
);
text_rule!(
    /// A group DM's name: empty (once trimmed) names it after its people.
    GroupDmName = "Up to 100 characters once trimmed, without control characters; empty names the group \
                   after its people.",
    concat!("^[", ws!(), "]*(?:[^", ws!(), ctrl!(), "](?:[^", ctrl!(), "]{0,98}[^", ws!(), ctrl!(), "])?)?[", ws!(),
            "]*$")
);
text_rule!(
    /// A webhook's name, or the name one message is posted under.
    WebhookName = "1-80 characters once trimmed, without control or invisible formatting characters.",
    trimmed!(1, "78", concat!(ctrl!(), invisible!()))
);
text_rule!(
    /// A link or picture in an embed, or a webhook message's avatar: an absolute http(s) URL.
    WebUrl = "An absolute http or https URL with a host, without white space or control characters; up \
              to 2048 characters.",
    concat!("^[Hh][Tt][Tt][Pp][Ss]?://[^/", ws!(), ctrl!(), "][^", ws!(), ctrl!(), "]*$"),
    max_length = 2048
);
text_rule!(
    /// A guild's description.
    GuildDescription = "Up to 120 characters once trimmed; empty clears it.",
    trimmed_up_to!("118")
);
text_rule!(
    /// A channel's topic when changed.
    ChannelTopic = "Up to 1024 characters once trimmed; empty clears it.",
    trimmed_up_to!("1022")
);
text_rule!(
    /// Message text.
    MessageContent = "Up to 4000 characters, not only white space.",
    concat!("[^", ws!(), "]"),
    max_length = 4000
);
text_rule!(
    /// A reaction in a path.
    Emoji = "One unicode emoji (1-16 characters with at least one beyond ASCII, and no ASCII letters, \
             white space or control characters), or a guild's custom emoji as `name:id`.",
    concat!(
        "^(?:(?=[\\s\\S]{1,16}$)[^A-Za-z", ctrl!(), ws!(), "]{0,15}[^\\u0000-\\u00A0", ws!(), "][^A-Za-z", ctrl!(), ws!(),
        "]{0,15}|(?:a:)?[A-Za-z0-9_]{1,32}:[1-9][0-9]{0,18})$"
    ),
    max_length = 40
);
text_rule!(
    /// What message search looks for.
    SearchWords = "Up to 10 words (separated by white space), 1024 characters in all.",
    concat!("^[", ws!(), "]*(?:[^", ws!(), "]+(?:[", ws!(), "]+[^", ws!(), "]+){0,9})?[", ws!(), "]*$"),
    max_length = 1024
);
text_rule!(
    /// OAuth2 scopes for adding a bot.
    BotScope = "Scopes separated by spaces or `+`; must include `bot`.",
    r"(?:^|[ +])bot(?:[ +]|$)"
);

/// What `allowed_mentions.parse` may name.
pub struct MentionKind;

impl PartialSchema for MentionKind {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .enum_values(Some(["users", "roles", "everyone"]))
            .description(Some("A kind of mention to take from the text."))
            .into()
    }
}

impl ToSchema for MentionKind {}

/// `true`, the only value a field that confirms an action accepts.
pub struct True;

impl PartialSchema for True {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::Boolean))
            .enum_values(Some([true]))
            .description(Some("Must be true."))
            .into()
    }
}

impl ToSchema for True {}

/// A schema component that is one of a few integers (Discord's numbered choices).
macro_rules! integer_choices {
    ($(#[$doc:meta])* $name:ident = $description:literal, [$($value:expr),+ $(,)?]) => {
        $(#[$doc])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::Integer))
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .enum_values(Some([$($value as i64),+]))
                    .description(Some($description))
                    .into()
            }
        }

        impl ToSchema for $name {}
    };
}

integer_choices!(
    /// What `POST /guilds/{guild_id}/channels` makes.
    NewChannelType = "The kind of channel to make: 0 text, 2 voice, 4 category.",
    [0, 2, 4]
);
integer_choices!(
    /// The message flags a message may be sent (or edited) with.
    MessageFlagsInput = "0, or SUPPRESS_EMBEDS (4) and/or SUPPRESS_NOTIFICATIONS (4096); an edit changes only \
                         SUPPRESS_EMBEDS.",
    [0, 4, 4096, 4100]
);
integer_choices!(
    /// Whom an overwrite is for.
    OverwriteType = "0 for a role, 1 for a member.",
    [0, 1]
);
integer_choices!(
    /// The thread kinds Parley makes.
    ThreadType = "11, a public thread (the only kind Parley makes).",
    [11]
);
integer_choices!(
    /// Discord's auto-archive choices.
    AutoArchiveDuration = "Minutes of inactivity before a thread is archived.",
    [60, 1440, 4320, 10080]
);
integer_choices!(
    /// Every combination of the settable application flags.
    ApplicationFlags = "Application flags: any combination of the privileged-intent bits GATEWAY_PRESENCE \
                        (1<<12, 1<<13), GATEWAY_GUILD_MEMBERS (1<<14, 1<<15) and GATEWAY_MESSAGE_CONTENT \
                        (1<<18, 1<<19).",
    [
        0, 4096, 8192, 12288, 16384, 20480, 24576, 28672, 32768, 36864, 40960, 45056, 49152, 53248, 57344, 61440, 262144, 266240, 270336, 274432, 278528, 282624, 286720, 290816, 294912, 299008, 303104, 307200, 311296, 315392, 319488, 323584, 524288, 528384, 532480, 536576, 540672, 544768, 548864, 552960, 557056, 561152, 565248, 569344, 573440, 577536, 581632, 585728, 786432, 790528, 794624, 798720, 802816, 806912, 811008, 815104, 819200, 823296, 827392, 831488, 835584, 839680, 843776, 847872
    ]
);
integer_choices!(
    /// A top-level component.
    ActionRowType = "1: an action row.",
    [1]
);
integer_choices!(
    /// The components an action row holds.
    ComponentType = "2 button, 3 text select menu, 4 text input (modals only), 5 user select, 6 role select, \
                     7 mentionable select, 8 channel select.",
    [2, 3, 4, 5, 6, 7, 8]
);
integer_choices!(
    /// The kinds of application command.
    CommandType = "1 chat input (a slash command), 2 user (a user's context menu), 3 message (a message's \
                   context menu).",
    [1, 2, 3]
);
integer_choices!(
    /// What a command permission names.
    CommandPermissionType = "1 a role (the guild's id: @everyone), 2 a member, 3 a channel (the guild's id \
                             minus 1: every channel).",
    [1, 2, 3]
);
integer_choices!(
    /// How an onboarding prompt shows its options.
    OnboardingPromptType = "0 multiple choice, 1 a dropdown.",
    [0, 1]
);
integer_choices!(
    /// Which parts of an onboarding count towards its rules.
    OnboardingMode = "0 the default channels only, 1 the prompts' channels too.",
    [0, 1]
);
integer_choices!(
    /// The kinds of command option.
    CommandOptionType = "1 sub-command, 2 sub-command group, 3 string, 4 integer, 5 boolean, 6 user, 7 channel, \
                         8 role, 9 mentionable, 10 number, 11 attachment.",
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
);
integer_choices!(
    /// Where a command can be used.
    InteractionContext = "0 a guild, 1 a DM with the bot, 2 other private channels.",
    [0, 1, 2]
);
integer_choices!(
    /// What a person sends to use an application.
    InteractionType = "2 application command, 3 message component, 4 autocomplete, 5 modal submit.",
    [2, 3, 4, 5]
);
integer_choices!(
    /// How an application answers an interaction.
    InteractionCallbackType = "4 a message, 5 a message to come (\"thinking\"), 6 nothing yet (a component's \
                               message may change later), 7 change the component's message, 8 autocomplete \
                               choices, 9 a modal.",
    [4, 5, 6, 7, 8, 9]
);
integer_choices!(
    /// The message flags a webhook message, or an interaction's follow-up, may be posted with.
    FollowUpFlags = "0, or any of SUPPRESS_EMBEDS (4), SUPPRESS_NOTIFICATIONS (4096) and, for an interaction's \
                     follow-up only, EPHEMERAL (64).",
    [0, 4, 64, 68, 4096, 4100, 4160, 4164]
);

/// A name or description per locale (Discord's `name_localizations`).
pub struct Localizations;

impl PartialSchema for Localizations {
    fn schema() -> RefOr<Schema> {
        let text =
            ObjectBuilder::new().schema_type(SchemaType::new(Type::String)).min_length(Some(1)).max_length(Some(100));
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::Object))
            .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::RefOr(RefOr::T(text.into()))))
            .max_properties(Some(34))
            .description(Some(
                "Text by locale (`en-US`, `fr`...): up to 34 locales; a name's 1-32 characters, a description's \
                 1-100.",
            ))
            .into()
    }
}

impl ToSchema for Localizations {}
