//! A project's content types over the API: read by any caller of the project, added by its
//! admins (with an administrator's access token; API tokens manage no project settings).

use super::body::JsonObject;
use super::caller::Caller;
use super::dto::ErrorBody;
use super::error::{ApiError, private_json};
use crate::domain::{ContentTypeName, ContentTypeUid, FieldErrors};
use crate::projects::ContentType;
use crate::services::Services;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ContentTypeBody {
    /// Lowercase kebab case: `article`, `blog-post`.
    pub uid: String,
    pub display_name: String,
    /// The `api-token` type, which governs token management itself.
    pub built_in: bool,
}

impl From<ContentType> for ContentTypeBody {
    fn from(content_type: ContentType) -> Self {
        Self {
            uid: content_type.uid.as_str().to_owned(),
            display_name: content_type.display_name,
            built_in: content_type.built_in,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ContentTypeListBody {
    pub data: Vec<ContentTypeBody>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateContentTypeRequest {
    pub uid: String,
    pub display_name: String,
}

/// The project's content types.
#[utoipa::path(
    get, path = "/api/v1/content-types", tag = "content types",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every content type of the caller's project", body = ContentTypeListBody),
        (status = 401, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
pub async fn list_content_types(
    services: web::Data<Services>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let data = services
        .projects
        .content_types(caller.project_id)
        .await?
        .into_iter()
        .map(ContentTypeBody::from)
        .collect();
    let mut response = HttpResponse::Ok();
    caller.succeeded(&services, &mut response);
    Ok(private_json(response, ContentTypeListBody { data }))
}

/// Add a content type: every full-access and read-only grant then covers it.
#[utoipa::path(
    post, path = "/api/v1/content-types", tag = "content types",
    request_body = CreateContentTypeRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added; needs the admin role (an administrator's access token)", body = ContentTypeBody),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "Not an admin of the project, or an API token", body = ErrorBody),
        (status = 409, description = "The uid exists", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
pub async fn create_content_type(
    services: web::Data<Services>,
    caller: Caller,
    JsonObject(body): JsonObject<CreateContentTypeRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::new();
    let uid = errors.take("uid", ContentTypeUid::parse(&body.uid));
    let name = errors.take("display_name", ContentTypeName::parse(&body.display_name));
    let (Some(uid), Some(name)) = (uid, name) else {
        return Err(crate::error::AppError::Validation(errors).into());
    };
    let added = services
        .projects
        .add_content_type(&caller.actor, caller.project_id, uid, name)
        .await?;
    let mut response = HttpResponse::Created();
    caller.succeeded(&services, &mut response);
    Ok(private_json(response, ContentTypeBody::from(added)))
}
