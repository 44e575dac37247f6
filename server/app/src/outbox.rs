//! The outbox, for nodes that share their event bus through Redis: a message's MESSAGE_CREATE
//! is written in the message's own transaction (`parley_store::outbox`), published as usual,
//! and its row removed once the shared log has it. Rows left behind (their node died between
//! commit and append, or Redis was down) are published by whichever node finds them first;
//! the log appends each row's event once (see `parley_events::redis`), so nothing is announced
//! twice. A retried send (same nonce) republishes its row at once if it is still there.
//!
//! In-process (one node) there is no outbox: a crash ends every session with it, and
//! clients that come back read the history.

use std::time::Duration;

use parley_core::Timestamp;
use parley_events::{Event, wire};
use parley_store::outbox::OutboxEvent;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::AppState;

/// How old a row must be before any node publishes it in its node's stead.
const ORPHANED_AFTER: Duration = Duration::from_secs(5);
/// How often the rows are looked at.
const SWEEP_EVERY: Duration = Duration::from_secs(2);
/// Rows published per sweep.
const SWEEP_BATCH: i64 = 200;

/// The row to keep with a change for `event` (its id: the change's own, such as the message's).
pub fn keep(state: &AppState, id: u64, event: &Event) -> Option<OutboxEvent> {
    state.bus.is_shared().then(|| OutboxEvent { id, event: wire::encode(event) })
}

/// Publishes a kept row's event (the log appends it only if nobody did yet).
pub fn publish_kept(state: &AppState, id: u64, text: &str) {
    match wire::decode(text, 0) {
        Some(mut event) => {
            event.origin = 0;
            event.node_seq = 0;
            state.publish(event.through_outbox(id));
        }
        None => tracing::error!(id, "an outbox row this node cannot read was left in place"),
    }
}

/// Removes rows as their events reach the log (`appended`), and publishes rows whose node
/// did not, until `shutdown`.
pub async fn run(state: AppState, mut appended: mpsc::Receiver<u64>, shutdown: CancellationToken) {
    let mut sweep = tokio::time::interval(SWEEP_EVERY);
    let mut done: Vec<u64> = Vec::new();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            id = appended.recv() => match id {
                Some(id) => {
                    done.push(id);
                    // Whatever else is ready goes in the same statement.
                    while done.len() < 500 && let Ok(id) = appended.try_recv() {
                        done.push(id);
                    }
                    remove(&state, &mut done).await;
                }
                None => break,
            },
            _ = sweep.tick() => {
                let before = Timestamp::now().plus_millis(-(ORPHANED_AFTER.as_millis() as i64));
                match state.store.outbox_due(before, SWEEP_BATCH).await {
                    Ok(rows) => {
                        if !rows.is_empty() {
                            tracing::info!(rows = rows.len(), "publishing events their node did not (it may have stopped)");
                        }
                        for row in rows {
                            publish_kept(&state, row.id, &row.event);
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot read the event outbox"),
                }
            }
        }
    }
    remove(&state, &mut done).await;
}

async fn remove(state: &AppState, done: &mut Vec<u64>) {
    if let Err(e) = state.store.delete_outbox(done).await {
        // They stay, and are published again later: the log takes each once.
        tracing::warn!(error = %e, rows = done.len(), "cannot remove published events from the outbox");
    }
    done.clear();
}
