//! The token engine: format, hashing, management operations and verification. No HTTP here;
//! the dashboard, the JSON API and the command line all call these functions.
//!
//! - `service`: `TokenService` and its reads; `issue` and `change`: its writes;
//! - `query`: list queries and their SQL, `ordering`: their sort keys, `bookmark`: keyset
//!   positions in a list; `store`: row-level statements; `view`: what callers see;
//! - `verify`, `digest_sync`, `last_used`: the verification hot path (its cache is
//!   `crate::verification_cache`);
//! - `format`, `hashing`, `input`: secrets and raw input.

mod bookmark;
mod change;
mod digest_sync;
pub mod format;
pub mod hashing;
mod input;
mod issue;
mod last_used;
mod ordering;
mod query;
pub mod recent_clients;
mod service;
mod store;
mod target;
mod verify;
mod view;

pub use crate::verification_cache::{TokenFacts, VerificationCache};
pub use bookmark::{Bookmark, BookmarkError, Resume};
pub use digest_sync::DigestSync;
pub use format::{MalformedToken, TokenSecret};
pub use hashing::TokenHasher;
pub use input::{
    ApiNewToken, DurationInput, NewToken, NewTokenInput, TokenChanges, TokenChangesInput,
};
pub use last_used::LastUsedRecorder;
pub use query::{
    COUNT_CAP, ListQuery, MAX_PAGE, MAX_PER_PAGE, SortKey, SortOrder, StatusFilter, search_term,
};
pub use service::{IssuedToken, RevokedToken, TokenPage, TokenService};
pub use verify::{VerifiedToken, Verifier, VerifyError};
pub use view::{EXPIRING_SOON_DAYS, PersonRef, TokenStatus, TokenView};
