//! op 8, Request Guild Members: members of a guild the session is in, by name prefix or by
//! id, answered as GUILD_MEMBERS_CHUNK dispatches of at most 1000 members each.

use std::sync::Arc;

use parley_app::AppResult;
use parley_app::member_search::members_named;
use parley_app::objects::member::member_objects;
use parley_core::Snowflake;
use parley_store::members::MemberRecord;
use serde_json::{Value, json};

use crate::Gateway;
use crate::intents::Intents;
use crate::presence::{Status, presence_payload};
use crate::protocol::{CloseCode, RequestGuildMembers};
use crate::session::Session;

/// Discord's limits: 100 user ids per request, chunks of 1000.
pub const MAX_USER_IDS: usize = 100;
pub const CHUNK_SIZE: usize = 1000;

/// Answers one request. Refuses (4013) asking for every member without the GUILD_MEMBERS
/// intent, as Discord does.
pub async fn request(gateway: &Gateway, session: &Session, request: RequestGuildMembers) -> Result<(), CloseCode> {
    let everyone = request.user_ids.is_none() && request.query.as_deref().unwrap_or_default().is_empty();
    if everyone && !session.intents.has(Intents::GUILD_MEMBERS) {
        return Err(CloseCode::InvalidIntents);
    }
    let user_ids: Option<Vec<Snowflake>> = match request.user_ids {
        Some(ids) => {
            let ids = ids.into_vec();
            if ids.len() > MAX_USER_IDS {
                return Err(CloseCode::DecodeError);
            }
            Some(ids.iter().filter_map(|id| id.parse().ok()).collect())
        }
        None => None,
    };
    let query = request.query.unwrap_or_default().to_lowercase();
    let limit = match request.limit {
        0 => usize::MAX,
        n => n.min(100) as usize,
    };
    for raw in request.guild_id.into_vec() {
        let Ok(guild_id) = raw.parse::<Snowflake>() else { return Err(CloseCode::DecodeError) };
        // Guilds the session is not in are ignored, as Discord ignores them.
        if !session.in_guild(guild_id) {
            continue;
        }
        let chunks = match chunks(gateway, guild_id, user_ids.as_deref(), &query, limit, request.presences).await {
            Ok(chunks) => chunks,
            Err(e) => {
                tracing::warn!(error = %e, %guild_id, "could not answer a member request");
                continue;
            }
        };
        let count = chunks.len();
        for (index, (members, presences, not_found)) in chunks.into_iter().enumerate() {
            let mut payload = json!({
                "guild_id": guild_id,
                "members": members,
                "chunk_index": index,
                "chunk_count": count,
            });
            if request.presences {
                payload["presences"] = json!(presences);
            }
            if !not_found.is_empty() {
                payload["not_found"] = json!(not_found);
            }
            if let Some(nonce) = &request.nonce {
                payload["nonce"] = json!(nonce);
            }
            session.deliver("GUILD_MEMBERS_CHUNK", &Arc::from(payload.to_string()), None);
        }
    }
    Ok(())
}

type Chunk = (Vec<Value>, Vec<Value>, Vec<Snowflake>);

async fn chunks(
    gateway: &Gateway,
    guild_id: Snowflake,
    user_ids: Option<&[Snowflake]>,
    query: &str,
    limit: usize,
    with_presences: bool,
) -> AppResult<Vec<Chunk>> {
    let state = &gateway.state;
    let mut found: Vec<MemberRecord> = Vec::new();
    let mut not_found = Vec::new();
    if let Some(ids) = user_ids {
        for id in ids {
            match state.store.member(guild_id, *id).await? {
                Some(member) => found.push(member),
                None => not_found.push(*id),
            }
        }
    } else if !query.is_empty() {
        // By name, as REST's member search finds them.
        found = members_named(state, guild_id, query, limit).await?;
    } else {
        // Pages through the members by id.
        let mut after = Snowflake::new(0);
        loop {
            let page = state.store.members(guild_id, after, CHUNK_SIZE as i64).await?;
            let Some(last) = page.last() else { break };
            after = last.user_id;
            let full = page.len() < CHUNK_SIZE;
            found.extend(page);
            if found.len() >= limit || full {
                break;
            }
        }
        found.truncate(limit);
    }
    let objects = member_objects(state, &found).await?;
    let mut chunks: Vec<Chunk> = Vec::new();
    for (members, records) in objects.chunks(CHUNK_SIZE).zip(found.chunks(CHUNK_SIZE)) {
        let presences = if with_presences {
            records
                .iter()
                .filter_map(|m| {
                    let seen = gateway.presences.of(m.user_id);
                    (seen.status != Status::Offline).then(|| presence_payload(m.user_id, None, &seen))
                })
                .collect()
        } else {
            Vec::new()
        };
        let members = members.iter().map(|m| serde_json::to_value(m).unwrap_or(Value::Null)).collect();
        chunks.push((members, presences, Vec::new()));
    }
    if chunks.is_empty() {
        chunks.push((Vec::new(), Vec::new(), Vec::new()));
    }
    chunks[0].2 = not_found;
    Ok(chunks)
}
