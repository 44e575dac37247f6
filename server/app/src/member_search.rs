//! Members by name: whose username or nickname starts with a query, case-insensitively. REST's
//! member search and the gateway's member requests (op 8) ask the same question.

use parley_core::Snowflake;
use parley_store::members::MemberRecord;

use crate::AppState;
use crate::error::AppResult;

/// How many members are read at a time while looking.
const PAGE: i64 = 1000;

/// Up to `limit` members of `guild_id`, by user id, whose username or nickname starts with
/// `query` (compared in lower case; usernames are stored in lower case).
pub async fn members_named(
    state: &AppState,
    guild_id: Snowflake,
    query: &str,
    limit: usize,
) -> AppResult<Vec<MemberRecord>> {
    let query = query.to_lowercase();
    let mut found = Vec::new();
    let mut after = Snowflake::new(0);
    // Names are matched in Rust rather than in SQL so that both databases lower-case alike
    // (SQLite's LOWER only knows ASCII).
    loop {
        let page = state.store.members(guild_id, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.user_id;
        let full = (page.len() as i64) < PAGE;
        let ids: Vec<Snowflake> = page.iter().map(|m| m.user_id).collect();
        let users = state.store.users_by_ids(&ids).await?;
        found.extend(page.into_iter().filter(|m| {
            m.nick.as_ref().is_some_and(|n| n.to_lowercase().starts_with(&query))
                || users.iter().any(|u| u.id == m.user_id && u.username.to_lowercase().starts_with(&query))
        }));
        if found.len() >= limit || full {
            break;
        }
    }
    found.truncate(limit);
    Ok(found)
}
