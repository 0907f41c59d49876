//! Writes `shared/ts/index.ts`; with `--check`, exits 1 when the committed copy is stale.

use std::process::ExitCode;

fn main() -> ExitCode {
    let path = boo_wire::ts::committed_path();
    let fresh = boo_wire::ts::render();
    let check = std::env::args().any(|a| a == "--check");
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if check {
        if current == fresh {
            return ExitCode::SUCCESS;
        }
        eprintln!(
            "{} is stale: run `cargo run -p boo-wire --bin boo-gen-ts`",
            path.display()
        );
        return ExitCode::FAILURE;
    }
    if let Err(e) = std::fs::write(&path, fresh) {
        eprintln!("cannot write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    eprintln!("wrote {}", path.display());
    ExitCode::SUCCESS
}
