//! The telemetry settings ([`TelemetrySettings`]): log format and level, and where traces
//! and logs are exported.

use super::LogFormat;
use super::load::{ConfigError, Raw};
use super::spec::Value;
use crate::telemetry::TelemetrySettings;

pub(super) fn telemetry_settings(raw: &Raw) -> Result<TelemetrySettings, ConfigError> {
    // Base URLs: a trailing slash is dropped, as paths are appended to them.
    let base_url = |key| Ok::<_, ConfigError>(raw.optional_text(key)?.map(|url| url.trim_end_matches('/').to_owned()));
    Ok(TelemetrySettings {
        log_format: raw.get("log_format", |v| match v {
            Value::Word("text") => Some(LogFormat::Text),
            Value::Word("json") => Some(LogFormat::Json),
            _ => None,
        })?,
        log_level: raw.text("log_level")?,
        otlp_endpoint: base_url("otlp_endpoint")?,
        sample_ratio: raw.decimal("otlp_sample_ratio")?,
        loki_url: base_url("loki_url")?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::env_vars as env;
    use super::super::{LogFormat, Settings};

    #[test]
    fn exporters_are_plain_http_base_urls_and_the_sample_ratio_is_a_share() {
        let s = Settings::load(
            None,
            env(&[
                ("PARLEY_LOG_FORMAT", "json"),
                ("PARLEY_OTLP_ENDPOINT", "http://tempo:4318/"),
                ("PARLEY_OTLP_SAMPLE_RATIO", "0.25"),
            ]),
        )
        .unwrap();
        assert_eq!(s.telemetry.log_format, LogFormat::Json);
        assert_eq!((s.telemetry.otlp_endpoint.as_deref(), s.telemetry.loki_url), (Some("http://tempo:4318"), None));
        assert_eq!(s.telemetry.sample_ratio, 0.25);
        let error = Settings::load(None, env(&[("PARLEY_LOKI_URL", "https://loki")])).unwrap_err();
        assert_eq!(error.key, "loki_url");
        assert_eq!(error.problem, "expected empty or an http:// URL like http://loki:3100");
        let error = Settings::load(None, env(&[("PARLEY_OTLP_SAMPLE_RATIO", "1.5")])).unwrap_err();
        assert_eq!(error.key, "otlp_sample_ratio");
        assert_eq!(error.problem, "expected a number from 0.0 to 1.0");
    }
}
