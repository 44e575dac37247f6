//! The `parley` binary itself: `migrate` (twice, concurrently), `serve` refusing a schema it
//! does not match, `admin`, and `config check`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};

use parley_store::{DatabaseUrl, Store, StoreOptions};
use reqwest::StatusCode;

use crate::helpers::{Backend, TestDatabase, on_both_backends, parley_command as parley, status_and_json};

fn run(command: &mut Command) -> (bool, String, String) {
    let Output { status, stdout, stderr } = command.output().expect("parley runs");
    (status.success(), String::from_utf8_lossy(&stdout).into_owned(), String::from_utf8_lossy(&stderr).into_owned())
}

/// Starts `parley serve` and returns the child and the URL it printed.
fn serve(db: &TestDatabase, extra_args: &[&str]) -> (Child, String) {
    let mut args = vec!["serve"];
    args.extend_from_slice(extra_args);
    let mut child = parley(db, &args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn serve");
    // Log lines (a warning, say) may come first; the URL's line follows them.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    for _ in 0..50 {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("serve prints its URL") == 0 {
            break;
        }
        if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://127.0.0.1:")) {
            return (child, url.to_owned());
        }
        seen.push_str(&line);
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("no URL in {seen:?}")
}

fn terminate(mut child: Child) {
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    let status = child.wait().expect("serve exits");
    assert!(status.success(), "serve exits 0 on SIGTERM, got {status}");
}

async fn applied_versions(url: &str) -> i64 {
    let store = Store::connect(&DatabaseUrl::parse(url).unwrap(), &StoreOptions::default()).await.unwrap();
    let count = parley_store::migrations::schema_status(&store).await.unwrap();
    store.close().await;
    count.applied.unwrap_or(0)
}

async fn migrate_applies_everything_once_and_a_second_run_does_nothing(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let (ok, out, err) = run(&mut parley(&db, &["migrate"]));
    assert!(ok, "{out}{err}");
    assert!(out.contains("applied V1 accounts"), "{out}");
    let (ok, out, err) = run(&mut parley(&db, &["migrate"]));
    assert!(ok, "{out}{err}");
    assert!(out.contains("is up to date"), "{out}");
    assert_eq!(
        applied_versions(&db.url).await,
        parley_store::migrations::required_version(parley_store::DatabaseUrl::parse(&db.url).unwrap().backend())
    );
}

async fn serve_starts_on_defaults_and_stops_cleanly_on_sigterm(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let (child, url) = serve(&db, &["--migrate"]);
    let response = reqwest::get(format!("{url}/ready")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    terminate(child);
}

#[tokio::test]
async fn a_data_directory_left_open_is_closed_and_the_database_and_key_are_the_servers_alone() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDatabase::new(Backend::Sqlite).await;
    let dir = db.data_dir();
    // As an earlier version (or a careless umask) left it.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (child, url) = serve(&db, &[]);
    // A write, so the WAL and shared-memory files exist.
    let registered = reqwest::Client::new()
        .post(format!("{url}/api/v10/auth/register"))
        .json(&serde_json::json!({"username": "owner", "password": "a long enough password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    let mode = |p: std::path::PathBuf| std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir.clone()), 0o700, "the data directory");
    assert_eq!(mode(dir.join("keys")), 0o700, "the key directory");
    for file in ["parley.db", "parley.db-wal", "parley.db-shm", "keys/access-token.ed25519"] {
        assert_eq!(mode(dir.join(file)), 0o600, "{file}");
    }
    terminate(child);
}

async fn admin_commands_create_users_promote_them_make_invites_and_bots(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    assert!(run(&mut parley(&db, &["migrate"])).0);
    let mut child = parley(&db, &["admin", "create-user", "--username", "Ops", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"operator password\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("Created ops"));

    let (ok, out, _) = run(&mut parley(&db, &["admin", "create-user", "--username", "helper"]));
    assert!(ok && out.contains("Password: "), "a password is generated and shown: {out}");
    let (ok, _, err) = run(&mut parley(&db, &["admin", "create-user", "--username", "helper"]));
    assert!(!ok && err.contains("already taken"), "{err}");
    let (ok, _, err) = run(&mut parley(&db, &["admin", "create-user", "--username", "bad name"]));
    assert!(!ok && err.contains("invalid username"), "{err}");

    let (ok, out, err) = run(&mut parley(&db, &["admin", "promote", "ops"]));
    assert!(ok && out.contains("now an instance admin"), "{out}{err}");
    let (ok, code, err) = run(&mut parley(&db, &["admin", "create-invite", "--max-uses", "3"]));
    assert!(ok, "{err}");
    let (ok, listed, _) = run(&mut parley(&db, &["admin", "list-invites"]));
    assert!(ok && listed.contains(code.trim()) && listed.contains("uses 0/3"), "{listed}");
    let (ok, _, err) = run(&mut parley(&db, &["admin", "create-invite", "--max-uses", "-5"]));
    assert!(!ok && err.contains("max_uses"), "{err}");

    let (ok, token, err) = run(&mut parley(&db, &["admin", "create-bot", "--owner", "ops", "--name", "Deploy Bot"]));
    assert!(ok && err.contains("shown once"), "{err}");
    let (ok, _, err) = run(&mut parley(&db, &["admin", "create-bot", "--owner", "nobody", "--name", "X bot"]));
    assert!(!ok && err.contains("no user named"), "{err}");

    let store = Store::connect(&DatabaseUrl::parse(&db.url).unwrap(), &StoreOptions::default()).await.unwrap();
    let bot_id = parley_app::auth::bot_token::bot_id(token.trim()).expect("a bot token");
    let bot = store.application(bot_id).await.unwrap().expect("the application exists");
    assert!(parley_app::auth::bot_token::matches(token.trim(), &bot.token_hash), "the printed token is the stored one");
    assert_eq!(store.user_by_id(bot_id).await.unwrap().map(|u| (u.bot, u.username)), Some((true, "deploy_bot".into())));
    assert!(store.user_by_login("ops").await.unwrap().unwrap().is_admin);
    assert!(!store.user_by_login("helper").await.unwrap().unwrap().is_admin);
    assert!(store.admin_claimed().await.unwrap(), "promoting an admin ends the first-account rule");
    store.close().await;
}

on_both_backends!(
    migrate_applies_everything_once_and_a_second_run_does_nothing,
    serve_starts_on_defaults_and_stops_cleanly_on_sigterm,
    admin_commands_create_users_promote_them_make_invites_and_bots,
);

// PostgreSQL only: SQLite migrates itself on start, and has no other processes to race.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_an_unmigrated_postgres_database_and_says_to_run_migrate() {
    let db = TestDatabase::new(Backend::Postgres).await;
    let (ok, _, err) = run(&mut parley(&db, &["serve"]));
    assert!(!ok);
    assert!(err.contains("run `parley migrate` first (or start with `parley serve --migrate`)"), "{err}");
    assert!(run(&mut parley(&db, &["migrate"])).0);
    let (child, url) = serve(&db, &[]);
    assert_eq!(reqwest::get(format!("{url}/health")).await.unwrap().status(), StatusCode::OK);
    terminate(child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_release_runs_on_a_newer_schema_that_only_added_and_refuses_one_past_a_contract() {
    let db = TestDatabase::new(Backend::Postgres).await;
    assert!(run(&mut parley(&db, &["migrate"])).0);
    let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    // A rolling upgrade's migration ran (a newer release's, adding only): this build, now the
    // older release, still migrates (nothing to do), serves and is ready.
    client
        .execute("INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (998, 'future', '2030-01-01', '0')", &[])
        .await
        .unwrap();
    let (ok, out, err) = run(&mut parley(&db, &["migrate"]));
    assert!(ok, "migrate on a newer schema that only added: {err}");
    assert!(
        out.contains("at schema version 998, newer than this build's") && out.contains("restore the backup"),
        "it says what it found, not that the schema is this build's: {out}"
    );
    let (child, url) = serve(&db, &[]);
    let (status, ready) = status_and_json(reqwest::get(format!("{url}/ready")).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert!(ready["schema"].as_str().unwrap().starts_with("compatible"), "{ready}");
    terminate(child);

    // A contract migration past this build (it dropped or changed something) ends that.
    client
        .execute("INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'contract', '2030-01-02', '0')", &[])
        .await
        .unwrap();
    client
        .execute("INSERT INTO schema_contracts (version, note) VALUES (999, 'dropped users.old_column')", &[])
        .await
        .unwrap();
    for args in [&["serve"][..], &["migrate"][..]] {
        let (ok, _, err) = run(&mut parley(&db, args));
        assert!(!ok, "{args:?} must refuse");
        assert!(err.contains("contract migration") && err.contains("999"), "{args:?}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_on_postgres_take_turns_and_apply_each_migration_once() {
    let db = TestDatabase::new(Backend::Postgres).await;
    let children: Vec<Child> = (0..4)
        .map(|_| parley(&db, &["migrate"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap())
        .collect();
    let outputs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    for o in &outputs {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let applied = outputs.iter().filter(|o| String::from_utf8_lossy(&o.stdout).contains("applied V1")).count();
    assert_eq!(applied, 1, "exactly one run applied the migration");
    let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let rows: i64 = client.query_one("SELECT COUNT(*) FROM refinery_schema_history", &[]).await.unwrap().get(0);
    // Versions run 1..=N without gaps, so N rows: each migration recorded exactly once.
    assert_eq!(rows, parley_store::migrations::required_version(parley_store::Backend::Postgres));
}

#[test]
fn config_check_names_the_bad_setting_and_typos() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase {
        url: format!("sqlite://{}/p.db", dir.path().display()),
        dir: tempfile::tempdir().unwrap(),
        _pg: None,
    };
    let (ok, out, err) = run(parley(&db, &["config", "check"]).env("PARLEY_WORKER_ID", "5000"));
    assert!(!ok, "{out}");
    assert!(err.contains("PARLEY_WORKER_ID") && err.contains("0 to 1022"), "{err}");
    let (ok, _, err) = run(parley(&db, &["config", "check"]).env("PARLEY_BNID", "0.0.0.0:1"));
    assert!(!ok && err.contains("PARLEY_BNID"), "{err}");
    let (ok, out, err) = run(&mut parley(&db, &["config", "check"]));
    assert!(ok && out.contains("Configuration is valid"), "{out}{err}");
    assert!(!err.contains("warning"), "the defaults need no advice: {err}");
    // Valid, but voice would advertise a container's address behind a public URL: said, not refused.
    let (ok, out, err) = run(parley(&db, &["config", "check"])
        .env("PARLEY_PUBLIC_URL", "https://chat.example.org")
        .env("PARLEY_VOICE_UDP_BIND", "0.0.0.0:50000")
        .env("PARLEY_VOICE_PUBLIC_IP", "172.18.0.5"));
    assert!(ok && out.contains("Configuration is valid"), "{out}{err}");
    assert!(
        err.contains("warning: voice would advertise 172.18.0.5") && err.contains("PARLEY_VOICE_PUBLIC_IP"),
        "{err}"
    );
    let (ok, _, err) = run(parley(&db, &["serve"]).env("PARLEY_BIND", "not-an-address"));
    assert!(!ok && err.contains("PARLEY_BIND"), "serve stops on an invalid setting: {err}");
}

/// The walkthrough in docs/api.md, run exactly as a newcomer would against `parley serve`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_accounts_walkthrough_runs_against_a_fresh_server() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let (child, url) = serve(&db, &[]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/examples/accounts-walkthrough.sh");
    let output = Command::new("bash").arg(script).arg(&url).output().expect("bash runs the walkthrough");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("\"code\":90002"), "the replayed refresh token is refused with 90002:\n{stdout}");
    assert!(stdout.contains("Walkthrough complete."));
    terminate(child);
}

/// The communities walkthrough in docs/api.md: two people, a guild, an invite, a role that
/// hides a channel, messages, a reply, a reaction, a pin, a search and a DM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_communities_walkthrough_runs_against_a_fresh_server() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let (child, url) = serve(&db, &[]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/examples/communities-walkthrough.sh");
    let output = Command::new("bash").arg(script).arg(&url).output().expect("bash runs the walkthrough");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    for shown in [
        "channels bob sees: ['General', 'Text Channels', 'Voice Channels', 'general']",
        "\"code\":50001",
        "reply, type 19",
        "('👍', 1)",
        "pinned: ['Welcome",
        "results: 1",
        "spoiler results for bob: 0",
        "DM unread: True mentions: 1",
        "['Psst, no spoilers please!']",
        "Walkthrough complete.",
    ] {
        assert!(stdout.contains(shown), "the walkthrough should show {shown:?}:\n{stdout}");
    }
    terminate(child);
}
