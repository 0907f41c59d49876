//! The HTTP contract each daemon serves at `/api/openapi.json` (OpenAPI 3.1).
//!
//! The document is generated from the code: every route is registered through
//! `utoipa_axum`'s `routes!`, which takes its path, method, parameters, body and
//! responses from the handler's `#[utoipa::path]`, and the bodies' schemas from the
//! wire types' `ToSchema` derives (the same types the TypeScript is generated from).
//! [`finish`] adds what holds for every operation: any status not listed answers
//! the one error shape ([`ErrorBody`]). [`undocumented`] compares the assembled
//! router with the document, and the serving loop refuses to start when a path or a
//! method is missing from it, so a route cannot go undocumented.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::header::CONTENT_TYPE;
use utoipa::openapi::path::{HttpMethod, Operation, PathItem};
use utoipa::openapi::{ContentBuilder, InfoBuilder, OpenApi, Ref, RefOr, ResponseBuilder, Server};
use utoipa::{PartialSchema, ToSchema};

use crate::config::DaemonKind;
use crate::error::ErrorBody;

/// Where every daemon serves its document.
pub const PATH: &str = "/api/openapi.json";

/// The name of the shared error response in `components.responses`.
const ERROR_RESPONSE: &str = "Error";

/// Title, version, the error response on every operation.
pub fn finish(kind: DaemonKind, mut doc: OpenApi) -> OpenApi {
    doc.info = InfoBuilder::new()
        .title(format!("{} HTTP API", kind.name()))
        .version(crate::VERSION)
        .description(Some(
            "Every error is JSON `{\"error\", \"code\"}` with a 4xx for a client's \
             mistake. Behind Caddy + Authelia the caller is the forwarded user; with \
             auth.mode = \"none\" only loopback hosts are answered.",
        ))
        .build();
    doc.servers = Some(vec![Server::new("/")]);
    let components = doc.components.get_or_insert_with(Default::default);
    components
        .schemas
        .insert(ErrorBody::name().into_owned(), ErrorBody::schema());
    components.responses.insert(
        ERROR_RESPONSE.into(),
        RefOr::T(
            ResponseBuilder::new()
                .description("The request failed: `error` says why, `code` is stable")
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(ErrorBody::name())))
                        .build(),
                )
                .build(),
        ),
    );
    for item in doc.paths.paths.values_mut() {
        for op in operations_mut(item) {
            op.responses
                .responses
                .entry("default".into())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name(ERROR_RESPONSE)));
        }
    }
    doc
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.options.as_mut(),
        item.head.as_mut(),
        item.patch.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// `(path, method)` of every operation in the document, methods lower case.
pub fn operations(doc: &OpenApi) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in &doc.paths.paths {
        for (method, op) in [
            (HttpMethod::Get, &item.get),
            (HttpMethod::Put, &item.put),
            (HttpMethod::Post, &item.post),
            (HttpMethod::Delete, &item.delete),
            (HttpMethod::Patch, &item.patch),
        ] {
            if op.is_some() {
                out.insert((path.clone(), method_name(&method).into()));
            }
        }
    }
    out
}

fn method_name(m: &HttpMethod) -> &'static str {
    match m {
        HttpMethod::Get => "get",
        HttpMethod::Put => "put",
        HttpMethod::Post => "post",
        HttpMethod::Delete => "delete",
        HttpMethod::Options => "options",
        HttpMethod::Head => "head",
        HttpMethod::Patch => "patch",
        HttpMethod::Trace => "trace",
    }
}

/// `(path, method)` of every route the router holds, read from its `Debug` form
/// (axum has no other way to list routes; the version is pinned, and an unreadable
/// form is an error rather than an empty list).
pub fn routes(router: &Router) -> Result<BTreeSet<(String, String)>, String> {
    static PATHS: LazyLock<Option<regex::Regex>> =
        LazyLock::new(|| regex::Regex::new(r#"RouteId\((\d+)\): "([^"]*)""#).ok());
    static ROUTES: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
        regex::Regex::new(
            r"RouteId\((\d+)\): MethodRouter\(MethodRouter \{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}\)",
        )
        .ok()
    });
    static FIELD: LazyLock<Option<regex::Regex>> =
        LazyLock::new(|| regex::Regex::new(r"(get|put|post|delete|patch): (None|\w+)").ok());
    let (Some(paths_re), Some(routes_re), Some(field_re)) =
        (PATHS.as_ref(), ROUTES.as_ref(), FIELD.as_ref())
    else {
        return Err("the route patterns do not compile".into());
    };
    let text = format!("{router:?}");
    // The path router only: the fallback router numbers its own (catch-all) routes.
    let text = text.split("fallback_router:").next().unwrap_or_default();
    let paths: BTreeMap<&str, &str> = paths_re
        .captures_iter(text)
        .filter_map(|c| Some((c.get(1)?.as_str(), c.get(2)?.as_str())))
        .collect();
    let mut out = BTreeSet::new();
    for c in routes_re.captures_iter(text) {
        let (Some(id), Some(fields)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let Some(path) = paths.get(id.as_str()) else {
            return Err(format!(
                "route {} has no path in the router's form",
                id.as_str()
            ));
        };
        for f in field_re.captures_iter(fields.as_str()) {
            if let (Some(m), Some(v)) = (f.get(1), f.get(2))
                && v.as_str() != "None"
            {
                out.insert(((*path).to_owned(), m.as_str().to_owned()));
            }
        }
    }
    if out.is_empty() || paths.is_empty() {
        return Err("cannot read the routes from the router's Debug form (axum changed?)".into());
    }
    Ok(out)
}

/// The router's operations the document does not describe, as `METHOD path`.
pub fn undocumented(router: &Router, doc: &OpenApi) -> Result<Vec<String>, String> {
    let documented = operations(doc);
    Ok(routes(router)?
        .into_iter()
        .filter(|op| !documented.contains(op))
        .map(|(path, method)| format!("{} {path}", method.to_uppercase()))
        .collect())
}

/// The document, serialized once.
#[derive(Clone)]
pub struct Served(Bytes);

impl Served {
    pub fn new(doc: &OpenApi) -> Result<Self, serde_json::Error> {
        Ok(Self(Bytes::from(serde_json::to_vec(doc)?)))
    }
}

/// The document as a JSON object (OpenAPI 3.1).
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses((status = 200, description = "This daemon's OpenAPI 3.1 document", body = Object))
)]
pub async fn serve(State(doc): State<Served>) -> Response {
    ([(CONTENT_TYPE, "application/json")], doc.0).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use pretty_assertions::assert_eq;
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;

    /// A test-only operation.
    #[utoipa::path(get, path = "/api/a", responses((status = 200, body = String)))]
    async fn a() -> &'static str {
        "a"
    }

    /// Another.
    #[utoipa::path(post, path = "/api/a", responses((status = 201)))]
    async fn a_post() -> &'static str {
        "a"
    }

    fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
        items
            .iter()
            .map(|(p, m)| ((*p).to_owned(), (*m).to_owned()))
            .collect()
    }

    #[test]
    fn the_routes_are_read_from_the_router_with_their_methods() {
        let router: Router = Router::new()
            .route("/api/x/{id}", get(a).patch(a).delete(a))
            .route("/healthz", get(a))
            .route("/api/y", axum::routing::post(a));
        assert_eq!(
            routes(&router).unwrap(),
            set(&[
                ("/api/x/{id}", "get"),
                ("/api/x/{id}", "patch"),
                ("/api/x/{id}", "delete"),
                ("/healthz", "get"),
                ("/api/y", "post"),
            ])
        );
    }

    #[test]
    fn routes_outside_the_document_are_named() {
        let (router, doc) = OpenApiRouter::new()
            .routes(routes!(a, a_post))
            .split_for_parts();
        assert_eq!(undocumented(&router, &doc).unwrap(), Vec::<String>::new());
        // A path added past `routes!`, and a method added to a documented path.
        let router = router
            .route("/api/b", get(a))
            .route("/api/a", axum::routing::delete(a));
        assert_eq!(
            undocumented(&router, &doc).unwrap(),
            vec!["DELETE /api/a".to_owned(), "GET /api/b".to_owned()]
        );
    }

    #[test]
    fn an_empty_router_is_an_error_not_a_pass() {
        assert!(routes(&Router::new()).is_err());
    }

    #[test]
    fn every_operation_answers_the_error_shape_by_default() {
        let (_, doc) = OpenApiRouter::<()>::new()
            .routes(routes!(a, a_post))
            .split_for_parts();
        let doc = finish(DaemonKind::Chat, doc);
        let json = serde_json::to_value(&doc).unwrap();
        assert_eq!(json["openapi"], "3.1.0");
        assert_eq!(json["info"]["title"], "boochat HTTP API");
        for method in ["get", "post"] {
            assert_eq!(
                json["paths"]["/api/a"][method]["responses"]["default"],
                serde_json::json!({"$ref": "#/components/responses/Error"})
            );
        }
        assert_eq!(
            json["components"]["schemas"]["ErrorBody"],
            serde_json::json!({
                "type": "object",
                "description": "Body of every error response.",
                "required": ["error", "code"],
                "properties": {
                    "error": {"type": "string"},
                    "code": {"type": "string"},
                    "details": {
                        "type": ["object", "null"],
                        "description": "What the client needs to decide its next step, for the few errors that\ncarry more than a message (e.g. `worktree_at_risk`: the per-worktree report)."
                    }
                }
            })
        );
    }
}
