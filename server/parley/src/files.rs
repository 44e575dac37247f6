//! Opens the file storage the settings name (`files_storage`): the directory `files_dir`, or
//! the S3 bucket of the `s3_*` settings, checked at start so a wrong setting stops the server
//! with its name rather than failing the first upload.

use std::sync::Arc;

use anyhow::Context;
use parley_objects::{LocalStore, ObjectStore, S3Store};

use crate::settings::FileStorage;

pub async fn open(storage: &FileStorage) -> anyhow::Result<Arc<dyn ObjectStore>> {
    match storage {
        FileStorage::Local { dir } => {
            let store = LocalStore::open(dir)
                .await
                .with_context(|| format!("cannot use {} for uploaded files (setting files_dir)", dir.display()))?;
            Ok(Arc::new(store))
        }
        FileStorage::S3(config) => {
            let store = S3Store::connect(config).await.context("cannot set up S3 (the s3_* settings)")?;
            store.check().await.with_context(|| {
                format!(
                    "cannot reach the S3 bucket {} for uploaded files (settings s3_bucket, s3_endpoint, s3_region, \
                     s3_access_key_id, s3_secret_access_key)",
                    config.bucket
                )
            })?;
            Ok(Arc::new(store))
        }
    }
}
