//! A certificate and private key from PEM files, checked for changes every minute and swapped
//! in without a restart, so certbot or cert-manager can renew them in place.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use anyhow::{Context, bail};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio_util::sync::CancellationToken;

use super::expiry::ExpiryGauge;

const RELOAD_CHECK: Duration = Duration::from_secs(60);

/// Serves whatever certificate the files held when last read.
#[derive(Debug)]
pub struct FileCertificate {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
    expiry: ExpiryGauge,
}

impl FileCertificate {
    /// Reads the files now; an unreadable or mismatched pair is an error naming the setting.
    pub fn load(cert: &Path, key: &Path, expiry: ExpiryGauge) -> anyhow::Result<Arc<Self>> {
        let (certified, _) = read(cert, key, &expiry)?;
        Ok(Arc::new(Self { cert: cert.to_owned(), key: key.to_owned(), current: RwLock::new(certified), expiry }))
    }

    /// Re-reads the files when their modification time changes, until `stop`. A pair that
    /// fails to load is logged and the previous certificate is kept.
    pub async fn watch(self: Arc<Self>, stop: CancellationToken) {
        let mut seen = modified(&self.cert, &self.key);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(RELOAD_CHECK) => {}
            }
            let now = modified(&self.cert, &self.key);
            if now == seen {
                continue;
            }
            seen = now;
            match read(&self.cert, &self.key, &self.expiry) {
                Ok((certified, not_after)) => {
                    *self.current.write().unwrap_or_else(|e| e.into_inner()) = certified;
                    tracing::info!(cert = %self.cert.display(), not_after, "reloaded the TLS certificate");
                }
                Err(e) => tracing::error!(error = format!("{e:#}"), "kept the previous TLS certificate"),
            }
        }
    }
}

impl ResolvesServerCert for FileCertificate {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().unwrap_or_else(|e| e.into_inner()).clone())
    }
}

fn modified(cert: &Path, key: &Path) -> (Option<SystemTime>, Option<SystemTime>) {
    let at = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    (at(cert), at(key))
}

fn read(cert_path: &Path, key_path: &Path, expiry: &ExpiryGauge) -> anyhow::Result<(Arc<CertifiedKey>, i64)> {
    let pem = std::fs::read(cert_path)
        .with_context(|| format!("cannot read the certificate {} (setting tls_cert_file)", cert_path.display()))?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .with_context(|| format!("{} is not a PEM certificate chain (setting tls_cert_file)", cert_path.display()))?;
    if chain.is_empty() {
        bail!("{} holds no certificate (setting tls_cert_file)", cert_path.display());
    }
    let key = PrivateKeyDer::from_pem_file(key_path)
        .with_context(|| format!("cannot read a PEM private key from {} (setting tls_key_file)", key_path.display()))?;
    let provider = rustls::crypto::ring::default_provider();
    let certified = CertifiedKey::from_der(chain, key, &provider).with_context(|| {
        format!(
            "the key in {} does not match the certificate in {} (settings tls_key_file, tls_cert_file)",
            key_path.display(),
            cert_path.display()
        )
    })?;
    let not_after = expiry.observe_pem(&pem).context("cannot read the certificate's expiry (setting tls_cert_file)")?;
    Ok((Arc::new(certified), not_after))
}
