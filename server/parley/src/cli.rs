//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Parley: a self-hosted chat server with communities, voice, video and bots, speaking the
/// Discord v10 API.
///
/// Settings come from PARLEY_* environment variables over an optional TOML file; with none
/// at all, Parley runs embedded (SQLite and files under ./data). See docs/configuration.md.
#[derive(Debug, Parser)]
#[command(name = "parley", version, propagate_version = true)]
pub struct Cli {
    /// A TOML settings file (environment variables still override it).
    #[arg(long, global = true, env = "PARLEY_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the API under /api/v10 and the health probes) until SIGTERM or Ctrl-C.
    ///
    /// With SQLite the schema is migrated on start. With PostgreSQL the server refuses to
    /// start on an outdated schema unless --migrate is given; run `parley migrate` first.
    Serve {
        /// Apply pending migrations before serving (PostgreSQL; SQLite always does).
        #[arg(long)]
        migrate: bool,
    },
    /// Apply pending database migrations and exit: the sidecar / init-container step.
    ///
    /// Safe to run twice (the second run does nothing) and, on PostgreSQL, from several
    /// replicas at once (they take turns on a lock).
    Migrate,
    /// Instance administration from the command line.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an account (works whatever the registration mode).
    CreateUser(CreateUser),
    /// Make an existing user an instance admin (or, with --revoke, take it away).
    Promote {
        /// The user's username.
        username: String,
        /// Remove admin rights instead.
        #[arg(long)]
        revoke: bool,
    },
    /// Create an instance invite code for registration on an invite_only instance.
    CreateInvite {
        /// How many accounts it may create; 0 means unlimited.
        #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
        max_uses: i64,
        /// Seconds until it expires; 0 means never.
        #[arg(long, default_value_t = 86_400, allow_negative_numbers = true)]
        max_age: i64,
    },
    /// List instance invite codes.
    ListInvites,
    /// Print the setup link (and its token) that makes the first account the instance admin,
    /// while no admin exists; needed when others can reach the instance.
    BootstrapToken,
    /// Create an application with a bot user for an existing user; prints the bot token.
    CreateBot {
        /// The owner's username.
        #[arg(long)]
        owner: String,
        /// The application's (and bot's display) name, 2-32 characters.
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct CreateUser {
    /// 2-32 characters: a-z, 0-9, `_` and `.`.
    #[arg(long)]
    pub username: String,
    #[arg(long)]
    pub email: Option<String>,
    /// Read the password from the first line of standard input, instead of generating one
    /// (a password on the command line would be visible to other users of the machine).
    #[arg(long)]
    pub password_stdin: bool,
    /// Make the account an instance admin.
    #[arg(long)]
    pub admin: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Load the configuration as `serve` would and report every problem; exits 0 if valid.
    Check,
    /// Print docs/configuration.md (every setting, its default and meaning).
    Docs,
    /// Print an example environment file with every setting at its default.
    ExampleEnv,
}
