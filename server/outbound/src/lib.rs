//! Parley's one outbound HTTP client, for every request to a URL that a user or a bot author
//! chose: a bot's HTTP interactions endpoint first, link previews and avatars later. Such a URL
//! may point back into Parley's own network (server-side request forgery), so:
//!
//! - every destination is checked: a special-use address (loopback, private, link-local,
//!   multicast, reserved...) is refused unless the operator's allow list holds it;
//! - names are resolved here, every address is checked, and the connection goes to a checked
//!   address, never through a second lookup;
//! - redirects are followed here, each `Location` checked and resolved as the first URL was;
//! - the connect time, the whole exchange's time and the response body's size are bounded.
//!
//! Modules:
//! - [`policy`]: [`OutboundPolicy`], what may be called and the limits; `check_url` for saving.
//! - [`network`]: [`Network`], a CIDR network, as the allow list is written.
//! - [`ranges`]: the special-use ranges, and why an address is refused ([`Refusal`]).
//! - `request`: [`OutboundRequest`] and [`OutboundResponse`], what a caller sends and gets.
//! - `target`: a URL checked before it is resolved: scheme, credentials, literal addresses.
//! - `resolve`: a name's addresses, each checked.
//! - `exchange`: one hop on its own connection: TCP, TLS, request, response head, body.
//! - `redirect`: which redirects are followed, and what the next hop sends.
//! - `deadline`: the time limits, and which one ran out.
//! - `tls`: rustls on ring with the web's roots.
//! - [`client`]: [`OutboundClient`], which puts them together.
//! - [`error`]: [`OutboundError`], what went wrong, in words and as a `kind`.
//! - `https_tests`: the client against a TLS server with the test's own certificate.

pub mod client;
mod deadline;
pub mod error;
mod exchange;
pub mod network;
pub mod policy;
pub mod ranges;
mod redirect;
mod request;
mod resolve;
mod target;
mod tls;

#[cfg(test)]
mod https_tests;

pub use bytes::Bytes;
pub use client::OutboundClient;
pub use error::{OutboundError, Phase, TimeLimit, UrlProblem};
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
pub use network::{Network, NetworkError};
pub use policy::OutboundPolicy;
pub use ranges::Refusal;
pub use request::{OutboundRequest, OutboundResponse};
pub use url::Url;

/// The setting an operator adds networks to, to permit what is refused; errors name it.
pub const ALLOW_SETTING: &str = "outbound_allow";
