//! Entry points for the fuzz targets (`fuzz/`), compiled only under `--cfg fuzzing`: each
//! runs the request-body path of one endpoint on arbitrary bytes, as the handler would, short
//! of the database. A panic is a bug; an error is an answer.

use super::body::{json_body_error, object_from_value};
use super::dto::{CreateTokenRequest, UpdateTokenRequest, VerifyRequest};
use crate::domain::{Permission, TokenType};
use crate::tokens::{TokenChanges, TokenChangesInput};

/// `POST /api/v1/tokens`: JSON, an object, the request shape, the domain's validation.
pub fn create_token_body(bytes: &[u8]) {
    let Ok(value) = serde_json::from_slice(bytes).map_err(json_body_error) else {
        return;
    };
    if let Ok(body) = object_from_value::<CreateTokenRequest>(value) {
        let _ = super::tokens::new_token_from(body);
    }
}

/// `PATCH /api/v1/tokens/{id}`, against a token of each type.
pub fn update_token_body(bytes: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return;
    };
    let Ok(body) = object_from_value::<UpdateTokenRequest>(value) else {
        return;
    };
    for current in [
        TokenType::ReadOnly,
        TokenType::FullAccess,
        TokenType::Custom,
    ] {
        let input = TokenChangesInput {
            name: body.name.clone(),
            description: body.description.clone(),
            token_type: body.token_type.clone(),
            permissions: body.permissions.clone(),
        };
        let _ = TokenChanges::parse(input, current);
    }
}

/// `POST /api/v1/verify`, up to the token lookup: the borrowed body, the permission asked,
/// the client address, and the token's format and checksum.
pub fn verify_body(bytes: &[u8]) {
    let Ok(body) = serde_json::from_slice::<VerifyRequest<'_>>(bytes) else {
        return;
    };
    if let Some(permission) = &body.permission {
        let _ = Permission::parse(&permission.0);
    }
    if let Some(client) = &body.client_ip {
        let _ = client.0.trim().parse::<std::net::IpAddr>();
    }
    let _ = crate::tokens::TokenSecret::parse(&body.token);
}
