//! Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2, ...). A body no larger than
//! one part goes up in one `PutObject`; a larger one as a multipart upload of `part_size`
//! parts, completed only once the body is whole and aborted on any failure, so nothing
//! partial is visible or left billed. At most one part is held in memory per upload.

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::{DisplayErrorContext, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream as SdkBody;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::{Bytes, BytesMut};

use crate::limit::Limited;
use crate::{ByteRange, ByteStream, Object, ObjectError, ObjectKey, ObjectStore, Presign};

/// S3's smallest part but the last.
pub const MIN_PART_SIZE: usize = 5 * 1024 * 1024;

/// Where the bucket is and how to sign in to it.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Config {
    /// `https://s3.eu-west-1.amazonaws.com`, `http://minio:9000`...; `None`: AWS's own for
    /// the region.
    pub endpoint: Option<String>,
    pub region: String,
    pub bucket: String,
    /// Keys under this prefix (`parley/`, say), to share a bucket; may be empty.
    pub prefix: String,
    /// `bucket` in the path rather than the host name (MinIO and most self-hosted servers).
    pub path_style: bool,
    /// Static keys; `None`: the standard AWS chain (environment, profile, web identity as on
    /// EKS, instance metadata).
    pub credentials: Option<(String, String)>,
    /// Multipart part size in bytes, at least [`MIN_PART_SIZE`].
    pub part_size: usize,
    /// The server's URL as clients reach it, for presigned URLs, when it differs from
    /// `endpoint` (an internal name such as `http://minio:9000`); `None`: `endpoint`.
    pub public_endpoint: Option<String>,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret key.
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("path_style", &self.path_style)
            .field("access_key_id", &self.credentials.as_ref().map(|(id, _)| id))
            .field("part_size", &self.part_size)
            .field("public_endpoint", &self.public_endpoint)
            .finish()
    }
}

#[derive(Clone)]
pub struct S3Store {
    client: Client,
    /// Signs presigned URLs for the endpoint clients reach (no requests go through it).
    presigner: Client,
    bucket: String,
    prefix: String,
    part_size: usize,
}

impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store").field("bucket", &self.bucket).field("prefix", &self.prefix).finish()
    }
}

/// An SDK error in words, with its causes (the SDK's own `Display` says only "service error").
fn sdk<E: std::error::Error + 'static, R: std::fmt::Debug>(context: &str, e: SdkError<E, R>) -> ObjectError {
    ObjectError::storage(context, DisplayErrorContext(e))
}

impl S3Store {
    pub async fn connect(config: &S3Config) -> Result<Self, ObjectError> {
        if config.part_size < MIN_PART_SIZE {
            return Err(ObjectError::Storage(format!("the part size must be at least {MIN_PART_SIZE} bytes")));
        }
        // rustls on ring, as the rest of Parley: no aws-lc (cmake) in the build.
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http)
            .region(Region::new(config.region.clone()));
        if let Some((id, secret)) = &config.credentials {
            loader = loader.credentials_provider(Credentials::new(id, secret, None, None, "parley settings"));
        }
        if let Some(endpoint) = &config.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        let shared = loader.load().await;
        let s3 = aws_sdk_s3::config::Builder::from(&shared).force_path_style(config.path_style).build();
        let presigner = match &config.public_endpoint {
            Some(public) => Client::from_conf(
                aws_sdk_s3::config::Builder::from(&shared)
                    .force_path_style(config.path_style)
                    .endpoint_url(public)
                    .build(),
            ),
            None => Client::from_conf(s3.clone()),
        };
        let prefix = match config.prefix.trim_matches('/') {
            "" => String::new(),
            p => format!("{p}/"),
        };
        Ok(Self {
            client: Client::from_conf(s3),
            presigner,
            bucket: config.bucket.clone(),
            prefix,
            part_size: config.part_size,
        })
    }

    fn name(&self, key: &ObjectKey) -> String {
        format!("{}{key}", self.prefix)
    }

    async fn abort(&self, name: &str, upload_id: &str) {
        let aborted = self.client.abort_multipart_upload().bucket(&self.bucket).key(name).upload_id(upload_id).send();
        if let Err(e) = aborted.await {
            tracing::warn!(object = %name, error = %DisplayErrorContext(e), "could not abort an unfinished multipart upload");
        }
    }

    /// Reads up to one part of `body` into memory; `None` at the end.
    async fn next_part(&self, body: &mut Limited) -> Result<Option<Bytes>, ObjectError> {
        let mut part = BytesMut::with_capacity(self.part_size);
        while part.len() < self.part_size {
            match body.next().await? {
                Some(chunk) => part.extend_from_slice(&chunk),
                None => break,
            }
        }
        Ok((!part.is_empty()).then(|| part.freeze()))
    }

    /// Sends the parts after `first` (already read) as a multipart upload, completed when the
    /// body ends.
    async fn multipart(
        &self,
        name: &str,
        upload_id: &str,
        first: Bytes,
        body: &mut Limited,
    ) -> Result<(), ObjectError> {
        let mut parts = Vec::new();
        let mut next = Some(first);
        while let Some(part) = next.take() {
            let number = parts.len() as i32 + 1;
            let sent = self
                .client
                .upload_part()
                .bucket(&self.bucket)
                .key(name)
                .upload_id(upload_id)
                .part_number(number)
                .body(SdkBody::from(part))
                .send()
                .await
                .map_err(|e| sdk(&format!("uploading part {number} of {name}"), e))?;
            parts.push(CompletedPart::builder().part_number(number).set_e_tag(sent.e_tag().map(str::to_owned)).build());
            next = self.next_part(body).await?;
        }
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(name)
            .upload_id(upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .send()
            .await
            .map_err(|e| sdk(&format!("completing the upload of {name}"), e))?;
        Ok(())
    }
}

/// A multipart upload begun and not yet completed or aborted: dropped so, it is aborted from a
/// task of its own.
struct AbortOnDrop(Option<(S3Store, String, String)>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let (Some((store, name, upload_id)), Ok(runtime)) = (self.0.take(), tokio::runtime::Handle::try_current()) {
            runtime.spawn(async move { store.abort(&name, &upload_id).await });
        }
    }
}

#[async_trait::async_trait]
impl ObjectStore for S3Store {
    async fn put(&self, key: &ObjectKey, body: ByteStream, limit: u64) -> Result<u64, ObjectError> {
        let name = self.name(key);
        let mut body = Limited::new(body, limit);
        let first = self.next_part(&mut body).await?.unwrap_or_default();
        if first.len() < self.part_size {
            // The whole body fits in one part: one request, atomic by itself.
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(&name)
                .content_length(first.len() as i64)
                .body(SdkBody::from(first))
                .send()
                .await
                .map_err(|e| sdk(&format!("storing {name}"), e))?;
            return Ok(body.read);
        }
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(&name)
            .send()
            .await
            .map_err(|e| sdk(&format!("starting the upload of {name}"), e))?;
        let upload_id = created.upload_id().unwrap_or_default().to_owned();
        // Nothing partial stays behind, nor billed: aborted on failure, and if this future is
        // dropped mid-way (the client went, or shutdown), aborted from a task of its own.
        let mut pending = AbortOnDrop(Some((self.clone(), name.clone(), upload_id.clone())));
        let sent = self.multipart(&name, &upload_id, first, &mut body).await;
        let unfinished = pending.0.take();
        match sent {
            Ok(()) => Ok(body.read),
            Err(e) => {
                if let Some((store, name, upload_id)) = unfinished {
                    store.abort(&name, &upload_id).await;
                }
                Err(e)
            }
        }
    }

    async fn get(&self, key: &ObjectKey, range: Option<ByteRange>) -> Result<Object, ObjectError> {
        let name = self.name(key);
        let size = self.size(key).await?.ok_or_else(|| ObjectError::NotFound(key.to_string()))?;
        let (first, last) = match range {
            Some(range) => range.within(size)?,
            None => (0, size.saturating_sub(1)),
        };
        let mut request = self.client.get_object().bucket(&self.bucket).key(&name);
        if size > 0 {
            request = request.range(format!("bytes={first}-{last}"));
        }
        let output = request.send().await.map_err(|e| {
            if e.as_service_error().is_some_and(|s| s.is_no_such_key()) {
                ObjectError::NotFound(key.to_string())
            } else {
                sdk(&format!("reading {name}"), e)
            }
        })?;
        let body = futures::stream::unfold(output.body, |mut body| async move {
            body.next().await.map(|chunk| (chunk.map_err(std::io::Error::other), body))
        });
        Ok(Object { size, range: (first, last), body: Box::pin(body) })
    }

    async fn size(&self, key: &ObjectKey) -> Result<Option<u64>, ObjectError> {
        let name = self.name(key);
        match self.client.head_object().bucket(&self.bucket).key(&name).send().await {
            Ok(head) => Ok(Some(head.content_length().unwrap_or_default().max(0) as u64)),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => Err(sdk(&format!("looking up {name}"), e)),
        }
    }

    async fn delete(&self, key: &ObjectKey) -> Result<(), ObjectError> {
        let name = self.name(key);
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(&name)
            .send()
            .await
            .map(drop)
            .map_err(|e| sdk(&format!("removing {name}"), e))
    }

    async fn presigned_get(&self, key: &ObjectKey, presign: &Presign) -> Result<Option<String>, ObjectError> {
        let name = self.name(key);
        let config = PresigningConfig::builder()
            .start_time(presign.issued)
            .expires_in(presign.valid_for)
            .build()
            .map_err(|e| ObjectError::Storage(format!("presigning {name}: {e}")))?;
        let request = self
            .presigner
            .get_object()
            .bucket(&self.bucket)
            .key(&name)
            .response_content_type(&presign.content_type)
            .response_content_disposition(&presign.content_disposition)
            .response_cache_control(&presign.cache_control)
            .presigned(config)
            .await
            .map_err(|e| sdk(&format!("presigning {name}"), e))?;
        Ok(Some(request.uri().to_owned()))
    }

    async fn check(&self) -> Result<(), ObjectError> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map(drop)
            .map_err(|e| sdk(&format!("reaching the bucket {}", self.bucket), e))
    }
}
