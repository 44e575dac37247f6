//! Adding files in an edit, as Discord's libraries do (discord.py's `message.edit(attachments=
//! [kept, discord.File(...)])` sends a multipart PATCH): an edit keeps the files it names,
//! drops the rest, and adds its form's `files[n]` parts and uploads sent ahead; with no
//! `attachments` list, a form's files are added to those the message has. Only the author adds
//! files, with ATTACH_FILES, within the per-message count; a refused edit keeps nothing and
//! charges nothing.

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use crate::attachments::{BOUNDARY, file, form, here, on_this_server, payload, send_form, stored_objects, usage};
use crate::helpers::{Backend, Session, TestApp, assert_error, on_both_backends, spawn_app, status_and_json};

async fn edit_form(app: &TestApp, who: &Session, path: &str, body: Vec<u8>) -> reqwest::Response {
    app.client
        .patch(app.api(path))
        .bearer_auth(&who.access_token)
        .header(CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

fn ids(message: &Value) -> Vec<String> {
    message["attachments"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_owned()).collect()
}

fn names(message: &Value) -> Vec<&str> {
    message["attachments"].as_array().unwrap().iter().map(|a| a["filename"].as_str().unwrap()).collect()
}

async fn an_edit_adds_files_from_its_form_and_sent_ahead_beside_those_it_keeps(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Edits", &[]).await;
    let body = form(&[payload(json!({"content": "one file"})), file(0, "a.txt", b"first".to_vec())]);
    let (status, sent) = status_and_json(send_form(&app, &ann, &guild.general, body).await).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let path = format!("/channels/{}/messages/{}", guild.general, sent["id"].as_str().unwrap());
    let a = sent["attachments"][0]["id"].as_str().unwrap().to_owned();

    // discord.py's shape: the kept file by its id, the new one by its part's index.
    let body = form(&[
        payload(json!({"content": "two files", "attachments": [{"id": a}, {"id": 0, "description": "the second"}]})),
        file(0, "b.txt", b"second".to_vec()),
    ]);
    let (status, edited) = status_and_json(edit_form(&app, &ann, &path, body).await).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(names(&edited), ["a.txt", "b.txt"]);
    assert_eq!(edited["content"], "two files");
    assert_eq!(edited["attachments"][1]["description"], "the second");
    assert!(edited["edited_timestamp"].is_string());
    let added = app.client.get(here(&app, &edited["attachments"][1])).send().await.unwrap();
    assert_eq!(added.bytes().await.unwrap().as_ref(), b"second");
    assert_eq!(usage(&app, &ann).await, 11, "charged once each");

    // No list: the form's files join those the message has.
    let body = form(&[payload(json!({})), file(0, "c.txt", b"third".to_vec())]);
    let (status, edited) = status_and_json(edit_form(&app, &ann, &path, body).await).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(names(&edited), ["a.txt", "b.txt", "c.txt"]);

    // A file sent ahead, named by its upload in a JSON edit.
    let asked = json!({"files": [{"id": 0, "filename": "d.txt", "file_size": 6}]});
    let (status, targets) = status_and_json(
        app.post_json(&format!("/channels/{}/attachments", guild.general), &asked, Some(&ann.access_token)).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{targets}");
    let target = &targets["attachments"][0];
    let put = app.client.put(on_this_server(&app, target["upload_url"].as_str().unwrap())).body(b"fourth".to_vec());
    assert_eq!(put.send().await.unwrap().status(), StatusCode::OK);
    let mut keep: Vec<Value> = ids(&edited).into_iter().map(|id| json!({ "id": id })).collect();
    keep.push(json!({"id": 0, "uploaded_filename": target["upload_filename"]}));
    let (status, edited) =
        status_and_json(app.patch_json(&path, &json!({ "attachments": keep }), &ann.access_token).await).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(names(&edited), ["a.txt", "b.txt", "c.txt", "d.txt"]);
    let (_, read) = status_and_json(app.get(&path, Some(&ann.access_token)).await).await;
    assert_eq!(ids(&read), ids(&edited), "what the edit answered is what is stored");
    // The upload is the message's now: naming it again adds nothing.
    let again = json!({"attachments": [{"id": 0, "uploaded_filename": target["upload_filename"]}]});
    assert_error(app.patch_json(&path, &again, &ann.access_token).await, StatusCode::BAD_REQUEST, 50035).await;

    // Dropping and adding at once: the old links stop opening, the new one opens.
    let old_link = here(&app, &edited["attachments"][0]);
    let body = form(&[payload(json!({"attachments": [{"id": 0}]})), file(0, "e.txt", b"fifth".to_vec())]);
    let (status, edited) = status_and_json(edit_form(&app, &ann, &path, body).await).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(names(&edited), ["e.txt"]);
    assert_error(app.client.get(&old_link).send().await.unwrap(), StatusCode::NOT_FOUND, 90011).await;
    let new_link = app.client.get(here(&app, &edited["attachments"][0])).send().await.unwrap();
    assert_eq!(new_link.bytes().await.unwrap().as_ref(), b"fifth");
}

async fn files_added_in_an_edit_are_the_authors_alone_with_attach_files_and_within_the_count(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let guild = app.guild_with(&ann, "Refusals", &[&bob]).await;
    let send = async |who: &Session, parts: Vec<u8>| {
        let (status, sent) = status_and_json(send_form(&app, who, &guild.general, parts).await).await;
        assert_eq!(status, StatusCode::OK, "{sent}");
        format!("/channels/{}/messages/{}", guild.general, sent["id"].as_str().unwrap())
    };
    let anns = send(&ann, form(&[payload(json!({})), file(0, "a.txt", b"ann's".to_vec())])).await;
    let bobs = send(&bob, form(&[payload(json!({})), file(0, "b.txt", b"bob's".to_vec())])).await;
    let before = (stored_objects(&app), usage(&app, &ann).await, usage(&app, &bob).await);

    // Bob adds nothing to ann's message, whatever he sends.
    let body = form(&[payload(json!({})), file(0, "x.txt", b"intruder".to_vec())]);
    assert_error(edit_form(&app, &bob, &anns, body).await, StatusCode::FORBIDDEN, 50005).await;

    // Too many: ten in all at most.
    let parts: Vec<Vec<u8>> = (0..10).map(|i| format!("file {i}").into_bytes()).collect();
    let filenames: Vec<String> = (0..10).map(|i| format!("f{i}.txt")).collect();
    let mut many = vec![payload(json!({}))];
    many.extend(parts.iter().zip(&filenames).enumerate().map(|(i, (bytes, name))| file(i, name, bytes.clone())));
    let refused = assert_error(edit_form(&app, &ann, &anns, form(&many)).await, StatusCode::BAD_REQUEST, 50035).await;
    assert!(refused["errors"]["attachments"].is_object(), "{refused}");

    // Without ATTACH_FILES, bob adds no file even to his own message.
    let everyone = (parley_core::Permissions::DEFAULT_EVERYONE.bits() & !parley_core::Permissions::ATTACH_FILES.bits())
        .to_string();
    let role = format!("/guilds/{}/roles/{}", guild.id, guild.id);
    let changed = app.patch_json(&role, &json!({"permissions": everyone}), &ann.access_token).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let body = form(&[payload(json!({})), file(0, "y.txt", b"more".to_vec())]);
    assert_error(edit_form(&app, &bob, &bobs, body).await, StatusCode::FORBIDDEN, 50013).await;
    // He may still edit its text, keeping its file.
    let (status, edited) =
        status_and_json(app.patch_json(&bobs, &json!({"content": "words"}), &bob.access_token).await).await;
    assert_eq!((status, names(&edited)), (StatusCode::OK, vec!["b.txt"]), "{edited}");

    let after = (stored_objects(&app), usage(&app, &ann).await, usage(&app, &bob).await);
    assert_eq!(after, before, "refused edits keep nothing and charge nothing");
    let (_, read) = status_and_json(app.get(&anns, Some(&ann.access_token)).await).await;
    assert_eq!(ids(&read).len(), 1, "a refused edit changes nothing");
}

on_both_backends!(
    an_edit_adds_files_from_its_form_and_sent_ahead_beside_those_it_keeps,
    files_added_in_an_edit_are_the_authors_alone_with_attach_files_and_within_the_count,
);
