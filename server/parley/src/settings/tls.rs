//! The `tls_*` settings: each mode's required settings are checked here, at start-up.

use std::path::{Path, PathBuf};

use super::load::{ConfigError, Raw};
use crate::tls::{AcmeSettings, TlsMode, TlsSettings};

pub(super) fn tls_settings(raw: &Raw, data_dir: &Path) -> Result<TlsSettings, ConfigError> {
    let cert = raw.optional_text("tls_cert_file")?.map(PathBuf::from);
    let key = raw.optional_text("tls_key_file")?.map(PathBuf::from);
    let domains = raw.list("tls_acme_domains")?;
    let mode = match (raw.word::<String>("tls_mode")?.as_str(), cert, key) {
        ("files", Some(cert), Some(key)) => TlsMode::Files { cert, key },
        ("files", _, _) => {
            return Err(raw.refuse("tls_mode", "files", "tls_mode = files needs both tls_cert_file and tls_key_file"));
        }
        ("acme", _, _) if domains.is_empty() => {
            return Err(raw.refuse("tls_mode", "acme", "tls_mode = acme needs tls_acme_domains"));
        }
        ("acme", _, _) => TlsMode::Acme(AcmeSettings {
            domains,
            contact: raw.optional_text("tls_acme_contact")?,
            directory: raw.text("tls_acme_directory")?,
            directory_ca: raw.optional_text("tls_acme_ca_file")?.map(PathBuf::from),
            cache_dir: data_dir.join("acme"),
        }),
        _ => TlsMode::Off,
    };
    Ok(TlsSettings { mode, redirect_bind: raw.optional_address("tls_redirect_bind")? })
}

#[cfg(test)]
mod tests {
    use super::super::Settings;
    use super::super::env_vars as env;
    use crate::tls::TlsMode;

    #[test]
    fn tls_modes_name_the_settings_they_need() {
        let error = Settings::load(None, env(&[("PARLEY_TLS_MODE", "files")])).unwrap_err();
        assert_eq!(error.key, "tls_mode");
        assert!(error.problem.contains("tls_cert_file and tls_key_file"), "{error}");
        let error = Settings::load(None, env(&[("PARLEY_TLS_MODE", "acme")])).unwrap_err();
        assert!(error.problem.contains("tls_acme_domains"), "{error}");
        let error =
            Settings::load(None, env(&[("PARLEY_TLS_MODE", "acme"), ("PARLEY_TLS_ACME_DOMAINS", "bad_name.example")]))
                .unwrap_err();
        assert_eq!(error.key, "tls_acme_domains");
        let s = Settings::load(
            None,
            env(&[("PARLEY_TLS_MODE", "acme"), ("PARLEY_TLS_ACME_DOMAINS", "Chat.Example.com, b.example.com")]),
        )
        .unwrap();
        match &s.tls.mode {
            TlsMode::Acme(acme) => {
                assert_eq!(acme.domains, ["chat.example.com", "b.example.com"]);
                assert_eq!(acme.directory, "https://acme-v02.api.letsencrypt.org/directory");
                assert!(acme.cache_dir.ends_with("acme"));
            }
            other => panic!("{other:?}"),
        }
        assert!(s.api.hsts, "serving TLS turns on HSTS");
    }
}
