//! Request bodies of the API: the size limit, the content type and the JSON errors, the same
//! for the `web::Json` extractor and for the endpoints that read their body themselves.

use super::error::ApiError;
use actix_web::dev::Payload;
use actix_web::error::JsonPayloadError;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

/// The bodies of API requests are small; this bounds what one may send.
pub const BODY_LIMIT: usize = 64 * 1024;

/// What `web::JsonConfig` accepts: `…/json` and `…/…+json`, parameters aside.
pub fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let value = value.as_bytes();
    let essence = value
        .iter()
        .position(|&b| b == b';')
        .map_or(value, |end| &value[..end])
        .trim_ascii();
    let Some(slash) = essence.iter().position(|&b| b == b'/') else {
        return false;
    };
    let subtype = &essence[slash + 1..];
    subtype.eq_ignore_ascii_case(b"json")
        || (subtype.len() > 5 && subtype[subtype.len() - 5..].eq_ignore_ascii_case(b"+json"))
}

/// The body of a JSON request, read up to `BODY_LIMIT`: what the `web::Json` extractor does,
/// without deserialising into owned values, so a handler can borrow from the bytes.
pub async fn read_json(req: &HttpRequest, payload: web::Payload) -> Result<web::Bytes, ApiError> {
    if !is_json(req) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > BODY_LIMIT as u64) {
        return Err(ApiError::PayloadTooLarge { limit: BODY_LIMIT });
    }
    match payload.to_bytes_limited(BODY_LIMIT).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(error)) => Err(ApiError::MalformedJson(error.to_string())),
        Err(_) => Err(ApiError::PayloadTooLarge { limit: BODY_LIMIT }),
    }
}

pub(super) fn json_payload_error(error: JsonPayloadError) -> ApiError {
    match error {
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => ApiError::PayloadTooLarge { limit },
        JsonPayloadError::Deserialize(e) => json_body_error(e),
        other => ApiError::MalformedJson(other.to_string()),
    }
}

/// A JSON body that must be an object. serde reads a struct from an array too, field by
/// field in order, so `[]` would be an empty PATCH and `["x"]` a token named x; this refuses
/// anything but an object with the same errors as `web::Json`, then reads the object.
pub struct JsonObject<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonObject<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = json.await?.into_inner();
            object_from_value(value).map(JsonObject).map_err(Into::into)
        })
    }
}

/// Reads `T` from a JSON value that must be an object (see `JsonObject`).
pub(crate) fn object_from_value<T: DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError::InvalidBody {
            field: "body".into(),
            message: "The body must be a JSON object.".into(),
        });
    }
    serde_json::from_value(value).map_err(json_body_error)
}

/// Tells apart JSON that does not parse (400) from JSON of the wrong shape (422), and
/// names the field where serde says which.
pub fn json_body_error(error: serde_json::Error) -> ApiError {
    if error.is_syntax() || error.is_eof() {
        return ApiError::MalformedJson(error.to_string());
    }
    let message = error.to_string();
    let quoted = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    if let Some(field) = quoted("unknown field `") {
        return ApiError::InvalidBody {
            field,
            message: "Unknown field.".into(),
        };
    }
    if let Some(field) = quoted("missing field `") {
        return ApiError::InvalidBody {
            field,
            message: "This field is required.".into(),
        };
    }
    ApiError::InvalidBody {
        field: "body".into(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn with_type(content_type: &str) -> bool {
        is_json(
            &TestRequest::default()
                .insert_header((header::CONTENT_TYPE, content_type))
                .to_http_request(),
        )
    }

    #[test]
    fn json_content_types_are_those_the_json_extractor_takes() {
        for accepted in [
            "application/json",
            "application/json; charset=utf-8",
            " Application/JSON ;charset=UTF-8",
            "application/vnd.api+json",
            "text/json",
        ] {
            assert!(with_type(accepted), "{accepted}");
        }
        for refused in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "json",
            "application/jsonp",
            "application/+json",
            "",
        ] {
            assert!(!with_type(refused), "{refused}");
        }
        assert!(!is_json(&TestRequest::default().to_http_request()));
    }
}
