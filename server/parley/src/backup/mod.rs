//! `parley backup` and `parley restore`: one encrypted archive of everything a deployment
//! cannot recreate (the database, the access-token signing key, the ACME account and
//! certificates, uploaded files kept in `files_dir`), taken while the server runs, and put
//! back into an empty deployment.
//!
//! - [`sealed`]: the encryption (Argon2id and ChaCha20-Poly1305 in chunks).
//! - [`archive`]: the tar inside it, its manifest, and the checks on extraction.
//! - [`retention`]: dated archives in a folder, keeping the newest few.
//! - [`key`]: the `backup_key` passphrase, kept out of logs.
//!
//! What is not in it: Redis (sessions resume, rate limits refill, leases renew on their own),
//! the settings themselves (`parley.env`, the Helm values), which the operator keeps, and
//! files kept in S3 (`files_storage = s3`), which the bucket's own versioning or replication
//! keeps. Files are copied after the database: a file the copied rows name was still there
//! (files go only a grace period after their rows), and a newer file is swept as unclaimed.

pub mod archive;
pub mod key;
pub mod retention;
pub mod sealed;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use parley_store::snapshot;
use parley_store::{Backend, migrations};

pub use archive::Manifest;
pub use key::BackupKey;

use crate::settings::{FileStorage, Settings};
use crate::tls::TlsMode;

const SIGNING_KEY: &str = "secrets/signing-key";
const ACME: &str = "secrets/acme/";
const FILES: &str = "files/";

/// What a backup wrote.
#[derive(Debug)]
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
    pub manifest: Manifest,
    /// The bucket that keeps the uploaded files, when they are in S3 and not in the archive.
    pub files_in_bucket: Option<String>,
}

/// What a restore put back.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    /// Migrations applied after loading, to bring the backup's schema up to this build's.
    pub migrated: Vec<(i64, String)>,
}

fn key_of(settings: &Settings) -> anyhow::Result<&BackupKey> {
    settings.backup_key.as_ref().context(
        "backup_key is not set: set PARLEY_BACKUP_KEY (or backup_key in the settings file) to a passphrase \
         of 16 or more characters, and keep a copy of it away from the backups",
    )
}

const STAGING_PREFIX: &str = ".parley-staging-";

/// A private folder for the plaintext in the data directory (Parley's own, 0700; never the
/// backups' folder, which is copied off the host), removed when dropped. What a killed run
/// left there is removed first: it holds an unencrypted copy of the database.
fn staging(settings: &Settings) -> anyhow::Result<tempfile::TempDir> {
    let near = &settings.data_dir;
    crate::private_files::private_dir(near, "data_dir")?;
    for entry in std::fs::read_dir(near).with_context(|| format!("cannot list {}", near.display()))? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(STAGING_PREFIX) && entry.file_type()?.is_dir() {
            tracing::warn!(path = %entry.path().display(), "removing what an interrupted backup or restore left behind");
            std::fs::remove_dir_all(entry.path())
                .with_context(|| format!("cannot remove the leftover {}", entry.path().display()))?;
        }
    }
    tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .tempdir_in(near)
        .with_context(|| format!("cannot make a staging folder in {} (data_dir)", near.display()))
}

/// Writes a backup to `output`, which must not exist yet. The archive appears only when
/// complete (it is written as `output.partial` and renamed), so a crash leaves no archive
/// that looks whole.
pub async fn write(settings: &Settings, output: &Path) -> anyhow::Result<Written> {
    let key = key_of(settings)?.clone();
    if output.exists() {
        bail!("{} already exists; a backup never overwrites one", output.display());
    }
    if let Some(folder) = output.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        crate::private_files::private_dir(folder, "--output")?;
    }
    let stage = staging(settings)?;
    let database_dir = stage.path().join("database");
    std::fs::create_dir(&database_dir)?;
    let url = &settings.database_url;
    let info = snapshot::take(url, &database_dir)
        .await
        .with_context(|| format!("cannot copy the database at {}", url.redacted()))?;
    let signing_key = crate::keys::read_signing_key(&settings.signing_key_file).with_context(
        || "the backup needs the access-token signing key (signing_key_file); a server that has started once has one",
    )?;
    let acme = match &settings.tls.mode {
        TlsMode::Acme(acme) if acme.cache_dir.is_dir() => Some(acme.cache_dir.clone()),
        _ => None,
    };
    let (files_dir, files_in_bucket) = match &settings.files {
        FileStorage::Local { dir } => (dir.is_dir().then(|| dir.clone()), None),
        FileStorage::S3(s3) => (None, Some(s3.bucket.clone())),
    };
    let partial = output.with_extension("partial");
    let output = output.to_owned();
    let created_at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .context("cannot format the time")?;
    tokio::task::spawn_blocking(move || -> anyhow::Result<Written> {
        let file = create_private(&partial)?;
        let result = (|| -> anyhow::Result<Manifest> {
            let mut writer = archive::ArchiveWriter::create(file, &key)?;
            for name in &info.files {
                writer.add_file(&format!("database/{name}"), &database_dir.join(name))?;
            }
            writer.add_bytes(SIGNING_KEY, signing_key.as_bytes())?;
            if let Some(dir) = &acme {
                for entry in std::fs::read_dir(dir)? {
                    let entry = entry?;
                    if entry.file_type()?.is_file() {
                        let name = entry.file_name().to_string_lossy().into_owned();
                        writer.add_file(&format!("{ACME}{name}"), &entry.path())?;
                    }
                }
            }
            if let Some(dir) = &files_dir {
                for (key, path) in stored_files(dir)? {
                    match writer.add_file(&format!("{FILES}{key}"), &path) {
                        // Deleted since it was listed: its message went, and so may it.
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        other => other?,
                    }
                }
            }
            let (_, manifest) = writer.finish(info, created_at)?;
            Ok(manifest)
        })();
        let manifest = match result {
            Ok(manifest) => manifest,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e.context(format!("cannot write the backup to {}", partial.display())));
            }
        };
        std::fs::rename(&partial, &output)
            .with_context(|| format!("cannot rename the backup to {}", output.display()))?;
        // The rename itself on disk, before anything (retention) counts on the new archive.
        if let Some(folder) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::File::open(folder)?.sync_all()?;
        }
        let bytes = std::fs::metadata(&output)?.len();
        drop(stage);
        Ok(Written { path: output, bytes, manifest, files_in_bucket })
    })
    .await
    .context("the backup task failed")?
}

/// Opens the archive and checks every entry against its manifest, restoring nothing (what it
/// unpacks goes to a staging folder in the data directory, and is removed).
/// With `signing_key_to`, the archive's signing key is written there too (a new file, 0600),
/// for a deployment whose key comes from elsewhere (a Kubernetes Secret).
pub async fn check(
    settings: &Settings,
    archive_path: &Path,
    signing_key_to: Option<&Path>,
) -> anyhow::Result<Manifest> {
    let (stage, manifest) = open(settings, archive_path).await?;
    if let Some(to) = signing_key_to {
        let key = std::fs::read(stage.path().join(SIGNING_KEY)).context("the backup holds no signing key")?;
        std::io::Write::write_all(&mut create_private(to)?, &key)
            .with_context(|| format!("cannot write {}", to.display()))?;
    }
    Ok(manifest)
}

/// Opens and extracts the archive into a staging folder in the data directory.
async fn open(settings: &Settings, archive_path: &Path) -> anyhow::Result<(tempfile::TempDir, Manifest)> {
    let key = key_of(settings)?.clone();
    let file = std::fs::File::open(archive_path).with_context(|| format!("cannot open {}", archive_path.display()))?;
    let stage = staging(settings)?;
    let into = stage.path().to_owned();
    let shown = archive_path.display().to_string();
    let manifest = tokio::task::spawn_blocking(move || archive::extract(file, &key, &into))
        .await
        .context("the restore task failed")?
        .with_context(|| format!("{shown} cannot be restored"))?;
    Ok((stage, manifest))
}

/// Restores the archive into this deployment, whose database must be empty (never signed up
/// to) and of the backup's backend; then migrates it to this build's schema.
pub async fn restore(settings: &Settings, archive_path: &Path) -> anyhow::Result<Restored> {
    let url = &settings.database_url;
    // Refusals that need no decryption come first, so a mistake costs nothing.
    let _restoring = crate::data_lock::restoring(&settings.data_dir)?;
    snapshot::occupancy(url).await?.may_restore(url)?;
    let (stage, manifest) = open(settings, archive_path).await?;
    let info = &manifest.database;
    if info.backend != url.backend() {
        bail!(
            "{} holds a {} database and this deployment uses {} ({}); restore it into a deployment of the same backend",
            archive_path.display(),
            info.backend,
            url.backend(),
            url.redacted()
        );
    }
    let known = migrations::required_version(url.backend());
    if info.schema_version > known {
        bail!(
            "{} was made by Parley {} on schema version {}, newer than this build knows ({known}); restore it with that release or a newer one",
            archive_path.display(),
            manifest.parley_version,
            info.schema_version
        );
    }
    // Every file's name is checked before anything changes.
    for entry in manifest.entries.iter().filter_map(|e| e.path.strip_prefix(FILES)) {
        parley_objects::ObjectKey::parse(entry)
            .with_context(|| format!("{} holds a file Parley never writes", archive_path.display()))?;
    }
    let signing_key =
        std::fs::read_to_string(stage.path().join(SIGNING_KEY)).context("the backup holds no signing key")?;
    // The key is written beside its place first: if that cannot be written (a read-only
    // Secret), nothing has changed yet; it replaces the old one only once the rows are in.
    let current = std::fs::read_to_string(&settings.signing_key_file).ok();
    let mut staged_key = None;
    if current.as_deref().map(str::trim) != Some(signing_key.trim()) {
        staged_key = Some(crate::keys::stage_signing_key(&settings.signing_key_file, &signing_key).with_context(|| {
            format!(
                "cannot put the backup's signing key at {} (signing_key_file); where it is mounted read-only (a Kubernetes Secret), \
                 put the backup's key in that Secret's signing-key first (`parley restore --check --signing-key-to FILE` writes it out)",
                settings.signing_key_file.display()
            )
        })?);
    }
    if url.backend() == Backend::Sqlite
        && let Some(parent) =
            url.sqlite_path().map(Path::new).and_then(Path::parent).filter(|p| !p.as_os_str().is_empty())
    {
        crate::private_files::private_dir(parent, "database_url")?;
    }
    if let Err(e) = snapshot::load(url, &stage.path().join("database"), info).await {
        if let Some(staged) = staged_key {
            staged.discard();
        }
        return Err(anyhow::Error::new(e).context(format!("cannot load the backup into {}", url.redacted())));
    }
    // From here on the rows are in: a failure leaves a restored database that needs finishing,
    // not a retry (which would find accounts and refuse).
    let finish = "the rows are restored; fix the cause, then run `parley migrate` (and put the backup's signing key in place if this says it is not)";
    if let Some(staged) = staged_key {
        staged.commit().context(finish)?;
    }
    if let Some(path) = url.sqlite_path() {
        crate::private_files::private_database(Path::new(path)).context(finish)?;
    }
    if let TlsMode::Acme(acme) = &settings.tls.mode {
        restore_acme(stage.path(), &manifest, &acme.cache_dir).context(finish)?;
    }
    restore_files(stage.path(), &manifest, &settings.files).await.context(finish)?;
    let report =
        migrations::migrate(url).await.context("the restored database could not be migrated").context(finish)?;
    Ok(Restored { manifest, migrated: report.applied })
}

/// The files under `root` as `(object key, path)`, in key order. What is not an object is
/// left out, and what looks like one but is not named as Parley names them (a `lost+found`,
/// a file put there by hand) is left out with a warning: `.incoming`, dot names, symlinks.
fn stored_files(root: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    let mut folders = vec![(String::new(), root.to_owned())];
    while let Some((prefix, folder)) = folders.pop() {
        for entry in std::fs::read_dir(&folder).with_context(|| format!("cannot read {}", folder.display()))? {
            let entry = entry?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                tracing::warn!(path = %entry.path().display(), "not backed up: not an uploaded file's name");
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            let key = format!("{prefix}{name}");
            // A folder's name is checked as a key too, before it is read.
            if parley_objects::ObjectKey::parse(&key).is_err() {
                tracing::warn!(path = %entry.path().display(), "not backed up: not an uploaded file's name");
                continue;
            }
            let kind = entry.file_type()?;
            if kind.is_dir() {
                folders.push((format!("{key}/"), entry.path()));
            } else if kind.is_file() {
                found.push((key, entry.path()));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Puts the archive's files into the file storage the settings name now: the same directory,
/// another one, or an S3 bucket (a move to S3 is a backup and a restore).
async fn restore_files(stage: &Path, manifest: &Manifest, storage: &FileStorage) -> anyhow::Result<()> {
    let keys: Vec<&str> = manifest.entries.iter().filter_map(|e| e.path.strip_prefix(FILES)).collect();
    if keys.is_empty() {
        return Ok(());
    }
    let store = crate::files::open(storage).await?;
    for key in keys {
        let object = parley_objects::ObjectKey::parse(key)?;
        let file = tokio::fs::File::open(stage.join(FILES).join(key)).await?;
        let body: parley_objects::ByteStream = Box::pin(tokio_util::io::ReaderStream::new(file));
        store.put(&object, body, u64::MAX).await.with_context(|| format!("cannot restore the file {key}"))?;
    }
    Ok(())
}

/// Puts the ACME account key and certificates back, so the restored instance does not ask
/// the CA again (rate limits) before its certificates are due.
fn restore_acme(stage: &Path, manifest: &Manifest, cache_dir: &Path) -> anyhow::Result<()> {
    let files: Vec<_> = manifest.entries.iter().filter_map(|e| e.path.strip_prefix(ACME)).collect();
    if files.is_empty() {
        return Ok(());
    }
    crate::private_files::private_dir(cache_dir, "tls_acme_domains")?;
    for name in files {
        let target = cache_dir.join(name);
        // Never through a link, and never over what the cache already has.
        match create_private(&target) {
            Ok(mut out) => {
                let mut from = std::fs::File::open(stage.join(ACME).join(name))?;
                std::io::copy(&mut from, &mut out).with_context(|| format!("cannot restore {}", target.display()))?;
            }
            Err(_) if std::fs::symlink_metadata(&target).is_ok() => {}
            Err(e) => return Err(e),
        }
    }
    crate::private_files::private_files_in(cache_dir)?;
    Ok(())
}

/// [`create_new_private`](crate::private_files::create_new_private), saying which file.
fn create_private(path: &Path) -> anyhow::Result<std::fs::File> {
    crate::private_files::create_new_private(path).with_context(|| format!("cannot create {}", path.display()))
}
