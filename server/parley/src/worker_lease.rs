//! `worker_id = auto`: each node of a cluster leases a worker id of its own from Redis, so
//! replicas made from one template (a Kubernetes Deployment, an autoscaler) never stamp the
//! same id into two snowflakes. A lease is a key `<prefix>:worker:<n>` set only if absent,
//! with a minute to live, renewed every 20 seconds and deleted at shutdown; a node that dies
//! frees its id a minute later. Id 1023 is never leased: command-line tools (`parley admin`)
//! use it, so they never collide with a running node.

use std::time::Duration;

use anyhow::{Context, bail};
use parley_core::id::MAX_WORKER_ID;
use tokio_util::sync::CancellationToken;

const TTL: Duration = Duration::from_secs(60);
const RENEW_EVERY: Duration = Duration::from_secs(20);
/// The worker id of one-off commands, never leased to a node.
pub const COMMAND_LINE_WORKER: u32 = MAX_WORKER_ID as u32;

/// Renews the key's expiry only while it still holds our token.
const RENEW: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
/// Deletes the key only while it still holds our token.
const RELEASE: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/// Claims the lowest free worker id; returns it and the task that keeps it until `stop`.
pub async fn acquire(
    redis_url: &str,
    prefix: &str,
    stop: CancellationToken,
) -> anyhow::Result<(u32, impl Future<Output = ()> + Send + 'static)> {
    let client = redis::Client::open(redis_url).context("redis_url is not a Redis URL")?;
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .context("cannot reach Redis to lease a worker id (settings redis_url, worker_id = auto)")?;
    let token = uuid::Uuid::new_v4().simple().to_string();
    for id in 0..COMMAND_LINE_WORKER {
        let key = format!("{prefix}:worker:{id}");
        let claimed: bool = redis::cmd("SET")
            .arg(&key)
            .arg(&token)
            .arg("NX")
            .arg("PX")
            .arg(TTL.as_millis() as u64)
            .query_async::<Option<String>>(&mut conn)
            .await
            .context("cannot lease a worker id from Redis")?
            .is_some();
        if claimed {
            tracing::info!(worker_id = id, "leased worker id from Redis");
            return Ok((id, keep(conn, key, token, stop)));
        }
    }
    bail!("all {COMMAND_LINE_WORKER} worker ids are leased in Redis under {prefix}: too many nodes share this prefix")
}

async fn keep(mut conn: redis::aio::MultiplexedConnection, key: String, token: String, stop: CancellationToken) {
    let renew = redis::Script::new(RENEW);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(RENEW_EVERY) => {}
        }
        match renew.key(&key).arg(&token).arg(TTL.as_millis() as u64).invoke_async::<i64>(&mut conn).await {
            Ok(1) => {}
            Ok(_) => tracing::error!(
                key,
                "this node's worker id lease was lost (Redis was unreachable for over a minute, or flushed); \
                 another node may take the id: restart this node"
            ),
            Err(e) => tracing::warn!(error = %e, key, "cannot renew the worker id lease; retrying"),
        }
    }
    let released: redis::RedisResult<i64> =
        redis::Script::new(RELEASE).key(&key).arg(&token).invoke_async(&mut conn).await;
    if let Err(e) = released {
        tracing::warn!(error = %e, key, "cannot release the worker id lease; it expires within a minute");
    }
}
