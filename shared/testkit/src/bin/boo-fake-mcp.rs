//! `boo-fake-mcp`: the scripted MCP server ([`boo_testkit::fake_mcp`]) on stdio,
//! for boochat's MCP client tests. Stdout carries protocol only; diagnostics go
//! to stderr.

use std::process::ExitCode;

use boo_testkit::fake_mcp::FakeMcp;
use rmcp::ServiceExt;

/// An MCP server on stdin/stdout with the tools add, echo, picture, fail, hang,
/// exit and write_note.
#[derive(Debug, clap::Parser)]
#[command(name = "boo-fake-mcp")]
struct Cli {
    /// Write TEXT to stderr at start.
    #[arg(long, value_name = "TEXT")]
    stderr: Option<String>,
    /// Write the --stderr text, then exit(2) before speaking MCP.
    #[arg(long)]
    fail_start: bool,
    /// Never answer: read nothing, sleep until killed (a hung server).
    #[arg(long)]
    silent: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = <Cli as clap::Parser>::parse();
    if let Some(text) = &cli.stderr {
        eprintln!("{text}");
    }
    if cli.fail_start {
        return ExitCode::from(2);
    }
    if cli.silent {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    }
    let server = match FakeMcp.serve(rmcp::transport::stdio()).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("boo-fake-mcp: initialize failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    match server.waiting().await {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("boo-fake-mcp: {e}");
            ExitCode::FAILURE
        }
    }
}
