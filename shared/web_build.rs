// Build script shared by boochat, boocoder and booterm (`build = "../shared/web_build.rs"`).
//
// Points rust-embed (`#[folder = "$BOO_WEB_DIST"]`) at the crate's Vite build in
// `web/dist`. Before `npm run build` has ever run, it points at a generated
// placeholder page instead, so `cargo build` works on a fresh clone.

#![allow(clippy::print_stdout)] // a build script talks to cargo on stdout

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let crate_name = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
    let dist = manifest.join("web").join("dist");
    println!("cargo:rerun-if-changed={}", dist.display());
    let folder = if dist.join("index.html").is_file() {
        dist
    } else {
        let out =
            PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("web-placeholder");
        let page = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{crate_name}</title></head>\
             <body><h1>{crate_name}</h1><p>The web client is not built yet. Run \
             <code>npm ci &amp;&amp; npm run build</code> in <code>{crate_name}/web</code> \
             (or <code>deploy/dev</code>) and rebuild.</p></body></html>\n"
        );
        if let Err(e) = std::fs::create_dir_all(&out)
            .and_then(|()| std::fs::write(out.join("index.html"), page))
        {
            println!("cargo:warning=cannot write placeholder web page: {e}");
        }
        out
    };
    println!("cargo:rustc-env=BOO_WEB_DIST={}", folder.display());
}
