//! An upload's bytes on their way to storage: sniffed from the first bytes, images scrubbed
//! and measured as they pass ([`ImageScrubber`]), nothing held beyond the sniffed head and
//! one image segment. What it found is read once the store has taken the stream.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::Stream;

use super::image_scrub::{ImageLimits, ImageRefusal, ImageScrubber};
use super::sniff::{SNIFF_LEN, Sniffed, sniff};

/// What the bytes showed, once they have all passed.
#[derive(Clone, Debug, Default)]
pub struct Findings {
    pub kind: Option<Sniffed>,
    /// An image's width and height.
    pub size: Option<(u32, u32)>,
    /// Why the image was refused (the stream failed with it).
    pub refusal: Option<ImageRefusal>,
    /// More bytes came in than the limit: metadata stripped on the way does not make a
    /// larger upload acceptable (the stream failed).
    pub too_large: bool,
}

/// Wraps an upload's stream; [`Inspector::findings`] tells what passed.
pub struct Inspector<S> {
    inner: S,
    head: Vec<u8>,
    scrubber: Option<ImageScrubber>,
    limits: ImageLimits,
    strip: bool,
    done: bool,
    /// Bytes taken in so far, and the most that may be.
    received: u64,
    limit: u64,
    findings: Arc<Mutex<Findings>>,
}

impl<S> Inspector<S> {
    /// Inspects `inner`, failing once more than `limit` bytes come in.
    pub fn new(inner: S, limits: ImageLimits, strip: bool, limit: u64) -> (Self, Arc<Mutex<Findings>>) {
        let findings = Arc::new(Mutex::new(Findings::default()));
        let inspector = Self {
            inner,
            head: Vec::new(),
            scrubber: None,
            limits,
            strip,
            done: false,
            received: 0,
            limit,
            findings: findings.clone(),
        };
        (inspector, findings)
    }

    /// Sniffs the head and passes it to a new scrubber.
    fn start(&mut self, out: &mut Vec<u8>) -> Result<(), ImageRefusal> {
        let kind = sniff(&self.head[..self.head.len().min(SNIFF_LEN)]);
        self.findings.lock().unwrap_or_else(|p| p.into_inner()).kind = Some(kind);
        let mut scrubber = ImageScrubber::new(kind, self.limits, self.strip);
        scrubber.push(&std::mem::take(&mut self.head), out)?;
        self.scrubber = Some(scrubber);
        Ok(())
    }

    fn refuse(&mut self, refusal: ImageRefusal) -> std::io::Error {
        self.done = true;
        self.findings.lock().unwrap_or_else(|p| p.into_inner()).refusal = Some(refusal);
        std::io::Error::new(std::io::ErrorKind::InvalidData, refusal.to_string())
    }
}

impl<S> Stream for Inspector<S>
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Unpin,
{
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            let mut out = Vec::new();
            match std::task::ready!(Pin::new(&mut this.inner).poll_next(cx)) {
                Some(Err(e)) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Some(Ok(chunk)) => {
                    this.received += chunk.len() as u64;
                    if this.received > this.limit {
                        this.done = true;
                        this.findings.lock().unwrap_or_else(|p| p.into_inner()).too_large = true;
                        let error =
                            std::io::Error::new(std::io::ErrorKind::FileTooLarge, "the upload passed its limit");
                        return Poll::Ready(Some(Err(error)));
                    }
                    let outcome = match &mut this.scrubber {
                        Some(scrubber) => scrubber.push(&chunk, &mut out),
                        None => {
                            this.head.extend_from_slice(&chunk);
                            if this.head.len() >= SNIFF_LEN { this.start(&mut out) } else { Ok(()) }
                        }
                    };
                    if let Err(refusal) = outcome {
                        return Poll::Ready(Some(Err(this.refuse(refusal))));
                    }
                }
                None => {
                    this.done = true;
                    let mut outcome = Ok(());
                    if this.scrubber.is_none() {
                        outcome = this.start(&mut out);
                    }
                    let outcome = outcome.and_then(|()| match this.scrubber.take() {
                        Some(scrubber) => scrubber.finish(&mut out),
                        None => Ok(None),
                    });
                    match outcome {
                        Ok(size) => this.findings.lock().unwrap_or_else(|p| p.into_inner()).size = size,
                        Err(refusal) => return Poll::Ready(Some(Err(this.refuse(refusal)))),
                    }
                    if out.is_empty() {
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(Ok(Bytes::from(out))));
                }
            }
            if !out.is_empty() {
                return Poll::Ready(Some(Ok(Bytes::from(out))));
            }
        }
    }
}
