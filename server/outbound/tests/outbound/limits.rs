//! The limits: a body longer than the cap is an error however it is framed, and a server that
//! stops talking runs into the time limits, whose errors say where it stopped.

use std::time::{Duration, Instant};

use parley_outbound::{Method, OutboundClient, OutboundError, OutboundPolicy, OutboundRequest, Phase};

use crate::helpers::{Reply, TestServer, policy, response};

const CAP: usize = 64 * 1024;

fn capped() -> OutboundClient {
    OutboundClient::new(OutboundPolicy { max_response_bytes: CAP, ..policy(&["127.0.0.0/8"]) }).unwrap()
}

/// A chunked response of `total` bytes in 8 KiB chunks.
fn chunked(total: usize) -> Vec<u8> {
    let mut out = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    let mut left = total;
    while left > 0 {
        let size = left.min(8192);
        out.extend_from_slice(format!("{size:x}\r\n").as_bytes());
        out.extend(std::iter::repeat_n(b'a', size));
        out.extend_from_slice(b"\r\n");
        left -= size;
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

fn too_large(error: &OutboundError) -> Option<Option<u64>> {
    match error {
        OutboundError::BodyTooLarge { limit, declared, .. } if *limit == CAP => Some(*declared),
        _ => None,
    }
}

#[tokio::test]
async fn a_body_declared_over_the_cap_is_refused_before_it_is_read() {
    let server = TestServer::start(|_| Reply::Bytes(response("200 OK", &[], &vec![b'a'; CAP + 1]))).await;
    let error = capped().send(OutboundRequest::get(server.url("/"))).await.unwrap_err();
    assert_eq!(too_large(&error), Some(Some(CAP as u64 + 1)), "{error}");
    assert_eq!(
        error.to_string(),
        format!("the response from {} is larger than the limit of 65536 bytes (it declared 65537)", server.address)
    );
    assert_eq!(error.kind(), "body_too_large");
}

#[tokio::test]
async fn a_chunked_body_over_the_cap_is_refused_once_it_passes_the_cap() {
    let server = TestServer::start(|_| Reply::Bytes(chunked(4 * CAP))).await;
    let error = capped().send(OutboundRequest::get(server.url("/"))).await.unwrap_err();
    assert_eq!(too_large(&error), Some(None), "{error}");
}

#[tokio::test]
async fn a_body_read_until_the_connection_closes_is_counted_too() {
    let mut bytes = b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n".to_vec();
    bytes.extend(std::iter::repeat_n(b'a', CAP + 1));
    let server = TestServer::start(move |_| Reply::Bytes(bytes.clone())).await;
    let error = capped().send(OutboundRequest::get(server.url("/"))).await.unwrap_err();
    assert_eq!(too_large(&error), Some(None), "{error}");
}

#[tokio::test]
async fn a_body_exactly_at_the_cap_is_read_whole_however_it_is_framed() {
    for bytes in [response("200 OK", &[], &vec![b'a'; CAP]), chunked(CAP)] {
        let server = TestServer::start(move |_| Reply::Bytes(bytes.clone())).await;
        let answer = capped().send(OutboundRequest::get(server.url("/"))).await.unwrap();
        assert_eq!(answer.body.len(), CAP);
    }
}

#[tokio::test]
async fn the_length_a_head_answer_declares_is_not_a_body_over_the_cap() {
    let server =
        TestServer::start(|_| Reply::Bytes(format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", 10 * CAP).into()))
            .await;
    let answer = capped().send(OutboundRequest::new(Method::HEAD, server.url("/"))).await.unwrap();
    assert_eq!((answer.status.as_u16(), answer.body.len()), (200, 0));
}

#[tokio::test]
async fn a_server_that_never_answers_hits_the_total_timeout_and_the_error_says_so() {
    let server = TestServer::start(|_| Reply::ThenSilence(Vec::new())).await;
    let client =
        OutboundClient::new(OutboundPolicy { total_timeout: Duration::from_millis(300), ..policy(&["127.0.0.0/8"]) })
            .unwrap();
    let started = Instant::now();
    let error = client.send(OutboundRequest::get(server.url("/"))).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3), "stopped at the limit, not later");
    assert!(matches!(error, OutboundError::Timeout { phase: Phase::WaitingForResponse, .. }), "{error}");
    assert_eq!(
        error.to_string(),
        format!(
            "timed out waiting for the response from {}: the total timeout (300ms, for the whole exchange) ran out",
            server.address
        )
    );
}

#[tokio::test]
async fn a_server_that_stalls_in_the_middle_of_the_body_hits_the_timeout_while_reading_it() {
    let head = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly some".to_vec();
    let server = TestServer::start(move |_| Reply::ThenSilence(head.clone())).await;
    let client =
        OutboundClient::new(OutboundPolicy { total_timeout: Duration::from_millis(300), ..policy(&["127.0.0.0/8"]) })
            .unwrap();
    let error = client.send(OutboundRequest::get(server.url("/"))).await.unwrap_err();
    assert!(matches!(error, OutboundError::Timeout { phase: Phase::ReadingBody, .. }), "{error}");
}

#[tokio::test]
async fn a_response_head_too_large_to_buffer_is_refused_as_broken_http() {
    let huge = "a".repeat(200 * 1024);
    let server = TestServer::start(move |_| Reply::Bytes(response("200 OK", &[("x-huge", &huge)], b""))).await;
    let error = capped().send(OutboundRequest::get(server.url("/"))).await.unwrap_err();
    assert_eq!(error.kind(), "protocol", "{error}");
}

#[tokio::test]
async fn a_server_that_hangs_up_without_answering_is_broken_http_waiting_for_the_response() {
    let server = TestServer::start(|_| Reply::Bytes(Vec::new())).await;
    let error = capped().send(OutboundRequest::get(server.url("/"))).await.unwrap_err();
    assert!(matches!(error, OutboundError::Protocol { phase: Phase::WaitingForResponse, .. }), "{error}");
}
