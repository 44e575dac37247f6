-- Application commands and the interactions people start with them.
--
-- A command belongs to an application, globally (`guild_id` NULL) or in one guild. Names are
-- unique per application, scope and type, as on Discord; `scope` is the guild id or 0, since a
-- unique index treats NULLs as distinct. `definition` is the checked command as JSON (its
-- description, options, choices, localisations, permissions and contexts): it is only ever
-- read whole, to answer the API or to check an invocation against it.
CREATE TABLE application_commands (
    id             BIGINT PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    guild_id       BIGINT REFERENCES guilds (id) ON DELETE CASCADE,
    scope          BIGINT NOT NULL,
    kind           INTEGER NOT NULL,
    name           TEXT NOT NULL,
    definition     TEXT NOT NULL,
    version        BIGINT NOT NULL
);
CREATE UNIQUE INDEX application_commands_name ON application_commands (application_id, scope, kind, name);
CREATE INDEX application_commands_guild_id ON application_commands (guild_id);

-- One interaction: a person used a command, a component or a modal of an application, which
-- answers once through the callback and then follows up through the interaction's token for
-- 15 minutes. The token is kept as a SHA-256 hash: it is shown once, to the application.
-- `response` is the callback type once answered (0 before), and `original_message_id` the
-- message `@original` names: the answer (types 4 and 5) or, for a component, its message.
-- `modal` holds the modal the application asked for (callback 9) until it is submitted.
CREATE TABLE interactions (
    id                  BIGINT PRIMARY KEY,
    application_id      BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    kind                INTEGER NOT NULL,
    user_id             BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    guild_id            BIGINT,
    channel_id          BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    token_hash          TEXT NOT NULL,
    metadata            TEXT NOT NULL,
    response            INTEGER NOT NULL DEFAULT 0,
    original_message_id BIGINT,
    modal               TEXT,
    created_at          BIGINT NOT NULL
);
CREATE INDEX interactions_created_at ON interactions (created_at);
CREATE INDEX interactions_token_hash ON interactions (token_hash);

-- Ephemeral answers: seen only by the person who started the interaction, never in the
-- channel's history, gone with the interaction. `message` is the message object as sent.
CREATE TABLE ephemeral_messages (
    id             BIGINT PRIMARY KEY,
    interaction_id BIGINT NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
    message        TEXT NOT NULL
);
CREATE INDEX ephemeral_messages_interaction_id ON ephemeral_messages (interaction_id);

-- A message's components (action rows of buttons and select menus), as checked JSON; the
-- application whose bot or interaction posted it; and, for an interaction's answer, who used
-- what (Discord's `interaction_metadata`, as JSON).
ALTER TABLE messages ADD COLUMN components TEXT NOT NULL DEFAULT '[]';
ALTER TABLE messages ADD COLUMN application_id BIGINT;
ALTER TABLE messages ADD COLUMN interaction TEXT;

-- Where an application wants its interactions POSTed (signed with Ed25519) instead of sent
-- over its bot's gateway connection; NULL: the gateway.
ALTER TABLE applications ADD COLUMN interactions_endpoint_url TEXT;
