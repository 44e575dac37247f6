//! What the serenity and twilight bots share: printing the scenario's lines (SCENARIO.md) and
//! turning the library's own warnings and errors, which both libraries only log through
//! `tracing`, into `ERROR` lines the integration suite can read.

use std::{
    error::Error,
    fmt::{self, Write as _},
    io::Write as _,
};
use tracing::{
    Event, Level, Metadata, Subscriber,
    field::{Field, Visit},
    span,
};

/// Prints one line of the scenario to stdout and flushes it at once.
pub fn say(line: impl AsRef<str>) {
    let mut out = std::io::stdout().lock();
    // A closed stdout leaves nothing to tell; the bot carries on.
    let _ = writeln!(out, "{}", line.as_ref());
    let _ = out.flush();
}

/// What `!file` sends (SCENARIO.md): a few hundred KiB, so the upload and the download each
/// take many chunks.
pub fn file_bytes() -> Vec<u8> {
    b"parley file send\n".repeat(20_000)
}

/// The SHA-256 of `bytes`, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The scenario's `SAW_FILE` line for a file read back through its URL.
pub fn saw_file(filename: &str, size: u64, content_type: Option<&str>, read: &[u8]) -> String {
    format!("SAW_FILE {filename} {size} {} {}", content_type.unwrap_or(""), sha256_hex(read))
}

/// Message content on one line, newlines written as `\n`.
pub fn one_line(text: &str) -> String {
    text.replace('\r', "").replace('\n', "\\n")
}

/// An error and every error beneath it, on one line.
pub fn describe(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        source = inner.source();
    }
    one_line(&text)
}

/// Prints the libraries' `tracing` events at WARN and ERROR as `WARN ...` and `ERROR ...`
/// lines (serenity reports a gateway event it cannot parse only this way).
pub fn log_library_problems() {
    // Only fails when a subscriber is already set, and then that one prints.
    let _ = tracing::subscriber::set_global_default(ProblemPrinter);
}

struct ProblemPrinter;

impl Subscriber for ProblemPrinter {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= Level::WARN
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::WARN)
    }

    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let level = if *event.metadata().level() == Level::ERROR { "ERROR" } else { "WARN" };
        say(format!("{level} {}: {}", event.metadata().target(), one_line(&fields.0)));
    }

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}

#[derive(Default)]
struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, "{}={value:?}", field.name());
        }
    }
}
