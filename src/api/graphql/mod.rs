//! The GraphQL face of the API: `POST /graphql`, authenticated like `/api/v1` (a project API
//! token or a login access token as `Authorization: Bearer`), over the same services, so every
//! rule, audit event, cache invalidation and last-used record is the REST face's.
//!
//! - `types`: the schema's objects, inputs and payloads; `query` and `mutation`: the
//!   resolvers; `errors`: refusals as payload errors or top-level errors with a code.
//!
//! One operation per request (no batching), POST only (no state change from a link), a depth
//! and a complexity limit, the REST body limit. Errors keep HTTP 200 (GraphQL over HTTP);
//! a body that is not a GraphQL request at all gets the API's 400, 413 or 415.

mod errors;
mod mutation;
mod query;
mod types;

use super::body;
use super::caller::{Caller, bearer};
use super::error::{ApiError, private};
use crate::services::Services;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use async_graphql::{EmptySubscription, Schema};

pub use mutation::Mutation;
pub use query::Query;

pub type LatchkeySchema = Schema<Query, Mutation, EmptySubscription>;

/// Deeper is refused: the schema nests at most five levels outside introspection.
pub const MAX_DEPTH: usize = 12;
/// Fields in one operation, counted with their nesting.
pub const MAX_COMPLEXITY: usize = 500;

/// The served schema. Introspection is on unless `introspection` says otherwise: the schema
/// is public knowledge (`docs/schema.graphql`).
pub fn schema(services: web::Data<Services>, introspection: bool) -> LatchkeySchema {
    let builder = Schema::build(Query, Mutation, EmptySubscription)
        .data(services)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY);
    if introspection {
        builder.finish()
    } else {
        builder.disable_introspection().finish()
    }
}

/// The schema in SDL, as `docs/schema.graphql` holds it.
pub fn sdl() -> String {
    Schema::build(Query, Mutation, EmptySubscription)
        .finish()
        .sdl()
}

/// The credential an operation runs under.
pub(crate) struct Credential {
    caller: Caller,
    /// The bearer credential as sent (the refresh compares its input with it).
    presented: String,
}

impl Credential {
    fn of<'a>(ctx: &async_graphql::Context<'a>) -> async_graphql::Result<&'a Credential> {
        ctx.data_opt::<Credential>()
            .ok_or_else(errors::unauthenticated)
    }

    /// The call succeeded: an API token's last use is noted (in memory, flushed in batches).
    fn used(&self, ctx: &async_graphql::Context<'_>) {
        if let Ok(services) = services(ctx) {
            self.caller.record_use(services);
        }
    }
}

fn services<'a>(ctx: &async_graphql::Context<'a>) -> async_graphql::Result<&'a Services> {
    ctx.data::<web::Data<Services>>().map(|data| data.get_ref())
}

/// `POST /graphql`.
pub async fn graphql(
    req: HttpRequest,
    payload: web::Payload,
    schema: web::Data<LatchkeySchema>,
) -> Result<HttpResponse, ApiError> {
    let bytes = body::read_json(&req, payload).await?;
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::invalid(
            "query",
            "Batched requests are not supported: send one operation per request.",
        ));
    }
    let request: async_graphql::Request =
        serde_json::from_slice(&bytes).map_err(body::json_body_error)?;
    let mut response = match Caller::from_request(&req, &mut Payload::None).await {
        Ok(caller) => {
            let presented = bearer(&req).unwrap_or_default();
            schema
                .execute(request.data(Credential { caller, presented }))
                .await
        }
        Err(refused) => {
            let error = match refused {
                ApiError::App(error) => errors::top_level(error),
                _ => errors::unauthenticated(),
            };
            async_graphql::Response::from_errors(vec![error.into_server_error(Default::default())])
        }
    };
    if let Some(id) = crate::telemetry::current_request_id() {
        for error in &mut response.errors {
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("traceId", id.to_string());
        }
    }
    let mut answer = HttpResponse::Ok();
    private(&mut answer);
    Ok(answer
        .content_type("application/json")
        .body(serde_json::to_vec(&response).map_err(|e| {
            crate::error::AppError::Unexpected(anyhow::anyhow!("rendering a GraphQL answer: {e}"))
        })?))
}

/// Any other method on `/graphql`: GraphQL is POST only here.
pub async fn post_only() -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed)
}
