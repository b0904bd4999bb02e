//! Value types of the product. No sea-orm and no actix here: everything parses from plain
//! strings and numbers into types that cannot hold an invalid value.

mod access;
mod actor;
mod duration;
mod errors;
mod identity;
mod permission;
mod plan;
mod rest_route;
mod role;
mod theme;
mod token_attributes;

pub use access::{ManageScope, ProjectAccess};
pub use actor::{Actor, ActorKind, KnownAccess, TokenActor, UserActor};
pub use duration::{DurationChoice, TokenDuration};
pub use errors::FieldErrors;
pub use identity::{DisplayName, Email, Password, ProjectName, ProjectSlug};
pub use permission::{
    API_TOKEN_CONTENT_TYPE, Action, ContentTypeName, ContentTypeUid, Grant, Permission,
    PermissionSet,
};
pub use plan::Plan;
pub use rest_route::{RestRoutes, RoutePrefix, Unmapped};
pub use role::Role;
pub use theme::Theme;
pub use token_attributes::{TokenDescription, TokenKind, TokenName, TokenType};

/// Rejects control characters other than ordinary white space in free text, and the
/// invisible and direction-changing characters that make two different names look alike or
/// reorder what is shown around them (zero-width spaces and joiners, bidi embeddings,
/// overrides and isolates, the byte-order mark, the soft hyphen).
pub(crate) fn has_control_chars(value: &str, allow_newlines: bool) -> bool {
    value.chars().any(|c| {
        (c.is_control() && !(allow_newlines && matches!(c, '\n' | '\r' | '\t')))
            || is_invisible_format(c)
    })
}

fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}
