//! Files on messages, sent as Discord's libraries send them (`multipart/form-data` with
//! `payload_json` and `files[n]`): stored whole or not at all, typed by their bytes, images
//! stripped of their metadata with every pixel kept, and downloaded through a signed link that
//! cannot be altered and stops working when the message goes. Every refusal (too large, over
//! quota, an image bomb, too many files, a cut-off body, no ATTACH_FILES) keeps nothing and
//! charges nothing.

use std::io::Cursor;
use std::path::Path;

use image::{ImageFormat, RgbImage};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_RANGE, CONTENT_TYPE, ETAG, IF_NONE_MATCH, RANGE};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Session, TestApp, assert_error, on_both_backends, spawn_app, spawn_app_with, status_and_json,
};

const GPS: &[u8] = b"GPSLatitude 51.5007 N GPSLongitude 0.1246 W";
pub const BOUNDARY: &str = "parley-test-boundary-7MA4YWxkTrZu0gW";

/// One part of a form: a field, or a file when it has a name.
pub struct Part<'a> {
    pub name: &'a str,
    pub filename: Option<&'a str>,
    pub body: Vec<u8>,
}

pub fn payload(value: Value) -> Part<'static> {
    Part { name: "payload_json", filename: None, body: value.to_string().into_bytes() }
}

pub fn file<'a>(index: usize, filename: &'a str, body: Vec<u8>) -> Part<'a> {
    Part { name: Box::leak(format!("files[{index}]").into_boxed_str()), filename: Some(filename), body }
}

/// A `multipart/form-data` body as discord.py writes one.
pub fn form(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{}\"", part.name).as_bytes(),
        );
        match part.filename {
            Some(filename) => body.extend_from_slice(
                format!("; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(b"\r\nContent-Type: application/json\r\n\r\n"),
        }
        body.extend_from_slice(&part.body);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub async fn send_form(app: &TestApp, who: &Session, channel: &str, body: Vec<u8>) -> reqwest::Response {
    app.send(
        app.client
            .post(app.api(&format!("/channels/{channel}/messages")))
            .bearer_auth(&who.access_token)
            .header(CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(body),
    )
    .await
}

fn picture() -> RgbImage {
    RgbImage::from_fn(37, 23, |x, y| image::Rgb([(x * 7) as u8, (y * 11) as u8, ((x ^ y) * 5) as u8]))
}

pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    let mut crc = !0u32;
    for &b in &chunk[4..] {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    chunk.extend_from_slice(&(!crc).to_be_bytes());
    chunk
}

/// A PNG of [`picture`] with a text chunk naming a place, as a phone might write.
pub fn png_with_location() -> Vec<u8> {
    let mut plain = Cursor::new(Vec::new());
    picture().write_to(&mut plain, ImageFormat::Png).unwrap();
    let plain = plain.into_inner();
    let after_header = 8 + 8 + 13 + 4;
    let text = png_chunk(b"tEXt", &[b"Location\0".as_slice(), GPS].concat());
    [&plain[..after_header], &text, &plain[after_header..]].concat()
}

/// A PNG that declares 100000 × 100000 pixels in a few dozen bytes.
pub fn pixel_flood() -> Vec<u8> {
    let mut flood = b"\x89PNG\r\n\x1a\n".to_vec();
    flood.extend_from_slice(&png_chunk(b"IHDR", &[0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0, 8, 2, 0, 0, 0]));
    flood.extend_from_slice(&png_chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]));
    flood
}

pub fn pixels(bytes: &[u8]) -> Vec<u8> {
    image::load_from_memory(bytes).unwrap().to_rgba8().into_raw()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Files under the local storage's attachments folder.
pub fn stored_objects(app: &TestApp) -> usize {
    stored_under(app, "attachments")
}

/// Files under a folder of the local storage.
pub fn stored_under(app: &TestApp, folder: &str) -> usize {
    fn count(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .map_or(0, |entries| entries.flatten().map(|e| if e.path().is_dir() { count(&e.path()) } else { 1 }).sum())
    }
    match &app.settings.files {
        parley::settings::FileStorage::Local { dir } => count(&dir.join(folder)),
        parley::settings::FileStorage::S3(_) => panic!("a local-storage test"),
    }
}

/// An attachment's URL on this test server (the URL names the public URL, which a proxy
/// would serve).
pub fn here(app: &TestApp, attachment: &Value) -> String {
    let url = attachment["url"].as_str().unwrap();
    format!("{}{}", app.address, &url[url.find("/attachments/").unwrap()..])
}

pub async fn usage(app: &TestApp, who: &Session) -> i64 {
    app.store.file_usage(parley_core::Snowflake::new(who.user_id.parse().unwrap())).await.unwrap()
}

async fn a_file_sent_with_a_message_downloads_through_its_signed_link_without_its_metadata_and_with_every_pixel(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let guild = app.guild_with(&ann, "Files", &[&bob]).await;
    let original = png_with_location();
    let body = form(&[
        payload(json!({"content": "look", "attachments": [{"id": 0, "description": "a test card"}]})),
        file(0, "holiday photo.png", original.clone()),
    ]);
    let (status, sent) = status_and_json(send_form(&app, &ann, &guild.general, body).await).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let attachment = &sent["attachments"][0];
    assert_eq!(attachment["filename"], "holiday_photo.png", "spaces become underscores, as on Discord");
    assert_eq!(attachment["content_type"], "image/png");
    assert_eq!((attachment["width"].as_u64(), attachment["height"].as_u64()), (Some(37), Some(23)));
    assert_eq!(attachment["description"], "a test card");
    let id = attachment["id"].as_str().unwrap();
    let url = attachment["url"].as_str().unwrap();
    let path = format!("/attachments/{}/{id}/holiday_photo.png?ex=", guild.general);
    assert!(url.starts_with(&format!("{}{path}", app.settings.public_url)), "on the public URL: {attachment}");
    assert_eq!(attachment["proxy_url"].as_str().unwrap(), url.replacen("/attachments/", "/media/attachments/", 1));

    // Bob reads the message and opens the file: no token, only the link.
    let (_, read) = status_and_json(
        app.get(
            &format!("/channels/{}/messages/{}", guild.general, sent["id"].as_str().unwrap()),
            Some(&bob.access_token),
        )
        .await,
    )
    .await;
    let url = here(&app, &read["attachments"][0]);
    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers[CONTENT_TYPE], "image/png");
    assert_eq!(headers[CONTENT_DISPOSITION], "inline; filename=\"holiday_photo.png\"");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"].to_str().unwrap().starts_with("sandbox"));
    let downloaded = response.bytes().await.unwrap();
    assert!(contains(&original, GPS) && !contains(&downloaded, GPS), "the location is gone");
    assert_eq!(pixels(&downloaded), pixels(&original), "every pixel as sent");
    assert_eq!(attachment["size"].as_u64(), Some(downloaded.len() as u64));
    assert_eq!(usage(&app, &ann).await, downloaded.len() as i64, "charged to its uploader");

    // A byte range (a video player seeking), and a cached copy that is still good.
    let part = app.client.get(&url).header(RANGE, "bytes=0-9").send().await.unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.headers()[CONTENT_RANGE].to_str().unwrap(), format!("bytes 0-9/{}", downloaded.len()));
    assert_eq!(part.bytes().await.unwrap(), downloaded.slice(0..10));
    let etag = headers[ETAG].to_str().unwrap();
    let cached = app.client.get(&url).header(IF_NONE_MATCH, etag).send().await.unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    // An altered link opens nothing: another signature, another file name, a later expiry.
    let forged = format!("{}{}&", &url[..url.len() - 2], if url.ends_with("0&") { "1" } else { "0" });
    let renamed = url.replace("holiday_photo.png", "other.png");
    let ex = url.split("ex=").nth(1).unwrap()[..8].to_owned();
    let later = url.replace(&format!("ex={ex}"), &format!("ex={:08x}", u32::from_str_radix(&ex, 16).unwrap() + 3600));
    for altered in [forged, renamed, later, url.split('?').next().unwrap().to_owned()] {
        assert_error(app.client.get(&altered).send().await.unwrap(), StatusCode::NOT_FOUND, 90011).await;
    }

    // Deleting the message takes the file with it, at once.
    let deleted = app
        .delete(&format!("/channels/{}/messages/{}", guild.general, sent["id"].as_str().unwrap()), &ann.access_token)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_error(app.client.get(&url).send().await.unwrap(), StatusCode::NOT_FOUND, 90011).await;
}

async fn a_file_is_typed_by_its_bytes_and_anything_but_media_is_only_ever_a_download(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Types", &[]).await;
    let html = b"<!doctype html><script>fetch('/api/v10/users/@me')</script>".to_vec();
    let body = form(&[
        payload(json!({})),
        file(0, "report.png", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n".to_vec()),
        file(1, "page.html", html.clone()),
    ]);
    let (status, sent) = status_and_json(send_form(&app, &ann, &guild.general, body).await).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["content"], "", "files alone make a message");
    let types: Vec<&str> =
        sent["attachments"].as_array().unwrap().iter().map(|a| a["content_type"].as_str().unwrap()).collect();
    assert_eq!(types, ["application/pdf", "text/plain; charset=utf-8"], "what the bytes are, not the names");
    for (attachment, name) in sent["attachments"].as_array().unwrap().iter().zip(["report.png", "page.html"]) {
        let response = app.client.get(here(&app, attachment)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[CONTENT_DISPOSITION].to_str().unwrap(),
            format!("attachment; filename=\"{name}\"")
        );
        assert!(response.headers()["content-security-policy"].to_str().unwrap().starts_with("sandbox"));
    }
    let page = app.client.get(here(&app, &sent["attachments"][1])).send().await.unwrap();
    assert_eq!(page.bytes().await.unwrap(), html, "kept byte for byte");
}

async fn refused_uploads_keep_nothing_and_charge_nothing(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("PARLEY_FILES_MAX_UPLOAD_MIB", "1"),
            ("PARLEY_FILES_USER_QUOTA_MIB", "2"),
            ("PARLEY_FILES_PER_MESSAGE", "2"),
        ],
    )
    .await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let guild = app.guild_with(&ann, "Limits", &[&bob]).await;
    let channel = guild.general.as_str();
    let mib = |tenths: usize| vec![b'x'; tenths * 1024 * 1024 / 10];
    // A client learns the limits before sending anything.
    let (_, instance) = status_and_json(app.get("/instance", None).await).await;
    assert_eq!(
        instance["files"],
        json!({"max_upload_bytes": 1024 * 1024, "per_message": 2, "user_quota_bytes": 2 * 1024 * 1024})
    );

    let too_big = form(&[payload(json!({})), file(0, "big.bin", mib(15))]);
    let refused =
        assert_error(send_form(&app, &ann, channel, too_big).await, StatusCode::PAYLOAD_TOO_LARGE, 40005).await;
    assert!(refused["message"].as_str().unwrap().contains("1 MiB"), "{refused}");

    // Stripping does not make a larger upload fit: the limit counts what came in.
    let mut padded = png_with_location();
    let text = png_chunk(b"tEXt", &mib(15));
    padded.splice(33..33, text);
    let padded = form(&[payload(json!({})), file(0, "padded.png", padded)]);
    assert_error(send_form(&app, &ann, channel, padded).await, StatusCode::PAYLOAD_TOO_LARGE, 40005).await;

    // A form whose preamble never ends is refused, not held.
    let mut endless = vec![b'-'; 6 * 1024 * 1024];
    endless.extend(form(&[payload(json!({"content": "late"}))]));
    assert_error(send_form(&app, &ann, channel, endless).await, StatusCode::BAD_REQUEST, 50035).await;

    let bomb = form(&[payload(json!({})), file(0, "flood.png", pixel_flood())]);
    let refused = assert_error(send_form(&app, &ann, channel, bomb).await, StatusCode::BAD_REQUEST, 50035).await;
    assert_eq!(refused["errors"]["files[0]"]["_errors"][0]["code"], "IMAGE_TOO_LARGE", "{refused}");

    let three = form(&[
        payload(json!({})),
        file(0, "a.txt", b"a".to_vec()),
        file(1, "b.txt", b"b".to_vec()),
        file(2, "c.txt", b"c".to_vec()),
    ]);
    assert_error(send_form(&app, &ann, channel, three).await, StatusCode::BAD_REQUEST, 50035).await;

    // The body stops in the middle of a file (the client went away).
    let mut cut = form(&[payload(json!({})), file(0, "cut.bin", mib(5))]);
    cut.truncate(cut.len() / 2);
    assert_error(send_form(&app, &ann, channel, cut).await, StatusCode::BAD_REQUEST, 50035).await;

    // A file stored before the payload turns out bad is removed with the refusal.
    let bad_payload = form(&[file(0, "fine.txt", b"fine".to_vec()), payload(json!({"content": "x".repeat(4001)}))]);
    assert_error(send_form(&app, &ann, channel, bad_payload).await, StatusCode::BAD_REQUEST, 50035).await;

    // Without ATTACH_FILES (taken from @everyone), no byte is read into storage.
    let (status, role) = status_and_json(
        app.patch_json(
            &format!("/guilds/{}/roles/{}", guild.id, guild.id),
            &json!({"permissions": "3072"}),
            &ann.access_token,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{role}");
    let denied = form(&[payload(json!({})), file(0, "note.txt", b"hello".to_vec())]);
    assert_error(send_form(&app, &bob, channel, denied).await, StatusCode::FORBIDDEN, 50013).await;

    assert_eq!(usage(&app, &ann).await, 0, "nothing refused is charged");
    assert_eq!(usage(&app, &bob).await, 0);
    assert_eq!(stored_objects(&app), 0, "nothing refused is kept");

    // The quota: two files of 0.9 MiB fit in 2 MiB, a third does not, and is not kept.
    for _ in 0..2 {
        let fits = form(&[payload(json!({})), file(0, "part.bin", mib(9))]);
        assert_eq!(send_form(&app, &ann, channel, fits).await.status(), StatusCode::OK);
    }
    let over = form(&[payload(json!({})), file(0, "part.bin", mib(9))]);
    let refused = assert_error(send_form(&app, &ann, channel, over).await, StatusCode::PAYLOAD_TOO_LARGE, 40005).await;
    assert!(refused["message"].as_str().unwrap().contains("of the 2 MiB each person may keep"), "{refused}");
    assert_eq!(usage(&app, &ann).await, 2 * (9 * 1024 * 1024 / 10), "the refused one is not charged");
    assert_eq!(stored_objects(&app), 2);
}

async fn an_edit_keeps_or_drops_a_messages_files_and_a_dropped_files_link_stops_opening(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let guild = app.guild_with(&ann, "Edits", &[&bob]).await;
    let body = form(&[
        payload(json!({"content": "two files"})),
        file(0, "a.txt", b"first".to_vec()),
        file(1, "b.txt", b"second".to_vec()),
    ]);
    let (status, sent) = status_and_json(send_form(&app, &ann, &guild.general, body).await).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let path = format!("/channels/{}/messages/{}", guild.general, sent["id"].as_str().unwrap());
    let (a, b) = (&sent["attachments"][0], &sent["attachments"][1]);
    let (a_link, b_link) = (here(&app, a), here(&app, b));

    // Bob may not touch ann's files; an id that is not one of hers is refused.
    let keep_a = json!({"attachments": [{"id": a["id"]}]});
    assert_error(app.patch_json(&path, &keep_a, &bob.access_token).await, StatusCode::FORBIDDEN, 50005).await;
    let stranger = json!({"attachments": [{"id": "1234567890"}]});
    assert_error(app.patch_json(&path, &stranger, &ann.access_token).await, StatusCode::BAD_REQUEST, 50035).await;

    let (status, edited) = status_and_json(app.patch_json(&path, &keep_a, &ann.access_token).await).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["attachments"].as_array().unwrap().len(), 1);
    assert_eq!(edited["attachments"][0]["id"], a["id"]);
    assert_eq!(app.client.get(&a_link).send().await.unwrap().status(), StatusCode::OK, "the kept file still opens");
    assert_error(app.client.get(&b_link).send().await.unwrap(), StatusCode::NOT_FOUND, 90011).await;

    // Content keeps it a message without files; files alone cannot all go.
    let (_, bare) = status_and_json(app.patch_json(&path, &json!({"attachments": []}), &ann.access_token).await).await;
    assert_eq!(bare["attachments"], json!([]));
    assert_error(app.client.get(&a_link).send().await.unwrap(), StatusCode::NOT_FOUND, 90011).await;
    let only = form(&[payload(json!({})), file(0, "c.txt", b"third".to_vec())]);
    let (_, only) = status_and_json(send_form(&app, &ann, &guild.general, only).await).await;
    let only_path = format!("/channels/{}/messages/{}", guild.general, only["id"].as_str().unwrap());
    assert_error(
        app.patch_json(&only_path, &json!({"attachments": null}), &ann.access_token).await,
        StatusCode::BAD_REQUEST,
        50006,
    )
    .await;
    let (_, still) = status_and_json(app.get(&only_path, Some(&ann.access_token)).await).await;
    assert_eq!(still["attachments"].as_array().unwrap().len(), 1, "a refused edit changes nothing");
}

async fn deleted_messages_files_leave_storage_and_give_their_space_back(backend: Backend) {
    let app =
        spawn_app_with(backend, &[("PARLEY_FILES_SWEEP_INTERVAL_SECS", "1"), ("PARLEY_FILES_DELETED_GRACE_MINS", "0")])
            .await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Sweeping", &[]).await;
    let send = async |channel: &str| {
        let body = form(&[payload(json!({})), file(0, "notes.txt", b"some notes".to_vec())]);
        let (status, sent) = status_and_json(send_form(&app, &ann, channel, body).await).await;
        assert_eq!(status, StatusCode::OK, "{sent}");
        sent["id"].as_str().unwrap().to_owned()
    };
    // A message deleted on its own.
    let alone = send(&guild.general).await;
    assert_eq!((usage(&app, &ann).await, stored_objects(&app)), (10, 1));
    let deleted = app.delete(&format!("/channels/{}/messages/{alone}", guild.general), &ann.access_token).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    crate::fault_proxy::within("the deleted message's file is swept", std::time::Duration::from_secs(10), async || {
        usage(&app, &ann).await == 0 && stored_objects(&app) == 0
    })
    .await;
    // A message that goes with its channel, which the sweeper finds by itself.
    let (status, channel) = status_and_json(
        app.post_json(
            &format!("/guilds/{}/channels", guild.id),
            &json!({"name": "scratch", "type": 0}),
            Some(&ann.access_token),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{channel}");
    let channel = channel["id"].as_str().unwrap().to_owned();
    send(&channel).await;
    assert_eq!(stored_objects(&app), 1);
    assert_eq!(app.delete(&format!("/channels/{channel}"), &ann.access_token).await.status(), StatusCode::OK);
    crate::fault_proxy::within("the deleted channel's file is swept", std::time::Duration::from_secs(10), async || {
        usage(&app, &ann).await == 0 && stored_objects(&app) == 0
    })
    .await;
}

/// The same through an S3-compatible server that checks every signature (s3s-fs): a file
/// larger than one part goes up as a multipart upload, and comes back whole and by range.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_in_an_s3_bucket_upload_in_parts_and_download_whole_and_by_range() {
    let s3 = crate::file_storage::S3Server::start().await;
    let mut settings: Vec<(&str, String)> = s3.settings(crate::file_storage::SECRET_KEY);
    settings.push(("PARLEY_S3_PART_SIZE_MIB", "5".into()));
    let extra: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(Backend::Postgres, &extra).await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Bucket", &[]).await;
    // 12 MiB and a little: three parts of 5 MiB at most.
    let big: Vec<u8> = (0..12 * 1024 * 1024 + 17).map(|i: usize| (i % 251) as u8).collect();
    let body = form(&[payload(json!({"content": "archive"})), file(0, "archive.bin", big.clone())]);
    let (status, sent) = status_and_json(send_form(&app, &ann, &guild.general, body).await).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["attachments"][0]["size"].as_u64(), Some(big.len() as u64));
    let url = here(&app, &sent["attachments"][0]);
    let whole = app.client.get(&url).send().await.unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(whole.headers()[CONTENT_DISPOSITION], "attachment; filename=\"archive.bin\"");
    assert!(whole.bytes().await.unwrap() == big, "the bucket gives back every byte");
    let tail = app.client.get(&url).header(RANGE, format!("bytes={}-", big.len() - 100)).send().await.unwrap();
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(tail.bytes().await.unwrap(), big[big.len() - 100..]);
    assert_eq!(usage(&app, &ann).await, big.len() as i64);
}

/// Where a URL the server made points, on this test server.
pub fn on_this_server(app: &TestApp, url: &str) -> String {
    let path = &url[url.find("/uploads/").or_else(|| url.find("/attachments/")).unwrap()..];
    format!("{}{path}", app.address)
}

async fn files_sent_ahead_by_upload_url_are_named_by_a_message_and_by_no_one_else(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let guild = app.guild_with(&ann, "Ahead", &[&bob]).await;
    let asking = format!("/channels/{}/attachments", guild.general);
    let ask = |who: &Session, files: Value| {
        let (app, path, token) = (&app, asking.clone(), who.access_token.clone());
        async move { app.post_json(&path, &json!({ "files": files }), Some(&token)).await }
    };

    // Ann asks for two URLs; her ids come back with them.
    let (status, targets) = status_and_json(
        ask(&ann, json!([{"id": "0", "filename": "holiday photo.png", "file_size": 900}, {"id": 1, "filename": "notes.txt", "file_size": 5}]))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{targets}");
    let photo = &targets["attachments"][0];
    let notes = &targets["attachments"][1];
    assert_eq!((photo["id"].as_str(), notes["id"].as_u64()), (Some("0"), Some(1)));
    assert!(photo["upload_filename"].as_str().unwrap().ends_with("/holiday_photo.png"), "{photo}");

    // The bytes go to each URL; a URL altered or used twice opens nothing.
    let original = png_with_location();
    let client = app.client.clone();
    let put = |url: String, body: Vec<u8>| {
        let client = client.clone();
        async move { client.put(url).body(body).send().await.unwrap() }
    };
    let photo_url = on_this_server(&app, photo["upload_url"].as_str().unwrap());
    assert_eq!(put(photo_url.clone(), original.clone()).await.status(), StatusCode::OK);
    assert_error(put(photo_url.clone(), original.clone()).await, StatusCode::NOT_FOUND, 90011).await;
    let notes_url = on_this_server(&app, notes["upload_url"].as_str().unwrap());
    let forged = notes_url.replace(&format!("/{}/", ann.user_id), &format!("/{}/", bob.user_id));
    assert_error(put(forged, b"x".to_vec()).await, StatusCode::NOT_FOUND, 90011).await;
    assert_eq!(put(notes_url, b"hello".to_vec()).await.status(), StatusCode::OK);
    let charged = usage(&app, &ann).await;
    assert!(charged > 5, "both charged to ann once whole: {charged}");

    // Bob cannot name ann's uploads; a name that was never uploaded is refused too.
    let named = |upload: &Value| json!({"id": upload["id"], "uploaded_filename": upload["upload_filename"]});
    let path = format!("/channels/{}/messages", guild.general);
    let stolen = app.post_json(&path, &json!({"attachments": [named(photo)]}), Some(&bob.access_token)).await;
    let refused = assert_error(stolen, StatusCode::BAD_REQUEST, 50035).await;
    assert_eq!(
        refused["errors"]["attachments.0.uploaded_filename"]["_errors"][0]["code"], "ATTACHMENT_NOT_UPLOADED",
        "{refused}"
    );
    let never = json!({"attachments": [{"id": 0, "uploaded_filename": "123/nothing.png"}]});
    assert_error(app.post_json(&path, &never, Some(&ann.access_token)).await, StatusCode::BAD_REQUEST, 50035).await;

    // Ann's message shows both, with alt text, and bob downloads what she sent.
    let mut photo_entry = named(photo);
    photo_entry["description"] = json!("the beach");
    let body = json!({"content": "sent ahead", "attachments": [photo_entry, named(notes)]});
    let (status, sent) = status_and_json(app.post_json(&path, &body, Some(&ann.access_token)).await).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let shown = &sent["attachments"][0];
    assert_eq!(
        (shown["filename"].as_str(), shown["content_type"].as_str()),
        (Some("holiday_photo.png"), Some("image/png"))
    );
    assert_eq!(
        (shown["width"].as_u64(), shown["height"].as_u64(), shown["description"].as_str()),
        (Some(37), Some(23), Some("the beach"))
    );
    assert_eq!(sent["attachments"][1]["content_type"], "text/plain; charset=utf-8");
    let downloaded = app.client.get(here(&app, shown)).send().await.unwrap().bytes().await.unwrap();
    assert!(!contains(&downloaded, GPS), "stripped on the way in, as a multipart file is");
    assert_eq!(pixels(&downloaded), pixels(&original));
    // Taken once: a second message cannot show the same upload.
    let again = json!({"content": "again", "attachments": [named(notes)]});
    assert_error(app.post_json(&path, &again, Some(&ann.access_token)).await, StatusCode::BAD_REQUEST, 50035).await;
    assert_eq!(usage(&app, &ann).await, charged, "nothing charged twice");

    // Asking is checked: too many files, one too large, no ATTACH_FILES.
    let eleven: Vec<Value> = (0..11).map(|i| json!({"filename": format!("f{i}"), "file_size": 1})).collect();
    assert_error(ask(&ann, json!(eleven)).await, StatusCode::BAD_REQUEST, 50035).await;
    assert_error(
        ask(&ann, json!([{"filename": "big.bin", "file_size": 101u64 << 20}])).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        40005,
    )
    .await;
    let everyone = (parley_core::Permissions::DEFAULT_EVERYONE.bits() & !parley_core::Permissions::ATTACH_FILES.bits())
        .to_string();
    let changed = app
        .patch_json(
            &format!("/guilds/{}/roles/{}", guild.id, guild.id),
            &json!({"permissions": everyone}),
            &ann.access_token,
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_error(ask(&bob, json!([{"filename": "a.txt", "file_size": 1}])).await, StatusCode::FORBIDDEN, 50013).await;
}

on_both_backends!(
    a_file_sent_with_a_message_downloads_through_its_signed_link_without_its_metadata_and_with_every_pixel,
    a_file_is_typed_by_its_bytes_and_anything_but_media_is_only_ever_a_download,
    refused_uploads_keep_nothing_and_charge_nothing,
    deleted_messages_files_leave_storage_and_give_their_space_back,
    an_edit_keeps_or_drops_a_messages_files_and_a_dropped_files_link_stops_opening,
    files_sent_ahead_by_upload_url_are_named_by_a_message_and_by_no_one_else,
);
