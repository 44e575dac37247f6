//! Automatic certificates over ACME (RFC 8555) with the TLS-ALPN-01 challenge: the CA
//! connects to port 443 of each domain asking for the `acme-tls/1` protocol, and the
//! listener answers with the challenge certificate. No port 80 is needed. The account key
//! and certificate are cached in `<data_dir>/acme`, so restarts neither re-order nor hit the
//! CA's rate limits; renewal starts when a third of the certificate's life is left.

use std::fmt::Debug;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use futures::StreamExt;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls_acme::caches::DirCache;
use rustls_acme::{AccountCache, AcmeConfig, AcmeState, CertCache};
use tokio_util::sync::CancellationToken;

use super::AcmeSettings;
use super::expiry::ExpiryGauge;

/// Starts ordering (or loading the cached) certificate; returns the resolver the listener
/// serves with, and the task that drives ordering and renewal until `stop`.
pub fn start(
    settings: &AcmeSettings,
    expiry: ExpiryGauge,
    stop: CancellationToken,
) -> anyhow::Result<(Arc<rustls_acme::ResolvesServerCertAcme>, impl Future<Output = ()> + Send + 'static)> {
    let config = match &settings.directory_ca {
        Some(path) => AcmeConfig::new_with_client_config(&settings.domains, Arc::new(client_config(path)?)),
        None => AcmeConfig::new(&settings.domains),
    };
    let private = |dir: &PathBuf| PrivateCache { inner: DirCache::new(dir.clone()), dir: dir.clone() };
    let config = config
        .contact(settings.contact.iter().map(|email| format!("mailto:{email}")))
        .directory(&settings.directory)
        .cache_compose(ObservedCache { inner: private(&settings.cache_dir), expiry }, private(&settings.cache_dir));
    let mut state: AcmeState<std::io::Error> = config.state();
    let resolver = state.resolver();
    let domains = settings.domains.join(",");
    let directory = settings.directory.clone();
    let drive = async move {
        loop {
            let event = tokio::select! {
                () = stop.cancelled() => return,
                event = state.next() => event,
            };
            match event {
                Some(Ok(event)) => tracing::info!(?event, domains, "ACME"),
                Some(Err(e)) => tracing::error!(
                    error = %e,
                    domains,
                    directory,
                    "ACME could not obtain or renew the certificate; it retries with backoff \
                     (check that each domain resolves to this server and port 443 reaches it; \
                     settings tls_acme_domains, tls_acme_directory)"
                ),
                None => return,
            }
        }
    };
    Ok((resolver, drive))
}

/// A rustls client configuration trusting only the roots in `path`.
fn client_config(path: &PathBuf) -> anyhow::Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path)
        .with_context(|| format!("cannot read {} (setting tls_acme_ca_file)", path.display()))?
    {
        roots.add(cert.context("a certificate in tls_acme_ca_file is not valid PEM")?)?;
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The certificate cache, reporting the expiry of each certificate loaded or stored (the
/// one about to be served).
struct ObservedCache<C> {
    inner: C,
    expiry: ExpiryGauge,
}

#[async_trait]
impl<C: CertCache> CertCache for ObservedCache<C> {
    type EC = C::EC;

    async fn load_cert(&self, domains: &[String], directory_url: &str) -> Result<Option<Vec<u8>>, Self::EC> {
        let pem = self.inner.load_cert(domains, directory_url).await?;
        if let Some(pem) = &pem {
            self.expiry.observe_pem(pem);
        }
        Ok(pem)
    }

    async fn store_cert(&self, domains: &[String], directory_url: &str, cert: &[u8]) -> Result<(), Self::EC> {
        self.expiry.observe_pem(cert);
        self.inner.store_cert(domains, directory_url, cert).await
    }
}

/// A cache directory whose files only Parley's user may read: the account key and the
/// certificates' private keys are written by the cache with its own modes, then tightened.
struct PrivateCache<C> {
    inner: C,
    dir: PathBuf,
}

impl<C> PrivateCache<C> {
    fn tighten(&self) {
        if let Err(e) = crate::private_files::private_files_in(&self.dir) {
            tracing::error!(error = %e, dir = %self.dir.display(), "cannot restrict the ACME cache to Parley's user");
        }
    }
}

#[async_trait]
impl<C: CertCache> CertCache for PrivateCache<C> {
    type EC = C::EC;

    async fn load_cert(&self, domains: &[String], directory_url: &str) -> Result<Option<Vec<u8>>, Self::EC> {
        self.inner.load_cert(domains, directory_url).await
    }

    async fn store_cert(&self, domains: &[String], directory_url: &str, cert: &[u8]) -> Result<(), Self::EC> {
        let stored = self.inner.store_cert(domains, directory_url, cert).await;
        self.tighten();
        stored
    }
}

#[async_trait]
impl<C: AccountCache> AccountCache for PrivateCache<C> {
    type EA = C::EA;

    async fn load_account(&self, contact: &[String], directory_url: &str) -> Result<Option<Vec<u8>>, Self::EA> {
        self.inner.load_account(contact, directory_url).await
    }

    async fn store_account(&self, contact: &[String], directory_url: &str, account: &[u8]) -> Result<(), Self::EA> {
        let stored = self.inner.store_account(contact, directory_url, account).await;
        self.tighten();
        stored
    }
}

impl<C> Debug for PrivateCache<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateCache")
    }
}

impl<C> Debug for ObservedCache<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ObservedCache")
    }
}
