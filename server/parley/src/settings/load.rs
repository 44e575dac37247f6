//! Loading: each setting's default, then the TOML file's value, then the `PARLEY_*`
//! variable's; then each value parsed by its spec into [`Settings`], or a [`ConfigError`]
//! naming the setting, where its value came from and (from the spec) what would do.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use parley_store::DatabaseUrl;

use super::spec::{SettingSpec, Value};
use super::{SETTINGS, Settings, WorkerId, app, files, gateway, telemetry, tls, voice};

/// Where a value came from, so an error can say where to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Default,
    File(PathBuf),
    Env,
}

/// A setting that could not be used.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub key: String,
    pub source: Source,
    pub value: String,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match &self.source {
            Source::Env => format!("PARLEY_{}", self.key.to_ascii_uppercase()),
            Source::File(path) => format!("`{}` in {}", self.key, path.display()),
            Source::Default => format!("{} (default)", self.key),
        };
        write!(f, "invalid setting {name} = {:?}: {}", self.value, self.problem)
    }
}

impl std::error::Error for ConfigError {}

/// One setting's value as given, not yet parsed.
struct Given {
    spec: &'static SettingSpec,
    text: String,
    source: Source,
}

/// Every setting's value as given by the last source that set it, before parsing. Each getter
/// parses through the setting's spec; a key not in [`SETTINGS`] is a bug and panics.
pub(super) struct Raw {
    values: BTreeMap<&'static str, Given>,
}

impl Raw {
    /// Every setting at its default.
    fn defaults() -> Self {
        let given = |spec: &'static SettingSpec| Given { spec, text: spec.default_text(), source: Source::Default };
        Self { values: SETTINGS.iter().map(|spec| (spec.key, given(spec))).collect() }
    }

    fn set(&mut self, spec: &'static SettingSpec, text: String, source: Source) {
        self.values.insert(spec.key, Given { spec, text, source });
    }

    /// The setting's value, parsed by its spec.
    pub(super) fn value(&self, key: &'static str) -> Result<Value, ConfigError> {
        let given = &self.values[key];
        given.spec.parse(&given.text).ok_or_else(|| self.invalid(key))
    }

    /// The error for a value the setting does not take: it says what the setting takes.
    pub(super) fn invalid(&self, key: &'static str) -> ConfigError {
        let given = &self.values[key];
        ConfigError {
            key: key.to_owned(),
            source: given.source.clone(),
            value: given.spec.shown(&given.text),
            problem: format!("expected {}", given.spec.accepts()),
        }
    }

    /// An error for a value that parses but cannot be used, as it stands with the others.
    pub(super) fn refuse(&self, key: &'static str, value: &str, problem: &str) -> ConfigError {
        ConfigError {
            key: key.to_owned(),
            source: self.values[key].source.clone(),
            value: value.to_owned(),
            problem: problem.to_owned(),
        }
    }

    /// The parsed value, made into what its user wants by `take`; a value `take` cannot use
    /// gets the same error as one that does not parse.
    pub(super) fn get<T>(&self, key: &'static str, take: impl FnOnce(Value) -> Option<T>) -> Result<T, ConfigError> {
        take(self.value(key)?).ok_or_else(|| self.invalid(key))
    }

    /// Whether the setting was left empty.
    pub(super) fn is_empty(&self, key: &'static str) -> bool {
        self.values[key].text.trim().is_empty()
    }

    pub(super) fn integer<T: TryFrom<i64>>(&self, key: &'static str) -> Result<T, ConfigError> {
        self.get(key, |v| match v {
            Value::Integer(n) => T::try_from(n).ok(),
            _ => None,
        })
    }

    pub(super) fn decimal(&self, key: &'static str) -> Result<f64, ConfigError> {
        self.get(key, |v| match v {
            Value::Decimal(x) => Some(x),
            _ => None,
        })
    }

    pub(super) fn duration(&self, key: &'static str) -> Result<Duration, ConfigError> {
        self.get(key, |v| match v {
            Value::Duration(d) => Some(d),
            _ => None,
        })
    }

    pub(super) fn bool(&self, key: &'static str) -> Result<bool, ConfigError> {
        self.get(key, |v| match v {
            Value::Bool(b) => Some(b),
            _ => None,
        })
    }

    /// One of the setting's words, as the type it names.
    pub(super) fn word<T: FromStr>(&self, key: &'static str) -> Result<T, ConfigError> {
        self.get(key, |v| match v {
            Value::Word(word) => word.parse().ok(),
            _ => None,
        })
    }

    pub(super) fn address(&self, key: &'static str) -> Result<SocketAddr, ConfigError> {
        self.get(key, |v| match v {
            Value::Address(address) => Some(address),
            _ => None,
        })
    }

    pub(super) fn optional_address(&self, key: &'static str) -> Result<Option<SocketAddr>, ConfigError> {
        self.get(key, |v| match v {
            Value::Address(address) => Some(Some(address)),
            Value::Empty => Some(None),
            _ => None,
        })
    }

    pub(super) fn optional_ip(&self, key: &'static str) -> Result<Option<IpAddr>, ConfigError> {
        self.get(key, |v| match v {
            Value::Ip(ip) => Some(Some(ip)),
            Value::Empty => Some(None),
            _ => None,
        })
    }

    /// A URL, path, secret or other text; empty if the setting is optional and left empty.
    pub(super) fn text(&self, key: &'static str) -> Result<String, ConfigError> {
        Ok(self.optional_text(key)?.unwrap_or_default())
    }

    /// A URL, path, secret or other text; `None` if the setting is optional and left empty.
    pub(super) fn optional_text(&self, key: &'static str) -> Result<Option<String>, ConfigError> {
        self.get(key, |v| match v {
            Value::Text(text) => Some(Some(text)),
            Value::Empty => Some(None),
            _ => None,
        })
    }

    pub(super) fn list(&self, key: &'static str) -> Result<Vec<String>, ConfigError> {
        self.get(key, |v| match v {
            Value::List(items) => Some(items),
            _ => None,
        })
    }
}

impl Settings {
    /// Loads settings from an optional TOML file's text and the process environment.
    pub fn load(
        file: Option<(&std::path::Path, &str)>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut raw = Raw::defaults();
        if let Some((path, text)) = file {
            read_toml(&mut raw, path, text)?;
        }
        let mut unknown_env = Vec::new();
        for (name, value) in env {
            let Some(key) = name.strip_prefix("PARLEY_") else { continue };
            match SETTINGS.iter().find(|s| s.key.eq_ignore_ascii_case(key)) {
                Some(spec) => raw.set(spec, value, Source::Env),
                // PARLEY_CONFIG names the file; PARLEY_TEST_* belong to the test suite.
                None if key == "CONFIG" || key.starts_with("TEST_") => {}
                None => unknown_env.push(name),
            }
        }
        Self::from_raw(raw, unknown_env)
    }

    fn from_raw(raw: Raw, unknown_env: Vec<String>) -> Result<Self, ConfigError> {
        let data_dir = PathBuf::from(raw.text("data_dir")?);
        let with_data_dir = |v: &str| v.replace("{data_dir}", &data_dir.to_string_lossy());
        let database_url = raw.get("database_url", |v| match v {
            Value::Text(url) => DatabaseUrl::parse(&with_data_dir(&url)).ok(),
            _ => None,
        })?;
        let public_url = raw.text("public_url")?.trim_end_matches('/').to_owned();
        let metrics_bind = raw.optional_address("metrics_bind")?;
        let telemetry = telemetry::telemetry_settings(&raw)?;
        let tls = tls::tls_settings(&raw, &data_dir)?;
        let worker_id = raw.get("worker_id", |v| match v {
            Value::Word(_) => Some(WorkerId::Auto),
            Value::Integer(id) => u32::try_from(id).ok().map(WorkerId::Fixed),
            _ => None,
        })?;
        if worker_id == WorkerId::Auto && raw.is_empty("redis_url") {
            return Err(raw.refuse(
                "worker_id",
                "auto",
                "worker_id = auto leases ids from Redis: set redis_url too, or give a number",
            ));
        }
        let gateway = gateway::gateway_config(&raw)?;
        let bind = raw.address("bind")?;
        let mut api = app::app_config(
            &raw,
            app::Context {
                hsts: public_url.starts_with("https://") || tls.mode != crate::tls::TlsMode::Off,
                metrics_elsewhere: metrics_bind.is_some(),
                voice_endpoint: gateway.voice_endpoint.as_deref(),
                // Behind a proxy (trust_forwarded_for), others reach it whatever it binds.
                reachable_by_others: parley_app::auth::bootstrap::reachable_by_others(bind, &public_url)
                    || raw.bool("trust_forwarded_for")?,
            },
        )?;
        let signing_key_file = PathBuf::from(with_data_dir(&raw.text("signing_key_file")?));
        let database_file = database_url.sqlite_file().map(PathBuf::from);
        let mut keep_out = vec![data_dir.as_path(), signing_key_file.as_path()];
        keep_out.extend(database_file.as_deref());
        let files = files::file_storage(&raw, with_data_dir, &keep_out)?;
        api.files.download_origin = files::download_origin(&raw, &files, &public_url)?;
        Ok(Self {
            bind,
            metrics_bind,
            public_url,
            signing_key_file,
            backup_key: raw.optional_text("backup_key")?.map(crate::backup::BackupKey::new),
            data_dir,
            database_url,
            database_max_connections: raw.integer("database_max_connections")?,
            worker_id,
            password_hash_memory_kib: raw.integer("password_hash_memory_kib")?,
            password_hash_iterations: raw.integer("password_hash_iterations")?,
            password_hash_concurrency: raw.integer("password_hash_concurrency")?,
            telemetry,
            shutdown_grace: raw.duration("shutdown_grace_secs")?,
            event_bus_capacity: raw.integer("event_bus_capacity")?,
            redis_url: raw.optional_text("redis_url")?,
            redis_key_prefix: raw.text("redis_key_prefix")?,
            redis_event_log_length: raw.integer("redis_event_log_length")?,
            files,
            files_sweep_every: raw.duration("files_sweep_interval_secs")?,
            gateway,
            voice: voice::voice_config(&raw)?,
            api,
            tls,
            unknown_env,
        })
    }
}

fn read_toml(raw: &mut Raw, path: &std::path::Path, text: &str) -> Result<(), ConfigError> {
    let file = || Source::File(path.to_owned());
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| ConfigError {
        key: "(file)".to_owned(),
        source: file(),
        value: String::new(),
        problem: format!("not valid TOML: {}", e.message()),
    })?;
    for (key, value) in table {
        let Some(spec) = SETTINGS.iter().find(|s| s.key == key) else {
            return Err(ConfigError {
                key,
                source: file(),
                value: value.to_string(),
                problem: "no such setting (see docs/configuration.md)".to_owned(),
            });
        };
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            // A decimal setting (otlp_sample_ratio) written as a TOML float; its own parser
            // then checks the range.
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(items) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned).unwrap_or_else(|| item.to_string()))
                .collect::<Vec<_>>()
                .join(","),
            other => {
                return Err(ConfigError {
                    key,
                    source: file(),
                    value: other.to_string(),
                    problem: "expected a string, number, boolean or list".to_owned(),
                });
            }
        };
        raw.set(spec, text, file());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use parley_app::RegistrationMode;

    use super::super::env_vars as env;
    use super::super::spec::Kind;
    use super::super::{SETTINGS, Settings, WorkerId};

    #[test]
    fn with_no_configuration_parley_runs_embedded_on_loopback() {
        let s = Settings::load(None, Vec::new()).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_url.as_str(), "sqlite://./data/parley.db");
        assert_eq!(s.signing_key_file, PathBuf::from("./data/keys/access-token.ed25519"));
        assert_eq!(s.api.registration, RegistrationMode::InviteOnly);
        assert!(!s.api.hsts);
    }

    #[test]
    fn with_no_configuration_the_app_gateway_voice_and_store_get_their_own_crates_defaults() {
        // The table takes these defaults from the crates' `DEFAULT`s; loading must land on them.
        let s = Settings::load(None, Vec::new()).unwrap();
        assert_eq!(format!("{:?}", s.api), format!("{:?}", parley_app::AppConfig::DEFAULT));
        assert_eq!(format!("{:?}", s.gateway), format!("{:?}", parley_gateway::GatewayConfig::DEFAULT));
        assert_eq!(format!("{:?}", s.voice), format!("{:?}", parley_voice::VoiceConfig::DEFAULT));
        assert_eq!(s.database_max_connections, parley_store::StoreOptions::DEFAULT.max_connections);
    }

    #[test]
    fn environment_variables_override_the_file_which_overrides_defaults() {
        let file =
            "bind = \"0.0.0.0:9000\"\nworker_id = 7\ncors_origins = [\"https://a.example\", \"https://b.example\"]\n";
        let s =
            Settings::load(Some((std::path::Path::new("p.toml"), file)), env(&[("PARLEY_WORKER_ID", "9")])).unwrap();
        assert_eq!(s.bind.to_string(), "0.0.0.0:9000");
        assert_eq!(s.worker_id, WorkerId::Fixed(9));
        assert_eq!(s.api.cors_origins, vec!["https://a.example", "https://b.example"]);
    }

    #[test]
    fn an_invalid_value_names_the_setting_its_source_and_what_is_expected() {
        let e = Settings::load(None, env(&[("PARLEY_WORKER_ID", "2000")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid setting PARLEY_WORKER_ID = \"2000\": expected auto or a whole number from 0 to 1022"
        );
        let e = Settings::load(Some((std::path::Path::new("/etc/parley.toml"), "bind = \"nope\"")), Vec::new())
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid setting `bind` in /etc/parley.toml = \"nope\": expected an address and port like 127.0.0.1:8080"
        );
        let e = Settings::load(None, env(&[("PARLEY_DATABASE_URL", "mysql://x")])).unwrap_err();
        assert!(e.to_string().contains("PARLEY_DATABASE_URL"));
        let e = Settings::load(None, env(&[("PARLEY_REGISTRATION", "sometimes")])).unwrap_err();
        assert!(e.to_string().contains("expected open, invite_only or closed"));
    }

    #[test]
    fn a_value_out_of_range_is_refused_with_a_message_naming_the_setting_and_the_generated_range() {
        let e = Settings::load(None, env(&[("PARLEY_DATABASE_MAX_CONNECTIONS", "1001")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid setting PARLEY_DATABASE_MAX_CONNECTIONS = \"1001\": expected a whole number from 1 to 1000"
        );
        let e = Settings::load(None, env(&[("PARLEY_GATEWAY_HEARTBEAT_INTERVAL_MS", "999")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid setting PARLEY_GATEWAY_HEARTBEAT_INTERVAL_MS = \"999\": expected a whole number of milliseconds from 1000 to 600000"
        );
        // Every number just past either end of its range, from the file and from the environment.
        for spec in SETTINGS {
            let (below, above) = match spec.kind {
                Kind::Integer { min, max, .. } => (min - 1, max + 1),
                Kind::Duration { unit, min, max } => {
                    let count = |d| i64::try_from(unit.count(d)).unwrap();
                    (count(min) - 1, count(max) + 1)
                }
                _ => continue,
            };
            let expected = format!("expected {}", spec.accepts());
            for bad in [below, above] {
                let e = Settings::load(None, env(&[(&spec.env_var(), &bad.to_string())])).unwrap_err();
                assert_eq!((e.key.as_str(), &e.problem), (spec.key, &expected), "{bad}");
                assert!(e.to_string().starts_with(&format!("invalid setting {} = ", spec.env_var())), "{e}");
                let file = format!("{} = {bad}", spec.key);
                let e = Settings::load(Some((std::path::Path::new("p.toml"), &file)), Vec::new()).unwrap_err();
                assert_eq!(e.to_string(), format!("invalid setting `{}` in p.toml = \"{bad}\": {expected}", spec.key));
            }
        }
    }

    #[test]
    fn a_decimal_written_as_a_toml_number_is_read_and_range_checked_like_its_text() {
        let file = std::path::Path::new("p.toml");
        let s = Settings::load(Some((file, "otlp_sample_ratio = 0.5")), Vec::new()).unwrap();
        assert_eq!(s.telemetry.sample_ratio, 0.5);
        let e = Settings::load(Some((file, "otlp_sample_ratio = 1.5")), Vec::new()).unwrap_err();
        assert_eq!(e.key, "otlp_sample_ratio");
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error_and_an_unknown_variable_is_reported() {
        let e = Settings::load(Some((std::path::Path::new("p.toml"), "bnid = \"x\"")), Vec::new()).unwrap_err();
        assert_eq!(e.key, "bnid");
        let s =
            Settings::load(None, env(&[("PARLEY_BNID", "x"), ("PARLEY_TEST_POSTGRES_URL", "x"), ("HOME", "/root")]))
                .unwrap();
        assert_eq!(s.unknown_env, vec!["PARLEY_BNID"]);
    }

    #[test]
    fn worker_id_auto_needs_redis_and_1023_is_kept_for_the_command_line() {
        let error = Settings::load(None, env(&[("PARLEY_WORKER_ID", "auto")])).unwrap_err();
        assert_eq!(error.key, "worker_id");
        assert!(error.problem.contains("redis_url"), "{error}");
        let error = Settings::load(None, env(&[("PARLEY_WORKER_ID", "1023")])).unwrap_err();
        assert_eq!(error.key, "worker_id");
        let s =
            Settings::load(None, env(&[("PARLEY_WORKER_ID", "auto"), ("PARLEY_REDIS_URL", "redis://r:6379")])).unwrap();
        assert_eq!((s.worker_id, s.worker_id.for_command_line()), (WorkerId::Auto, 1023));
    }

    #[test]
    fn an_https_public_url_turns_on_hsts() {
        let s = Settings::load(None, env(&[("PARLEY_PUBLIC_URL", "https://chat.example.com/")])).unwrap();
        assert!(s.api.hsts);
        assert_eq!(s.public_url, "https://chat.example.com");
    }

    #[test]
    fn every_default_loads_on_its_own_as_if_an_operator_had_written_it() {
        // Each default on its own, through the same parser operators' values go through.
        for spec in SETTINGS {
            let s = Settings::load(None, env(&[(&spec.env_var(), &spec.default_text())]));
            assert!(s.is_ok(), "default of {} does not parse: {:?}", spec.key, s.err());
        }
    }
}
