//! Test support shared by the tool tests: an in-memory [`OutputStore`], a context
//! over a temp dir, a one-line way to run a tool through the registry, a local
//! HTTP server and a fake DNS for the web tools.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};

use boo_shared::netguard::{Lookup, NetGuard, NetPolicy};
use futures::future::BoxFuture;
use serde_json::Value;

use super::{Limits, OutputStore, ToolContext, ToolError, ToolOutput, ToolRegistry};

#[derive(Default, Clone)]
pub(crate) struct MemoryStore(Arc<Mutex<HashMap<String, String>>>);

impl MemoryStore {
    pub(crate) fn insert(&self, call_id: &str, full: &str) {
        self.0
            .lock()
            .unwrap()
            .insert(call_id.to_owned(), full.to_owned());
    }
}

#[async_trait::async_trait]
impl OutputStore for MemoryStore {
    async fn full_output(&self, call_id: &str) -> Option<String> {
        self.0.lock().unwrap().get(call_id).cloned()
    }
}

/// A context rooted at `<tmp>/project` (so `<tmp>` itself is "outside").
pub(crate) fn context(store: MemoryStore) -> (tempfile::TempDir, ToolContext) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap().join("project");
    std::fs::create_dir(&root).unwrap();
    let ctx = ToolContext {
        root,
        roots: Vec::new(),
        // Tests only talk to 127.0.0.1; never route them through an env proxy.
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
        net: Arc::new(NetGuard::system(NetPolicy::default())),
        web_search_url: None,
        outputs: Arc::new(store),
        limits: Limits::default(),
        session: None,
    };
    (dir, ctx)
}

/// Write `files` (path, content) under `root`, creating parent dirs.
pub(crate) fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

/// Run `name` through the registry (so truncation applies) with call id "call_1".
pub(crate) async fn run(
    ctx: &ToolContext,
    name: &str,
    args: Value,
) -> Result<ToolOutput, ToolError> {
    ToolRegistry::read_only()
        .call(ctx, "call_1", name, args)
        .await
}

/// Run `name` and return the text the model sees, panicking on error.
pub(crate) async fn text(ctx: &ToolContext, name: &str, args: Value) -> String {
    match run(ctx, name, args).await {
        Ok(out) => out.content,
        Err(e) => panic!("{name} failed: {e}"),
    }
}

/// Run `name` and return the error message, panicking on success.
pub(crate) async fn error(ctx: &ToolContext, name: &str, args: Value) -> String {
    match run(ctx, name, args).await {
        Ok(out) => panic!("{name} unexpectedly succeeded: {}", out.content),
        Err(e) => e.to_string(),
    }
}

/// Serve `app` on 127.0.0.1:0 and return its base URL; the server stops with the runtime.
pub(crate) async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Let `web_fetch` reach what `allow` lists (`chat.web_fetch_allow` syntax), with
/// `own` as the daemons' listeners and `dns` answering for the names in it.
pub(crate) fn guard(
    ctx: &mut ToolContext,
    allow: &[&str],
    own: &[SocketAddr],
    dns: &[(&str, &str)],
) {
    let policy = NetPolicy {
        allow: allow.iter().map(|r| r.parse().unwrap()).collect(),
        own_listeners: own.to_vec(),
    };
    let table = dns
        .iter()
        .map(|(name, ip)| ((*name).to_owned(), ip.parse().unwrap()))
        .collect();
    ctx.net = Arc::new(NetGuard::new(policy, Arc::new(FakeDns(table))));
}

/// DNS from a table; unknown names go to the system resolver (so `localhost` is real).
pub(crate) struct FakeDns(HashMap<String, IpAddr>);

impl Lookup for FakeDns {
    fn lookup(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        match self.0.get(host) {
            Some(ip) => {
                let addr = SocketAddr::new(*ip, port);
                Box::pin(async move { Ok(vec![addr]) })
            }
            None => boo_shared::netguard::SystemLookup.lookup(host, port),
        }
    }
}
