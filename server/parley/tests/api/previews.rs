//! Previews and where downloads come from: an attachment's `proxy_url` (Parley's media proxy,
//! signed as its `url` is) answers `width` and `height` with a thumbnail of an image, made
//! once, kept, and swept with its file; and with `s3_presigned_downloads` a checked link
//! redirects to a presigned URL on the bucket, which checks its own signature.

use std::io::Cursor;

use image::{ImageFormat, RgbImage};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION, RANGE};
use serde_json::{Value, json};

use crate::attachments::{file, form, payload, pixels, send_form, stored_under};
use crate::helpers::{Backend, TestApp, assert_error, on_both_backends, spawn_app_with, status_and_json};

/// A 1500 × 1000 picture, as a PNG.
fn photo() -> Vec<u8> {
    let picture =
        RgbImage::from_fn(1500, 1000, |x, y| image::Rgb([(x / 6) as u8, (y / 4) as u8, ((x + y) % 256) as u8]));
    let mut out = Cursor::new(Vec::new());
    picture.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A URL the server made, on this test server.
fn here(app: &TestApp, url: &Value) -> String {
    let url = url.as_str().unwrap();
    let path = &url[url.find("/media/").or_else(|| url.find("/attachments/")).unwrap()..];
    format!("{}{path}", app.address)
}

async fn an_attached_image_is_previewed_through_its_proxy_url_as_a_thumbnail_made_once_and_swept_with_its_file(
    backend: Backend,
) {
    let app =
        spawn_app_with(backend, &[("PARLEY_FILES_SWEEP_INTERVAL_SECS", "1"), ("PARLEY_FILES_DELETED_GRACE_MINS", "0")])
            .await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Previews", &[]).await;
    let original = photo();
    let body = form(&[
        payload(json!({"content": "the view"})),
        file(0, "view.png", original.clone()),
        file(1, "notes.txt", b"plain words".to_vec()),
    ]);
    let (status, sent) = status_and_json(send_form(&app, &ann, &guild.general, body).await).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let (image, notes) = (&sent["attachments"][0], &sent["attachments"][1]);
    let url = image["url"].as_str().unwrap();
    assert_eq!(
        image["proxy_url"].as_str().unwrap(),
        url.replacen("/attachments/", "/media/attachments/", 1),
        "the proxy URL is the file's URL through /media, signed alike"
    );
    let preview = here(&app, &image["proxy_url"]);

    // A 300 × 200 box: a thumbnail 512 on its longest side, the image's shape kept.
    let thumb = app.client.get(format!("{preview}width=300&height=200")).send().await.unwrap();
    assert_eq!(thumb.status(), StatusCode::OK);
    assert_eq!(thumb.headers()[CONTENT_TYPE], "image/png");
    assert_eq!(thumb.headers()["x-content-type-options"], "nosniff");
    let etag = thumb.headers()[ETAG].to_str().unwrap().to_owned();
    let made = thumb.bytes().await.unwrap();
    let decoded = image::load_from_memory(&made).unwrap();
    assert_eq!(decoded.width(), 512);
    assert!((341..=342).contains(&decoded.height()), "{}", decoded.height());
    assert!(
        made.len() < original.len() / 4,
        "a preview is a fraction of the file: {} of {}",
        made.len(),
        original.len()
    );
    assert_eq!((stored_under(&app, "thumbnails"), stored_under(&app, "attachments")), (1, 2), "made once and kept");

    // Asked again: the same bytes, nothing new made; a browser's copy is still good.
    let again = app.client.get(format!("{preview}width=290&height=190")).send().await.unwrap();
    assert_eq!(again.bytes().await.unwrap(), made);
    assert_eq!(stored_under(&app, "thumbnails"), 1);
    let cached = app.client.get(format!("{preview}width=300&height=200")).header(IF_NONE_MATCH, &etag).send().await;
    assert_eq!(cached.unwrap().status(), StatusCode::NOT_MODIFIED);

    // A box as large as the image, or none: the file itself, every pixel.
    for whole in [format!("{preview}width=1500&height=1000"), preview.clone()] {
        let response = app.client.get(&whole).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_DISPOSITION], "inline; filename=\"view.png\"");
        assert_eq!(pixels(&response.bytes().await.unwrap()), pixels(&original), "{whole}");
    }
    // What is no image has no thumbnail: the file, as its own link gives it.
    let text = app.client.get(format!("{}width=64&height=64", here(&app, &notes["proxy_url"]))).send().await.unwrap();
    assert_eq!(text.headers()[CONTENT_TYPE], "text/plain; charset=utf-8");
    assert_eq!(text.bytes().await.unwrap().as_ref(), b"plain words");

    // An animated PNG keeps moving: no thumbnail, the file itself, and the refusal is kept (an
    // empty marker) so the file is not read and decoded again on every request.
    let mut moving = photo();
    let at = moving.windows(4).position(|w| w == b"IDAT").unwrap() - 4;
    moving.splice(at..at, crate::attachments::png_chunk(b"acTL", &[0, 0, 0, 1, 0, 0, 0, 0]));
    let body = form(&[payload(json!({})), file(0, "moving.png", moving.clone())]);
    let (status, animated) = status_and_json(send_form(&app, &ann, &guild.general, body).await).await;
    assert_eq!(status, StatusCode::OK, "{animated}");
    let moving_preview = here(&app, &animated["attachments"][0]["proxy_url"]);
    for _ in 0..2 {
        let served = app.client.get(format!("{moving_preview}width=300&height=200")).send().await.unwrap();
        assert_eq!(served.status(), StatusCode::OK);
        assert_eq!(served.bytes().await.unwrap().len() as u64, animated["attachments"][0]["size"].as_u64().unwrap());
    }
    assert_eq!(stored_under(&app, "thumbnails"), 2, "the photo's thumbnail and the animation's marker");
    let gone = format!("/channels/{}/messages/{}", guild.general, animated["id"].as_str().unwrap());
    assert_eq!(app.delete(&gone, &ann.access_token).await.status(), StatusCode::NO_CONTENT);

    // A box that is no box is refused; an altered signature opens nothing, preview or not.
    for bad in ["width=0", "width=abc&height=10", "height=99999"] {
        assert_error(app.client.get(format!("{preview}{bad}")).send().await.unwrap(), StatusCode::BAD_REQUEST, 50035)
            .await;
    }
    let forged = preview.replace("&hm=", "&hm=0");
    assert_error(
        app.client.get(format!("{forged}width=300&height=200")).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        90011,
    )
    .await;

    // The message goes: its previews stop opening at once, and the sweeper takes the
    // thumbnail with the files.
    let message = format!("/channels/{}/messages/{}", guild.general, sent["id"].as_str().unwrap());
    assert_eq!(app.delete(&message, &ann.access_token).await.status(), StatusCode::NO_CONTENT);
    assert_error(
        app.client.get(format!("{preview}width=300&height=200")).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        90011,
    )
    .await;
    crate::fault_proxy::within(
        "the thumbnail is swept with its file",
        std::time::Duration::from_secs(10),
        async || stored_under(&app, "thumbnails") == 0 && stored_under(&app, "attachments") == 0,
    )
    .await;
}

on_both_backends!(
    an_attached_image_is_previewed_through_its_proxy_url_as_a_thumbnail_made_once_and_swept_with_its_file,
);

/// With `s3_presigned_downloads`, Parley checks the link and sends the client to the bucket:
/// the bytes never pass through Parley, the bucket checks the presigned signature, and the web
/// client's policy lets images and media come from there (and from nowhere else new).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presigned_downloads_redirect_a_checked_link_to_the_bucket_which_checks_its_own_signature() {
    let s3 = crate::file_storage::S3Server::start().await;
    let mut settings: Vec<(&str, String)> = s3.settings(crate::file_storage::SECRET_KEY);
    settings.push(("PARLEY_S3_PRESIGNED_DOWNLOADS", "true".into()));
    let extra: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(Backend::Postgres, &extra).await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Bucket", &[]).await;
    let original = photo();
    let body = form(&[payload(json!({})), file(0, "view.png", original.clone())]);
    let (status, sent) = status_and_json(send_form(&app, &ann, &guild.general, body).await).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let attachment = &sent["attachments"][0];
    let link = here(&app, &attachment["url"]);

    let not_following = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let redirect = not_following.get(&link).send().await.unwrap();
    assert_eq!(redirect.status(), StatusCode::TEMPORARY_REDIRECT);
    let bucket_url = redirect.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(bucket_url.starts_with(&format!("{}/parley/attachments/", s3.origin())), "{bucket_url}");
    assert!(bucket_url.contains("X-Amz-Signature="), "{bucket_url}");
    // The same link within ten minutes gets the same URL, so a browser keeps what it fetched.
    let second = not_following.get(&link).send().await.unwrap();
    assert_eq!(second.headers()[LOCATION].to_str().unwrap(), bucket_url);

    let from_bucket = reqwest::get(&bucket_url).await.unwrap();
    assert_eq!(from_bucket.status(), StatusCode::OK);
    assert_eq!(from_bucket.headers()[CONTENT_TYPE], "image/png", "the type Parley sniffed");
    assert_eq!(from_bucket.headers()[CONTENT_DISPOSITION], "inline; filename=\"view.png\"");
    assert_eq!(from_bucket.bytes().await.unwrap(), original);
    // Following the redirect with a range, as a video player seeking does.
    let part = app.client.get(&link).header(RANGE, "bytes=0-7").send().await.unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes().await.unwrap().as_ref(), &original[..8]);

    // The bucket refuses a presigned URL that was altered; Parley refuses a forged link before
    // any redirect.
    let signature_at = bucket_url.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
    let flipped = if &bucket_url[signature_at..=signature_at] == "0" { "1" } else { "0" };
    let tampered = format!("{}{flipped}{}", &bucket_url[..signature_at], &bucket_url[signature_at + 1..]);
    assert_eq!(reqwest::get(&tampered).await.unwrap().status(), StatusCode::FORBIDDEN);
    let forged = link.replace("&hm=", "&hm=0");
    assert_error(not_following.get(&forged).send().await.unwrap(), StatusCode::NOT_FOUND, 90011).await;

    // Thumbnails are Parley's own work, served by Parley and kept in the bucket.
    let preview = here(&app, &attachment["proxy_url"]);
    let thumb = not_following.get(format!("{preview}width=100&height=100")).send().await.unwrap();
    assert_eq!(thumb.status(), StatusCode::OK);
    assert_eq!(thumb.headers()[CONTENT_TYPE], "image/png");
    assert!(thumb.headers()[CONTENT_LENGTH].to_str().unwrap().parse::<usize>().unwrap() < original.len());
    assert_eq!(s3.objects_under("thumbnails"), 1);

    // The web client may show images and play media from the bucket.
    let page = app.client.get(format!("{}/", app.address)).send().await.unwrap();
    let policy = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(policy.contains(&format!("img-src 'self' data: blob: {}/parley/;", s3.origin())), "{policy}");
    assert!(policy.contains(&format!("media-src 'self' blob: {}/parley/;", s3.origin())), "{policy}");
}
