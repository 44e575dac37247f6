//! Where uploaded files are kept: `files_storage`, with `files_dir` for the local directory or
//! the `s3_*` settings for a bucket, read into [`FileStorage`].

use std::path::PathBuf;

use parley_objects::S3Config;

use super::load::{ConfigError, Raw};
use super::spec::Value;

/// The file storage the settings name.
#[derive(Clone, Debug, PartialEq)]
pub enum FileStorage {
    /// Files under this directory.
    Local { dir: PathBuf },
    /// Objects in an S3-compatible bucket.
    S3(S3Config),
}

pub(super) fn file_storage(
    raw: &Raw,
    with_data_dir: impl Fn(&str) -> String,
    keep_out: &[&std::path::Path],
) -> Result<FileStorage, ConfigError> {
    let kind = raw.get("files_storage", |v| match v {
        Value::Word(w) => Some(w),
        _ => None,
    })?;
    // Every value is checked, used or not: a typo waits for no switch to s3 to show.
    let dir = PathBuf::from(with_data_dir(&raw.text("files_dir")?));
    let part_size = raw.integer::<usize>("s3_part_size_mib")? * 1024 * 1024;
    let (endpoint, region, path_style) =
        (raw.optional_text("s3_endpoint")?, raw.text("s3_region")?, raw.bool("s3_path_style")?);
    let keys = (raw.optional_text("s3_access_key_id")?, raw.optional_text("s3_secret_access_key")?);
    let (bucket, prefix) = (raw.optional_text("s3_bucket")?, raw.optional_text("s3_prefix")?.unwrap_or_default());
    let public_endpoint = raw.optional_text("s3_public_endpoint")?;
    if kind == "local" {
        if raw.bool("s3_presigned_downloads")? {
            return Err(raw.refuse("s3_presigned_downloads", "true", "presigned URLs need files_storage = s3"));
        }
        // Backups copy files_dir whole into the archive's files: it must hold nothing else.
        if let Some(inside) = keep_out.iter().find(|p| p.starts_with(&dir)) {
            return Err(raw.refuse(
                "files_dir",
                &dir.display().to_string(),
                &format!("it holds {}; give uploaded files a directory of their own", inside.display()),
            ));
        }
        return Ok(FileStorage::Local { dir });
    }
    let bucket =
        bucket.ok_or_else(|| raw.refuse("s3_bucket", "", "files_storage = s3 needs the bucket to keep files in"))?;
    let credentials = match keys {
        (Some(id), Some(secret)) => Some((id, secret)),
        (None, None) => None,
        (Some(_), None) => {
            return Err(raw.refuse("s3_secret_access_key", "", "s3_access_key_id is set: set its secret key too"));
        }
        (None, Some(_)) => {
            return Err(raw.refuse(
                "s3_access_key_id",
                "",
                "s3_secret_access_key is set: set the access key id it goes with too",
            ));
        }
    };
    Ok(FileStorage::S3(S3Config {
        endpoint,
        region,
        bucket,
        prefix,
        path_style,
        credentials,
        part_size,
        public_endpoint,
    }))
}

/// The origin presigned downloads come from, if `s3_presigned_downloads` is on: the bucket's,
/// as clients reach it (the web client's content security policy must allow it).
pub(super) fn download_origin(
    raw: &Raw,
    storage: &FileStorage,
    public_url: &str,
) -> Result<Option<String>, ConfigError> {
    let FileStorage::S3(s3) = storage else { return Ok(None) };
    if !raw.bool("s3_presigned_downloads")? {
        return Ok(None);
    }
    let endpoint = s3
        .public_endpoint
        .clone()
        .or_else(|| s3.endpoint.clone())
        .unwrap_or_else(|| format!("https://s3.{}.amazonaws.com", s3.region));
    let (scheme, rest) = endpoint.split_once("://").unwrap_or(("https", &endpoint));
    let host = rest.split('/').next().unwrap_or(rest);
    let origin = if s3.path_style { format!("{scheme}://{host}") } else { format!("{scheme}://{}.{host}", s3.bucket) };
    let own = public_url.split_once("://").map(|(s, rest)| format!("{s}://{}", rest.split('/').next().unwrap_or(rest)));
    if own.as_deref() == Some(origin.as_str()) {
        // The bucket cannot add Parley's sandboxing headers: what it served would run as Parley.
        return Err(raw.refuse(
            "s3_presigned_downloads",
            "true",
            &format!("the bucket answers at {origin}, Parley's own origin; give it another (s3_public_endpoint)"),
        ));
    }
    // A path-style bucket shares its host with others: the policy names its folder only.
    Ok(Some(if s3.path_style { format!("{origin}/{}/", s3.bucket) } else { origin }))
}

#[cfg(test)]
mod tests {
    use super::super::Settings;
    use super::super::env_vars as env;
    use super::FileStorage;

    #[test]
    fn files_are_local_under_the_data_dir_unless_s3_is_chosen_with_its_bucket_and_both_keys_or_none() {
        let s = Settings::load(None, env(&[("PARLEY_DATA_DIR", "/srv/parley")])).unwrap();
        assert_eq!(s.files, FileStorage::Local { dir: "/srv/parley/files".into() });

        let error = Settings::load(None, env(&[("PARLEY_FILES_STORAGE", "s3")])).unwrap_err();
        assert_eq!(error.key, "s3_bucket", "{error}");
        let error = Settings::load(None, env(&[("PARLEY_FILES_STORAGE", "ftp")])).unwrap_err();
        assert_eq!(error.key, "files_storage", "{error}");
        for overlapping in ["/srv/parley", "/srv"] {
            let error =
                Settings::load(None, env(&[("PARLEY_DATA_DIR", "/srv/parley"), ("PARLEY_FILES_DIR", overlapping)]))
                    .unwrap_err();
            assert_eq!(error.key, "files_dir", "{overlapping}: {error}");
        }
        for prefix in ["../up", "a//b", ".hidden/x"] {
            let error = Settings::load(None, env(&[("PARLEY_S3_PREFIX", prefix)])).unwrap_err();
            assert_eq!(error.key, "s3_prefix", "{prefix}: {error}");
        }
        assert!(Settings::load(None, env(&[("PARLEY_S3_PREFIX", "/parley/files/")])).is_ok());
        let bucket = ("PARLEY_S3_BUCKET", "parley-files");
        let error = Settings::load(
            None,
            env(&[("PARLEY_FILES_STORAGE", "s3"), bucket, ("PARLEY_S3_ACCESS_KEY_ID", "AKIAEXAMPLE")]),
        )
        .unwrap_err();
        assert_eq!(error.key, "s3_secret_access_key", "{error}");
        let error = Settings::load(None, env(&[("PARLEY_FILES_STORAGE", "s3"), ("PARLEY_S3_BUCKET", "Not_A_Bucket")]))
            .unwrap_err();
        assert_eq!(error.key, "s3_bucket", "{error}");
        let error =
            Settings::load(None, env(&[("PARLEY_FILES_STORAGE", "s3"), bucket, ("PARLEY_S3_PART_SIZE_MIB", "4")]))
                .unwrap_err();
        assert_eq!(error.key, "s3_part_size_mib", "{error}");

        let s = Settings::load(
            None,
            env(&[
                ("PARLEY_FILES_STORAGE", "s3"),
                bucket,
                ("PARLEY_S3_ENDPOINT", "http://minio:9000"),
                ("PARLEY_S3_PATH_STYLE", "true"),
                ("PARLEY_S3_ACCESS_KEY_ID", "parley"),
                ("PARLEY_S3_SECRET_ACCESS_KEY", "a-long-enough-secret"),
            ]),
        )
        .unwrap();
        let FileStorage::S3(config) = &s.files else { panic!("{:?}", s.files) };
        assert_eq!(
            (config.endpoint.as_deref(), config.bucket.as_str(), config.path_style, config.part_size),
            (Some("http://minio:9000"), "parley-files", true, 8 * 1024 * 1024)
        );
        assert!(!format!("{s:?}").contains("a-long-enough-secret"), "the secret stays out of debug output");
    }

    #[test]
    fn presigned_downloads_need_s3_and_come_from_the_buckets_origin_as_clients_reach_it() {
        let error = Settings::load(None, env(&[("PARLEY_S3_PRESIGNED_DOWNLOADS", "true")])).unwrap_err();
        assert_eq!(error.key, "s3_presigned_downloads", "{error}");
        let s3 = [("PARLEY_FILES_STORAGE", "s3"), ("PARLEY_S3_BUCKET", "parley-files")];
        let origin = |extra: &[(&'static str, &'static str)]| {
            let vars: Vec<_> = s3.iter().chain(extra).copied().collect();
            Settings::load(None, env(&vars)).unwrap().api.files.download_origin
        };
        assert_eq!(origin(&[]), None, "off unless asked for");
        let on = ("PARLEY_S3_PRESIGNED_DOWNLOADS", "true");
        assert_eq!(origin(&[on]).as_deref(), Some("https://parley-files.s3.us-east-1.amazonaws.com"));
        let minio = [on, ("PARLEY_S3_ENDPOINT", "http://minio:9000"), ("PARLEY_S3_PATH_STYLE", "true")];
        assert_eq!(origin(&minio).as_deref(), Some("http://minio:9000/parley-files/"));
        let public = [minio[0], minio[1], minio[2], ("PARLEY_S3_PUBLIC_ENDPOINT", "https://files.example.com/")];
        assert_eq!(origin(&public).as_deref(), Some("https://files.example.com/parley-files/"));
        let vars: Vec<_> =
            s3.iter().chain(&public).copied().chain([("PARLEY_PUBLIC_URL", "https://files.example.com")]).collect();
        let error = Settings::load(None, env(&vars)).unwrap_err();
        assert_eq!(error.key, "s3_presigned_downloads", "Parley's own origin: {error}");
    }
}
