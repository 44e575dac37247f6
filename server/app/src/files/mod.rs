//! Uploaded files: what the application decides about them, apart from where their bytes
//! live (`parley_objects`).
//!
//! - [`config`]: the limits an operator sets ([`FilesConfig`]).
//! - [`sniff`]: what a file is, from its bytes.
//! - [`image_scrub`]: images measured, refused past their limits and stripped of metadata
//!   as they stream.
//! - [`inspect`]: an upload's stream passed through both.
//! - [`upload`]: one file received into storage and charged to its uploader.
//! - [`sweeper`]: removing what no message shows any more, and giving its space back.
//! - [`signed_url`]: download URLs that cannot be guessed, forged or kept ([`UrlSigner`]).
//! - [`data_uri`]: images sent inline (`data:image/png;base64,...`), as avatars are.
//! - [`image_asset`]: avatars, icons, banners and emoji checked, shrunk and hashed, and their
//!   variants rendered.
//! - [`assets`]: where those are kept and their variants made ([`ImageAssets`]), and
//!   attached images' thumbnails.
//! - [`thumbnail`]: attached images' previews, at a few sizes.

pub mod assets;
pub mod config;
pub mod data_uri;
pub mod image_asset;
pub mod image_scrub;
pub mod inspect;
pub mod signed_url;
pub mod sniff;
pub mod sweeper;
pub mod thumbnail;
pub mod upload;

pub use assets::{AssetError, AssetRef, ImageAssets};
pub use config::FilesConfig;
pub use signed_url::{SignedQuery, UrlRefusal, UrlSigner};
