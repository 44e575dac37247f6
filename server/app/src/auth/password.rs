//! Argon2id password hashing on a fixed set of worker threads.
//!
//! Each hash needs `memory_kib` of memory and real CPU time. Each worker allocates its
//! Argon2 memory once and reuses it for every hash, so the memory held is exactly
//! `workers × memory_kib` however many logins come. (Allocating it per hash, as the argon2
//! crate does by default, made the allocator keep hundreds of MiB of freed blocks: see
//! docs/performance.md.) At most `workers` hashes run at once; further requests wait in a
//! bounded queue, and when that is full callers wait for room (nothing is dropped). The
//! threads end when the last handle on the hasher is dropped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{mpsc, oneshot};

use crate::error::AppError;

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
    /// Verifications finished, for tests.
    checks: Arc<AtomicU64>,
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
        let dummy = Worker::new(params.clone()).hash(b"parley-dummy-password")?;
        let workers = workers.max(1);
        let (jobs, queue) = mpsc::channel::<Job>(QUEUE_PER_WORKER * workers);
        let queue = Arc::new(Mutex::new(queue));
        let checks = Arc::new(AtomicU64::new(0));
        for i in 0..workers {
            let (queue, params, checks) = (queue.clone(), params.clone(), checks.clone());
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || Worker::new(params).run(&queue, &checks))
                .map_err(|e| format!("cannot start a password hashing thread: {e}"))?;
        }
        Ok(Self { jobs, dummy_hash: Arc::new(dummy), checks })
    }

    /// Hashes a password into a PHC string (`$argon2id$v=19$...`).
    pub async fn hash(&self, password: &str) -> Result<String, AppError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Hash { password: password.to_owned(), reply }).await?;
        answer.await.map_err(AppError::internal)?.map_err(AppError::internal)
    }

    /// Checks a password against a stored hash; `None` (no account) still costs a full check,
    /// and the answer waits for it: returning before the check finished would tell, by the
    /// time taken, that there is no account.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, AppError> {
        let known = stored.is_some();
        let hash = stored.unwrap_or(&self.dummy_hash).to_owned();
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Verify { password: password.to_owned(), hash, reply }).await?;
        let matched = answer.await.map_err(AppError::internal)?;
        Ok(matched && known)
    }

    /// How many verifications have finished.
    pub fn checks_done(&self) -> u64 {
        self.checks.load(Ordering::SeqCst)
    }

    async fn submit(&self, job: Job) -> Result<(), AppError> {
        self.jobs.send(job).await.map_err(|_| AppError::internal("the password hashing threads have stopped"))
    }
}

/// One hashing thread and the Argon2 memory it reuses.
struct Worker {
    params: Params,
    blocks: Vec<Block>,
}

impl Worker {
    fn new(params: Params) -> Self {
        Self { blocks: vec![Block::new(); params.block_count()], params }
    }

    fn run(mut self, queue: &Mutex<mpsc::Receiver<Job>>, checks: &AtomicU64) {
        loop {
            // Idle workers take turns waiting on the queue; the lock is released before work.
            let job = match queue.lock() {
                Ok(mut queue) => queue.blocking_recv(),
                Err(_) => return,
            };
            match job {
                None => return, // every sender is gone: the hasher was dropped
                Some(Job::Hash { password, reply }) => {
                    let _ = reply.send(self.hash(password.as_bytes()));
                }
                Some(Job::Verify { password, hash, reply }) => {
                    let matched = self.verify(password.as_bytes(), &hash);
                    checks.fetch_add(1, Ordering::SeqCst);
                    let _ = reply.send(matched);
                }
            }
        }
    }

    /// Argon2id of `password` under a fresh random salt, as a PHC string.
    fn hash(&mut self, password: &[u8]) -> Result<String, String> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
        let params = self.params.clone();
        let output = self.compute(&params, password, &salt)?;
        let phc = PasswordHash {
            algorithm: ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(|e| e.to_string())?,
            salt: Some(Salt::new(&salt).map_err(|e| e.to_string())?),
            hash: Some(output),
        };
        Ok(phc.to_string())
    }

    /// Whether `password` matches the PHC string `stored`, under the parameters it records
    /// (so hashes made with older settings keep verifying).
    fn verify(&mut self, password: &[u8], stored: &str) -> bool {
        let Ok(phc) = PasswordHash::new(stored) else { return false };
        let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else { return false };
        if phc.algorithm != ARGON2ID_IDENT {
            return false;
        }
        let Ok(params) = Params::try_from(&phc) else { return false };
        // Output's equality is constant-time.
        self.compute(&params, password, salt.as_ref()).is_ok_and(|actual| &actual == expected)
    }

    fn compute(&mut self, params: &Params, password: &[u8], salt: &[u8]) -> Result<Output, String> {
        if self.blocks.len() < params.block_count() {
            // A stored hash with a larger memory cost than today's setting: grow once.
            self.blocks.resize(params.block_count(), Block::new());
        }
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let mut out = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
        argon
            .hash_password_into_with_memory(password, salt, &mut out, &mut self.blocks[..params.block_count()])
            .map_err(|e| e.to_string())?;
        Output::new(&out).map_err(|e| e.to_string())
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

    #[test]
    fn hashes_interoperate_with_the_argon2_crates_own_phc_strings() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let params = Params::new(256, 1, 1, None).unwrap();
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let mut worker = Worker::new(params);
        let ours = worker.hash(b"swordfish").unwrap();
        assert!(argon.verify_password(b"swordfish", &PasswordHash::new(&ours).unwrap()).is_ok());
        let theirs = argon.hash_password(b"swordfish").unwrap().to_string();
        assert!(worker.verify(b"swordfish", &theirs));
        assert!(!worker.verify(b"swordfisH", &theirs));
        // A hash made with a larger memory cost still verifies.
        let bigger = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(512, 1, 1, None).unwrap());
        assert!(worker.verify(b"swordfish", &bigger.hash_password(b"swordfish").unwrap().to_string()));
        assert!(!worker.verify(b"swordfish", "$argon2i$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaA"));
        assert!(!worker.verify(b"swordfish", "not a phc string"));
    }

    #[tokio::test]
    async fn checking_against_no_account_waits_for_a_whole_check() {
        // Not a timing assertion: the dummy check's answer is what is awaited, so it must have
        // run on a worker before verify returns.
        let hasher = PasswordHasher::new(1024, 1, 1).unwrap();
        let before = hasher.checks_done();
        assert!(!hasher.verify("anything", None).await.unwrap());
        assert_eq!(hasher.checks_done(), before + 1, "the dummy check ran before the answer");
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
