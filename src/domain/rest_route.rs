//! The REST convention forward auth reads a request by: beneath a project's route prefix,
//! `{prefix}/{content-type}` is a collection and `{prefix}/{content-type}/{id}` one entry,
//! and the method names the action (Strapi's convention):
//!
//! | method          | collection | entry     |
//! |-----------------|------------|-----------|
//! | GET, HEAD       | `find`     | `findOne` |
//! | POST            | `create`   | —         |
//! | PUT, PATCH      | —          | `update`  |
//! | DELETE          | —          | `delete`  |
//!
//! A content type is named by its id (`article`) or its plural (`articles`, `categories`).
//! Anything else maps to nothing, and forward auth refuses what maps to nothing: a path an
//! upstream might read differently from how it is written here (dot segments, encoded
//! slashes, backslashes, path parameters, empty segments) is refused rather than guessed at.

use super::{Action, ContentTypeUid, Permission};
use std::fmt;

/// Where a project's content types live in the upstream's paths: `/api`, or `/` for the
/// root. Written with or without the `/{content-type}` that follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePrefix(String);

const PLACEHOLDER: &str = "/{content-type}";
const MAX_PREFIX_LEN: usize = 100;

impl RoutePrefix {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        let without_placeholder = match trimmed.strip_suffix(PLACEHOLDER) {
            Some("") => "/",
            Some(prefix) => prefix,
            None => trimmed,
        };
        let prefix = without_placeholder
            .strip_suffix('/')
            .unwrap_or(without_placeholder);
        let invalid = || {
            format!(
                "'{trimmed}' is not a route prefix: write a path such as /api (letters, digits, '-', '_', '.' and '~' between slashes)."
            )
        };
        if !without_placeholder.starts_with('/') || prefix.len() > MAX_PREFIX_LEN {
            return Err(invalid());
        }
        let segments_are_plain = prefix.split('/').skip(1).all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
        });
        if segments_are_plain {
            Ok(Self(prefix.to_owned()))
        } else {
            Err(invalid())
        }
    }

    /// The prefix without a trailing slash; empty for the root.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How the prefix is shown: `/api/{content-type}`.
    pub fn pattern(&self) -> String {
        format!("{}{PLACEHOLDER}", self.0)
    }
}

impl fmt::Display for RoutePrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "/" } else { &self.0 })
    }
}

/// Why a request maps to no permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmapped {
    /// A path that could be read two ways: dot segments, encoded slashes or dots,
    /// backslashes, `;` parameters, empty segments, control characters, no leading slash.
    Ambiguous,
    /// Not beneath the project's prefix.
    OutsidePrefix,
    /// No content type of the project has that name.
    UnknownContentType,
    /// A method and shape the convention gives no action (POST to an entry, a deeper path).
    NoAction,
}

impl Unmapped {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Ambiguous => "the path could be read more than one way",
            Self::OutsidePrefix => "the path is not beneath the project's route prefix",
            Self::UnknownContentType => "no content type of the project has that name",
            Self::NoAction => "the method and path name no action",
        }
    }
}

/// A project's prefix and content types: what a method and path mean there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestRoutes {
    prefix: RoutePrefix,
    content_types: Vec<ContentTypeUid>,
}

impl RestRoutes {
    pub fn new(prefix: RoutePrefix, content_types: Vec<ContentTypeUid>) -> Self {
        Self {
            prefix,
            content_types,
        }
    }

    pub fn prefix(&self) -> &RoutePrefix {
        &self.prefix
    }

    /// The permission a request for `method` on `uri` (a path with an optional query, as
    /// the client sent it) needs.
    pub fn permission_for(&self, method: &str, uri: &str) -> Result<Permission, Unmapped> {
        let path = uri.split_once('?').map_or(uri, |(path, _query)| path);
        if is_ambiguous(path) {
            return Err(Unmapped::Ambiguous);
        }
        let rest = path
            .strip_prefix(self.prefix.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            .ok_or(Unmapped::OutsidePrefix)?;
        // `/api/articles/` is the collection, as most upstreams read it; one slash only.
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let mut segments = rest.split('/');
        let type_segment = segments.next().unwrap_or_default();
        let entry = segments.next();
        if segments.next().is_some() || entry == Some("") {
            return Err(Unmapped::NoAction);
        }
        let content_type = self
            .content_type_named(type_segment)
            .ok_or(Unmapped::UnknownContentType)?;
        let action = match (method, entry.is_some()) {
            ("GET" | "HEAD", false) => Action::Find,
            ("GET" | "HEAD", true) => Action::FindOne,
            ("POST", false) => Action::Create,
            ("PUT" | "PATCH", true) => Action::Update,
            ("DELETE", true) => Action::Delete,
            _ => return Err(Unmapped::NoAction),
        };
        Permission::new(content_type.clone(), action).map_err(|_| Unmapped::NoAction)
    }

    /// An exact id first, so a type whose id is another's plural keeps its own paths.
    fn content_type_named(&self, segment: &str) -> Option<&ContentTypeUid> {
        self.content_types
            .iter()
            .find(|uid| uid.as_str() == segment)
            .or_else(|| {
                self.content_types
                    .iter()
                    .find(|uid| plural(uid.as_str()) == segment)
            })
    }

    /// Each content type's paths, as the dashboard lists them.
    pub fn paths(&self) -> impl Iterator<Item = (&ContentTypeUid, String)> {
        self.content_types.iter().map(|uid| {
            (
                uid,
                format!("{}/{}", self.prefix.as_str(), plural(uid.as_str())),
            )
        })
    }
}

/// The English plural Strapi's generator writes for a content type's REST path.
pub fn plural(uid: &str) -> String {
    let consonant_y = uid.strip_suffix('y').filter(|stem| {
        stem.chars()
            .last()
            .is_some_and(|c| !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u'))
    });
    if let Some(stem) = consonant_y {
        format!("{stem}ies")
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|end| uid.ends_with(end))
    {
        format!("{uid}es")
    } else {
        format!("{uid}s")
    }
}

fn is_ambiguous(path: &str) -> bool {
    if !path.starts_with('/') {
        return true;
    }
    let odd_byte = path
        .bytes()
        .any(|b| b.is_ascii_control() || matches!(b, b'\\' | b';' | b'#' | b' ') || b >= 0x80);
    if odd_byte || path.as_bytes().windows(3).any(decodes_into_another_path) {
        return true;
    }
    let mut segments = path.split('/').skip(1).peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        if segment == "." || segment == ".." || (segment.is_empty() && !last) {
            return true;
        }
    }
    false
}

/// An encoded slash, backslash, dot, percent sign or NUL: decoded, the path is another.
fn decodes_into_another_path(escape: &[u8]) -> bool {
    let [b'%', high, low] = escape else {
        return false;
    };
    matches!(
        (high.to_ascii_lowercase(), low.to_ascii_lowercase()),
        (b'2', b'f' | b'e' | b'5') | (b'5', b'c') | (b'0', b'0')
    )
}

#[cfg(test)]
#[path = "rest_route_tests.rs"]
mod tests;
