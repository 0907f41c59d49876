//! Compiles `proto/boo/**.proto` with protox (pure Rust, no system `protoc`) and
//! writes the encoded file descriptor set the daemons serve over gRPC reflection.

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "proto/boo/chat/v1/chat.proto",
    "proto/boo/coder/v1/coder.proto",
    "proto/boo/term/v1/term.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let fds = protox::compile(PROTOS, ["proto"])?;
    let bytes = prost::Message::encode_to_vec(&fds);
    std::fs::write(out_dir.join("boo_descriptor.bin"), bytes)?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .generate_default_stubs(true)
        .skip_protoc_run()
        .compile_fds(fds)?;
    Ok(())
}
