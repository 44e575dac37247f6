//! `parley admin ...`: account and invite administration straight against the database.

use std::io::BufRead;

use anyhow::{Context, bail};
use parley_app::applications::new_application;
use parley_app::auth::PasswordHasher;
use parley_app::auth::refresh_token::random_code;
use parley_app::instance_invites::invite_limits;
use parley_core::account::{Email, Password, Username};
use parley_core::{SnowflakeGenerator, Timestamp};
use parley_store::StoreError;
use parley_store::users::NewUser;

use crate::cli::{AdminCommand, CreateUser};
use crate::settings::Settings;
use crate::startup::open_store;

pub async fn run(settings: &Settings, command: &AdminCommand) -> anyhow::Result<()> {
    let store = open_store(settings, false).await?;
    let result = match command {
        AdminCommand::CreateUser(args) => create_user(settings, &store, args).await,
        AdminCommand::Promote { username, revoke } => {
            let user = store.user_by_login(username).await?.with_context(|| format!("no user named {username:?}"))?;
            store.set_admin(user.id, !revoke).await?;
            println!("{} is {} an instance admin.", user.username, if *revoke { "no longer" } else { "now" });
            Ok(())
        }
        AdminCommand::CreateInvite { max_uses, max_age } => {
            let (max_age, max_uses) = invite_limits(Some(*max_age), Some(*max_uses))
                .map_err(|e| anyhow::anyhow!("invalid invite limits: {}", e.to_json()))?;
            let now = Timestamp::now();
            let expires = (max_age > 0).then(|| now.plus_millis(max_age * 1000));
            let invite = store.create_instance_invite(&random_code(9), None, max_uses, expires, now).await?;
            println!("{}", invite.code);
            eprintln!(
                "Invite {} created: {} use(s), {}.",
                invite.code,
                if max_uses == 0 { "unlimited".to_owned() } else { max_uses.to_string() },
                expires.map_or("never expires".to_owned(), |t| format!("expires {}", t.to_iso8601()))
            );
            Ok(())
        }
        AdminCommand::CreateBot { owner, name } => {
            let owner = store.user_by_login(owner).await?.with_context(|| format!("no user named {owner:?}"))?;
            let name = parley_core::account::DisplayName::parse(name)
                .ok()
                .filter(|n| n.as_str().chars().count() >= 2)
                .context("invalid name: 2-32 characters, no control characters")?;
            let ids = SnowflakeGenerator::new(settings.worker_id.for_command_line())?;
            let (app, token) = new_application(&store, ids.next(), owner.id, name.as_str(), "")
                .await
                .map_err(|e| anyhow::anyhow!("cannot create the application: {e}"))?;
            println!("{token}");
            eprintln!(
                "Application {} ({}) created for {}; its bot token is above. Keep it secret: it is shown once.",
                app.id, app.name, owner.username
            );
            Ok(())
        }
        AdminCommand::BootstrapToken => bootstrap_token(settings, &store).await,
        AdminCommand::ListInvites => {
            for i in store.instance_invites().await? {
                let max = if i.max_uses == 0 { "∞".to_owned() } else { i.max_uses.to_string() };
                let expiry = i.expires_at.map_or("never".to_owned(), |t| Timestamp::from_unix_millis(t).to_iso8601());
                println!("{}  uses {}/{}  expires {}", i.code, i.uses, max, expiry);
            }
            Ok(())
        }
    };
    store.close().await;
    result
}

async fn create_user(settings: &Settings, store: &parley_store::Store, args: &CreateUser) -> anyhow::Result<()> {
    let username = Username::parse(&args.username).map_err(|e| anyhow::anyhow!("invalid username: {}", e.message))?;
    let email = args
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("invalid email: {}", e.message))?;
    let (password, generated) = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
        (line.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (random_code(15), true)
    };
    let password = Password::parse(&password).map_err(|e| anyhow::anyhow!("invalid password: {}", e.message))?;
    let hasher = PasswordHasher::new(settings.password_hash_memory_kib, settings.password_hash_iterations, 1)
        .map_err(|e| anyhow::anyhow!("invalid password hashing settings: {e}"))?;
    let hash = hasher.hash(password.expose()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let ids = SnowflakeGenerator::new(settings.worker_id.for_command_line())?;
    let user = NewUser {
        id: ids.next(),
        username: username.into_inner(),
        global_name: None,
        email: email.map(Email::into_inner),
        password_hash: Some(hash),
        bot: false,
        now: Timestamp::now(),
    };
    let created = match store.create_user(&user, args.admin).await {
        Err(StoreError::Conflict(what)) => bail!("that {what:?} is already taken"),
        other => other?,
    };
    println!(
        "Created {} (id {}){}.",
        created.username,
        created.id,
        if created.is_admin { ", an instance admin" } else { "" }
    );
    if generated {
        println!("Password: {}", password.expose());
    }
    Ok(())
}

/// Prints the bootstrap link and token (stdout: the token alone on its last line, for scripts).
async fn bootstrap_token(settings: &Settings, store: &parley_store::Store) -> anyhow::Result<()> {
    use parley_app::auth::bootstrap::{bootstrap_link, bootstrap_token};
    if store.admin_claimed().await? {
        bail!(
            "this instance has an admin already; the bootstrap token is spent (use `parley admin promote` to add admins)"
        );
    }
    if settings.api.registration == parley_app::RegistrationMode::Closed {
        bail!(
            "registration is closed, so nobody registers with the token: create the admin with `parley admin create-user --admin`"
        );
    }
    // The server's own key, never a new one (a token from a stray key would work nowhere).
    if !settings.signing_key_file.exists() {
        bail!(
            "no signing key at {} (setting signing_key_file): run this where the server keeps its data, with its settings",
            settings.signing_key_file.display()
        );
    }
    let seed = crate::keys::load_or_create_signing_key(&settings.signing_key_file)?;
    let tokens = parley_app::auth::TokenIssuer::new(seed, settings.public_url.clone(), 60_000);
    let token = bootstrap_token(&tokens);
    if !settings.api.admin_bootstrap {
        eprintln!(
            "Note: this instance listens on loopback with a localhost public_url, so its first account becomes the admin without the token."
        );
    }
    eprintln!("Open this link to create the admin account (it works until an admin exists):");
    eprintln!("  {}", bootstrap_link(&settings.public_url, &token));
    println!("{token}");
    Ok(())
}
