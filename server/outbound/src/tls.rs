//! TLS for https hops: rustls on the `ring` provider (as everywhere in Parley), the public web
//! roots (webpki-roots, so the result does not depend on the host's CA bundle), HTTP/1.1 by
//! ALPN, and the certificate checked against the URL's host.

use std::net::IpAddr;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::ServerName;
use tokio_rustls::TlsConnector;

use crate::error::OutboundError;

/// The public web roots.
pub(crate) fn web_roots() -> RootCertStore {
    RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() }
}

/// A connector trusting `roots`.
pub(crate) fn connector(roots: RootCertStore) -> Result<TlsConnector, OutboundError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| OutboundError::InvalidPolicy(format!("TLS cannot be set up: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // The client speaks HTTP/1.1 only; saying so keeps a server from choosing h2.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsConnector::from(Arc::new(config)))
}

/// The name the server's certificate must carry: the URL's host name, or its address.
pub(crate) fn server_name(name: Option<&str>, address: IpAddr) -> Result<ServerName<'static>, String> {
    match name {
        Some(name) => {
            ServerName::try_from(name.to_owned()).map_err(|e| format!("{name} is not a TLS server name: {e}"))
        }
        None => Ok(ServerName::IpAddress(address.into())),
    }
}
