//! Counters of uploaded files, for the operator watching storage fill or uploads fail: what
//! came in and how it ended, the bytes stored, and the sweeper's removals.

use prometheus::{IntCounter, IntCounterVec, Opts, Registry};

#[derive(Clone, Debug)]
pub struct FileCounters {
    /// By `outcome`: stored, too_large, over_quota, bad_image, cut_off, failed.
    pub uploads: IntCounterVec,
    /// Bytes of the files stored.
    pub stored_bytes: IntCounter,
    /// Files the sweeper removed.
    pub swept: IntCounter,
}

impl FileCounters {
    pub fn new(registry: &Registry) -> Self {
        Self {
            uploads: super::register(
                registry,
                IntCounterVec::new(
                    Opts::new("parley_file_uploads_total", "Uploaded files, by how they ended."),
                    &["outcome"],
                ),
            ),
            stored_bytes: super::register(
                registry,
                IntCounter::new("parley_file_upload_bytes_total", "Bytes of uploaded files stored."),
            ),
            swept: super::register(
                registry,
                IntCounter::new("parley_files_swept_total", "Files the sweeper removed from storage."),
            ),
        }
    }

    pub fn outcome(&self, outcome: &str) {
        self.uploads.with_label_values(&[outcome]).inc();
    }
}
