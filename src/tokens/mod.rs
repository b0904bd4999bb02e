//! The token engine: format, hashing, management operations and verification. No HTTP here;
//! the dashboard and the JSON API both call these functions.

mod authority;
mod cache;
pub mod format;
pub mod hashing;
mod input;
mod last_used;
mod service;
mod verify;
mod view;

pub use cache::{TokenFacts, VerificationCache};
pub use format::{MalformedToken, TokenSecret};
pub use hashing::TokenHasher;
pub use input::{DurationInput, NewToken, NewTokenInput, TokenChanges, TokenChangesInput};
pub use last_used::LastUsedRecorder;
pub use service::{
    IssuedToken, ListQuery, MAX_PAGE, SortKey, SortOrder, StatusFilter, TokenPage, TokenService,
};
pub use verify::{VerifiedToken, VerifyError};
pub use view::{EXPIRING_SOON_DAYS, PersonRef, TokenStatus, TokenView};
