//! Which destinations are called: loopback refused by default and reached when allow-listed,
//! host names judged by what they resolve to, literal addresses in every spelling.

use parley_outbound::{HeaderValue, OutboundError, OutboundRequest};

use crate::helpers::{Reply, TestServer, client, response};

async fn ok_server() -> TestServer {
    TestServer::start(|_| Reply::Bytes(response("200 OK", &[("content-type", "application/json")], b"{\"type\":1}")))
        .await
}

#[tokio::test]
async fn a_loopback_server_is_refused_by_default_and_never_contacted() {
    let server = ok_server().await;
    let error = client(&[]).send(OutboundRequest::get(server.url("/hook"))).await.unwrap_err();
    assert_eq!(error.kind(), "refused");
    assert!(
        error.to_string().starts_with("refused: 127.0.0.1 is a loopback address (127.0.0.0/8); to permit it, add it"),
        "{error}"
    );
    assert!(error.to_string().contains("`outbound_allow`"), "{error}");
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn a_loopback_server_is_reached_when_127_0_0_0_8_is_allow_listed() {
    let server = ok_server().await;
    let request = OutboundRequest::post(
        server.url("/interactions?x=1#not-sent"),
        HeaderValue::from_static("application/json"),
        &b"{\"type\":1}"[..],
    )
    .header("x-signature-timestamp".parse().unwrap(), HeaderValue::from_static("1700000000"))
    .header("host".parse().unwrap(), HeaderValue::from_static("evil.example"));
    let answer = client(&["127.0.0.0/8"]).send(request).await.unwrap();
    assert_eq!((answer.status.as_u16(), &answer.body[..]), (200, &b"{\"type\":1}"[..]));
    assert_eq!(answer.headers["content-type"], "application/json");
    assert_eq!(answer.url.as_str(), server.url("/interactions?x=1#not-sent"));
    let seen = &server.seen()[0];
    assert_eq!((seen.method.as_str(), seen.path.as_str()), ("POST", "/interactions?x=1"));
    assert_eq!(seen.body, b"{\"type\":1}");
    assert_eq!(seen.header("x-signature-timestamp"), Some("1700000000"));
    assert_eq!(seen.header("host"), Some(server.address.to_string().as_str()), "the URL's host, not the caller's");
    assert!(seen.header("user-agent").is_some_and(|ua| ua.starts_with("Parley/")));
}

#[tokio::test]
async fn localhost_by_name_is_resolved_and_refused_for_what_it_resolves_to() {
    let server = ok_server().await;
    let url = format!("http://localhost:{}/hook", server.address.port());
    let error = client(&[]).send(OutboundRequest::get(&url)).await.unwrap_err();
    match &error {
        OutboundError::Refused { name, refusal, .. } => {
            assert_eq!(name.as_deref(), Some("localhost"));
            assert_eq!(refusal.what, "a loopback address");
        }
        other => panic!("expected a refusal, got {other}"),
    }
    assert!(error.to_string().starts_with("refused: localhost resolves to "), "{error}");
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn localhost_by_name_is_reached_at_the_address_it_resolved_to_when_loopback_is_allowed() {
    let server = ok_server().await;
    let url = format!("http://localhost:{}/hook", server.address.port());
    let answer = client(&["127.0.0.0/8", "::1"]).send(OutboundRequest::get(&url)).await.unwrap();
    assert_eq!(answer.status.as_u16(), 200);
    assert_eq!(server.seen()[0].header("host"), Some(format!("localhost:{}", server.address.port()).as_str()));
}

#[tokio::test]
async fn the_odd_spellings_of_a_loopback_address_and_its_ipv6_forms_are_refused_before_connecting() {
    let server = ok_server().await;
    let port = server.address.port();
    for host in ["2130706433", "0x7f.1", "0x7f000001", "127.1", "0177.0.0.1", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]"] {
        let url = format!("http://{host}:{port}/");
        let error = client(&[]).send(OutboundRequest::get(&url)).await.unwrap_err();
        assert!(
            matches!(&error, OutboundError::Refused { refusal, .. } if refusal.what == "a loopback address"),
            "{url}: {error}"
        );
    }
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn an_ipv4_mapped_loopback_literal_reaches_the_ipv4_server_when_allow_listed() {
    // The mapped form is the IPv4 address: allow-listing 127.0.0.1 covers it, and the
    // connection goes to 127.0.0.1 itself.
    let server = ok_server().await;
    let url = format!("http://[::ffff:127.0.0.1]:{}/", server.address.port());
    let answer = client(&["127.0.0.1"]).send(OutboundRequest::get(&url)).await.unwrap();
    assert_eq!(answer.status.as_u16(), 200);
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn an_allow_listed_address_nothing_listens_on_is_a_connect_error_naming_it() {
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let error = client(&["127.0.0.0/8"]).send(OutboundRequest::get(format!("http://{unused}/"))).await.unwrap_err();
    assert_eq!(error.kind(), "connect");
    assert!(error.to_string().starts_with(&format!("could not connect to {unused} at {unused}: ")), "{error}");
}
