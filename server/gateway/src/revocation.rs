//! Ended sign-ins close their connections: on PARLEY_SESSIONS_REVOKED (from any node; see
//! `parley_app::auth::revocation`), every session of this node that was opened with an ended
//! sign-in is closed with 4004 (Authentication failed) and forgotten, so it cannot RESUME,
//! and its voice states end, which revokes their grants and hangs up their calls.

use parley_app::auth::revocation::Revocation;
use parley_events::{Event, EventName};

use crate::Gateway;
use crate::protocol::CloseCode;

/// Follows an event from the bus; only revocations matter here.
pub async fn observe(gateway: &Gateway, event: &Event) {
    if event.name != EventName::SessionsRevoked {
        return;
    }
    let Ok(revocation) = serde_json::from_str::<Revocation>(&event.data) else {
        tracing::warn!("skipped a revocation this node cannot read");
        return;
    };
    for session in gateway.hub.of_user(revocation.user_id).iter() {
        if revocation.covers(session.signed_in_with) {
            session.kick(CloseCode::AuthenticationFailed);
            gateway.end_session(&session.id).await;
            gateway.metrics.revoked_closes.inc();
            tracing::info!(user_id = %session.user_id, session_id = %session.id, "closed a gateway session whose sign-in ended");
        }
    }
}
