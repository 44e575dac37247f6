//! Serving HTTPS from Parley itself (`tls_mode`), for deployments without a proxy in front:
//!
//! - [`files`]: a certificate and key from PEM files (certbot, cert-manager), re-read when
//!   they change;
//! - [`acme`]: certificates obtained and renewed automatically over ACME with the
//!   TLS-ALPN-01 challenge (Let's Encrypt by default), cached in the data directory;
//! - [`listener`]: the TLS listener axum serves on (HTTP/2 and HTTP/1.1 by ALPN);
//! - [`redirect`]: the optional plain-HTTP listener that sends browsers to HTTPS;
//! - [`expiry`]: the certificate's expiry as a metric, for the alert that warns before it.

pub mod acme;
pub mod expiry;
pub mod files;
pub mod listener;
pub mod redirect;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::server::ResolvesServerCert;

/// How Parley terminates TLS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain HTTP: a proxy in front (nginx, an ingress) terminates TLS, or none is wanted.
    Off,
    Files {
        cert: PathBuf,
        key: PathBuf,
    },
    Acme(AcmeSettings),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcmeSettings {
    pub domains: Vec<String>,
    /// An email address for the CA's expiry and policy notices.
    pub contact: Option<String>,
    pub directory: String,
    /// PEM roots to trust for the directory's own HTTPS, for private ACME servers.
    pub directory_ca: Option<PathBuf>,
    /// Where the account key and certificates are kept between restarts.
    pub cache_dir: PathBuf,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSettings {
    pub mode: TlsMode,
    /// A plain-HTTP listener that redirects to HTTPS, if any.
    pub redirect_bind: Option<SocketAddr>,
}

/// The rustls server configuration for a certificate source: TLS 1.2 and 1.3 with ring, and
/// ALPN offering HTTP/2 before HTTP/1.1 (plus the ACME challenge protocol, when used).
pub fn server_config(
    resolver: Arc<dyn ResolvesServerCert>,
    acme_challenges: bool,
) -> anyhow::Result<rustls::ServerConfig> {
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    if acme_challenges {
        config.alpn_protocols.push(listener::ACME_TLS_ALPN.to_vec());
    }
    Ok(config)
}
