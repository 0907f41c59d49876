//! Test support shared by the tool tests: an in-memory [`OutputStore`], a context
//! over a temp dir, and a one-line way to run a tool through the registry.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

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
        // Tests only talk to 127.0.0.1; never route them through an env proxy.
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
        web_search_url: None,
        outputs: Arc::new(store),
        limits: Limits::default(),
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
