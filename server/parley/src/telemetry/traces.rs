//! The OpenTelemetry tracer provider: with an endpoint, spans are batched and exported over
//! OTLP/HTTP (protobuf) with the configured sampling; without one, nothing is exported but
//! spans still get trace ids, which logs carry.

use std::time::Duration;

use anyhow::Context;
use opentelemetry::KeyValue;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};

/// How long one export request may take before the batch is given up.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

pub fn provider(endpoint: Option<&str>, sample_ratio: f64) -> anyhow::Result<SdkTracerProvider> {
    let resource = Resource::builder()
        .with_service_name("parley")
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build();
    let builder = SdkTracerProvider::builder().with_resource(resource);
    let Some(endpoint) = endpoint else {
        // Ids are still made for unsampled spans, so log lines can be correlated.
        return Ok(builder.with_sampler(Sampler::AlwaysOff).build());
    };
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
        .with_timeout(EXPORT_TIMEOUT)
        .build()
        .context("cannot set up the OTLP trace exporter (setting otlp_endpoint)")?;
    // A caller's sampling decision (its traceparent's flag) is followed; new traces are
    // sampled at the configured ratio. The batch processor's queue is bounded (2048 spans):
    // when the receiver is slow, spans are dropped, never memory.
    Ok(builder
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(sample_ratio))))
        .with_batch_exporter(exporter)
        .build())
}
