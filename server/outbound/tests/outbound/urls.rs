//! `check_url`, as a bot author's endpoint is checked when it is saved: no network needed.

use parley_outbound::{OutboundError, OutboundPolicy, UrlProblem};

use crate::helpers::policy;

#[test]
fn a_public_ip_literal_or_host_name_passes_check_url() {
    let policy = OutboundPolicy::default();
    for url in [
        "https://93.184.216.34/interactions",
        "http://8.8.8.8:8080/",
        "https://[2606:4700:4700::1111]/hook",
        "https://bots.example.com/interactions",
        "HTTPS://Bots.Example.COM",
    ] {
        assert!(policy.check_url(url).is_ok(), "{url}: {:?}", policy.check_url(url).err());
    }
    assert_eq!(policy.check_url("HTTPS://Bots.Example.COM").unwrap().as_str(), "https://bots.example.com/");
}

#[test]
fn schemes_other_than_http_and_https_are_refused_by_name() {
    for (url, scheme) in [
        ("ftp://files.example.com/x", "ftp"),
        ("file:///etc/passwd", "file"),
        ("gopher://example.com:70/", "gopher"),
        ("ws://example.com/", "ws"),
        ("data:text/plain,hi", "data"),
        ("javascript:alert(1)", "javascript"),
    ] {
        match OutboundPolicy::default().check_url(url) {
            Err(OutboundError::BadUrl { problem: UrlProblem::Scheme(said), .. }) => assert_eq!(said, scheme),
            other => panic!("{url}: {other:?}"),
        }
    }
}

#[test]
fn a_user_name_or_password_in_the_url_is_refused_without_repeating_it() {
    for url in ["https://user:hunter2@example.com/", "https://user@example.com/", "https://:hunter2@example.com/"] {
        let error = OutboundPolicy::default().check_url(url).unwrap_err();
        assert!(matches!(error, OutboundError::BadUrl { problem: UrlProblem::Userinfo, .. }), "{url}");
        assert!(!error.to_string().contains("hunter2") && !error.to_string().contains("user@"), "{error}");
    }
}

#[test]
fn refused_literals_are_refused_when_saved_with_the_reason() {
    for (url, reason) in [
        ("http://127.0.0.1/", "127.0.0.1 is a loopback address (127.0.0.0/8)"),
        ("http://2130706433/", "127.0.0.1 is a loopback address"),
        ("http://0x7f.1/", "127.0.0.1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is a loopback address (127.0.0.0/8)"),
        ("http://[::1]/", "::1 is a loopback address (::1/128)"),
        ("http://169.254.169.254/", "169.254.169.254 is a link-local address (169.254.0.0/16)"),
        ("http://192.168.1.10/", "192.168.1.10 is a private address (192.168.0.0/16)"),
        ("http://[fd00::1]/", "fd00::1 is a unique-local (private) address (fc00::/7)"),
        ("http://localhost/", "localhost resolves to 127.0.0.1, a loopback address"),
    ] {
        let error = OutboundPolicy::default().check_url(url).unwrap_err();
        assert!(error.to_string().starts_with(&format!("refused: {reason}")), "{url}: {error}");
    }
}

#[test]
fn an_allow_listed_private_literal_passes_check_url() {
    let policy = policy(&["192.168.1.0/24"]);
    assert!(policy.check_url("http://192.168.1.10:3000/interactions").is_ok());
    assert!(policy.check_url("http://192.168.2.10:3000/interactions").is_err());
}

#[test]
fn text_that_is_not_an_absolute_url_is_a_bad_url() {
    for url in ["", "/interactions", "bots.example.com/hook", "https://", "http://exa mple.com/", "http://[::1/"] {
        let error = OutboundPolicy::default().check_url(url).unwrap_err();
        assert_eq!(error.kind(), "bad_url", "{url}");
    }
}
