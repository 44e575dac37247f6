//! The `tls_*` settings: each mode's required settings are checked here, at start-up.

use std::path::PathBuf;

use super::load::{ConfigError, Raw};
use crate::tls::{AcmeSettings, TlsMode, TlsSettings};

/// The `tls_*` settings; each mode's required settings are checked here, at start-up.
pub(super) fn tls_settings(raw: &Raw, data_dir: &std::path::Path) -> Result<TlsSettings, ConfigError> {
    let path = |v: &str| Some((!v.is_empty()).then(|| PathBuf::from(v)));
    let cert: Option<PathBuf> = raw.parse("tls_cert_file", "expected a file path", path)?;
    let key: Option<PathBuf> = raw.parse("tls_key_file", "expected a file path", path)?;
    let domains: Vec<String> =
        raw.parse("tls_acme_domains", "expected comma-separated domain names like chat.example.com", |v| {
            let domains: Vec<String> =
                v.split(',').map(str::trim).filter(|d| !d.is_empty()).map(str::to_ascii_lowercase).collect();
            domains.iter().all(|d| is_domain_name(d)).then_some(domains)
        })?;
    let mode = raw.parse("tls_mode", "expected off, files or acme", |v| {
        ["off", "files", "acme"].contains(&v).then(|| v.to_owned())
    })?;
    let mode = match (mode.as_str(), cert, key) {
        ("files", Some(cert), Some(key)) => TlsMode::Files { cert, key },
        ("files", _, _) => {
            return Err(raw.refuse("tls_mode", "files", "tls_mode = files needs both tls_cert_file and tls_key_file"));
        }
        ("acme", _, _) if domains.is_empty() => {
            return Err(raw.refuse("tls_mode", "acme", "tls_mode = acme needs tls_acme_domains"));
        }
        ("acme", _, _) => TlsMode::Acme(AcmeSettings {
            domains,
            contact: raw.parse("tls_acme_contact", "expected empty or an email address", |v| {
                if v.is_empty() {
                    Some(None)
                } else {
                    (v.contains('@') && !v.contains(' ')).then(|| Some(v.to_owned()))
                }
            })?,
            directory: raw.parse("tls_acme_directory", "expected an https:// URL", |v| {
                v.starts_with("https://").then(|| v.to_owned())
            })?,
            directory_ca: raw.parse("tls_acme_ca_file", "expected a file path", path)?,
            cache_dir: data_dir.join("acme"),
        }),
        _ => TlsMode::Off,
    };
    let redirect_bind =
        raw.parse("tls_redirect_bind", "expected empty or an address and port like 0.0.0.0:80", |v| {
            if v.is_empty() { Some(None) } else { v.parse().ok().map(Some) }
        })?;
    Ok(TlsSettings { mode, redirect_bind })
}

fn is_domain_name(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
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
        let error = Settings::load(None, env(&[("PARLEY_LOKI_URL", "https://loki")])).unwrap_err();
        assert_eq!(error.key, "loki_url");
        let error = Settings::load(None, env(&[("PARLEY_OTLP_SAMPLE_RATIO", "1.5")])).unwrap_err();
        assert_eq!(error.key, "otlp_sample_ratio");
    }
}
