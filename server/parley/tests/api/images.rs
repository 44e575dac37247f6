//! Avatars, guild icons and banners, and custom emoji: set as data URIs (Discord's shape),
//! kept re-encoded (no metadata), served at Discord's CDN paths in any size and format, and
//! announced (USER_UPDATE, GUILD_MEMBER_UPDATE, GUILD_UPDATE, GUILD_EMOJIS_UPDATE). Custom
//! emoji react as `name:id`. Every refusal (not an image, a bomb, too large, the wrong
//! permission, another guild's emoji) changes nothing.

use std::io::Cursor;

use base64::Engine;
use image::{DynamicImage, ImageFormat, RgbaImage};
use parley_core::Permissions;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use serde_json::{Value, json};

use crate::attachments::png_with_location;
use crate::gateway_client::GatewayClient;
use crate::helpers::{
    Backend, Session, TestApp, assert_error, on_both_backends, spawn_app, spawn_app_with, status_and_json,
};
use crate::members::grant;

fn data_uri(bytes: &[u8]) -> String {
    format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = RgbaImage::from_fn(width, height, |x, y| image::Rgba([(x * 3) as u8, (y * 5) as u8, 90, 255]));
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgba8(image).write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A two-frame GIF (an animated emoji).
fn animated_gif() -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut out);
        for shade in [10u8, 240] {
            let frame = RgbaImage::from_pixel(32, 32, image::Rgba([shade, 80, 160, 255]));
            encoder.encode_frame(image::Frame::new(frame)).unwrap();
        }
    }
    out.into_inner()
}

fn dimensions(bytes: &[u8]) -> (u32, u32) {
    let image = image::load_from_memory(bytes).unwrap();
    (image.width(), image.height())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// GET on the server's root (the CDN paths are not under /api).
async fn cdn(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(format!("{}{path}", app.address)).send().await.unwrap()
}

async fn me(app: &TestApp, who: &Session) -> Value {
    status_and_json(app.get("/users/@me", Some(&who.access_token)).await).await.1
}

async fn an_avatar_set_by_data_uri_is_served_at_discords_cdn_path_in_any_size_and_format_and_announced(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let guild = app.guild_with(&ann, "Faces", &[&bob]).await;
    let (mut ann_gateway, _) = GatewayClient::identified(&app, &ann).await;
    let (mut bob_gateway, _) = GatewayClient::identified(&app, &bob).await;

    let original = png_with_location();
    let (status, updated) =
        status_and_json(app.patch_json("/users/@me", &json!({"avatar": data_uri(&original)}), &ann.access_token).await)
            .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    let hash = updated["avatar"].as_str().unwrap().to_owned();
    assert!(hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit()), "Discord's hash shape: {hash}");
    assert_eq!(me(&app, &ann).await["avatar"], hash.as_str(), "kept");

    // Ann hears of her own change; bob sees it on her member object, with no reload.
    let own = ann_gateway.wait_for("USER_UPDATE").await;
    assert_eq!(own["avatar"], hash.as_str());
    let seen = bob_gateway.wait_for("GUILD_MEMBER_UPDATE").await;
    assert_eq!(
        (seen["guild_id"].as_str(), seen["user"]["avatar"].as_str()),
        (Some(guild.id.as_str()), Some(hash.as_str()))
    );

    // At the CDN path: public, cached for good, re-encoded without the location, every pixel.
    let path = format!("/avatars/{}/{hash}.png", ann.user_id);
    let response = cdn(&app, &path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "image/png");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert!(response.headers()[CACHE_CONTROL].to_str().unwrap().contains("immutable"));
    let etag = response.headers()[ETAG].clone();
    let served = response.bytes().await.unwrap();
    assert!(!contains(&served, b"GPSLatitude"), "no metadata survives");
    assert_eq!(crate::attachments::pixels(&served), crate::attachments::pixels(&original), "every pixel as sent");
    let cached = app.client.get(format!("{}{path}", app.address)).header(IF_NONE_MATCH, etag).send().await.unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    // In each format a library asks for, at the size it asks, never enlarged.
    for (extension, format) in
        [("png", ImageFormat::Png), ("webp", ImageFormat::WebP), ("jpg", ImageFormat::Jpeg), ("gif", ImageFormat::Gif)]
    {
        let small = cdn(&app, &format!("/avatars/{}/{hash}.{extension}?size=16", ann.user_id)).await;
        assert_eq!(small.status(), StatusCode::OK, "{extension}");
        let bytes = small.bytes().await.unwrap();
        assert_eq!(image::guess_format(&bytes).unwrap(), format, "{extension}");
        assert_eq!(dimensions(&bytes), (16, 10), "37×23 fits 16 as 16×10 ({extension})");
    }
    let large = cdn(&app, &format!("/avatars/{}/{hash}.png?size=4096", ann.user_id)).await.bytes().await.unwrap();
    assert_eq!(dimensions(&large), (37, 23), "never enlarged");

    // Sizes are Discord's; names that name nothing are 404.
    let bad = cdn(&app, &format!("/avatars/{}/{hash}.png?size=100", ann.user_id)).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    for nothing in [
        format!("/avatars/{}/{}.png", ann.user_id, "0".repeat(32)),
        format!("/avatars/{}/{hash}.png", bob.user_id),
        format!("/avatars/{}/{hash}.svg", ann.user_id),
        format!("/avatars/{}/..%2F..%2Fsecrets.png", ann.user_id),
    ] {
        assert_eq!(cdn(&app, &nothing).await.status(), StatusCode::NOT_FOUND, "{nothing}");
    }

    // null removes it.
    let (status, cleared) =
        status_and_json(app.patch_json("/users/@me", &json!({"avatar": null}), &ann.access_token).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cleared["avatar"], Value::Null);
}

async fn images_that_are_not_images_or_too_large_are_refused_and_nothing_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let (_, set) = status_and_json(
        app.patch_json("/users/@me", &json!({"avatar": data_uri(&png(8, 8))}), &ann.access_token).await,
    )
    .await;
    let kept = set["avatar"].clone();
    assert!(kept.is_string());

    // A 1×1 PNG whose header claims 100000×100000 pixels.
    let mut flood = png(1, 1);
    flood[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    flood[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let mut crc = !0u32;
    for &b in &flood[12..29] {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    flood[29..33].copy_from_slice(&(!crc).to_be_bytes());
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    let html = b"<!doctype html><script>fetch('/api/v10/users/@me')</script>".to_vec();
    let mut truncated = png(64, 64);
    truncated.truncate(80);
    let cases: Vec<(String, &str, &str)> = vec![
        ("https://example.com/me.png".into(), "IMAGE_INVALID", "data URI"),
        ("data:image/png;base64,@@@@".into(), "IMAGE_INVALID", "data URI"),
        (data_uri(&svg), "IMAGE_INVALID", "PNG, JPEG, GIF or WebP"),
        (data_uri(&html), "IMAGE_INVALID", "PNG, JPEG, GIF or WebP"),
        (data_uri(&truncated), "IMAGE_INVALID", "damaged"),
        (data_uri(&flood), "IMAGE_INVALID", "100000×100000"),
        (data_uri(&vec![0u8; 10 * 1024 * 1024 + 1]), "BINARY_TYPE_MAX_SIZE", "10 MiB"),
    ];
    for (uri, code, words) in cases {
        let refused = assert_error(
            app.patch_json("/users/@me", &json!({"avatar": uri}), &ann.access_token).await,
            StatusCode::BAD_REQUEST,
            50035,
        )
        .await;
        let error = &refused["errors"]["avatar"]["_errors"][0];
        assert_eq!(error["code"], code, "{refused}");
        assert!(error["message"].as_str().unwrap().contains(words), "{words}: {refused}");
    }
    assert_eq!(me(&app, &ann).await["avatar"], kept, "the avatar is as it was");
}

async fn a_guild_icon_and_banner_need_manage_guild_and_show_wherever_the_guild_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let guild = app.guild_with(&ann, "Pictures", &[&bob]).await;
    let (mut bob_gateway, _) = GatewayClient::identified(&app, &bob).await;
    let path = format!("/guilds/{}", guild.id);
    assert_error(
        app.patch_json(&path, &json!({"icon": data_uri(&png(64, 64))}), &bob.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;

    let (status, changed) = status_and_json(
        app.patch_json(
            &path,
            &json!({"icon": data_uri(&png(2000, 2000)), "banner": data_uri(&png(3000, 1000))}),
            &ann.access_token,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let (icon, banner) = (changed["icon"].as_str().unwrap(), changed["banner"].as_str().unwrap());
    let update = bob_gateway.wait_for("GUILD_UPDATE").await;
    assert_eq!((update["icon"].as_str(), update["banner"].as_str()), (Some(icon), Some(banner)));
    let (_, mine) = status_and_json(app.get("/users/@me/guilds", Some(&bob.access_token)).await).await;
    assert_eq!(mine[0]["icon"], icon);

    let kept_icon = cdn(&app, &format!("/icons/{}/{icon}.png", guild.id)).await.bytes().await.unwrap();
    assert_eq!(dimensions(&kept_icon), (1024, 1024), "kept at most 1024 a side");
    let kept_banner = cdn(&app, &format!("/banners/{}/{banner}.webp?size=512", guild.id)).await.bytes().await.unwrap();
    assert_eq!(dimensions(&kept_banner), (512, 171));

    let (_, log) = status_and_json(
        app.get(&format!("/guilds/{}/audit-logs?action_type=1", guild.id), Some(&ann.access_token)).await,
    )
    .await;
    let keys: Vec<&str> =
        log["audit_log_entries"][0]["changes"].as_array().unwrap().iter().map(|c| c["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["icon", "banner"], "audited");

    let (_, cleared) = status_and_json(app.patch_json(&path, &json!({"icon": null}), &ann.access_token).await).await;
    assert_eq!((cleared["icon"].clone(), cleared["banner"].as_str()), (Value::Null, Some(banner)));
}

async fn custom_emoji_are_made_and_managed_by_those_allowed_and_react_as_name_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let guild = app.guild_with(&ann, "Emoji", &[&bob]).await;
    let elsewhere = app.guild_with(&carol, "Elsewhere", &[&bob]).await;
    let emojis = format!("/guilds/{}/emojis", guild.id);
    let (mut bob_gateway, _) = GatewayClient::identified(&app, &bob).await;

    // Bob may not make one until he holds CREATE_GUILD_EXPRESSIONS; a bad name is refused.
    let parrot = json!({"name": "parrot", "image": data_uri(&png(300, 200))});
    assert_error(app.post_json(&emojis, &parrot, Some(&bob.access_token)).await, StatusCode::FORBIDDEN, 50013).await;
    for name in ["p", "party parrot", "ünicode", &"x".repeat(33)] {
        let bad = json!({"name": name, "image": data_uri(&png(8, 8))});
        let refused =
            assert_error(app.post_json(&emojis, &bad, Some(&ann.access_token)).await, StatusCode::BAD_REQUEST, 50035)
                .await;
        assert!(refused["errors"]["name"].is_object(), "{name}: {refused}");
    }
    let too_big = json!({"name": "big", "image": data_uri(&vec![1u8; 256 * 1024 + 1])});
    assert_error(app.post_json(&emojis, &too_big, Some(&ann.access_token)).await, StatusCode::BAD_REQUEST, 50035).await;

    let (status, made) = status_and_json(app.post_json(&emojis, &parrot, Some(&ann.access_token)).await).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (made["name"].as_str(), made["animated"].as_bool(), made["require_colons"].as_bool()),
        (Some("parrot"), Some(false), Some(true))
    );
    assert_eq!(made["user"]["id"], ann.user_id.as_str(), "its maker, for those who may make emoji");
    let announced = bob_gateway.wait_for("GUILD_EMOJIS_UPDATE").await;
    assert_eq!(announced["emojis"][0]["id"], id.as_str());
    let (_, listed) = status_and_json(app.get(&emojis, Some(&bob.access_token)).await).await;
    assert_eq!(listed[0]["name"], "parrot");
    assert!(listed[0].get("user").is_none(), "not shown to members who cannot make emoji: {listed}");
    let (_, seen) = status_and_json(app.get(&format!("/guilds/{}", guild.id), Some(&bob.access_token)).await).await;
    assert_eq!(seen["emojis"][0]["id"], id.as_str(), "in the guild object");

    let image = cdn(&app, &format!("/emojis/{id}.png")).await;
    assert_eq!(image.status(), StatusCode::OK);
    assert_eq!(image.headers()[CACHE_CONTROL], "public, max-age=3600", "a deleted emoji's image goes within the hour");
    assert_eq!(dimensions(&image.bytes().await.unwrap()), (128, 85), "kept at most 128 a side");

    // Reacting with it as name:id, in its guild; it shows with its id and name.
    let (_, message) = status_and_json(
        app.post_json(
            &format!("/channels/{}/messages", guild.general),
            &json!({"content": "<:parrot:{id}>"}),
            Some(&ann.access_token),
        )
        .await,
    )
    .await;
    let message_id = message["id"].as_str().unwrap();
    let react = |emoji: String, channel: String, message: String| {
        format!("/channels/{channel}/messages/{message}/reactions/{emoji}/@me")
    };
    let reacted =
        app.put(&react(format!("parrot:{id}"), guild.general.clone(), message_id.into()), &bob.access_token).await;
    assert_eq!(reacted.status(), StatusCode::NO_CONTENT);
    let added = bob_gateway.wait_for("MESSAGE_REACTION_ADD").await;
    assert_eq!(added["emoji"], json!({"id": id, "name": "parrot", "animated": false}));
    let (_, read) = status_and_json(
        app.get(&format!("/channels/{}/messages/{message_id}", guild.general), Some(&bob.access_token)).await,
    )
    .await;
    assert_eq!(read["reactions"][0]["emoji"], json!({"id": id, "name": "parrot", "animated": false}));
    // Under another name, the same emoji: its id decides.
    let again = app.put(&react(format!("_:{id}"), guild.general.clone(), message_id.into()), &ann.access_token).await;
    assert_eq!(again.status(), StatusCode::NO_CONTENT);
    let (_, read) = status_and_json(
        app.get(&format!("/channels/{}/messages/{message_id}", guild.general), Some(&bob.access_token)).await,
    )
    .await;
    assert_eq!(read["reactions"][0]["count"], 2);

    // An id that names no emoji, or one of a guild carol is not in, is Unknown Emoji.
    let (_, theirs) = status_and_json(
        app.post_json(
            &format!("/channels/{}/messages", elsewhere.general),
            &json!({"content": "hi"}),
            Some(&carol.access_token),
        )
        .await,
    )
    .await;
    let theirs = theirs["id"].as_str().unwrap().to_owned();
    assert_error(
        app.put(&react("ghost:123456789".into(), elsewhere.general.clone(), theirs.clone()), &carol.access_token).await,
        StatusCode::BAD_REQUEST,
        10014,
    )
    .await;
    assert_error(
        app.put(&react(format!("parrot:{id}"), elsewhere.general.clone(), theirs.clone()), &carol.access_token).await,
        StatusCode::BAD_REQUEST,
        10014,
    )
    .await;
    // Bob is in both: in carol's guild he needs USE_EXTERNAL_EMOJIS, which @everyone has...
    let external =
        app.put(&react(format!("parrot:{id}"), elsewhere.general.clone(), theirs.clone()), &bob.access_token).await;
    assert_eq!(external.status(), StatusCode::NO_CONTENT);
    // ...until carol takes it away.
    let everyone = (Permissions::DEFAULT_EVERYONE.bits() & !Permissions::USE_EXTERNAL_EMOJIS.bits()).to_string();
    let changed = app
        .patch_json(
            &format!("/guilds/{}/roles/{}", elsewhere.id, elsewhere.id),
            &json!({"permissions": everyone}),
            &carol.access_token,
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    app.delete(&react(format!("parrot:{id}"), elsewhere.general.clone(), theirs.clone()), &bob.access_token).await;
    assert_error(
        app.put(&react(format!("parrot:{id}"), elsewhere.general.clone(), theirs.clone()), &bob.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;

    // With CREATE_GUILD_EXPRESSIONS bob makes his own, renames his own, but not ann's.
    grant(&app, &ann, &guild, &bob, Permissions::CREATE_GUILD_EXPRESSIONS).await;
    let (status, his) = status_and_json(
        app.post_json(&emojis, &json!({"name": "dance", "image": data_uri(&animated_gif())}), Some(&bob.access_token))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{his}");
    assert_eq!(his["animated"], true);
    let his_id = his["id"].as_str().unwrap().to_owned();
    assert_eq!(
        cdn(&app, &format!("/emojis/{his_id}.gif")).await.bytes().await.unwrap(),
        animated_gif(),
        "moves as sent"
    );
    let renamed = app.patch_json(&format!("{emojis}/{his_id}"), &json!({"name": "boogie"}), &bob.access_token).await;
    assert_eq!(status_and_json(renamed).await.1["name"], "boogie");
    assert_error(
        app.patch_json(&format!("{emojis}/{id}"), &json!({"name": "mine"}), &bob.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert_error(app.delete(&format!("{emojis}/{id}"), &bob.access_token).await, StatusCode::FORBIDDEN, 50013).await;
    assert_error(
        app.patch_json(&format!("{emojis}/{id}"), &json!({"roles": [guild.id]}), &ann.access_token).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;

    // Deleted: its image goes, and its reactions stay, by id, with no name.
    let (_, log) = status_and_json(
        app.get(&format!("/guilds/{}/audit-logs?action_type=60", guild.id), Some(&ann.access_token)).await,
    )
    .await;
    assert_eq!(log["audit_log_entries"].as_array().unwrap().len(), 2, "both makes audited");
    assert_eq!(app.delete(&format!("{emojis}/{id}"), &ann.access_token).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(cdn(&app, &format!("/emojis/{id}.png")).await.status(), StatusCode::NOT_FOUND);
    let (_, read) = status_and_json(
        app.get(&format!("/channels/{}/messages/{message_id}", guild.general), Some(&bob.access_token)).await,
    )
    .await;
    assert_eq!(read["reactions"][0]["emoji"], json!({"id": id, "name": null, "animated": false}));
    assert_error(app.get(&format!("{emojis}/{id}"), Some(&ann.access_token)).await, StatusCode::NOT_FOUND, 10014).await;
}

async fn a_guild_holds_fifty_still_emoji_and_fifty_animated(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Full", &[]).await;
    let emojis = format!("/guilds/{}/emojis", guild.id);
    let image = data_uri(&png(4, 4));
    for n in 0..50 {
        let made =
            app.post_json(&emojis, &json!({"name": format!("e{n}"), "image": image}), Some(&ann.access_token)).await;
        assert_eq!(made.status(), StatusCode::CREATED, "emoji {n}");
    }
    let refused = assert_error(
        app.post_json(&emojis, &json!({"name": "one_more", "image": image}), Some(&ann.access_token)).await,
        StatusCode::BAD_REQUEST,
        30008,
    )
    .await;
    assert!(refused["message"].as_str().unwrap().contains("50 still"), "{refused}");
    let animated = app
        .post_json(&emojis, &json!({"name": "moving", "image": data_uri(&animated_gif())}), Some(&ann.access_token))
        .await;
    assert_eq!(animated.status(), StatusCode::CREATED, "animated ones count apart");
    let (_, listed) = status_and_json(app.get(&emojis, Some(&ann.access_token)).await).await;
    assert_eq!(listed.as_array().unwrap().len(), 51);
}

on_both_backends!(
    an_avatar_set_by_data_uri_is_served_at_discords_cdn_path_in_any_size_and_format_and_announced,
    images_that_are_not_images_or_too_large_are_refused_and_nothing_changes,
    a_guild_icon_and_banner_need_manage_guild_and_show_wherever_the_guild_does,
    custom_emoji_are_made_and_managed_by_those_allowed_and_react_as_name_id,
    a_guild_holds_fifty_still_emoji_and_fifty_animated,
);

/// The same images in an S3 bucket (s3s-fs, which checks every signature): kept and their
/// variants made there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn avatars_and_their_variants_are_kept_in_an_s3_bucket() {
    let s3 = crate::file_storage::S3Server::start().await;
    let settings: Vec<(&str, String)> = s3.settings(crate::file_storage::SECRET_KEY);
    let extra: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(Backend::Postgres, &extra).await;
    let ann = app.register("ann").await;
    let (status, updated) = status_and_json(
        app.patch_json("/users/@me", &json!({"avatar": data_uri(&png(200, 100))}), &ann.access_token).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    let hash = updated["avatar"].as_str().unwrap();
    let small = cdn(&app, &format!("/avatars/{}/{hash}.webp?size=64", ann.user_id)).await;
    assert_eq!(small.status(), StatusCode::OK);
    assert_eq!(dimensions(&small.bytes().await.unwrap()), (64, 32));
    assert!(s3.object_count() >= 2, "the image and its variant are in the bucket");
}
