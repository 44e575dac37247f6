//! Redirects: followed by the client, each hop checked as the first was, counted, and with
//! the method and body browsers would send.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use parley_outbound::{HeaderValue, OutboundClient, OutboundError, OutboundPolicy, OutboundRequest};

use crate::helpers::{Reply, TestServer, client, policy, redirect, response};

fn post(url: String) -> OutboundRequest {
    OutboundRequest::post(url, HeaderValue::from_static("application/json"), &b"{\"type\":1}"[..])
}

#[tokio::test]
async fn a_redirect_from_an_allowed_server_to_a_refused_address_is_refused() {
    for location in ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]/", "http://0x7f.2/"]
    {
        let server = TestServer::start(move |_| Reply::Bytes(redirect("302 Found", location))).await;
        let error = client(&["127.0.0.1/32"]).send(post(server.url("/hook"))).await.unwrap_err();
        assert_eq!(error.kind(), "refused", "{location}: {error}");
        assert_eq!(server.seen().len(), 1);
    }
}

#[tokio::test]
async fn a_redirect_to_a_loopback_address_outside_the_allowed_network_never_reaches_it() {
    // Both servers are on this machine; only 127.0.0.1 is allowed, so the hop to 127.0.0.2
    // is refused before a connection is made.
    let elsewhere = TestServer::start_on("127.0.0.2:0", |_| Reply::Bytes(response("200 OK", &[], b"secret"))).await;
    let location = elsewhere.url("/admin");
    let server = TestServer::start(move |_| Reply::Bytes(redirect("307 Temporary Redirect", &location))).await;
    let error = client(&["127.0.0.1/32"]).send(post(server.url("/hook"))).await.unwrap_err();
    assert!(error.to_string().starts_with("refused: 127.0.0.2 is a loopback address"), "{error}");
    assert_eq!(elsewhere.connections(), 0);
    let answer = client(&["127.0.0.0/8"]).send(post(server.url("/hook"))).await.unwrap();
    assert_eq!(&answer.body[..], b"secret", "allowed, the same redirect is followed");
    assert_eq!(answer.url.as_str(), elsewhere.url("/admin"));
}

#[tokio::test]
async fn redirects_past_the_limit_are_refused_and_the_error_says_the_limit() {
    let server = TestServer::start(|seen| {
        let n: u32 = seen.path.trim_start_matches("/hop/").parse().unwrap_or(0);
        Reply::Bytes(redirect("302 Found", &format!("/hop/{}", n + 1)))
    })
    .await;
    let client = OutboundClient::new(OutboundPolicy { max_redirects: 3, ..policy(&["127.0.0.0/8"]) }).unwrap();
    let error = client.send(OutboundRequest::get(server.url("/hop/0"))).await.unwrap_err();
    assert_eq!(error.kind(), "too_many_redirects");
    assert_eq!(error.to_string(), format!("more than 3 redirects; the last pointed to {}", server.url("/hop/4")));
    assert_eq!(server.seen().len(), 4, "the first request and three redirects");
    let no_redirects = OutboundClient::new(OutboundPolicy { max_redirects: 0, ..policy(&["127.0.0.0/8"]) }).unwrap();
    let error = no_redirects.send(OutboundRequest::get(server.url("/hop/0"))).await.unwrap_err();
    assert!(matches!(error, OutboundError::TooManyRedirects { limit: 0, .. }));
}

#[tokio::test]
async fn a_see_other_turns_the_post_into_a_get_and_a_temporary_redirect_keeps_the_post_and_its_body() {
    for (status, method, body) in [
        ("303 See Other", "GET", &b""[..]),
        ("302 Found", "GET", b""),
        ("307 Temporary Redirect", "POST", b"{\"type\":1}"),
    ] {
        let server = TestServer::start(move |seen| match seen.path.as_str() {
            "/hook" => Reply::Bytes(redirect(status, "/moved")),
            _ => Reply::Bytes(response("200 OK", &[], b"done")),
        })
        .await;
        let answer = client(&["127.0.0.0/8"]).send(post(server.url("/hook"))).await.unwrap();
        assert_eq!(&answer.body[..], b"done");
        let seen = server.seen();
        assert_eq!(
            (seen[1].path.as_str(), seen[1].method.as_str(), &seen[1].body[..]),
            ("/moved", method, body),
            "{status}"
        );
        assert_eq!(seen[1].header("content-type").is_some(), method == "POST", "{status}");
    }
}

#[tokio::test]
async fn a_redirect_to_another_scheme_is_a_bad_url_and_one_without_a_location_is_the_answer() {
    let server = TestServer::start(|seen| match seen.path.as_str() {
        "/ftp" => Reply::Bytes(redirect("301 Moved Permanently", "ftp://files.example.com/x")),
        _ => Reply::Bytes(response("302 Found", &[], b"nowhere to go")),
    })
    .await;
    let client = client(&["127.0.0.0/8"]);
    let error = client.send(OutboundRequest::get(server.url("/ftp"))).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "bad URL ftp://files.example.com/x: the scheme ftp: is not allowed; only http and https are"
    );
    let answer = client.send(OutboundRequest::get(server.url("/none"))).await.unwrap();
    assert_eq!((answer.status.as_u16(), &answer.body[..]), (302, &b"nowhere to go"[..]));
}

#[tokio::test]
async fn credentials_are_not_carried_to_another_origin() {
    let hops = Arc::new(AtomicUsize::new(0));
    let other = TestServer::start(|_| Reply::Bytes(response("200 OK", &[], b"ok"))).await;
    let location = other.url("/landing");
    let server = TestServer::start({
        let hops = hops.clone();
        move |_| {
            hops.fetch_add(1, Ordering::SeqCst);
            Reply::Bytes(redirect("307 Temporary Redirect", &location))
        }
    })
    .await;
    let request = post(server.url("/hook")).header(http_name("authorization"), HeaderValue::from_static("Bot secret"));
    client(&["127.0.0.0/8"]).send(request).await.unwrap();
    assert_eq!(hops.load(Ordering::SeqCst), 1);
    assert_eq!(other.seen()[0].header("authorization"), None, "another port is another origin");
    assert_eq!(server.seen()[0].header("authorization"), Some("Bot secret"));
}

fn http_name(name: &'static str) -> parley_outbound::HeaderName {
    parley_outbound::HeaderName::from_static(name)
}
