//! Logs and traces for the whole process, set up once by `main` before the runtime starts.
//!
//! - Logs go to stdout, as readable text or one JSON object per line ([`json_log`]); with
//!   `loki_url` set, the same JSON lines are also pushed to Loki ([`loki`]).
//! - Spans (requests, gateway operations, statements) become OpenTelemetry spans
//!   ([`traces`]); with `otlp_endpoint` set they are exported over OTLP/HTTP. Trace ids
//!   exist either way, so every JSON log line inside a request carries its `trace_id`.

pub mod json_log;
pub mod loki;
pub mod traces;

use std::io::IsTerminal;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::settings::LogFormat;

/// How long, at shutdown, queued log lines may take to reach Loki.
const LOKI_FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// What the telemetry settings say, parsed (see docs/configuration.md).
#[derive(Clone, Debug)]
pub struct TelemetrySettings {
    pub log_format: LogFormat,
    pub log_level: String,
    /// Base URL of an OTLP/HTTP receiver (`/v1/traces` is appended).
    pub otlp_endpoint: Option<String>,
    /// Share of new traces exported (0.0 to 1.0).
    pub sample_ratio: f64,
    /// Base URL of Loki (`/loki/api/v1/push` is appended).
    pub loki_url: Option<String>,
}

/// The installed telemetry: keep it until the end of `main`, then [`Telemetry::shutdown`].
pub struct Telemetry {
    tracer_provider: SdkTracerProvider,
    loki: Option<loki::Shipper>,
}

/// Installs the global subscriber and the trace propagator. Call before the async runtime
/// exists (the OTLP exporter's HTTP client must not be built inside it); then
/// [`Telemetry::start`] inside it. Fails only on an unusable exporter setting.
pub fn init(settings: &TelemetrySettings) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_new(&settings.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let tracer_provider = traces::provider(settings.otlp_endpoint.as_deref(), settings.sample_ratio)?;
    opentelemetry::global::set_text_map_propagator(opentelemetry_sdk::propagation::TraceContextPropagator::new());
    let otel = tracing_opentelemetry::layer().with_tracer(tracer_provider.tracer("parley"));

    let (loki, loki_sender) = match &settings.loki_url {
        Some(url) => {
            let (shipper, sender) = loki::Shipper::new(url)?;
            (Some(shipper), Some(sender))
        }
        None => (None, None),
    };
    let json_stdout = settings.log_format == LogFormat::Json;
    // Always installed, not as an Option: tracing-subscriber's Option<Layer> does not pass on
    // the dispatcher the layer needs to read trace ids. It does nothing when it has no output.
    let json = json_log::JsonLog::new(json_stdout, loki_sender);
    // Colour only for a person at a terminal; files and collectors get plain text.
    let text = (settings.log_format == LogFormat::Text)
        .then(|| tracing_subscriber::fmt::layer().with_target(true).with_ansi(std::io::stdout().is_terminal()));
    // A second call (tests) leaves the first subscriber in place.
    let _ = tracing_subscriber::registry().with(filter).with(otel).with(text).with(json).try_init();
    Ok(Telemetry { tracer_provider, loki })
}

impl Telemetry {
    /// Starts the work that needs the runtime: pushing logs to Loki.
    pub fn start(&mut self, runtime: &tokio::runtime::Handle) {
        if let Some(loki) = &mut self.loki {
            loki.start(runtime);
        }
    }

    /// Delivers what is queued, then stops: log lines to Loki (for up to
    /// [`LOKI_FLUSH_TIMEOUT`]) and spans to the OTLP receiver. Call after the runtime's work
    /// is done, outside async code (the span exporter blocks).
    pub fn shutdown(self, runtime: &tokio::runtime::Runtime) {
        if let Some(loki) = self.loki {
            runtime.block_on(loki.stop(LOKI_FLUSH_TIMEOUT));
        }
        if let Err(e) = self.tracer_provider.shutdown() {
            eprintln!("warning: not every span reached the OTLP receiver (setting otlp_endpoint): {e}");
        }
    }
}
