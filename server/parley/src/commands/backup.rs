//! `parley backup` and `parley restore`: the command-line side of [`crate::backup`], with
//! what an operator wants to read afterwards, and the `--every` schedule.

use std::path::Path;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::backup::{self, Manifest, retention};
use crate::cli::BackupArgs;
use crate::settings::Settings;

/// How soon a scheduled backup that failed is tried again.
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(300);

pub async fn run_backup(settings: &Settings, args: &BackupArgs) -> anyhow::Result<()> {
    args.check().map_err(anyhow::Error::msg)?;
    let Some(dir) = &args.dir else {
        let output = args.output.as_deref().context("--output or --dir is needed")?;
        let written = backup::write(settings, output).await?;
        report_written(&written, &[]);
        return Ok(());
    };
    let Some(every) = args.every else {
        let (written, removed) = retention::write_into(settings, dir, args.keep.unwrap_or(0)).await?;
        report_written(&written, &removed);
        return Ok(());
    };
    let stop = CancellationToken::new();
    tokio::spawn(super::serve::cancel_on_signal(stop.clone()));
    tracing::info!(dir = %dir.display(), every_secs = every.as_secs(), keep = args.keep.unwrap_or(0), "backing up on a schedule");
    loop {
        let wait = match retention::write_into(settings, dir, args.keep.unwrap_or(0)).await {
            Ok((written, removed)) => {
                tracing::info!(
                    path = %written.path.display(),
                    bytes = written.bytes,
                    schema_version = written.manifest.database.schema_version,
                    removed = removed.len(),
                    "backup written"
                );
                report_written(&written, &removed);
                every
            }
            // Logged with its cause, and tried again soon (the database was restarting, say)
            // rather than a whole interval later.
            Err(e) => {
                let retry = every.min(RETRY_AFTER);
                tracing::error!(error = format!("{e:#}"), retry_secs = retry.as_secs(), "backup failed; trying again");
                retry
            }
        };
        tokio::select! {
            () = stop.cancelled() => return Ok(()),
            () = tokio::time::sleep(wait) => {}
        }
    }
}

fn report_written(written: &backup::Written, removed: &[std::path::PathBuf]) {
    println!(
        "Wrote {} ({} bytes): {} database at schema version {}, {} entries.",
        written.path.display(),
        written.bytes,
        written.manifest.database.backend,
        written.manifest.database.schema_version,
        written.manifest.entries.len()
    );
    if let Some(bucket) = &written.files_in_bucket {
        println!(
            "Uploaded files stay in the S3 bucket {bucket} and are not in the archive: keep them with the bucket's own versioning or replication."
        );
    }
    for old in removed {
        println!("Deleted the older backup {}.", old.display());
    }
}

pub async fn run_restore(
    settings: &Settings,
    archive: &Path,
    check_only: bool,
    signing_key_to: Option<&Path>,
) -> anyhow::Result<()> {
    if check_only {
        let manifest = backup::check(settings, archive, signing_key_to).await?;
        describe(archive, &manifest);
        println!("Every entry matches its manifest; nothing was changed.");
        if let Some(to) = signing_key_to {
            println!("Wrote the backup's signing key to {}.", to.display());
        }
        return Ok(());
    }
    let restored = backup::restore(settings, archive).await?;
    describe(archive, &restored.manifest);
    for (version, name) in &restored.migrated {
        println!("applied V{version} {name}");
    }
    println!(
        "Restored into {}. Start the server; everyone's sessions and tokens from the backup still work.",
        settings.database_url.redacted()
    );
    Ok(())
}

fn describe(archive: &Path, manifest: &Manifest) {
    let tables: u64 = manifest.database.tables.iter().map(|t| t.rows).sum();
    println!(
        "{}: written by Parley {} at {}, {} database at schema version {}{}.",
        archive.display(),
        manifest.parley_version,
        manifest.created_at,
        manifest.database.backend,
        manifest.database.schema_version,
        if manifest.database.tables.is_empty() { String::new() } else { format!(", {tables} rows") }
    );
}
