//! The served certificate's expiry, as `parley_tls_certificate_expiry_timestamp_seconds`: the
//! `TLSCertificateExpiresSoon` alert fires when it is under 14 days away (an ACME certificate
//! is renewed when a third of its life is left, 30 days for Let's Encrypt, so an alert means
//! renewal has been failing for two weeks).

use prometheus::{IntGauge, Registry};

#[derive(Clone, Debug)]
pub struct ExpiryGauge(IntGauge);

impl ExpiryGauge {
    pub fn register(registry: &Registry) -> Self {
        let gauge = IntGauge::new(
            "parley_tls_certificate_expiry_timestamp_seconds",
            "When the certificate Parley serves expires (Unix time); absent when Parley does not terminate TLS.",
        )
        .expect("the expiry gauge's definition is valid");
        registry.register(Box::new(gauge.clone())).expect("the expiry gauge registers once");
        Self(gauge)
    }

    /// Records the expiry of the first certificate in `pem` (the leaf); returns it.
    pub fn observe_pem(&self, pem: &[u8]) -> Option<i64> {
        let not_after = not_after(pem)?;
        self.0.set(not_after);
        Some(not_after)
    }
}

/// The `notAfter` of the first certificate in a PEM bundle, as Unix time.
pub fn not_after(pem: &[u8]) -> Option<i64> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let leaf = CertificateDer::pem_slice_iter(pem).next()?.ok()?;
    let (_, cert) = x509_parser::parse_x509_certificate(&leaf).ok()?;
    Some(cert.validity().not_after.timestamp())
}
