//! Writes `shared/ts/*.ts` (one file per wire module and `index.ts`); with
//! `--check`, exits 1 when a committed file is stale.

use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = boo_wire::ts::committed_dir();
    let check = std::env::args().any(|a| a == "--check");
    let mut stale = false;
    for (name, fresh) in boo_wire::ts::render() {
        let path = dir.join(&name);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == fresh {
            continue;
        }
        if check {
            eprintln!("{} is stale", path.display());
            stale = true;
            continue;
        }
        if let Err(e) = std::fs::write(&path, fresh) {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        eprintln!("wrote {}", path.display());
    }
    if stale {
        eprintln!("run `cargo run -p boo-wire --bin boo-gen-ts`");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
