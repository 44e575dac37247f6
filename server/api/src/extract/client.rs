//! Who is on the other end of a request: address, user agent and device id.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use parley_app::AppState;
use parley_app::error::AppError;

/// The header a client sends to name its device across logins.
pub const DEVICE_ID_HEADER: &str = "x-parley-device-id";

#[derive(Clone, Debug)]
pub struct ClientMeta {
    pub ip: IpAddr,
    pub user_agent: String,
    /// The client's own device id, if it sent a well-formed one.
    pub device_id: Option<String>,
}

impl FromRequestParts<AppState> for ClientMeta {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let ip = client_ip(&parts.headers, peer, state.config.trust_forwarded_for);
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect())
            .unwrap_or_default();
        let device_id = parts
            .headers
            .get(DEVICE_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|id| is_valid_device_id(id))
            .map(str::to_owned);
        Ok(Self { ip, user_agent, device_id })
    }
}

/// Device ids are client-chosen, so only short, plain ones are kept.
pub fn is_valid_device_id(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The client's address. Behind a trusted proxy it is the right-most `X-Forwarded-For`
/// entry (the one the proxy itself appended); otherwise the socket's peer address, since
/// any client can write whatever it likes into that header.
pub fn client_ip(headers: &HeaderMap, peer: Option<IpAddr>, trust_forwarded_for: bool) -> IpAddr {
    if trust_forwarded_for {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|ip| ip.trim().parse::<IpAddr>().ok())
            .next_back();
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// A readable device name from a user agent, for the session list ("Firefox on Linux").
pub fn device_name_from_user_agent(ua: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
        ("python", "Python client"),
        ("discord.js", "discord.js bot"),
        ("DiscordBot", "Discord bot library"),
    ]
    .into_iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| name);
    let os = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| name);
    match (browser, os) {
        (Some(b), Some(o)) => format!("{b} on {o}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(o)) => format!("Browser on {o}"),
        (None, None) => "Unknown device".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_ignored_unless_the_proxy_is_trusted() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 10.0.0.7".parse().unwrap());
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(client_ip(&headers, Some(peer), false), peer);
        assert_eq!(client_ip(&headers, Some(peer), true), "10.0.0.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn device_names_come_from_the_user_agent() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(device_name_from_user_agent(firefox), "Firefox on Linux");
        assert_eq!(device_name_from_user_agent("curl/8.5.0"), "curl");
        assert_eq!(device_name_from_user_agent(""), "Unknown device");
    }

    #[test]
    fn device_ids_must_be_short_and_plain() {
        assert!(is_valid_device_id("3f2a9c1e-laptop"));
        assert!(!is_valid_device_id("short"));
        assert!(!is_valid_device_id("has space in it"));
        assert!(!is_valid_device_id(&"x".repeat(65)));
    }
}
