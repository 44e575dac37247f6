//! Builds the web client (`web/` into `web/dist`, with npm; the build also writes brotli and
//! gzip copies of its text files) when its sources change, and copies it into OUT_DIR, where
//! `src/web.rs` embeds it. Without Node.js the binary still builds: it embeds a page that
//! says how to get the client, and cargo prints a warning.
//! `PARLEY_SKIP_WEB_BUILD=1` reuses an existing `web/dist` as it is.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const PLACEHOLDER: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Parley</title></head>\
<body><h1>Parley is running</h1><p>This build has no web client: it was built without Node.js. \
Install Node.js 20 or newer and rebuild (<code>cargo build --release -p parley</code>) to get it. \
The API is at <a href=\"/api/v10/openapi.json\">/api/v10</a>.</p></body></html>";

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let web = manifest.join("../../web");
    for input in [
        "src",
        "public",
        "scripts",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "tsconfig.json",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(input).display());
    }
    println!("cargo:rerun-if-env-changed=PARLEY_SKIP_WEB_BUILD");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("web");
    let _ = fs::remove_dir_all(&out);
    fs::create_dir_all(&out).expect("OUT_DIR is writable");
    match build(&web) {
        Ok(()) => copy_dir(&web.join("dist"), &out).expect("web/dist can be copied"),
        Err(reason) => {
            println!("cargo:warning=the web client was not built ({reason}); Parley will serve a page saying so");
            fs::write(out.join("index.html"), PLACEHOLDER).expect("OUT_DIR is writable");
        }
    }
}

fn build(web: &Path) -> Result<(), String> {
    let built = web.join("dist/index.html").exists();
    if std::env::var_os("PARLEY_SKIP_WEB_BUILD").is_some() {
        return if built { Ok(()) } else { Err("PARLEY_SKIP_WEB_BUILD is set and web/dist is empty".into()) };
    }
    let npm = |args: &[&str]| -> Result<(), String> {
        let status = Command::new("npm")
            .args(args)
            .current_dir(web)
            .status()
            .map_err(|e| format!("npm cannot run ({e}); install Node.js 20 or newer"))?;
        if status.success() { Ok(()) } else { Err(format!("`npm {}` failed", args.join(" "))) }
    };
    // Dependencies are installed again only when the lock file changed.
    let installed = web.join("node_modules/.package-lock.json");
    let stale = match (fs::metadata(web.join("package-lock.json")), fs::metadata(&installed)) {
        (Ok(lock), Ok(done)) => lock.modified().ok() > done.modified().ok(),
        _ => true,
    };
    if stale {
        npm(&["ci", "--no-audit", "--no-fund", "--loglevel=error"])?;
    }
    npm(&["run", "build", "--silent"])
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
