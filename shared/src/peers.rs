//! gRPC clients of the peer daemons (the callers' side of [`crate::grpc`]).
//!
//! A peer client is a lazily connecting tonic [`Channel`] to the peer's
//! configured `grpc_addr`: building one never fails on a daemon that is down;
//! the first call that cannot connect fails with `UNAVAILABLE` (see
//! [`is_unreachable`]), and later calls try again. When `grpc.token` is set,
//! every call carries `authorization: Bearer <token>` (the same token each
//! daemon's server expects).
//!
//! Today: booterm ([`term`]), used by boocoder for agents' terminals and by
//! boochat to close a session's terminals; boochat ([`chat`]), used by boocoder to
//! show an agent joining a chat the turns before it; boocoder ([`coder`]), used by
//! boochat for the session delete guard and to close what archived chats and
//! sessions own.

use std::net::SocketAddr;
use std::time::Duration;

use boo_proto::chat::v1::chat_service_client::ChatServiceClient;
use boo_proto::coder::v1::coder_service_client::CoderServiceClient;
use boo_proto::term::v1::term_service_client::TermServiceClient;
use tonic::metadata::AsciiMetadataValue;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Request, Status};

use crate::config::{Secret, Settings};

/// How long connecting to a peer may take before a call fails `UNAVAILABLE`.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// booterm's `TermService`, with the bearer token when one is configured.
pub type TermClient = TermServiceClient<InterceptedService<Channel, BearerToken>>;

/// boochat's `ChatService`, with the bearer token when one is configured.
pub type ChatClient = ChatServiceClient<InterceptedService<Channel, BearerToken>>;

/// boocoder's `CoderService`, with the bearer token when one is configured.
pub type CoderClient = CoderServiceClient<InterceptedService<Channel, BearerToken>>;

#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    #[error("cannot make a gRPC endpoint for {addr}: {source}")]
    Endpoint {
        addr: SocketAddr,
        #[source]
        source: tonic::transport::Error,
    },
    #[error("grpc.token cannot be sent as a header (it must be visible ASCII)")]
    Token,
}

/// Adds `authorization: Bearer <token>` to every request (nothing without a token).
#[derive(Clone, Default)]
pub struct BearerToken(Option<AsciiMetadataValue>);

impl BearerToken {
    pub fn new(token: Option<&Secret>) -> Result<Self, PeerError> {
        token
            .map(|t| {
                format!("Bearer {}", t.expose())
                    .parse::<AsciiMetadataValue>()
                    .map_err(|_| PeerError::Token)
            })
            .transpose()
            .map(Self)
    }
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "BearerToken([redacted])"
        } else {
            "BearerToken(none)"
        })
    }
}

impl Interceptor for BearerToken {
    fn call(&mut self, mut req: Request<()>) -> Result<Request<()>, Status> {
        if let Some(value) = &self.0 {
            req.metadata_mut().insert("authorization", value.clone());
        }
        Ok(req)
    }
}

/// A lazily connecting channel to `addr` (plain HTTP/2: peers talk over loopback).
pub fn channel(addr: SocketAddr) -> Result<Channel, PeerError> {
    let endpoint = Endpoint::from_shared(format!("http://{addr}"))
        .map_err(|source| PeerError::Endpoint { addr, source })?
        .connect_timeout(CONNECT_TIMEOUT);
    Ok(endpoint.connect_lazy())
}

/// The lazily connecting channel to `addr` and the token interceptor every peer
/// client is made of.
fn parts(settings: &Settings, addr: SocketAddr) -> Result<(Channel, BearerToken), PeerError> {
    Ok((
        channel(addr)?,
        BearerToken::new(settings.grpc.token.as_ref())?,
    ))
}

/// booterm at `settings.term.grpc_addr`, with `settings.grpc.token`.
pub fn term(settings: &Settings) -> Result<TermClient, PeerError> {
    let (channel, token) = parts(settings, settings.term.grpc_addr)?;
    Ok(TermServiceClient::with_interceptor(channel, token))
}

/// boochat at `settings.chat.grpc_addr`, with `settings.grpc.token`.
pub fn chat(settings: &Settings) -> Result<ChatClient, PeerError> {
    let (channel, token) = parts(settings, settings.chat.grpc_addr)?;
    Ok(ChatServiceClient::with_interceptor(channel, token))
}

/// boocoder at `settings.coder.grpc_addr`, with `settings.grpc.token`.
pub fn coder(settings: &Settings) -> Result<CoderClient, PeerError> {
    let (channel, token) = parts(settings, settings.coder.grpc_addr)?;
    Ok(CoderServiceClient::with_interceptor(channel, token))
}

/// True when a call failed because the peer could not be reached (down, refused,
/// connect timeout, stopping): the caller may fall back instead of failing.
pub fn is_unreachable(status: &Status) -> bool {
    status.code() == Code::Unavailable
}

#[cfg(test)]
mod tests {
    use super::*;
    use boo_proto::chat::v1::GetTranscriptRequest;
    use boo_proto::term::v1::ListSessionsRequest;
    use pretty_assertions::assert_eq;

    #[tokio::test]
    async fn a_closed_port_is_unreachable_and_the_token_is_sent() {
        // A port nobody listens on: bind, note it, close.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let mut settings = Settings::default();
        settings.term.grpc_addr = addr;
        let mut client = term(&settings).unwrap();
        let err = client
            .list_sessions(ListSessionsRequest::default())
            .await
            .unwrap_err();
        assert!(is_unreachable(&err), "{err:?}");
        settings.chat.grpc_addr = addr;
        let err = chat(&settings)
            .unwrap()
            .get_transcript(GetTranscriptRequest::default())
            .await
            .unwrap_err();
        assert!(is_unreachable(&err), "{err:?}");
        settings.coder.grpc_addr = addr;
        let err = coder(&settings)
            .unwrap()
            .worktree_risk(boo_proto::coder::v1::WorktreeRiskRequest::default())
            .await
            .unwrap_err();
        assert!(is_unreachable(&err), "{err:?}");

        let mut with = BearerToken::new(Some(&Secret::new("t0ken"))).unwrap();
        let req = with.call(Request::new(())).unwrap();
        assert_eq!(
            req.metadata()
                .get("authorization")
                .map(|v| v.to_str().unwrap()),
            Some("Bearer t0ken")
        );
        let mut without = BearerToken::new(None).unwrap();
        assert!(
            without
                .call(Request::new(()))
                .unwrap()
                .metadata()
                .get("authorization")
                .is_none()
        );
        assert!(matches!(
            BearerToken::new(Some(&Secret::new("bad\ntoken"))),
            Err(PeerError::Token)
        ));
        assert_eq!(
            format!("{with:?}"),
            "BearerToken([redacted])",
            "never logged"
        );
    }
}
