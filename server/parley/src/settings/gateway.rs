//! The gateway's settings ([`GatewayConfig`]), with the rule between its session queue and
//! replay buffer, and the voice endpoint the gateway names.

use parley_gateway::GatewayConfig;

use super::load::{ConfigError, Raw};

pub(super) fn gateway_config(raw: &Raw) -> Result<GatewayConfig, ConfigError> {
    let session_queue: usize = raw.integer("gateway_session_queue")?;
    let replay_buffer: usize = raw.integer("gateway_replay_buffer")?;
    if replay_buffer < 2 * session_queue {
        // A connection is closed when its queue is full; its client can resume only if the
        // replay buffer still holds the queue and what was in flight before it.
        return Err(raw.refuse(
            "gateway_replay_buffer",
            &replay_buffer.to_string(),
            &format!(
                "must be at least twice gateway_session_queue ({session_queue}), so a connection closed for a full queue can resume; raise it to {} or more, or lower gateway_session_queue",
                2 * session_queue
            ),
        ));
    }
    Ok(GatewayConfig {
        heartbeat_interval: raw.duration("gateway_heartbeat_interval_ms")?,
        session_queue,
        replay_buffer,
        resume_window: raw.duration("gateway_resume_window_secs")?,
        commands_per_minute: raw.integer("gateway_commands_per_minute")?,
        write_timeout: raw.duration("gateway_write_timeout_secs")?,
        sessions_per_account: raw.integer("gateway_sessions_per_account")?,
        voice_endpoint: raw.optional_text("voice_endpoint")?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::Settings;
    use super::super::env_vars as env;

    #[test]
    fn the_replay_buffer_must_cover_twice_the_session_queue() {
        let s = Settings::load(None, Vec::new()).unwrap();
        assert!(s.gateway.replay_buffer >= 2 * s.gateway.session_queue, "the defaults hold the rule");
        let e = Settings::load(
            None,
            env(&[("PARLEY_GATEWAY_SESSION_QUEUE", "512"), ("PARLEY_GATEWAY_REPLAY_BUFFER", "256")]),
        )
        .unwrap_err();
        assert_eq!(e.key, "gateway_replay_buffer");
        assert!(e.problem.contains("twice gateway_session_queue (512)") && e.problem.contains("1024"), "{e}");
        let s = Settings::load(
            None,
            env(&[("PARLEY_GATEWAY_SESSION_QUEUE", "512"), ("PARLEY_GATEWAY_REPLAY_BUFFER", "1024")]),
        )
        .unwrap();
        assert_eq!((s.gateway.session_queue, s.gateway.replay_buffer), (512, 1024));
    }

    #[test]
    fn the_voice_endpoint_is_a_host_and_path_without_a_scheme() {
        let s = Settings::load(None, Vec::new()).unwrap();
        assert_eq!(s.gateway.voice_endpoint, None, "empty: beside the gateway");
        let s = Settings::load(None, env(&[("PARLEY_VOICE_ENDPOINT", "voice.example.com/voice")])).unwrap();
        assert_eq!(s.gateway.voice_endpoint.as_deref(), Some("voice.example.com/voice"));
        for bad in ["wss://voice.example.com/voice", "voice.example.com", "a b/voice"] {
            let e = Settings::load(None, env(&[("PARLEY_VOICE_ENDPOINT", bad)])).unwrap_err();
            assert_eq!(e.key, "voice_endpoint", "{bad}");
            assert!(e.problem.contains("without a scheme"), "{e}");
        }
    }
}
