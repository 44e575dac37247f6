//! Avatars, guild icons and banners, and custom emoji at Discord's CDN paths, so bot
//! libraries' asset URLs work against Parley's origin: `/avatars/{user}/{hash}.{ext}`,
//! `/icons/{guild}/{hash}.{ext}`, `/banners/{guild}/{hash}.{ext}` and `/emojis/{id}.{ext}`,
//! each with an optional `?size=` (a power of two, 16 to 4096) and in PNG, JPEG, WebP or GIF
//! as the extension asks.
//!
//! Public, as Discord's CDN is: a hash is unguessable and names bytes that never change, so
//! the answer may be cached anywhere for a year. What is served was re-encoded by Parley, with
//! `nosniff` and a sandboxing policy all the same.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use parley_app::AppState;
use parley_app::error::{AppError, AppResult};
use parley_app::files::assets::hash_is_well_formed;
use parley_app::files::image_asset::{AssetKind, Variant, VariantFormat, size_allowed};
use parley_app::files::{AssetError, AssetRef};
use parley_core::{ErrorCode, Snowflake};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/avatars/{user_id}/{file}", get(avatar))
        .route("/icons/{guild_id}/{file}", get(icon))
        .route("/banners/{guild_id}/{file}", get(banner))
        .route("/emojis/{file}", get(emoji))
}

#[derive(Debug, Deserialize)]
struct SizeQuery {
    size: Option<String>,
}

const SANDBOX: &str = "sandbox; default-src 'none'";

fn unknown() -> AppError {
    AppError::with_message(StatusCode::NOT_FOUND, ErrorCode::UnknownFile, "No such image.")
}

/// A hash names bytes that never change: cached for good. An emoji is named by its id, and
/// deleting it must take its image away soon: an hour.
fn cache_control(asset: &AssetRef) -> &'static str {
    match asset.kind {
        AssetKind::Emoji => "public, max-age=3600",
        _ => "public, max-age=31536000, immutable",
    }
}

/// `{name}.{ext}` split, with the format the extension names.
fn split_file(file: &str) -> Option<(&str, VariantFormat)> {
    let (name, extension) = file.rsplit_once('.')?;
    Some((name, VariantFormat::from_extension(extension)?))
}

fn parse_size(query: &SizeQuery) -> AppResult<Option<u32>> {
    let Some(raw) = query.size.as_deref() else { return Ok(None) };
    match raw.parse::<u32>() {
        Ok(size) if size_allowed(size) => Ok(Some(size)),
        _ => Err(AppError::field("size", "NUMBER_TYPE_INVALID", "Must be a power of two from 16 to 4096.")),
    }
}

async fn serve(
    state: &AppState,
    asset: AssetRef,
    format: VariantFormat,
    query: &SizeQuery,
    headers: &HeaderMap,
) -> AppResult<Response> {
    let size = parse_size(query)?;
    let variant = Variant { format, size };
    let etag = format!("\"{}-{}-{}\"", asset.hash, size.unwrap_or(0), format.extension());
    let response = Response::builder()
        .header(header::CONTENT_TYPE, format.content_type())
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CONTENT_SECURITY_POLICY, SANDBOX)
        .header(header::ETAG, &etag)
        .header(header::CACHE_CONTROL, cache_control(&asset));
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag))
    {
        return response.status(StatusCode::NOT_MODIFIED).body(Body::empty()).map_err(AppError::internal);
    }
    let bytes = match state.images.variant(&asset, variant).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err(unknown()),
        Err(AssetError::Busy) => return Err(parley_app::files::assets::busy()),
        Err(AssetError::Refused(refusal)) => {
            // Only images Parley itself kept are rendered: one that fails is damaged storage.
            return Err(AppError::internal(format!("rendering {}/{}: {refusal:?}", asset.kind.folder(), asset.hash)));
        }
        Err(error) => {
            return Err(AppError::internal(format!("serving {}/{}: {error}", asset.kind.folder(), asset.hash)));
        }
    };
    response.header(header::CONTENT_LENGTH, bytes.len()).body(Body::from(bytes)).map_err(AppError::internal)
}

/// The asset a `{owner}/{hash}.{ext}` path names, or 404.
fn hashed(kind: AssetKind, owner: &str, file: &str) -> AppResult<(AssetRef, VariantFormat)> {
    let owner: Snowflake = owner.parse().map_err(|_| unknown())?;
    let (hash, format) = split_file(file).ok_or_else(unknown)?;
    if !hash_is_well_formed(hash) {
        return Err(unknown());
    }
    Ok((AssetRef { kind, owner, hash: hash.to_owned() }, format))
}

async fn avatar(
    State(state): State<AppState>,
    Path((user_id, file)): Path<(String, String)>,
    Query(query): Query<SizeQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (asset, format) = hashed(AssetKind::Avatar, &user_id, &file)?;
    serve(&state, asset, format, &query, &headers).await
}

async fn icon(
    State(state): State<AppState>,
    Path((guild_id, file)): Path<(String, String)>,
    Query(query): Query<SizeQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (asset, format) = hashed(AssetKind::GuildIcon, &guild_id, &file)?;
    serve(&state, asset, format, &query, &headers).await
}

async fn banner(
    State(state): State<AppState>,
    Path((guild_id, file)): Path<(String, String)>,
    Query(query): Query<SizeQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (asset, format) = hashed(AssetKind::GuildBanner, &guild_id, &file)?;
    serve(&state, asset, format, &query, &headers).await
}

/// `/emojis/{id}.{ext}`: the id says which emoji; whether it moves is the emoji's.
async fn emoji(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<SizeQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (id, format) = split_file(&file).ok_or_else(unknown)?;
    let id: Snowflake = id.parse().map_err(|_| unknown())?;
    let emoji = state.store.emoji(id).await?.ok_or_else(unknown)?;
    serve(&state, AssetRef::emoji(emoji.id, emoji.animated), format, &query, &headers).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cdn_file_name_is_a_name_and_a_known_image_extension() {
        assert_eq!(split_file("abc.png"), Some(("abc", VariantFormat::Png)));
        assert_eq!(split_file("a_abc.GIF"), Some(("a_abc", VariantFormat::Gif)));
        assert_eq!(split_file("abc.jpeg"), Some(("abc", VariantFormat::Jpeg)));
        assert_eq!(split_file("abc.svg"), None);
        assert_eq!(split_file("abc"), None);
    }
}
