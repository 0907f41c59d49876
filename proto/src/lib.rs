//! gRPC contracts between the BooCode daemons.
//!
//! Every daemon serves exactly one `boo.<daemon>.v1` service next to
//! `grpc.health.v1.Health` and server reflection (built from [`FILE_DESCRIPTOR_SET`]).
//! Methods a daemon does not implement yet answer `UNIMPLEMENTED` (tonic default stubs).

#![allow(clippy::all, clippy::pedantic, missing_docs)]

/// Encoded `FileDescriptorSet` of every BooCode proto, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/boo_descriptor.bin"));

pub mod chat {
    pub mod v1 {
        tonic::include_proto!("boo.chat.v1");
        /// Fully qualified service name, as used by health checks and reflection.
        pub const SERVICE_NAME: &str = "boo.chat.v1.ChatService";
    }
}

pub mod coder {
    pub mod v1 {
        tonic::include_proto!("boo.coder.v1");
        /// Fully qualified service name, as used by health checks and reflection.
        pub const SERVICE_NAME: &str = "boo.coder.v1.CoderService";
    }
}

pub mod term {
    pub mod v1 {
        tonic::include_proto!("boo.term.v1");
        /// Fully qualified service name, as used by health checks and reflection.
        pub const SERVICE_NAME: &str = "boo.term.v1.TermService";
    }
}
