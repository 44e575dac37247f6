//! Argon2id password hashing on a fixed set of worker threads.
//!
//! Each hash needs `memory_kib` of memory and real CPU time. Running hashes on dedicated
//! threads (rather than tokio's blocking pool, which may use a different thread each time)
//! bounds both: at most `workers` hashes run at once, and since the allocator keeps freed
//! memory per thread, the memory held stays near `workers × memory_kib`. Requests wait in
//! a bounded queue; when it is full, callers wait for room (backpressure, nothing dropped).
//! The threads end when the last handle on the hasher is dropped.

use std::sync::{Arc, Mutex};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::{mpsc, oneshot};

use crate::error::ApiError;

/// Waiting hash requests per worker before callers are made to wait for room.
const QUEUE_PER_WORKER: usize = 64;

enum Job {
    Hash { password: String, reply: oneshot::Sender<Result<String, String>> },
    Verify { password: String, hash: String, reply: oneshot::Sender<bool> },
}

#[derive(Clone, Debug)]
pub struct PasswordHasher {
    jobs: mpsc::Sender<Job>,
    /// A hash of a random password, verified against when a login names no account, so
    /// that "no such user" takes as long as "wrong password" and does not leak who exists.
    dummy_hash: Arc<String>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job(<redacted>)")
    }
}

impl PasswordHasher {
    /// OWASP's recommended Argon2id settings are 19 MiB, 2 passes, 1 lane.
    pub fn new(memory_kib: u32, iterations: u32, workers: usize) -> Result<Self, String> {
        let params = Params::new(memory_kib, iterations, 1, None).map_err(|e| e.to_string())?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let dummy = argon.hash_password(b"parley-dummy-password").map_err(|e| e.to_string())?.to_string();
        let workers = workers.max(1);
        let (jobs, queue) = mpsc::channel::<Job>(QUEUE_PER_WORKER * workers);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..workers {
            let (queue, argon) = (queue.clone(), argon.clone());
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || work(&queue, &argon))
                .map_err(|e| format!("cannot start a password hashing thread: {e}"))?;
        }
        Ok(Self { jobs, dummy_hash: Arc::new(dummy) })
    }

    /// Hashes a password into a PHC string (`$argon2id$v=19$...`).
    pub async fn hash(&self, password: &str) -> Result<String, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Hash { password: password.to_owned(), reply }).await?;
        answer.await.map_err(ApiError::internal)?.map_err(ApiError::internal)
    }

    /// Checks a password against a stored hash; `None` (no account) still costs a full check.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, ApiError> {
        let known = stored.is_some();
        let hash = stored.unwrap_or(&self.dummy_hash).to_owned();
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Verify { password: password.to_owned(), hash, reply }).await?;
        Ok(known && answer.await.map_err(ApiError::internal)?)
    }

    async fn submit(&self, job: Job) -> Result<(), ApiError> {
        self.jobs.send(job).await.map_err(|_| ApiError::internal("the password hashing threads have stopped"))
    }
}

fn work(queue: &Mutex<mpsc::Receiver<Job>>, argon: &Argon2<'static>) {
    loop {
        // Idle workers take turns waiting on the queue; the lock is released before work.
        let job = match queue.lock() {
            Ok(mut queue) => queue.blocking_recv(),
            Err(_) => return,
        };
        match job {
            None => return, // every sender is gone: the hasher was dropped
            Some(Job::Hash { password, reply }) => {
                let _ = reply.send(argon.hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| e.to_string()));
            }
            Some(Job::Verify { password, hash, reply }) => {
                let matches =
                    PasswordHash::new(&hash).is_ok_and(|parsed| argon.verify_password(password.as_bytes(), &parsed).is_ok());
                let _ = reply.send(matches);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hasher = PasswordHasher::new(1024, 1, 2).unwrap();
        let hash = hasher.hash("correct horse").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert!(hasher.verify("correct horse", Some(&hash)).await.unwrap());
        assert!(!hasher.verify("wrong horse", Some(&hash)).await.unwrap());
        assert!(!hasher.verify("correct horse", None).await.unwrap());
    }

    #[tokio::test]
    async fn more_requests_than_the_queue_holds_all_complete() {
        let hasher = PasswordHasher::new(64, 1, 1).unwrap();
        let hashes = futures::future::join_all((0..3 * QUEUE_PER_WORKER).map(|i| {
            let hasher = hasher.clone();
            async move { hasher.hash(&format!("password {i}")).await.unwrap() }
        }))
        .await;
        assert_eq!(hashes.len(), 3 * QUEUE_PER_WORKER);
    }
}
