//! https against a real TLS server on loopback, with a certificate made for the test: the
//! certificate is checked against the URL's host, and one the client's roots do not trust is
//! refused. (Inside the crate, to build the client with the test's root.)

use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::{OutboundClient, OutboundPolicy, OutboundRequest};

/// A TLS server on 127.0.0.1 with a certificate for `names`, answering every request with
/// `200 OK` and `secure`; and the certificate, to trust.
async fn tls_server(names: &[&str]) -> (u16, CertificateDer<'static>) {
    let certified =
        rcgen::generate_simple_self_signed(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    let certificate = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certificate.clone()], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut stream) = acceptor.accept(stream).await else { return };
                let mut head = Vec::new();
                while !head.ends_with(b"\r\n\r\n") {
                    let mut byte = [0u8; 1];
                    if stream.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nsecure").await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (port, certificate)
}

fn trusting(certificate: CertificateDer<'static>) -> OutboundClient {
    let mut roots = RootCertStore::empty();
    roots.add(certificate).unwrap();
    let policy = OutboundPolicy { allow: vec!["127.0.0.0/8".parse().unwrap()], ..Default::default() };
    OutboundClient::with_roots(policy, roots).unwrap()
}

#[tokio::test]
async fn an_https_server_is_reached_when_its_certificate_is_for_the_url_s_host() {
    let (port, certificate) = tls_server(&["localhost", "127.0.0.1"]).await;
    let client = trusting(certificate);
    for url in [format!("https://localhost:{port}/hook"), format!("https://127.0.0.1:{port}/hook")] {
        let answer = client.send(OutboundRequest::get(&url)).await.unwrap();
        assert_eq!((answer.status.as_u16(), &answer.body[..]), (200, &b"secure"[..]), "{url}");
    }
}

#[tokio::test]
async fn a_certificate_for_another_name_fails_the_handshake_and_the_error_says_tls() {
    let (port, certificate) = tls_server(&["bots.example.com"]).await;
    let error =
        trusting(certificate).send(OutboundRequest::get(format!("https://localhost:{port}/"))).await.unwrap_err();
    assert_eq!(error.kind(), "tls", "{error}");
    assert!(error.to_string().starts_with(&format!("the TLS handshake with localhost:{port} failed: ")), "{error}");
}

#[tokio::test]
async fn a_self_signed_certificate_is_not_trusted_by_the_web_roots() {
    let (port, _) = tls_server(&["localhost"]).await;
    let policy = OutboundPolicy { allow: vec!["127.0.0.0/8".parse().unwrap()], ..Default::default() };
    let client = OutboundClient::new(policy).unwrap();
    let error = client.send(OutboundRequest::get(format!("https://localhost:{port}/"))).await.unwrap_err();
    assert_eq!(error.kind(), "tls", "{error}");
}

#[test]
fn the_client_s_requests_can_be_sent_across_threads() {
    fn assert_send<T: Send>(_: &T) {}
    let client = OutboundClient::new(OutboundPolicy::default()).unwrap();
    let sending = client.send(OutboundRequest::get("https://example.com/"));
    assert_send(&sending);
}
