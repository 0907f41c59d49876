//! Serving-loop benchmark of the real `boochat` binary (the three daemons share
//! the loop): start-up time to `READY=1`, resident memory idle and after load, and
//! HTTP throughput/latency for `/healthz` (one DB round trip) and `/api/whoami`
//! (auth only). Run with `deploy/bench`, which provides a throwaway Postgres.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench binary

use std::os::unix::net::UnixDatagram;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use boo_testkit::TestDb;
use boo_testkit::workspace::free_port;

const BIN: &str = env!("CARGO_BIN_EXE_boochat");
const CONCURRENCY: usize = 32;
const LOAD_SECS: u64 = 5;

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

struct Started {
    child: tokio::process::Child,
    http: u16,
    ready_after: Duration,
}

async fn start(db_url: &str, dir: &std::path::Path) -> Started {
    let sock_path = dir.join(format!("notify-{}.sock", free_port()));
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let http = free_port();
    let t0 = Instant::now();
    let child = tokio::process::Command::new(BIN)
        .arg("serve")
        .env("NOTIFY_SOCKET", &sock_path)
        .env("BOO_DATABASE__URL", db_url)
        .env("BOO_AUTH__MODE", "none")
        .env("BOO_LOG__LEVEL", "warn")
        .env("BOO_CHAT__HTTP_ADDR", format!("127.0.0.1:{http}"))
        .env("BOO_CHAT__GRPC_ADDR", format!("127.0.0.1:{}", free_port()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let msg = tokio::task::spawn_blocking(move || {
        let mut buf = [0u8; 64];
        let n = sock.recv(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    })
    .await
    .unwrap();
    assert_eq!(msg.trim(), "READY=1");
    Started {
        child,
        http,
        ready_after: t0.elapsed(),
    }
}

struct Load {
    requests: usize,
    per_sec: f64,
    p50: Duration,
    p99: Duration,
}

async fn load(url: String) -> Load {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(LOAD_SECS);
    let url = Arc::new(url);
    let t0 = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                let mut lat = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let resp = client.get(url.as_str()).send().await.unwrap();
                    assert!(resp.status().is_success());
                    resp.bytes().await.unwrap();
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let elapsed = t0.elapsed();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    Load {
        requests: all.len(),
        per_sec: all.len() as f64 / elapsed.as_secs_f64(),
        p50: pct(0.50),
        p99: pct(0.99),
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create().await;

    // Cold: empty database, so start-up includes applying every migration.
    let cold = start(&db.url, dir.path()).await;
    let cold_ready = cold.ready_after;
    drop(cold);
    // Warm: schema already current.
    let mut warm = start(&db.url, dir.path()).await;
    let pid = warm.child.id().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = rss_kib(pid);
    let base = format!("http://127.0.0.1:{}", warm.http);
    let health = load(format!("{base}/healthz")).await;
    let whoami = load(format!("{base}/api/whoami")).await;
    let loaded = rss_kib(pid);
    warm.child.start_kill().unwrap();
    let _ = warm.child.wait().await;

    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
    println!("| measure | boochat |");
    println!("|---|---|");
    println!(
        "| start-up to READY=1, empty database (runs all migrations) | {} |",
        ms(cold_ready)
    );
    println!(
        "| start-up to READY=1, current schema | {} |",
        ms(warm.ready_after)
    );
    println!(
        "| resident memory, idle | {:.1} MiB |",
        idle as f64 / 1024.0
    );
    for (name, l) in [
        ("GET /healthz (SELECT 1)", &health),
        ("GET /api/whoami (no DB)", &whoami),
    ] {
        println!(
            "| {name}, {CONCURRENCY} clients, {LOAD_SECS}s | {:.0} req/s, p50 {}, p99 {} ({} requests) |",
            l.per_sec,
            ms(l.p50),
            ms(l.p99),
            l.requests
        );
    }
    println!(
        "| resident memory after the load | {:.1} MiB |",
        loaded as f64 / 1024.0
    );
}
