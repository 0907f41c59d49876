//! The gRPC server every daemon runs: its own service plus `grpc.health.v1`,
//! server reflection v1 **and** v1alpha (grpcurl 1.8 only speaks v1alpha), and an
//! optional bearer token that guards everything but health checks.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::service::Routes;
use tonic_health::ServingStatus;

use crate::config::Secret;

#[derive(Debug, thiserror::Error)]
pub enum GrpcError {
    #[error("cannot build reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// Serve `routes` (the daemon's service) with health, reflection and the token
/// guard on `listener` until `shutdown` resolves, then drain.
pub async fn serve(
    listener: TcpListener,
    routes: Routes,
    service_name: &'static str,
    token: Option<Secret>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), GrpcError> {
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status(service_name, ServingStatus::Serving)
        .await;
    // Advertise exactly what this daemon serves (the descriptor set holds all
    // three daemons' services), with both reflection versions describing each other.
    let reflection = || {
        let builder = tonic_reflection::server::Builder::configure()
            .include_reflection_service(false)
            .register_encoded_file_descriptor_set(boo_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(
                tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
            );
        [
            service_name,
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection",
        ]
        .into_iter()
        .fold(builder, |b, name| b.with_service_name(name))
    };
    let reflection_v1 = reflection().build_v1()?;
    let reflection_v1alpha = reflection().build_v1alpha()?;

    let routes = routes
        .add_service(health)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha);
    tonic::transport::Server::builder()
        .layer(tower_http::trace::TraceLayer::new_for_grpc())
        .layer(TokenLayer { token })
        .add_routes(routes)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async move {
            shutdown.await;
            reporter
                .set_service_status(service_name, ServingStatus::NotServing)
                .await;
        })
        .await?;
    Ok(())
}

/// Paths that never need the token, so probes and load balancers work unchanged.
const OPEN_PREFIXES: &[&str] = &["/grpc.health.v1.Health/"];

/// A NUL (U+0000) in any string field of a request is INVALID_ARGUMENT, as it is a
/// 400 `nul_in_string` over HTTP: Postgres cannot store one and no id, prompt,
/// path or title needs one. Each handler calls this first with its request's
/// string fields (`("title", &req.title)`; repeated fields once per item).
pub fn reject_nul<'a>(
    fields: impl IntoIterator<Item = (&'static str, &'a str)>,
) -> Result<(), tonic::Status> {
    match fields.into_iter().find(|(_, v)| v.contains('\0')) {
        Some((name, _)) => Err(tonic::Status::invalid_argument(format!(
            "{name} contains a NUL character (U+0000), which no string may hold"
        ))),
        None => Ok(()),
    }
}

/// A UUID request field, or INVALID_ARGUMENT naming the field and the value.
pub fn uuid_field(field: &str, raw: &str) -> Result<uuid::Uuid, tonic::Status> {
    uuid::Uuid::parse_str(raw).map_err(|_| {
        tonic::Status::invalid_argument(format!("{field} must be a UUID, got {raw:?}"))
    })
}

/// Constant-time comparison, so the token cannot be guessed byte by byte.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Does this request carry the right token (or need none)?
pub fn authorized(token: Option<&Secret>, path: &str, authorization: Option<&[u8]>) -> bool {
    let Some(token) = token else { return true };
    if OPEN_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return true;
    }
    let expected = format!("Bearer {}", token.expose());
    authorization.is_some_and(|got| same(got, expected.as_bytes()))
}

#[derive(Clone)]
struct TokenLayer {
    token: Option<Secret>,
}

impl<S> tower::Layer<S> for TokenLayer {
    type Service = TokenService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TokenService {
            inner,
            token: self.token.clone(),
        }
    }
}

#[derive(Clone)]
struct TokenService<S> {
    inner: S,
    token: Option<Secret>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> tower::Service<http::Request<B>> for TokenService<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let auth = req
            .headers()
            .get(http::header::AUTHORIZATION)
            .map(|v| v.as_bytes());
        if authorized(self.token.as_ref(), req.uri().path(), auth) {
            Box::pin(self.inner.call(req))
        } else {
            let status = tonic::Status::unauthenticated(
                "missing or wrong bearer token: send `authorization: Bearer <grpc.token>`",
            );
            Box::pin(async move { Ok(status.into_http()) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_decisions() {
        let t = Secret::new("abc");
        assert!(authorized(
            None,
            "/boo.chat.v1.ChatService/GetTranscript",
            None
        ));
        assert!(authorized(
            Some(&t),
            "/boo.chat.v1.ChatService/GetTranscript",
            Some(b"Bearer abc")
        ));
        assert!(!authorized(
            Some(&t),
            "/boo.chat.v1.ChatService/GetTranscript",
            Some(b"Bearer abd")
        ));
        assert!(!authorized(
            Some(&t),
            "/boo.chat.v1.ChatService/GetTranscript",
            Some(b"abc")
        ));
        assert!(!authorized(
            Some(&t),
            "/boo.chat.v1.ChatService/GetTranscript",
            None
        ));
        assert!(!authorized(
            Some(&t),
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
            None
        ));
        assert!(authorized(Some(&t), "/grpc.health.v1.Health/Check", None));
    }

    #[test]
    fn a_nul_in_any_string_field_is_invalid_argument() {
        assert!(reject_nul([("id", "abc"), ("title", "")]).is_ok());
        let err = reject_nul([("id", "abc"), ("title", "a\0b"), ("cwd", "\0")]).unwrap_err();
        assert_eq!(
            (err.code(), err.message()),
            (
                tonic::Code::InvalidArgument,
                "title contains a NUL character (U+0000), which no string may hold"
            )
        );
    }
}
