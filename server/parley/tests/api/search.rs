//! Message search: by words, author and channel; never returns what the searcher cannot read.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, Session, TestApp, assert_error, on_both_backends, say, spawn_app, status_and_json};

async fn search(app: &TestApp, who: &Session, guild: &str, query: &str) -> Value {
    let (status, found) =
        status_and_json(app.get(&format!("/guilds/{guild}/messages/search{query}"), Some(&who.access_token)).await)
            .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    found
}

fn contents(found: &Value) -> Vec<String> {
    found["messages"].as_array().unwrap().iter().map(|hit| hit[0]["content"].as_str().unwrap().to_owned()).collect()
}

async fn search_finds_words_by_author_and_channel_and_never_hidden_messages(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&owner, "Searchable", &[&ann]).await;
    let g = &guild.id;
    let (_, secret) = status_and_json(
        app.post_json(&format!("/guilds/{g}/channels"), &json!({"name": "staff"}), Some(&owner.access_token)).await,
    )
    .await;
    let secret = secret["id"].as_str().unwrap().to_owned();
    app.send(
        app.client
            .put(app.api(&format!("/channels/{secret}/permissions/{g}")))
            .json(&json!({"type": 0, "deny": "1024"}))
            .bearer_auth(&owner.access_token),
    )
    .await;

    say(&app, &owner, &guild.general, "The release ships on Friday").await;
    say(&app, &ann, &guild.general, "friday works for me").await;
    say(&app, &ann, &guild.general, "unrelated chatter").await;
    say(&app, &owner, &secret, "secret friday plans").await;

    let found = search(&app, &ann, g, "?content=friday").await;
    assert_eq!(found["total_results"], 2, "{found}");
    assert_eq!(
        contents(&found),
        vec!["friday works for me", "The release ships on Friday"],
        "newest first, case-insensitive"
    );
    assert_eq!(search(&app, &owner, g, "?content=friday").await["total_results"], 3, "the owner also reads #staff");
    assert_eq!(
        contents(&search(&app, &ann, g, "?content=release%20friday").await),
        vec!["The release ships on Friday"],
        "all words must appear"
    );
    assert_eq!(contents(&search(&app, &ann, g, &format!("?author_id={}", ann.user_id)).await).len(), 2);
    assert_eq!(
        search(&app, &ann, g, &format!("?content=friday&channel_id={}", guild.general)).await["total_results"],
        2
    );
    assert_error(
        app.get(&format!("/guilds/{g}/messages/search?channel_id={secret}"), Some(&ann.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
    assert_eq!(
        search(&app, &ann, g, "?content=friday&limit=1&offset=1").await["messages"][0][0]["content"],
        "The release ships on Friday"
    );
}

async fn hostile_search_text_is_just_words(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let guild = app.guild_with(&owner, "Searchable", &[]).await;
    say(&app, &owner, &guild.general, "plain words here").await;
    for query in ["%22", "NEAR(a%20b)", "*", "'%20OR%201=1%20--", "a%22%20OR%20%22b", "%3Cscript%3E", "%F0%9F%A6%80"] {
        let found = search(&app, &owner, &guild.id, &format!("?content={query}")).await;
        assert_eq!(found["total_results"], 0, "{query}: {found}");
    }
    assert_eq!(search(&app, &owner, &guild.id, "?content=WORDS").await["total_results"], 1);
}

async fn edits_and_deletions_are_reflected_in_search(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let guild = app.guild_with(&owner, "Searchable", &[]).await;
    let id = say(&app, &owner, &guild.general, "first draft").await;
    let path = format!("/channels/{}/messages/{id}", guild.general);
    app.patch_json(&path, &json!({"content": "final version"}), &owner.access_token).await;
    assert_eq!(search(&app, &owner, &guild.id, "?content=draft").await["total_results"], 0);
    assert_eq!(search(&app, &owner, &guild.id, "?content=final").await["total_results"], 1);
    app.delete(&path, &owner.access_token).await;
    assert_eq!(search(&app, &owner, &guild.id, "?content=final").await["total_results"], 0);
}

async fn bad_search_parameters_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let stranger = app.register("stranger").await;
    let guild = app.guild_with(&owner, "Searchable", &[]).await;
    let eleven = ["w"; 11].join("%20");
    for bad in [
        "?limit=0",
        "?limit=26",
        "?offset=-1",
        "?offset=5001",
        "?author_id=x",
        "?channel_id=y",
        &format!("?content={eleven}"),
    ] {
        assert_error(
            app.get(&format!("/guilds/{}/messages/search{bad}", guild.id), Some(&owner.access_token)).await,
            StatusCode::BAD_REQUEST,
            50035,
        )
        .await;
    }
    assert_error(
        app.get(&format!("/guilds/{}/messages/search?content=x", guild.id), Some(&stranger.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
}

on_both_backends!(
    search_finds_words_by_author_and_channel_and_never_hidden_messages,
    hostile_search_text_is_just_words,
    edits_and_deletions_are_reflected_in_search,
    bad_search_parameters_are_refused,
);
