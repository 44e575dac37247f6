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
    /// Write an encrypted backup: the database (copied consistently while the server runs),
    /// the signing key and the ACME certificates, sealed with the backup_key setting.
    Backup(BackupArgs),
    /// Restore a backup into an empty deployment of the same backend (a new database, or one
    /// no one ever signed up to), then migrate it to this build's schema. Stop the server first.
    Restore {
        /// The archive `parley backup` wrote.
        archive: PathBuf,
        /// Only open the archive and check every entry against its manifest; change nothing.
        #[arg(long)]
        check: bool,
        /// With --check: also write the archive's signing key to this new file, for a
        /// deployment that takes its key from elsewhere (the Helm chart's Secret).
        #[arg(long, value_name = "FILE", requires = "check")]
        signing_key_to: Option<PathBuf>,
    },
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
pub struct BackupArgs {
    /// Write the archive to this file (never overwritten).
    #[arg(long, value_name = "FILE", conflicts_with = "dir")]
    pub output: Option<PathBuf>,
    /// Write `parley-<UTC time>.backup` into this folder.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// With --dir: keep only this many newest backups there, deleting older ones. Not given
    /// (or 0): every backup is kept.
    #[arg(long)]
    pub keep: Option<usize>,
    /// With --dir: back up again at this interval until stopped (SIGTERM or Ctrl-C): a number
    /// with s, m, h or d, at least 1m, like 24h. A failed run is logged and tried again after
    /// five minutes.
    #[arg(long, value_name = "INTERVAL", value_parser = parse_interval)]
    pub every: Option<std::time::Duration>,
}

impl BackupArgs {
    /// `--keep` and `--every` are about a folder of dated backups; with `--output` they would
    /// silently do nothing. (Checked here: clap's `requires` lets them through beside
    /// `--output`, which conflicts with the folder.)
    pub fn check(&self) -> Result<(), String> {
        if self.dir.is_none() && self.output.is_none() {
            return Err("say where the backup goes: --output FILE (one archive) or --dir DIR (dated archives, with --keep and --every)".into());
        }
        if self.dir.is_none() && (self.keep.is_some() || self.every.is_some()) {
            return Err("--keep and --every go with --dir (a folder of dated backups), not --output".into());
        }
        Ok(())
    }
}

/// `30m`, `6h`, `1d` or a number of seconds; at least a minute.
fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, "s"),
    };
    let seconds_per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(format!("{text:?}: write one number with s, m, h or d (at least 1m), like 24h")),
    };
    let count: u64 =
        number.parse().map_err(|_| format!("{text:?}: write one number with s, m, h or d (at least 1m), like 24h"))?;
    let seconds = count.checked_mul(seconds_per).ok_or_else(|| format!("{text:?} is too long"))?;
    if seconds < 60 {
        return Err(format!("{text:?} is too short: at least 1m"));
    }
    Ok(std::time::Duration::from_secs(seconds))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_interval_takes_a_unit_and_is_at_least_a_minute() {
        assert_eq!(parse_interval("24h"), Ok(std::time::Duration::from_secs(86_400)));
        assert_eq!(parse_interval("30m"), Ok(std::time::Duration::from_secs(1_800)));
        assert_eq!(parse_interval("120"), Ok(std::time::Duration::from_secs(120)));
        for bad in ["59s", "1w", "h", "-5m", ""] {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
    }

    fn backup(args: &[&str]) -> Result<(), String> {
        let cli = Cli::try_parse_from([&["parley", "backup"], args].concat()).map_err(|e| e.to_string())?;
        let Command::Backup(backup) = cli.command else { panic!("not a backup") };
        backup.check()
    }

    #[test]
    fn a_backup_needs_a_file_or_a_folder_and_keep_and_every_need_the_folder() {
        assert!(backup(&[]).unwrap_err().contains("--output FILE (one archive) or --dir DIR"));
        assert!(backup(&["--output", "a", "--dir", "b"]).is_err());
        for stray in [["--keep", "3"], ["--every", "24h"]] {
            assert!(backup(&[&["--output", "a"][..], &stray[..]].concat()).unwrap_err().contains("go with --dir"));
        }
        assert_eq!(backup(&["--dir", "b", "--keep", "7", "--every", "24h"]), Ok(()));
        assert_eq!(backup(&["--output", "a"]), Ok(()));
    }
}
