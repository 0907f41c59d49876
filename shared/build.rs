// `sqlx::migrate!` embeds ../migrations at compile time; rebuild when it changes.
#![allow(clippy::print_stdout)] // a build script talks to cargo on stdout

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
