//! Who a guild's public widget shows online, worked out at most once per [`FRESH_FOR`] per
//! guild: `widget.json` needs no sign-in, so what it costs must not follow how often strangers
//! ask. It names people by their display name (`global_name`) only, never by the username
//! they sign in with; people without one are counted, not listed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use parley_core::Snowflake;

use crate::AppState;
use crate::error::AppResult;

/// How long one look at a guild's online members serves the widget.
pub const FRESH_FOR: Duration = Duration::from_secs(10);
/// Members a widget lists, at most (Discord's).
pub const MAX_WIDGET_MEMBERS: usize = 100;
/// Guilds remembered at once; past it, stale entries go, then all.
const MAX_GUILDS: usize = 10_000;

/// Who is online in a guild, as a stranger may see it.
#[derive(Debug)]
pub struct WidgetMembers {
    pub presence_count: usize,
    /// Display names, sorted, at most [`MAX_WIDGET_MEMBERS`].
    pub names: Vec<String>,
}

#[derive(Debug, Default)]
pub struct WidgetCache {
    entries: Mutex<HashMap<Snowflake, (Instant, Arc<WidgetMembers>)>>,
}

impl WidgetCache {
    fn fresh(&self, guild_id: Snowflake) -> Option<Arc<WidgetMembers>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(&guild_id).filter(|(at, _)| at.elapsed() < FRESH_FOR).map(|(_, members)| Arc::clone(members))
    }

    /// The guild's online members for its widget.
    pub async fn members(&self, state: &AppState, guild_id: Snowflake) -> AppResult<Arc<WidgetMembers>> {
        if let Some(members) = self.fresh(guild_id) {
            return Ok(members);
        }
        let online: Vec<Snowflake> =
            state.store.member_ids(guild_id).await?.into_iter().filter(|u| state.online.is_online(*u)).collect();
        // Looked up in slices, and only until the list is full.
        let mut names = Vec::new();
        for slice in online.chunks(MAX_WIDGET_MEMBERS) {
            let users = state.store.users_by_ids(slice).await?;
            names.extend(users.into_iter().filter_map(|u| u.global_name).filter(|n| !n.trim().is_empty()));
            if names.len() >= MAX_WIDGET_MEMBERS {
                break;
            }
        }
        names.sort();
        names.truncate(MAX_WIDGET_MEMBERS);
        let members = Arc::new(WidgetMembers { presence_count: online.len(), names });
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_GUILDS {
            entries.retain(|_, (at, _)| at.elapsed() < FRESH_FOR);
            if entries.len() >= MAX_GUILDS {
                entries.clear();
            }
        }
        entries.insert(guild_id, (Instant::now(), Arc::clone(&members)));
        Ok(members)
    }
}
