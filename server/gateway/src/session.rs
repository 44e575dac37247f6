//! One gateway session: who it is, what it asked for, its sequence numbers, the bounded
//! replay buffer that lets a dropped connection resume, and the connection attached to it
//! (if any). Dispatches are numbered and recorded here whether or not a connection is
//! attached, so a client that reconnects in time misses nothing.
//!
//! Sequence numbers come from the bus: an event at bus position `p` is dispatched as
//! `p << SEQ_SHIFT` (or one more than the last number, if that is higher), and dispatches
//! only this session gets (READY, its GUILD_CREATEs, member chunks) take the next numbers in
//! between. So a client's `seq` names a place in the one order every node shares, and
//! another node can resume the session by replaying the bus from `seq >> SEQ_SHIFT`.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use parley_core::Snowflake;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::intents::Intents;
use crate::protocol::{self, CloseCode};

/// How far apart consecutive bus positions are in sequence numbers (room for 4095 of a
/// session's own dispatches in between).
pub const SEQ_SHIFT: u32 = 12;

/// What a connection's writer is asked to send. Frames are `Bytes`, so one frame built for
/// an event is shared by every session that gets the same bytes.
#[derive(Debug)]
pub enum Outgoing {
    Text(Bytes),
    Close(CloseCode),
}

/// A live connection's end of a session: its bounded queue, and a token that tells it to
/// close (with the code stored beside it) when the session must drop it.
#[derive(Debug)]
pub struct Attachment {
    pub id: u64,
    pub sender: mpsc::Sender<Outgoing>,
    pub kick: CancellationToken,
}

/// What happened to one dispatch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Queued on the attached connection.
    Sent,
    /// Recorded for replay; no connection is attached (or the session is not live yet).
    Held,
    /// The connection's queue was full: it is closed as resumable and the dispatch is held.
    Overflowed,
}

#[derive(Debug)]
struct Recorded {
    seq: u64,
    name: &'static str,
    data: Arc<str>,
}

/// A dispatch waiting for READY: its name, payload and bus position (if it has one).
type Waiting = (&'static str, Arc<str>, Option<u64>);

#[derive(Debug)]
struct Inner {
    seq: u64,
    /// The newest bus position dispatched (older ones arriving again are duplicates).
    last_position: u64,
    /// The last sequence number dropped from the replay buffer (0: none yet).
    evicted_up_to: u64,
    replay: VecDeque<Recorded>,
    attachment: Option<Attachment>,
    detached_since: Option<Instant>,
    /// Until READY is sent, dispatches wait here unnumbered (so READY is always first).
    pending: Option<Vec<Waiting>>,
    guilds: HashSet<Snowflake>,
    /// The guild channels and threads this session was told about (and may see), so that a
    /// change of permissions can tell it which ones appeared and which went.
    channels: HashSet<Snowflake>,
}

#[derive(Debug)]
pub struct Session {
    pub id: String,
    pub user_id: Snowflake,
    /// The device session whose token opened it (`None` for a bot, whose token has none):
    /// when that sign-in ends, so does this session.
    pub signed_in_with: Option<Snowflake>,
    pub bot: bool,
    pub intents: Intents,
    replay_capacity: usize,
    inner: Mutex<Inner>,
    /// Whether the registry (Redis) knows it; a session made while Redis was unreachable is
    /// recorded when Redis returns, so it can still fail over.
    pub recorded: AtomicBool,
    /// Whether it was sent an event outside the shared order (while Redis was unreachable):
    /// its sequence numbers then no longer name places in the shared log, so another node
    /// must not resume it by replaying the log (it would send those events again).
    pub only_here: AtomicBool,
}

/// Why a RESUME cannot continue the session.
#[derive(Debug, PartialEq, Eq)]
pub enum ResumeError {
    /// The client claims dispatches the session never sent.
    FutureSeq,
    /// The dispatches after `seq` are no longer all in the replay buffer.
    TooFarBehind,
}

impl Session {
    /// `initial_seq`: where numbering starts (the bus position at IDENTIFY, shifted; or the
    /// client's `seq` when another node's session is resumed here).
    pub fn new(
        id: String,
        user_id: Snowflake,
        bot: bool,
        intents: Intents,
        replay_capacity: usize,
        initial_seq: u64,
    ) -> Self {
        Self {
            id,
            user_id,
            signed_in_with: None,
            bot,
            intents,
            replay_capacity: replay_capacity.max(1),
            recorded: AtomicBool::new(false),
            only_here: AtomicBool::new(false),
            inner: Mutex::new(Inner {
                seq: initial_seq,
                last_position: initial_seq >> SEQ_SHIFT,
                evicted_up_to: 0,
                replay: VecDeque::new(),
                attachment: None,
                detached_since: None,
                pending: Some(Vec::new()),
                guilds: HashSet::new(),
                channels: HashSet::new(),
            }),
        }
    }

    /// What another node needs to continue it (see `registry`).
    pub fn meta(&self) -> crate::registry::SessionMeta {
        crate::registry::SessionMeta {
            user_id: self.user_id,
            intents: self.intents.0,
            bot: self.bot,
            signed_in_with: self.signed_in_with,
            only_here: self.only_here.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// The same session, opened with device session `session` (see [`Session::signed_in_with`]).
    pub fn signed_in_with(mut self, session: Option<Snowflake>) -> Self {
        self.signed_in_with = session;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Numbers `data` as this session's next dispatch, records it for replay and queues it
    /// on the attached connection. `position`: the event's bus position (`None` for a
    /// dispatch of this session's own). Never waits: a full queue closes the connection.
    pub fn deliver(&self, name: &'static str, data: &Arc<str>, position: Option<u64>) -> Delivery {
        self.deliver_with(name, data, position, None)
    }

    /// [`Session::deliver`] with the event's frame already built for sequence number
    /// `position << SEQ_SHIFT`, which most sessions can send as it is.
    pub fn deliver_shared(&self, name: &'static str, data: &Arc<str>, position: u64, frame: &Bytes) -> Delivery {
        self.deliver_with(name, data, Some(position), Some(frame))
    }

    fn deliver_with(
        &self,
        name: &'static str,
        data: &Arc<str>,
        position: Option<u64>,
        frame: Option<&Bytes>,
    ) -> Delivery {
        let mut inner = self.lock();
        if let Some(pending) = inner.pending.as_mut() {
            pending.push((name, data.clone(), position));
            return Delivery::Held;
        }
        Self::record(&mut inner, self.replay_capacity, name, data.clone(), position, frame)
    }

    fn record(
        inner: &mut Inner,
        capacity: usize,
        name: &'static str,
        data: Arc<str>,
        position: Option<u64>,
        shared: Option<&Bytes>,
    ) -> Delivery {
        let seq = match position {
            // A replayed event that also arrived live is dispatched once.
            Some(p) if p <= inner.last_position => return Delivery::Held,
            Some(p) => {
                inner.last_position = p;
                (p << SEQ_SHIFT).max(inner.seq + 1)
            }
            None => inner.seq + 1,
        };
        inner.seq = seq;
        let frame = inner.attachment.as_ref().map(|_| match (shared, position) {
            (Some(frame), Some(p)) if seq == p << SEQ_SHIFT => frame.clone(),
            _ => Bytes::from(protocol::dispatch(seq, name, &data)),
        });
        inner.replay.push_back(Recorded { seq, name, data });
        while inner.replay.len() > capacity {
            if let Some(evicted) = inner.replay.pop_front() {
                inner.evicted_up_to = evicted.seq;
            }
        }
        let (Some(frame), Some(attachment)) = (frame, inner.attachment.as_ref()) else { return Delivery::Held };
        match attachment.sender.try_send(Outgoing::Text(frame)) {
            Ok(()) => Delivery::Sent,
            Err(mpsc::error::TrySendError::Closed(_)) => {
                inner.attachment = None;
                inner.detached_since = Some(Instant::now());
                Delivery::Held
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                // The client reads too slowly: drop the connection, keep the session. It
                // resumes from its last sequence number, replayed from the buffer.
                if let Some(attachment) = inner.attachment.take() {
                    attachment.kick.cancel();
                }
                inner.detached_since = Some(Instant::now());
                Delivery::Overflowed
            }
        }
    }

    /// Sends `first` (READY, then each GUILD_CREATE) and then whatever waited for it; from
    /// now on dispatches are numbered as they come.
    pub fn go_live(&self, first: Vec<(&'static str, Arc<str>)>) {
        let mut inner = self.lock();
        let mut waiting = inner.pending.take().unwrap_or_default();
        // A resumed session's replayed events and the live ones that came meanwhile arrive
        // interleaved; in bus order, the duplicates fall away (the sort is stable).
        waiting.sort_by_key(|(_, _, position)| position.unwrap_or(0));
        for (name, data, position) in first.into_iter().map(|(n, d)| (n, d, None)).chain(waiting) {
            Self::record(&mut inner, self.replay_capacity, name, data, position, None);
        }
    }

    /// Attaches a connection, returning the one it replaces (the caller closes it).
    pub fn attach(&self, attachment: Attachment) -> Option<Attachment> {
        let mut inner = self.lock();
        inner.detached_since = None;
        inner.attachment.replace(attachment)
    }

    /// Detaches connection `id` if it is still the attached one.
    pub fn detach(&self, id: u64) {
        let mut inner = self.lock();
        if inner.attachment.as_ref().is_some_and(|a| a.id == id) {
            inner.attachment = None;
            inner.detached_since = Some(Instant::now());
        }
    }

    /// Continues the session on a new connection: the frames after `seq`, in order, for the
    /// connection to write before anything queued on it; RESUMED is queued first on it, so
    /// it follows the replay and precedes everything new. The connection is attached in the
    /// same step, so nothing falls in between. Also returns the connection it replaces.
    pub fn resume(&self, seq: u64, attachment: Attachment) -> Result<(Vec<String>, Option<Attachment>), ResumeError> {
        let mut inner = self.lock();
        if seq > inner.seq {
            return Err(ResumeError::FutureSeq);
        }
        // Sequence numbers have gaps (they follow the bus), so what matters is whether a
        // dispatch the client has not seen was dropped from the buffer.
        if seq < inner.evicted_up_to {
            return Err(ResumeError::TooFarBehind);
        }
        let frames =
            inner.replay.iter().filter(|r| r.seq > seq).map(|r| protocol::dispatch(r.seq, r.name, &r.data)).collect();
        inner.detached_since = None;
        let previous = inner.attachment.replace(attachment);
        Self::record(&mut inner, self.replay_capacity, "RESUMED", Arc::from("{}"), None, None);
        Ok((frames, previous))
    }

    /// The client says (in a heartbeat) it has read every dispatch up to `seq`: those are
    /// never needed for a resume, so the replay buffer lets them go. A `seq` this session
    /// never sent is ignored.
    pub fn confirm(&self, seq: u64) {
        let mut inner = self.lock();
        if seq > inner.seq {
            return;
        }
        while inner.replay.front().is_some_and(|r| r.seq <= seq) {
            if let Some(dropped) = inner.replay.pop_front() {
                inner.evicted_up_to = dropped.seq;
            }
        }
    }

    /// How many dispatches the replay buffer holds now.
    pub fn replay_len(&self) -> usize {
        self.lock().replay.len()
    }

    /// Since when no connection has been attached (`None` while one is).
    pub fn detached_since(&self) -> Option<Instant> {
        self.lock().detached_since
    }

    /// Closes the attached connection with `code` (and keeps the session for a resume).
    pub fn kick(&self, code: CloseCode) {
        let mut inner = self.lock();
        if let Some(attachment) = inner.attachment.take() {
            let _ = attachment.sender.try_send(Outgoing::Close(code));
            attachment.kick.cancel();
            inner.detached_since = Some(Instant::now());
        }
    }

    /// Queues a non-dispatch frame (heartbeat request, RECONNECT) on the attached connection.
    pub fn send_control(&self, frame: String) {
        if let Some(attachment) = self.lock().attachment.as_ref() {
            let _ = attachment.sender.try_send(Outgoing::Text(Bytes::from(frame)));
        }
    }

    pub fn seq(&self) -> u64 {
        self.lock().seq
    }

    pub fn guilds(&self) -> Vec<Snowflake> {
        self.lock().guilds.iter().copied().collect()
    }

    pub fn in_guild(&self, guild_id: Snowflake) -> bool {
        self.lock().guilds.contains(&guild_id)
    }

    /// Notes that the session knows channel `id` (`known`) or no longer does; returns
    /// whether it knew it before.
    pub fn know_channel(&self, id: Snowflake, known: bool) -> bool {
        let mut inner = self.lock();
        if known { !inner.channels.insert(id) } else { inner.channels.remove(&id) }
    }

    pub fn knows_channel(&self, id: Snowflake) -> bool {
        self.lock().channels.contains(&id)
    }

    /// Records guild membership; the hub keeps its index in step.
    pub(crate) fn set_guild(&self, guild_id: Snowflake, member: bool) {
        let mut inner = self.lock();
        if member {
            inner.guilds.insert(guild_id);
        } else {
            inner.guilds.remove(&guild_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(capacity: usize) -> Session {
        Session::new("s".into(), Snowflake::new(1), false, Intents(Intents::KNOWN), capacity, 0)
    }

    fn attachment(id: u64, queue: usize) -> (Attachment, mpsc::Receiver<Outgoing>) {
        let (sender, receiver) = mpsc::channel(queue);
        (Attachment { id, sender, kick: CancellationToken::new() }, receiver)
    }

    fn data(n: u64) -> Arc<str> {
        Arc::from(format!("{{\"n\":{n}}}"))
    }

    fn seqs(frames: &[String]) -> Vec<u64> {
        frames.iter().map(|f| serde_json::from_str::<serde_json::Value>(f).unwrap()["s"].as_u64().unwrap()).collect()
    }

    #[test]
    fn dispatches_wait_for_ready_and_then_follow_it_in_order() {
        let s = session(16);
        let (a, mut rx) = attachment(1, 16);
        s.attach(a);
        assert_eq!(s.deliver("MESSAGE_CREATE", &data(1), None), Delivery::Held);
        s.go_live(vec![("READY", data(0))]);
        let mut names = Vec::new();
        while let Ok(Outgoing::Text(frame)) = rx.try_recv() {
            let v: serde_json::Value = serde_json::from_slice(&frame).unwrap();
            names.push((v["s"].as_u64().unwrap(), v["t"].as_str().unwrap().to_owned()));
        }
        assert_eq!(names, vec![(1, "READY".to_owned()), (2, "MESSAGE_CREATE".to_owned())]);
    }

    #[test]
    fn a_full_queue_closes_the_connection_but_the_session_keeps_every_dispatch() {
        let s = session(64);
        s.go_live(Vec::new());
        let (a, _rx) = attachment(1, 2);
        let kicked = a.kick.clone();
        s.attach(a);
        let outcomes: Vec<Delivery> = (0..4).map(|n| s.deliver("X", &data(n), None)).collect();
        assert_eq!(outcomes, vec![Delivery::Sent, Delivery::Sent, Delivery::Overflowed, Delivery::Held]);
        assert!(kicked.is_cancelled());
        let (b, _rx) = attachment(2, 8);
        let (frames, _) = s.resume(1, b).unwrap();
        assert_eq!(seqs(&frames), vec![2, 3, 4], "everything after the client's seq, once");
        assert_eq!(s.seq(), 5, "then RESUMED");
    }

    #[test]
    fn a_resume_from_too_far_back_or_from_the_future_is_refused() {
        let s = session(3);
        s.go_live(Vec::new());
        for n in 0..10 {
            s.deliver("X", &data(n), None);
        }
        assert_eq!(s.resume(6, attachment(1, 4).0).unwrap_err(), ResumeError::TooFarBehind);
        assert_eq!(s.resume(11, attachment(1, 4).0).unwrap_err(), ResumeError::FutureSeq);
        let (frames, _) = s.resume(7, attachment(1, 4).0).unwrap();
        assert_eq!(seqs(&frames), vec![8, 9, 10]);
        let (frames, _) = s.resume(11, attachment(2, 4).0).unwrap();
        assert!(frames.is_empty(), "an up-to-date client (RESUMED was 11) gets nothing again");
    }

    #[test]
    fn a_heartbeat_lets_go_of_what_the_client_read_and_a_resume_from_there_still_works() {
        let s = session(100);
        s.go_live(Vec::new());
        for n in 0..10 {
            s.deliver("X", &data(n), None);
        }
        s.confirm(6);
        assert_eq!(s.replay_len(), 4, "7, 8, 9 and 10 are kept");
        s.confirm(99);
        assert_eq!(s.replay_len(), 4, "a seq never sent is ignored");
        let (frames, _) = s.resume(6, attachment(1, 4).0).unwrap();
        assert_eq!(seqs(&frames), vec![7, 8, 9, 10]);
        assert_eq!(s.resume(5, attachment(2, 4).0).unwrap_err(), ResumeError::TooFarBehind);
    }

    #[test]
    fn bus_positions_set_the_numbers_and_a_repeated_event_is_dispatched_once() {
        let s = Session::new("s".into(), Snowflake::new(1), false, Intents(0), 16, 5 << SEQ_SHIFT);
        s.go_live(vec![("READY", data(0))]);
        assert_eq!(s.seq(), (5 << SEQ_SHIFT) + 1);
        assert_eq!(s.deliver("X", &data(1), Some(7)), Delivery::Held, "no connection yet");
        assert_eq!(s.seq(), 7 << SEQ_SHIFT);
        s.deliver("CHUNK", &data(2), None);
        assert_eq!(s.seq(), (7 << SEQ_SHIFT) + 1);
        s.deliver("X", &data(1), Some(7));
        s.deliver("X", &data(1), Some(6));
        assert_eq!(s.seq(), (7 << SEQ_SHIFT) + 1, "positions already dispatched are skipped");
    }

    proptest::proptest! {
        /// Random disconnects at random points: whatever the client saw plus what a resume
        /// replays is every dispatch exactly once, in order.
        #[test]
        fn resuming_after_random_drops_loses_and_repeats_nothing(drops in proptest::collection::vec(0u64..40, 0..6)) {
            let s = session(1000);
            s.go_live(Vec::new());
            let (a, mut rx) = attachment(0, 1000);
            s.attach(a);
            let mut seen: Vec<u64> = Vec::new();
            let mut connection = 0;
            for n in 0..40u64 {
                s.deliver("X", &data(n), None);
                if drops.contains(&n) {
                    // The client read some of what was queued, then lost the connection.
                    while let Ok(Outgoing::Text(f)) = rx.try_recv() {
                        seen.extend(seqs(&[String::from_utf8(f.to_vec()).unwrap()]));
                        if n % 2 == 0 { break; }
                    }
                    connection += 1;
                    s.detach(connection - 1);
                    let (a, new_rx) = attachment(connection, 1000);
                    let (frames, _) = s.resume(seen.last().copied().unwrap_or(0), a).unwrap();
                    seen.extend(seqs(&frames));
                    rx = new_rx;
                    // RESUMED, queued on the new connection.
                    if let Ok(Outgoing::Text(f)) = rx.try_recv() {
                        seen.extend(seqs(&[String::from_utf8(f.to_vec()).unwrap()]));
                    }
                }
            }
            while let Ok(Outgoing::Text(f)) = rx.try_recv() {
                seen.extend(seqs(&[String::from_utf8(f.to_vec()).unwrap()]));
            }
            // Every event once, in order; each RESUMED takes a number in between.
            let mut sorted = seen.clone();
            sorted.sort_unstable();
            sorted.dedup();
            proptest::prop_assert_eq!(&sorted, &seen, "in order, none repeated");
            let resumes = drops.iter().collect::<std::collections::HashSet<_>>().len() as u64;
            proptest::prop_assert_eq!(seen.len() as u64, 40 + resumes);
        }
    }
}
