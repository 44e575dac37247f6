//! Log lines as JSON objects: time, level, target, message and fields, the fields of the spans
//! the event happened in (request id, route...), and the OpenTelemetry `trace_id` and
//! `span_id`, so a line in Loki leads to its trace in Tempo and back. The same line goes to
//! stdout (with `log_format = json`) and to Loki (with `loki_url`).

use std::io::Write;
use std::sync::OnceLock;
use std::time::SystemTime;

use opentelemetry::trace::TraceContextExt;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use super::loki;

/// The layer that renders and writes JSON log lines.
pub struct JsonLog {
    stdout: bool,
    loki: Option<loki::Sender>,
    /// Our own dispatcher, to ask the OpenTelemetry layer for a span's ids.
    dispatch: OnceLock<tracing::dispatcher::WeakDispatch>,
}

impl JsonLog {
    pub fn new(stdout: bool, loki: Option<loki::Sender>) -> Self {
        Self { stdout, loki, dispatch: OnceLock::new() }
    }

    fn has_output(&self) -> bool {
        self.stdout || self.loki.is_some()
    }
}

/// A span's fields, kept in the span's extensions for the lines logged inside it.
#[derive(Default)]
struct SpanFields(Map<String, Value>);

impl Visit for SpanFields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.insert(field, Value::String(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert(field, Value::String(value.to_owned()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field, value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.insert(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field, value.into());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.insert(field, Value::String(value.to_string()));
    }
}

impl SpanFields {
    fn insert(&mut self, field: &Field, value: Value) {
        // `otel.*` fields instruct the OpenTelemetry layer; they are not log content.
        if !field.name().starts_with("otel.") {
            self.0.insert(field.name().to_owned(), value);
        }
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for JsonLog {
    fn on_register_dispatch(&self, dispatch: &tracing::Dispatch) {
        let _ = self.dispatch.set(dispatch.downgrade());
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if !self.has_output() {
            return;
        }
        let mut fields = SpanFields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<SpanFields>()
        {
            values.record(fields);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if !self.has_output() {
            return;
        }
        let now = SystemTime::now();
        let meta = event.metadata();
        let mut line = SpanFields::default();
        line.0.insert("timestamp".into(), Value::String(rfc3339(now)));
        line.0.insert("level".into(), Value::String(meta.level().as_str().to_owned()));
        let span = ctx.event_span(event);
        if let Some(span) = &span {
            for outer in span.scope().from_root() {
                if let Some(fields) = outer.extensions().get::<SpanFields>() {
                    line.0.extend(fields.0.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
            line.0.insert("span".into(), Value::String(span.name().to_owned()));
        }
        event.record(&mut line);
        line.0.insert("target".into(), Value::String(meta.target().to_owned()));
        // No extensions are borrowed here: the OpenTelemetry layer locks them itself.
        if let (Some(span), Some(dispatch)) = (&span, self.dispatch.get().and_then(|d| d.upgrade()))
            && let Some(context) = tracing_opentelemetry::get_otel_context(&span.id(), &dispatch)
        {
            let span_context = context.span().span_context().clone();
            if span_context.is_valid() {
                line.0.insert("trace_id".into(), Value::String(span_context.trace_id().to_string()));
                line.0.insert("span_id".into(), Value::String(span_context.span_id().to_string()));
            }
        }
        let text = Value::Object(line.0).to_string();
        if self.stdout {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes()).and_then(|()| out.write_all(b"\n"));
        }
        if let Some(loki) = &self.loki {
            loki.send(*meta.level(), now, text);
        }
    }
}

fn rfc3339(at: SystemTime) -> String {
    OffsetDateTime::from(at).format(&Rfc3339).unwrap_or_default()
}
