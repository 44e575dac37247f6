//! Access tokens that must not be accepted: expired, tampered, wrongly signed, forged with
//! `alg: none` or HS256 keyed by the public key, or signed by another instance.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer, SigningKey};
use hmac::{Hmac, Mac};
use parley_app::auth::TokenIssuer;
use parley_core::{Snowflake, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{Backend, TestApp, assert_error, on_both_backends, spawn_app};

fn seed(app: &TestApp) -> [u8; 32] {
    let text = std::fs::read_to_string(&app.settings.signing_key_file).expect("the key file exists");
    let mut seed = [0u8; 32];
    for (i, b) in seed.iter_mut().enumerate() {
        *b = u8::from_str_radix(&text.trim()[i * 2..i * 2 + 2], 16).unwrap();
    }
    seed
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

fn parts(token: &str) -> (Value, Value) {
    let p: Vec<&str> = token.split('.').collect();
    let decode = |s: &str| serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s).unwrap()).unwrap();
    (decode(p[0]), decode(p[1]))
}

async fn refused(app: &TestApp, token: &str) {
    assert_error(app.me(token).await, StatusCode::UNAUTHORIZED, 40001).await;
}

async fn an_expired_access_token_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let ida = app.register("ida").await;
    let issuer = TokenIssuer::new(seed(&app), app.settings.public_url.clone(), 15 * 60 * 1000);
    let user: Snowflake = ida.user_id.parse().unwrap();
    let session: Snowflake = ida.session_id.parse().unwrap();
    let sixteen_minutes_ago = Timestamp::now().plus_millis(-16 * 60 * 1000);
    refused(&app, &issuer.issue(user, session, sixteen_minutes_ago)).await;
    // The same key and claims, issued now, are accepted: the refusal above is the expiry.
    assert_eq!(app.me(&issuer.issue(user, session, Timestamp::now())).await.status(), StatusCode::OK);
}

async fn a_token_whose_claims_were_edited_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let jack = app.register("jack").await;
    let kim = app.register("kim").await;
    let (header, mut claims) = parts(&jack.access_token);
    claims["sub"] = json!(kim.user_id);
    let signature = jack.access_token.rsplit('.').next().unwrap();
    refused(&app, &format!("{}.{}.{signature}", b64(&header), b64(&claims))).await;
}

async fn alg_none_and_hs256_with_the_public_key_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let lee = app.register("lee").await;
    let (mut header, claims) = parts(&lee.access_token);

    header["alg"] = json!("none");
    refused(&app, &format!("{}.{}.", b64(&header), b64(&claims))).await;

    // The classic confusion attack: HMAC-SHA256 keyed with the server's public key.
    header["alg"] = json!("HS256");
    let public_key = SigningKey::from_bytes(&seed(&app)).verifying_key().to_bytes();
    let input = format!("{}.{}", b64(&header), b64(&claims));
    let mut mac = Hmac::<Sha256>::new_from_slice(&public_key).unwrap();
    mac.update(input.as_bytes());
    refused(&app, &format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))).await;
}

async fn a_token_signed_by_another_key_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let max = app.register("max").await;
    let (header, claims) = parts(&max.access_token);
    let input = format!("{}.{}", b64(&header), b64(&claims));
    let stranger = SigningKey::from_bytes(&[42; 32]);
    let signature = URL_SAFE_NO_PAD.encode(stranger.sign(input.as_bytes()).to_bytes());
    refused(&app, &format!("{input}.{signature}")).await;
}

async fn missing_and_malformed_authorization_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_error(app.get("/users/@me", None).await, StatusCode::UNAUTHORIZED, 40001).await;
    for token in ["", "garbage", "a.b.c", "Bot abc", "x".repeat(10_000).as_str()] {
        refused(&app, token).await;
    }
}

on_both_backends!(
    an_expired_access_token_is_refused,
    a_token_whose_claims_were_edited_is_refused,
    alg_none_and_hs256_with_the_public_key_are_refused,
    a_token_signed_by_another_key_is_refused,
    missing_and_malformed_authorization_is_refused,
);
