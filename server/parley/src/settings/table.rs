//! [`SETTINGS`]: every setting Parley reads, in the order the docs list them.
//!
//! A default that the code using the setting also needs (a crate's `Default`, a test's
//! config) is written there, in that type's `DEFAULT`, and taken from it here; so is a range
//! that code enforces itself (TURN credential lifetimes, the worker ids). Every other default
//! and range is written only here.

use std::time::Duration;

use parley_app::AppConfig;
use parley_app::voice::turn;
use parley_gateway::GatewayConfig;
use parley_store::{DatabaseUrl, StoreOptions};
use parley_voice::VoiceConfig;

use super::spec::{DefaultValue, Item, Kind, SettingSpec, TimeUnit};
use crate::worker_lease::COMMAND_LINE_WORKER;

/// Seconds in a day.
const DAY: u64 = 86_400;

const APP: &AppConfig = &AppConfig::DEFAULT;
const GATEWAY: &GatewayConfig = &GatewayConfig::DEFAULT;
const VOICE: &VoiceConfig = &VoiceConfig::DEFAULT;
const STORE: &StoreOptions = &StoreOptions::DEFAULT;

/// Every setting Parley reads, with its default, kind (its parser and range) and meaning.
/// Text defaults may refer to `{data_dir}`.
pub const SETTINGS: &[SettingSpec] = &[
    SettingSpec {
        key: "bind",
        default: DefaultValue::Text("127.0.0.1:8080"),
        kind: Kind::Address { optional: false, example: "127.0.0.1:8080" },
        doc: "Address and port the HTTP server listens on. Use 0.0.0.0:8080 in a container.",
    },
    SettingSpec {
        key: "public_url",
        default: DefaultValue::Text("http://localhost:8080"),
        kind: Kind::Url { schemes: &["http://", "https://"], optional: false, example: None },
        doc: "The URL people and bots use to reach Parley. An https URL turns on Strict-Transport-Security.",
    },
    SettingSpec {
        key: "data_dir",
        default: DefaultValue::Text("./data"),
        kind: Kind::Path { of: "directory", optional: false },
        doc: "Directory for the SQLite database, uploaded files and generated keys. Created if missing.",
    },
    SettingSpec {
        key: "database_url",
        default: DefaultValue::Text("sqlite://{data_dir}/parley.db"),
        kind: Kind::Text {
            expected: "sqlite://PATH or postgres://USER@HOST/DB",
            valid: is_database_url,
            optional: false,
        },
        doc: "sqlite://PATH (embedded, the default) or postgres://USER:PASSWORD@HOST:PORT/DB. With PostgreSQL, run `parley migrate` before `parley serve`, or pass --migrate.",
    },
    SettingSpec {
        key: "database_max_connections",
        default: DefaultValue::Integer(STORE.max_connections as i64),
        kind: Kind::integer(1, 1000),
        doc: "Most database connections this process opens.",
    },
    SettingSpec {
        key: "worker_id",
        default: DefaultValue::Integer(0),
        kind: Kind::Integer { min: 0, max: COMMAND_LINE_WORKER as i64 - 1, or: Some("auto") },
        doc: "This node's id, stamped into every id it creates; every node of a cluster needs its own. auto: lease a free one from Redis at start (needs redis_url), for replicas started from one template. 1023 is kept for command-line tools.",
    },
    SettingSpec {
        key: "registration",
        default: DefaultValue::Text(APP.registration.as_str()),
        kind: Kind::Word(&["open", "invite_only", "closed"]),
        doc: "Who may create an account: open, invite_only (needs an instance invite from an admin) or closed (admins create accounts with `parley admin create-user`). Unless closed, the very first account needs no invite and becomes the instance admin; when others can reach the instance (bind beyond loopback, or a public_url that is not a localhost URL), only with the bootstrap token the server prints at start (`parley admin bootstrap-token`). An instance admin may change it live in the admin console (`PATCH /admin/settings`), which then holds on every node over this setting until set back.",
    },
    SettingSpec {
        key: "guild_creation",
        default: DefaultValue::Text(APP.guild_creation.as_str()),
        kind: Kind::Word(&["anyone", "admins"]),
        doc: "Who may create guilds: anyone with an account, or admins (instance admins only). An instance admin may change it live in the admin console (`PATCH /admin/settings`), which then holds over this setting until set back.",
    },
    SettingSpec {
        key: "signing_key_file",
        default: DefaultValue::Text("{data_dir}/keys/access-token.ed25519"),
        kind: Kind::Path { of: "file", optional: false },
        doc: "File holding the Ed25519 key that signs access tokens; generated on first start. Every node of a cluster must share it.",
    },
    SettingSpec {
        key: "backup_key",
        default: DefaultValue::Text(""),
        kind: Kind::Secret { min_len: 16, optional: true },
        doc: "The passphrase that encrypts the archives `parley backup` writes and `parley restore` reads (they hold the signing key and every account's data). openssl rand -hex 32 makes a good one; keep a copy away from the backups, since an archive cannot be opened without it. Empty: `parley backup` refuses to run.",
    },
    SettingSpec {
        key: "refresh_token_ttl_days",
        default: DefaultValue::Duration(APP.refresh_token_ttl),
        kind: Kind::Duration {
            unit: TimeUnit::Days,
            min: Duration::from_secs(DAY),
            max: Duration::from_secs(365 * DAY),
        },
        doc: "Days a refresh token stays valid if unused. Each use issues a new one.",
    },
    SettingSpec {
        key: "password_hash_memory_kib",
        default: DefaultValue::Integer(19_456),
        kind: Kind::integer(64, 4 * 1024 * 1024),
        doc: "Argon2id memory cost per password hash, in KiB (OWASP recommends 19456). Lower only for tests.",
    },
    SettingSpec {
        key: "password_hash_iterations",
        default: DefaultValue::Integer(2),
        kind: Kind::integer(1, 10),
        doc: "Argon2id passes per password hash.",
    },
    SettingSpec {
        key: "password_hash_concurrency",
        default: DefaultValue::Integer(2),
        kind: Kind::integer(1, 256),
        doc: "Most password hashes computed at once; the rest wait. Bounds memory: this times password_hash_memory_kib.",
    },
    SettingSpec {
        key: "login_lockout_threshold",
        default: DefaultValue::Integer(APP.lockout.threshold),
        kind: Kind::integer(1, 1000),
        doc: "Failed logins within the window that lock an account.",
    },
    SettingSpec {
        key: "login_lockout_window_secs",
        default: DefaultValue::Duration(Duration::from_millis(APP.lockout.window_ms as u64)),
        kind: Kind::seconds(1, DAY),
        doc: "The window in which failed logins are counted.",
    },
    SettingSpec {
        key: "login_lockout_secs",
        default: DefaultValue::Duration(Duration::from_millis(APP.lockout.lock_ms as u64)),
        kind: Kind::seconds(1, 7 * DAY),
        doc: "How long a locked account stays locked.",
    },
    SettingSpec {
        key: "auth_rate_limit_per_minute",
        default: DefaultValue::Integer(APP.auth_ip_limit_per_minute as i64),
        kind: Kind::integer(0, 100_000),
        doc: "Requests per minute each client address may make to register, login and refresh (0 disables).",
    },
    SettingSpec {
        key: "login_rate_limit_per_minute",
        default: DefaultValue::Integer(APP.login_account_limit_per_minute as i64),
        kind: Kind::integer(0, 100_000),
        doc: "Login attempts per minute for each account name, from any address (0 disables).",
    },
    SettingSpec {
        key: "rest_global_per_second",
        default: DefaultValue::Integer(APP.rest_limits.global_per_second as i64),
        kind: Kind::integer(0, 1_000_000),
        doc: "API requests each account (or, without a token, each client address) may make per second, all routes together (Discord's global limit is 50); over it, 429 with global: true. 0 disables. Shared by every node through Redis when redis_url is set.",
    },
    SettingSpec {
        key: "rest_messages_per_5s",
        default: DefaultValue::Integer(APP.rest_limits.messages_per_5s as i64),
        kind: Kind::integer(0, 1_000_000),
        doc: "Messages each account may send per 5 seconds in one channel (Discord's limit); over it, 429 with retry_after. 0 disables.",
    },
    SettingSpec {
        key: "rest_guild_creates_per_hour",
        default: DefaultValue::Integer(APP.rest_limits.guild_creates_per_hour as i64),
        kind: Kind::integer(0, 1_000_000),
        doc: "Guilds each account may create per hour. 0 disables.",
    },
    SettingSpec {
        key: "rest_exports_per_hour",
        default: DefaultValue::Integer(APP.rest_limits.exports_per_hour as i64),
        kind: Kind::integer(0, 1_000_000),
        doc: "Exports of their data (`GET /users/@me/export`, which reads every message they wrote) each account may download per hour. 0 disables.",
    },
    SettingSpec {
        key: "rest_route_per_10s",
        default: DefaultValue::Integer(APP.rest_limits.route_per_10s as i64),
        kind: Kind::integer(0, 1_000_000),
        doc: "Requests each account may make per 10 seconds to any other one route (per channel or guild it acts in, as Discord's buckets are). 0 disables.",
    },
    SettingSpec {
        key: "max_body_bytes",
        default: DefaultValue::Integer(APP.max_body_bytes as i64),
        kind: Kind::integer(1024, 64 * 1024 * 1024),
        doc: "Largest JSON request body accepted, in bytes; larger ones get 413. Routes that take an image as a data URI accept what the largest image needs (about 13.4 MiB for avatars, icons and banners; 512 KiB for emoji), whatever this says.",
    },
    SettingSpec {
        key: "cors_origins",
        default: DefaultValue::Text(""),
        kind: Kind::List(Item::Origin),
        doc: "Comma-separated origins (https://chat.example.com) allowed to call the API from other sites' pages. Empty: same origin only.",
    },
    SettingSpec {
        key: "trust_forwarded_for",
        default: DefaultValue::Bool(APP.trust_forwarded_for),
        kind: Kind::Bool,
        doc: "Take the client address from X-Forwarded-For. Turn on only behind a reverse proxy that sets it (nginx, an ingress).",
    },
    SettingSpec {
        // The outbound client's errors name this setting: the key is its `ALLOW_SETTING`.
        key: parley_outbound::ALLOW_SETTING,
        default: DefaultValue::Text(""),
        kind: Kind::List(Item::Network),
        doc: "Networks (CIDR, comma-separated) that Parley may call even though they are private, loopback or link-local: e.g. where bots' HTTP interactions endpoints live on your own network. Empty: only public addresses.",
    },
    SettingSpec {
        key: "event_bus_capacity",
        default: DefaultValue::Integer(4096),
        kind: Kind::integer(16, 1_000_000),
        doc: "Events the in-process bus holds for its slowest subscriber; a subscriber further behind is told it lagged (a gateway session is then closed as resumable).",
    },
    SettingSpec {
        key: "redis_url",
        default: DefaultValue::Text(""),
        kind: Kind::Url { schemes: &["redis://", "rediss://"], optional: true, example: None },
        doc: "redis://[:PASSWORD@]HOST:PORT[/DB] to run several Parley nodes as one: events travel between them through a Redis stream, and a gateway session can resume on any node. Empty: one node, everything in process.",
    },
    SettingSpec {
        key: "redis_key_prefix",
        default: DefaultValue::Text("parley"),
        kind: Kind::Text { expected: "letters, digits, ':', '_' or '-'", valid: is_key_prefix, optional: false },
        doc: "Prefix of every key Parley uses in Redis, so several deployments can share one Redis.",
    },
    SettingSpec {
        key: "redis_event_log_length",
        default: DefaultValue::Integer(100_000),
        kind: Kind::integer(1000, 10_000_000),
        doc: "About how many recent events the Redis stream keeps: how far back a session resuming on another node can catch up.",
    },
    SettingSpec {
        key: "files_storage",
        default: DefaultValue::Text("local"),
        kind: Kind::Word(&["local", "s3"]),
        doc: "Where uploaded files (attachments, avatars, emoji) are kept: local (files_dir, the default) or s3 (an S3-compatible bucket: the s3_* settings). Several nodes need s3, or files_dir on a volume they all share.",
    },
    SettingSpec {
        key: "files_dir",
        default: DefaultValue::Text("{data_dir}/files"),
        kind: Kind::Path { of: "directory", optional: false },
        doc: "With files_storage = local: the directory uploaded files are kept in. Created if missing, readable by Parley's user only.",
    },
    SettingSpec {
        key: "s3_bucket",
        default: DefaultValue::Text(""),
        kind: Kind::Text {
            expected: "a bucket name: lower-case letters, digits, '.' and '-'",
            valid: is_bucket,
            optional: true,
        },
        doc: "With files_storage = s3: the bucket. It must exist; Parley does not create it.",
    },
    SettingSpec {
        key: "s3_endpoint",
        default: DefaultValue::Text(""),
        kind: Kind::Url { schemes: &["https://", "http://"], optional: true, example: Some("http://minio:9000") },
        doc: "With files_storage = s3: the S3-compatible server's URL (MinIO, Ceph, R2...). Empty: AWS S3 in s3_region.",
    },
    SettingSpec {
        key: "s3_public_endpoint",
        default: DefaultValue::Text(""),
        kind: Kind::Url {
            schemes: &["https://", "http://"],
            optional: true,
            example: Some("https://files.example.com"),
        },
        doc: "With s3_presigned_downloads: the S3 server's URL as browsers and bots reach it, when s3_endpoint is a name only Parley can reach (http://minio:9000). Empty: s3_endpoint.",
    },
    SettingSpec {
        key: "s3_presigned_downloads",
        default: DefaultValue::Bool(false),
        kind: Kind::Bool,
        doc: "With files_storage = s3: answer each checked attachment download with a redirect (307) to a presigned URL on the bucket, so file bytes flow from the bucket rather than through Parley. Each URL works for at most 15 minutes, so a deleted message's file may still open through one handed out before for that long. The bucket must be on another origin than Parley's (it cannot add Parley's sandboxing headers; the same origin is refused), and reachable by clients (s3_public_endpoint). Thumbnails are still served by Parley.",
    },
    SettingSpec {
        key: "s3_region",
        default: DefaultValue::Text("us-east-1"),
        kind: Kind::Text { expected: "a region name such as eu-west-1", valid: is_region, optional: false },
        doc: "With files_storage = s3: the bucket's region (what the signatures name; most self-hosted servers take any).",
    },
    SettingSpec {
        key: "s3_path_style",
        default: DefaultValue::Bool(false),
        kind: Kind::Bool,
        doc: "With files_storage = s3: put the bucket in the URL's path (http://host/bucket/key) instead of its host name. Most self-hosted servers (MinIO) need true.",
    },
    SettingSpec {
        key: "s3_prefix",
        default: DefaultValue::Text(""),
        kind: Kind::Text {
            expected: "folders of letters, digits, '.', '_' or '-', separated by '/' (none empty, none starting with '.')",
            valid: is_object_prefix,
            optional: true,
        },
        doc: "With files_storage = s3: a prefix for every key Parley writes (parley/, say), to share a bucket.",
    },
    SettingSpec {
        key: "s3_access_key_id",
        default: DefaultValue::Text(""),
        kind: Kind::Text { expected: "an access key id", valid: is_access_key_id, optional: true },
        doc: "With files_storage = s3: the access key id, with s3_secret_access_key. Both empty: the standard AWS chain (AWS_* environment variables, a profile, web identity as on EKS, instance metadata).",
    },
    SettingSpec {
        key: "s3_secret_access_key",
        default: DefaultValue::Text(""),
        kind: Kind::Secret { min_len: 8, optional: true },
        doc: "With files_storage = s3: the secret access key that goes with s3_access_key_id.",
    },
    SettingSpec {
        key: "s3_part_size_mib",
        default: DefaultValue::Integer(8),
        kind: Kind::integer(5, 64),
        doc: "With files_storage = s3: uploads larger than this go up in parts of this size, one part in memory per upload at a time (S3 takes 5 MiB at least).",
    },
    SettingSpec {
        key: "files_max_upload_mib",
        default: DefaultValue::Integer((APP.files.max_file_bytes / (1024 * 1024)) as i64),
        kind: Kind::integer(1, 10_240),
        doc: "The largest file anyone may upload, in MiB; a larger one is refused (413) while it streams, and nothing is kept. A proxy in front must allow bodies this large times files_per_message (the compose bundle's nginx and the Helm chart's ingress follow this).",
    },
    SettingSpec {
        key: "files_per_message",
        default: DefaultValue::Integer(APP.files.max_files_per_message as i64),
        kind: Kind::integer(1, 10),
        doc: "Files one message may carry (Discord's limit, 10, is the most).",
    },
    SettingSpec {
        key: "files_user_quota_mib",
        default: DefaultValue::Integer(10_240),
        kind: Kind::integer(0, 100_000_000),
        doc: "What one person's uploaded files may take in all, in MiB; an upload past it is refused (413) and nothing is kept. Deleting messages with files gives the space back (after files_deleted_grace_mins). 0: no limit.",
    },
    SettingSpec {
        key: "files_instance_quota_gib",
        default: DefaultValue::Integer(0),
        kind: Kind::integer(0, 1_000_000),
        doc: "What every uploaded file together may take, in GiB (the disk or bucket you give Parley, less room to spare); past it every upload is refused (413). 0: no limit.",
    },
    SettingSpec {
        key: "files_strip_metadata",
        default: DefaultValue::Bool(APP.files.strip_metadata),
        kind: Kind::Bool,
        doc: "Remove the metadata cameras and phones write into images (EXIF with the GPS location, XMP, IPTC, PNG text) as they are uploaded; the pixels are untouched and a JPEG keeps its orientation.",
    },
    SettingSpec {
        key: "files_image_max_megapixels",
        default: DefaultValue::Integer((APP.files.image.max_pixels / 1_000_000) as i64),
        kind: Kind::integer(1, 1000),
        doc: "The most pixels an uploaded image may declare, in millions (and no side past 32768): a small file declaring enormous dimensions would take a browser's or a thumbnailer's memory. Larger images are refused (400).",
    },
    SettingSpec {
        key: "files_url_ttl_hours",
        default: DefaultValue::Integer((APP.files.url_ttl_secs / 3600) as i64),
        kind: Kind::integer(1, 720),
        doc: "How long a file's download link works. Links are signed into every message as it is read, so a client that reloads gets fresh ones; an old copied link stops working.",
    },
    SettingSpec {
        key: "files_deleted_grace_mins",
        default: DefaultValue::Integer((APP.files.deleted_grace_secs / 60) as i64),
        kind: Kind::integer(0, 43_200),
        doc: "How long a deleted message's files stay in storage (their links already stop working) before they are removed and their space given back.",
    },
    SettingSpec {
        key: "files_sweep_interval_secs",
        default: DefaultValue::Duration(Duration::from_secs(60)),
        kind: Kind::seconds(0, 3600),
        doc: "How often each node removes files no message shows any more (uploads no message took within an hour, deleted messages' files after files_deleted_grace_mins), a bounded batch at a time. 0: this node sweeps none (a node whose files settings are not the real storage's, such as the Helm chart's voice pod; another node must sweep).",
    },
    SettingSpec {
        key: "gateway_url",
        default: DefaultValue::Text(""),
        kind: Kind::Url { schemes: &["ws://", "wss://"], optional: true, example: None },
        doc: "The WebSocket URL clients and bots are told to connect to, e.g. wss://chat.example.com/gateway. Empty: ws:// (wss:// when public_url is https) plus the host the client used, then /gateway.",
    },
    SettingSpec {
        key: "gateway_heartbeat_interval_ms",
        default: DefaultValue::Duration(GATEWAY.heartbeat_interval),
        kind: Kind::Duration {
            unit: TimeUnit::Milliseconds,
            min: Duration::from_secs(1),
            max: Duration::from_secs(600),
        },
        doc: "How often gateway clients heartbeat (sent in HELLO). A connection silent for a quarter interval longer is asked for a heartbeat; one silent for two intervals is closed (4009).",
    },
    SettingSpec {
        key: "gateway_session_queue",
        default: DefaultValue::Integer(GATEWAY.session_queue as i64),
        kind: Kind::integer(16, 65_536),
        doc: "Dispatches a gateway connection may have waiting to be written; a connection further behind is closed as resumable (it resumes from the replay buffer, which must hold at least twice this many).",
    },
    SettingSpec {
        key: "gateway_replay_buffer",
        default: DefaultValue::Integer(GATEWAY.replay_buffer as i64),
        kind: Kind::integer(32, 200_000),
        doc: "Most dispatches kept per gateway session for RESUME; a client that missed more must identify again. Those a client confirmed with a heartbeat are let go sooner, so a session that keeps up holds few. At least twice gateway_session_queue: a connection closed for a full queue must be able to resume with the queue and what was still in flight. Each costs about 40 bytes per session (payloads are shared).",
    },
    SettingSpec {
        key: "gateway_resume_window_secs",
        default: DefaultValue::Duration(GATEWAY.resume_window),
        kind: Kind::seconds(1, 3600),
        doc: "How long a gateway session outlives its connection, waiting to be resumed.",
    },
    SettingSpec {
        key: "gateway_commands_per_minute",
        default: DefaultValue::Integer(GATEWAY.commands_per_minute as i64),
        kind: Kind::integer(10, 100_000),
        doc: "Commands a gateway connection may send per minute before it is closed with 4008 (Discord's limit is 120).",
    },
    SettingSpec {
        key: "gateway_identifies_per_5s",
        default: DefaultValue::Integer(APP.rest_limits.identifies_per_5s as i64),
        kind: Kind::integer(0, 1_000_000),
        doc: "Gateway IDENTIFYs each account may make per 5 seconds (advertised as session_start_limit.max_concurrency); more is closed with 4008. 0 disables.",
    },
    SettingSpec {
        key: "gateway_identifies_per_day",
        default: DefaultValue::Integer(APP.rest_limits.identifies_per_day as i64),
        kind: Kind::integer(0, 100_000_000),
        doc: "Gateway IDENTIFYs each account may make per day (advertised as session_start_limit.total, with what remains); more is closed with 4008. 0 disables.",
    },
    SettingSpec {
        key: "gateway_sessions_per_account",
        default: DefaultValue::Integer(GATEWAY.sessions_per_account as i64),
        kind: Kind::integer(0, 1_000_000),
        doc: "Live gateway sessions one account may hold on a node at once; another IDENTIFY is closed with 4008 until one ends. 0 disables.",
    },
    SettingSpec {
        key: "gateway_write_timeout_secs",
        default: DefaultValue::Duration(GATEWAY.write_timeout),
        kind: Kind::seconds(1, 300),
        doc: "Longest a single write to a gateway client may take (a batch of frames, the close frame); a client that stops reading for that long is dropped, its session kept for a resume.",
    },
    SettingSpec {
        key: "metrics_bind",
        default: DefaultValue::Text(""),
        kind: Kind::Address { optional: true, example: "0.0.0.0:9100" },
        doc: "Address and port for a second listener that serves only /metrics, e.g. 0.0.0.0:9100, so metrics need not be public. Empty: /metrics is served on bind, but only to clients on this machine that no proxy forwarded (a Prometheus beside Parley); everyone else gets 404.",
    },
    SettingSpec {
        key: "log_format",
        default: DefaultValue::Text("text"),
        kind: Kind::Word(&["text", "json"]),
        doc: "text (readable) or json (one object per line, for log collectors).",
    },
    SettingSpec {
        key: "log_level",
        default: DefaultValue::Text("info"),
        kind: Kind::Text {
            expected: "a filter like info or parley=debug,sqlx=warn",
            valid: is_log_filter,
            optional: false,
        },
        doc: "Log filter, e.g. info, or parley=debug,sqlx=warn (tracing's EnvFilter syntax).",
    },
    SettingSpec {
        key: "tls_mode",
        default: DefaultValue::Text("off"),
        kind: Kind::Word(&["off", "files", "acme"]),
        doc: "off (plain HTTP; a proxy such as nginx terminates TLS), files (serve HTTPS on bind with tls_cert_file and tls_key_file) or acme (serve HTTPS on bind with certificates obtained automatically for tls_acme_domains; bind must be reachable on port 443). Any mode but off turns on HSTS.",
    },
    SettingSpec {
        key: "tls_cert_file",
        default: DefaultValue::Text(""),
        kind: Kind::Path { of: "file", optional: true },
        doc: "With tls_mode = files: the PEM certificate chain, leaf first. Re-read within a minute when it changes.",
    },
    SettingSpec {
        key: "tls_key_file",
        default: DefaultValue::Text(""),
        kind: Kind::Path { of: "file", optional: true },
        doc: "With tls_mode = files: the PEM private key (PKCS#8, PKCS#1 or SEC1).",
    },
    SettingSpec {
        key: "tls_acme_domains",
        default: DefaultValue::Text(""),
        kind: Kind::List(Item::Domain),
        doc: "With tls_mode = acme: comma-separated domain names for the certificate, e.g. chat.example.com. Each must resolve to this server.",
    },
    SettingSpec {
        key: "tls_acme_contact",
        default: DefaultValue::Text(""),
        kind: Kind::Text { expected: "an email address", valid: is_email_address, optional: true },
        doc: "With tls_mode = acme: an email address the CA may write to about expiry or policy (optional, recommended).",
    },
    SettingSpec {
        key: "tls_acme_directory",
        default: DefaultValue::Text("https://acme-v02.api.letsencrypt.org/directory"),
        kind: Kind::Url { schemes: &["https://"], optional: false, example: None },
        doc: "With tls_mode = acme: the ACME directory URL. Let's Encrypt's staging directory is https://acme-staging-v02.api.letsencrypt.org/directory.",
    },
    SettingSpec {
        key: "tls_acme_ca_file",
        default: DefaultValue::Text(""),
        kind: Kind::Path { of: "file", optional: true },
        doc: "With tls_mode = acme: PEM roots to trust for the ACME directory's own HTTPS (private ACME servers such as step-ca). Empty: the public web roots.",
    },
    SettingSpec {
        key: "tls_redirect_bind",
        default: DefaultValue::Text(""),
        kind: Kind::Address { optional: true, example: "0.0.0.0:80" },
        doc: "With TLS on: an address for a plain-HTTP listener that redirects every request to public_url over HTTPS, e.g. 0.0.0.0:80. Empty: none.",
    },
    SettingSpec {
        key: "turn_secret",
        default: DefaultValue::Text(""),
        kind: Kind::Secret { min_len: 16, optional: true },
        doc: "The secret shared with coturn (its static-auth-secret, with use-auth-secret), from which Parley makes short-lived TURN credentials for voice. openssl rand -hex 24 makes a good one. Empty: no TURN; clients only get the STUN servers.",
    },
    SettingSpec {
        key: "turn_urls",
        default: DefaultValue::Text(""),
        kind: Kind::List(Item::Url(&["turn:", "turns:"])),
        doc: "Comma-separated TURN URLs given to clients with a credential, e.g. turn:turn.example.com:3478?transport=udp,turn:turn.example.com:3478?transport=tcp.",
    },
    SettingSpec {
        key: "stun_urls",
        default: DefaultValue::Text(""),
        kind: Kind::List(Item::Url(&["stun:", "stuns:"])),
        doc: "Comma-separated STUN URLs given to clients, e.g. stun:turn.example.com:3478.",
    },
    SettingSpec {
        key: "turn_credential_ttl_secs",
        default: DefaultValue::Duration(Duration::from_secs(3600)),
        kind: Kind::Duration { unit: TimeUnit::Seconds, min: turn::MIN_TTL, max: turn::MAX_TTL },
        doc: "How long a TURN credential is valid. Clients ask for a new one before it runs out.",
    },
    SettingSpec {
        key: "voice_udp_bind",
        default: DefaultValue::Address(VOICE.udp_bind),
        kind: Kind::Address { optional: false, example: "0.0.0.0:50000" },
        doc: "The one UDP address and port all voice and video media uses (ICE over a single port). Use 0.0.0.0:50000 in a container, and open this UDP port in the firewall.",
    },
    SettingSpec {
        key: "voice_public_ip",
        default: DefaultValue::Text(""),
        kind: Kind::Ip { optional: true, example: "203.0.113.7" },
        doc: "The IP address clients reach voice_udp_bind at, when Parley is behind NAT (a container, a cloud VM): it is the address advertised in ICE candidates. Empty: the bound address (every interface's when bound to 0.0.0.0).",
    },
    SettingSpec {
        key: "voice_endpoint",
        default: DefaultValue::Text(""),
        kind: Kind::Text {
            expected: "a host and path without a scheme, like voice.example.com/voice",
            valid: is_voice_endpoint,
            optional: true,
        },
        doc: "Where clients open the voice WebSocket, as host and path without a scheme (e.g. voice.example.com/voice), when one node carries every call for several API nodes. Empty: beside the address the client reached the gateway at.",
    },
    SettingSpec {
        key: "voice_resume_window_secs",
        default: DefaultValue::Duration(VOICE.resume_window),
        kind: Kind::seconds(1, 300),
        doc: "How long a call outlives a dropped voice WebSocket, waiting for the client to resume it (media keeps flowing meanwhile).",
    },
    SettingSpec {
        key: "otlp_endpoint",
        default: DefaultValue::Text(""),
        kind: Kind::Url { schemes: &["http://"], optional: true, example: Some("http://tempo:4318") },
        doc: "Base URL of an OpenTelemetry (OTLP/HTTP, protobuf) receiver such as Tempo or a collector, e.g. http://tempo:4318; /v1/traces is appended. Empty: no spans are exported (log lines still carry trace ids).",
    },
    SettingSpec {
        key: "otlp_sample_ratio",
        default: DefaultValue::Decimal(1.0),
        kind: Kind::Decimal { min: 0.0, max: 1.0 },
        doc: "Share of new traces that are exported. A request whose traceparent says its caller sampled it is always exported, and one that says not is never.",
    },
    SettingSpec {
        key: "loki_url",
        default: DefaultValue::Text(""),
        kind: Kind::Url { schemes: &["http://"], optional: true, example: Some("http://loki:3100") },
        doc: "Base URL of Loki, e.g. http://loki:3100, to push log lines to (as JSON, labelled service=\"parley\" and level). Empty: logs go to stdout only.",
    },
    SettingSpec {
        key: "shutdown_grace_secs",
        default: DefaultValue::Duration(Duration::from_secs(30)),
        kind: Kind::seconds(0, 3600),
        doc: "On SIGTERM or SIGINT, how long in-flight requests may take to finish before the server stops anyway.",
    },
];

fn is_database_url(v: &str) -> bool {
    DatabaseUrl::parse(v).is_ok()
}

fn is_bucket(v: &str) -> bool {
    (3..=63).contains(&v.len())
        && v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
}

fn is_region(v: &str) -> bool {
    !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn is_object_prefix(v: &str) -> bool {
    let v = v.trim_matches('/');
    v.len() <= 128 && (v.is_empty() || parley_objects::ObjectKey::parse(v).is_ok())
}

fn is_access_key_id(v: &str) -> bool {
    v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic())
}

fn is_key_prefix(v: &str) -> bool {
    !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || ":_-".contains(c))
}

fn is_log_filter(v: &str) -> bool {
    tracing_subscriber::EnvFilter::try_new(v).is_ok()
}

fn is_email_address(v: &str) -> bool {
    v.contains('@') && !v.contains(' ')
}

/// A host and path, without a scheme: `voice.example.com/voice`.
fn is_voice_endpoint(v: &str) -> bool {
    !v.contains("://") && !v.contains(char::is_whitespace) && v.contains('/')
}
