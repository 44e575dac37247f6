//! The file sweeper, one per node: removes from storage what no message shows any more, and
//! gives its space back to its uploader's quota. Each pass:
//!
//! 1. walks a batch of the files messages show, and makes those whose message is gone (however
//!    it went: deleted alone or in bulk, with a ban, a channel or a guild) due once the grace
//!    period (`files_deleted_grace_mins`) has passed;
//! 2. removes a batch of due files: uploads no message took within the hour, and files whose
//!    grace period is over; the object first, then its ledger row (refunding it).
//!
//! Nodes sweep side by side without coordinating: removing an object twice is harmless, and a
//! row is deleted (and refunded) once. Work per pass is bounded; what is left waits for the
//! next pass.

use std::time::Duration;

use parley_core::Timestamp;
use parley_objects::ObjectKey;
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::error::AppResult;

/// Ledger rows walked per pass looking for files whose message is gone.
const WALK_BATCH: i64 = 500;
/// Due files removed per pass.
const REMOVE_BATCH: i64 = 200;

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Files found without their message, now due after the grace period.
    pub released: usize,
    /// Files removed from storage and the ledger.
    pub removed: usize,
}

/// Sweeps every `every` until `shutdown`.
pub async fn run(state: AppState, every: Duration, shutdown: CancellationToken) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut cursor = 0;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = interval.tick() => match sweep(&state, &mut cursor).await {
                Ok(Swept { released: 0, removed: 0 }) => {}
                Ok(swept) => tracing::info!(released = swept.released, removed = swept.removed, "swept uploaded files"),
                Err(error) => tracing::warn!(%error, "could not sweep uploaded files; the next pass tries again"),
            },
        }
    }
}

/// One pass, walking on from `cursor`.
pub async fn sweep(state: &AppState, cursor: &mut i64) -> AppResult<Swept> {
    let now = Timestamp::now();
    let (orphans, next) = state.store.files_without_message(*cursor, WALK_BATCH).await?;
    *cursor = next;
    state.store.release_files(&orphans, state.config.files.released_until(now)).await?;
    let mut removed = 0;
    for due in state.store.files_due(now, REMOVE_BATCH).await? {
        // The row goes first, and only if it is still due: a message cannot take it after
        // that (taking needs a row not yet due), so no message ever shows a removed object.
        if !state.store.forget_due_file(due.id, now).await? {
            continue;
        }
        removed += 1;
        let Ok(key) = ObjectKey::parse(&due.object_key) else { continue };
        if let Err(error) = state.objects.delete(&key).await {
            tracing::error!(%error, %key, "could not remove a file from storage after forgetting it: it is left there (remove it by hand)");
        }
        state.images.forget_thumbnails(due.id, &due.content_type).await;
    }
    state.metrics.files.swept.inc_by(removed as u64);
    Ok(Swept { released: orphans.len(), removed })
}
