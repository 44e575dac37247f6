//! `parley migrate`: apply pending migrations and exit.

use anyhow::Context;
use parley_store::Backend;
use parley_store::migrations;

use crate::settings::Settings;

pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    if settings.database_url.backend() == Backend::Sqlite {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("cannot create the data directory {}", settings.data_dir.display()))?;
    }
    let url = &settings.database_url;
    let report = migrations::migrate(url).await.with_context(|| format!("migrating {} failed", url.redacted()))?;
    if report.version > report.required {
        println!(
            "The database at {} is at schema version {}, newer than this build's {} by additions only: \
             nothing to do, and this build runs on it (as during a rolling upgrade). To go back to \
             this release for good, restore the backup taken before the upgrade.",
            url.redacted(),
            report.version,
            report.required
        );
    } else if report.applied.is_empty() {
        println!("The database at {} is up to date (schema version {}).", url.redacted(), report.version);
    } else {
        for (version, name) in &report.applied {
            println!("applied V{version} {name}");
        }
        println!("The database at {} is now at schema version {}.", url.redacted(), report.version);
    }
    Ok(())
}
