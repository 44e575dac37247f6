//! The first admin of an instance others can reach: it does not go to whoever registers first.
//! When Parley listens beyond loopback or its `public_url` is not a localhost URL, the first
//! account becomes the admin only with the bootstrap token, which the server prints (as a
//! link) at start while no admin exists, and `parley admin bootstrap-token` prints again. The
//! token is derived from the instance's key, so every node and the command line agree on it
//! and nothing is stored; it is spent once an admin exists (the first-account rule ends).
//! The embedded quick start on 127.0.0.1 keeps the old rule: the first account is the admin,
//! and then only for a request that comes from this machine itself ([`request_is_local`]: a
//! proxy or tunnel in front, or a web page on another name rebinding to 127.0.0.1, needs the
//! token all the same).

use std::net::{IpAddr, SocketAddr};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::TokenIssuer;

/// Whether others can reach this instance: it listens beyond loopback, or its public URL is
/// not a localhost URL.
pub fn reachable_by_others(bind: SocketAddr, public_url: &str) -> bool {
    !bind.ip().is_loopback() || !is_localhost_url(public_url)
}

/// The host of a URL (or of a bare `host:port`, as a `Host` header holds), lower-cased,
/// without user, port or IPv6 brackets.
pub fn url_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    host.to_ascii_lowercase()
}

/// `http(s)://localhost…`, `127.x.x.x`, `[::1]` or a `*.localhost` name.
fn is_localhost_url(url: &str) -> bool {
    let host = url_host(url);
    host == "localhost" || host.ends_with(".localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether a request came through a proxy: it says whom it forwarded for (`Forwarded`,
/// `X-Forwarded-For` or `X-Real-IP`).
pub fn came_through_a_proxy(headers: &axum::http::HeaderMap) -> bool {
    ["forwarded", "x-forwarded-for", "x-real-ip"].iter().any(|h| headers.contains_key(*h))
}

/// Whether a request comes straight from this machine: from a loopback address, for a
/// localhost name, through no proxy.
pub fn request_is_local(peer: IpAddr, headers: &axum::http::HeaderMap) -> bool {
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    peer.is_loopback() && !came_through_a_proxy(headers) && is_localhost_url(host)
}

/// The instance's bootstrap token.
pub fn bootstrap_token(tokens: &TokenIssuer) -> String {
    URL_SAFE_NO_PAD.encode(&tokens.derived_secret(b"admin bootstrap")[..18])
}

/// Whether `given` is the instance's bootstrap token (compared in constant time).
pub fn is_bootstrap_token(tokens: &TokenIssuer, given: &str) -> bool {
    let expected = bootstrap_token(tokens);
    let (a, b) = (expected.as_bytes(), given.trim().as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The link that opens the web client's sign-up with the token filled in. The token is in
/// the fragment, which browsers never send: no proxy's access log or server sees it.
pub fn bootstrap_link(public_url: &str, token: &str) -> String {
    format!("{}/#bootstrap={token}", public_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_loopback_listener_with_a_localhost_url_keeps_the_first_account_rule() {
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let everywhere: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert!(!reachable_by_others(local, "http://localhost:8080"));
        assert!(!reachable_by_others(local, "http://127.0.0.1:8080/"));
        assert!(!reachable_by_others(local, "http://[::1]:8080"));
        assert!(!reachable_by_others(local, "http://parley.localhost"));
        assert!(reachable_by_others(everywhere, "http://localhost:8080"));
        assert!(reachable_by_others(local, "https://chat.example.org"));
        assert!(reachable_by_others(local, "https://localhost.example.org"));
        assert!(reachable_by_others(local, "http://192.168.1.5:8080"));
    }

    #[test]
    fn only_a_request_from_this_machine_for_a_localhost_name_through_no_proxy_is_local() {
        use axum::http::{HeaderMap, HeaderValue};
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (k, v) in pairs {
                map.insert(*k, HeaderValue::from_static(v));
            }
            map
        };
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(request_is_local(loopback, &headers(&[("host", "127.0.0.1:8080")])));
        assert!(request_is_local(loopback, &headers(&[("host", "localhost:8080")])));
        assert!(!request_is_local("192.168.1.9".parse().unwrap(), &headers(&[("host", "localhost:8080")])));
        assert!(!request_is_local(loopback, &headers(&[("host", "chat.example.org")])), "a rebinding page's name");
        assert!(!request_is_local(loopback, &headers(&[("host", "localhost"), ("x-forwarded-for", "203.0.113.9")])));
        assert!(!request_is_local(loopback, &headers(&[("host", "localhost"), ("forwarded", "for=203.0.113.9")])));
        assert!(!request_is_local(loopback, &headers(&[])));
    }

    #[test]
    fn the_token_is_the_instances_own_and_compared_whole() {
        let a = TokenIssuer::new([7; 32], "https://a.example", 60_000);
        let b = TokenIssuer::new([8; 32], "https://a.example", 60_000);
        let token = bootstrap_token(&a);
        assert_eq!(token.len(), 24);
        assert!(is_bootstrap_token(&a, &token));
        assert!(is_bootstrap_token(&a, &format!(" {token}\n")), "pasted with whitespace");
        assert!(!is_bootstrap_token(&b, &token), "another instance's key");
        assert!(!is_bootstrap_token(&a, &token[..23]));
        assert!(!is_bootstrap_token(&a, ""));
        assert_eq!(bootstrap_link("https://a.example/", &token), format!("https://a.example/#bootstrap={token}"));
    }
}
