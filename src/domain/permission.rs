//! Content types, actions and permissions (`article.find`), and the grants that expand to
//! concrete permission sets against a project's content types.

use serde::{Serialize, Serializer};
use std::collections::BTreeSet;
use std::fmt;

/// The built-in content type whose actions govern token management itself.
pub const API_TOKEN_CONTENT_TYPE: &str = "api-token";

/// A content type identifier: lowercase kebab case, 1–64 characters (`article`, `blog-post`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContentTypeUid(String);

impl ContentTypeUid {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let valid_shape = !raw.is_empty()
            && raw.len() <= 64
            && raw.starts_with(|c: char| c.is_ascii_lowercase())
            && raw.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            });
        if valid_shape {
            Ok(Self(raw.to_owned()))
        } else {
            Err(format!(
                "'{raw}' is not a valid content type id: use lowercase letters, digits and single hyphens, starting with a letter (at most 64 characters)."
            ))
        }
    }

    pub fn api_token() -> Self {
        Self(API_TOKEN_CONTENT_TYPE.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_api_token(&self) -> bool {
        self.0 == API_TOKEN_CONTENT_TYPE
    }

    /// The actions that exist on this content type.
    pub fn actions(&self) -> &'static [Action] {
        if self.is_api_token() {
            &Action::ALL
        } else {
            &Action::CONTENT
        }
    }
}

impl fmt::Display for ContentTypeUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A content type's display name, 1–100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentTypeName(String);

impl ContentTypeName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("Display name is required.".into());
        }
        if trimmed.chars().count() > 100 || super::has_control_chars(trimmed, false) {
            return Err("Display name must be at most 100 printable characters.".into());
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Find,
    FindOne,
    Create,
    Update,
    Delete,
    /// Only on the built-in `api-token` content type.
    Regenerate,
}

impl Action {
    pub const CONTENT: [Action; 5] = [
        Action::Find,
        Action::FindOne,
        Action::Create,
        Action::Update,
        Action::Delete,
    ];
    pub const ALL: [Action; 6] = [
        Action::Find,
        Action::FindOne,
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Regenerate,
    ];

    /// What the action allows, in words (the permission matrix's legend and tooltips).
    pub fn describe(self) -> &'static str {
        match self {
            Self::Find => "list entries (GET /api/{type})",
            Self::FindOne => "read one entry (GET /api/{type}/{id})",
            Self::Create => "create entries (POST /api/{type})",
            Self::Update => "change entries (PUT /api/{type}/{id})",
            Self::Delete => "delete entries (DELETE /api/{type}/{id})",
            Self::Regenerate => "give a token a new secret",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Find => "find",
            Self::FindOne => "findOne",
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Regenerate => "regenerate",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == raw)
            .ok_or_else(|| format!("Unknown action '{raw}'."))
    }

    pub fn is_read(self) -> bool {
        matches!(self, Self::Find | Self::FindOne)
    }
}

/// `<content-type>.<action>`, e.g. `article.find`. Parsing checks the shape and that the
/// action exists on that kind of content type; whether the content type exists in a project
/// is the service's check.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Permission {
    content_type: ContentTypeUid,
    action: Action,
}

impl Permission {
    pub fn new(content_type: ContentTypeUid, action: Action) -> Result<Self, String> {
        if content_type.actions().contains(&action) {
            Ok(Self {
                content_type,
                action,
            })
        } else {
            Err(format!(
                "Action '{}' does not exist on content type '{}'.",
                action.as_str(),
                content_type
            ))
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        let (content_type, action) = raw.trim().rsplit_once('.').ok_or_else(|| {
            format!(
                "'{raw}' is not a permission: write <content-type>.<action>, e.g. article.find."
            )
        })?;
        Self::new(ContentTypeUid::parse(content_type)?, Action::parse(action)?)
    }

    /// The permission to perform `action` on the token management API.
    pub fn api_token(action: Action) -> Self {
        Self {
            content_type: ContentTypeUid::api_token(),
            action,
        }
    }

    pub fn content_type(&self) -> &ContentTypeUid {
        &self.content_type
    }

    pub fn action(&self) -> Action {
        self.action
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.content_type, self.action.as_str())
    }
}

impl Serialize for Permission {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A concrete, ordered set of permissions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PermissionSet(BTreeSet<Permission>);

impl PermissionSet {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn contains(&self, permission: &Permission) -> bool {
        self.0.contains(permission)
    }

    pub fn insert(&mut self, permission: Permission) {
        self.0.insert(permission);
    }

    pub fn iter(&self) -> impl Iterator<Item = &Permission> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn intersection(&self, other: &PermissionSet) -> PermissionSet {
        Self(self.0.intersection(&other.0).cloned().collect())
    }

    /// The first permission (in order) of `self` missing from `holder`, if any.
    pub fn first_missing_from(&self, holder: &PermissionSet) -> Option<&Permission> {
        self.0.iter().find(|p| !holder.contains(p))
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// What a token type or a role grants, before it meets a project's content types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// Every action on every content type, including ones added later.
    All,
    /// `find` and `findOne` on every content type.
    ReadOnly,
    /// Exactly these permissions.
    Exactly(PermissionSet),
}

impl Grant {
    /// Whether the grant covers `permission` (on a content type that exists).
    pub fn allows(&self, permission: &Permission) -> bool {
        match self {
            Grant::All => true,
            Grant::ReadOnly => permission.action.is_read(),
            Grant::Exactly(explicit) => explicit.contains(permission),
        }
    }

    /// Expands the grant against the content types that exist in the project. Explicit
    /// permissions on content types that no longer exist grant nothing.
    pub fn resolve<'a>(
        &self,
        content_types: impl IntoIterator<Item = &'a ContentTypeUid>,
    ) -> PermissionSet {
        let mut set = PermissionSet::new();
        for uid in content_types {
            for &action in uid.actions() {
                let granted = match self {
                    Grant::All => true,
                    Grant::ReadOnly => action.is_read(),
                    Grant::Exactly(explicit) => explicit
                        .0
                        .iter()
                        .any(|p| p.content_type == *uid && p.action == action),
                };
                if granted {
                    set.insert(Permission {
                        content_type: uid.clone(),
                        action,
                    });
                }
            }
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uids(names: &[&str]) -> Vec<ContentTypeUid> {
        names
            .iter()
            .map(|n| ContentTypeUid::parse(n).unwrap())
            .collect()
    }

    #[test]
    fn permission_parses_and_displays() {
        let p = Permission::parse("blog-post.findOne").unwrap();
        assert_eq!(p.content_type().as_str(), "blog-post");
        assert_eq!(p.action(), Action::FindOne);
        assert_eq!(p.to_string(), "blog-post.findOne");
    }

    #[test]
    fn malformed_permissions_are_rejected() {
        for raw in [
            "article",
            "article.",
            ".find",
            "Article.find",
            "article.fetch",
            "art_icle.find",
            "article--x.find",
            "-a.find",
        ] {
            assert!(Permission::parse(raw).is_err(), "{raw} should be rejected");
        }
    }

    #[test]
    fn regenerate_exists_only_on_api_token() {
        assert!(Permission::parse("api-token.regenerate").is_ok());
        assert!(Permission::parse("article.regenerate").is_err());
    }

    #[test]
    fn read_only_grant_expands_to_find_actions_of_every_type() {
        let set = Grant::ReadOnly.resolve(&uids(&["api-token", "article"]));
        let names: Vec<String> = set.iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            [
                "api-token.find",
                "api-token.findOne",
                "article.find",
                "article.findOne"
            ]
        );
    }

    #[test]
    fn full_grant_covers_every_action() {
        let set = Grant::All.resolve(&uids(&["api-token", "article"]));
        assert_eq!(set.len(), 6 + 5);
    }

    #[test]
    fn explicit_grant_on_a_removed_type_grants_nothing() {
        let explicit: PermissionSet = ["article.find", "gone.find"]
            .iter()
            .map(|p| Permission::parse(p).unwrap())
            .collect();
        let set = Grant::Exactly(explicit).resolve(&uids(&["api-token", "article"]));
        assert_eq!(
            set.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["article.find"]
        );
    }

    #[test]
    fn first_missing_names_the_lacking_permission() {
        let holder: PermissionSet = ["article.find"]
            .iter()
            .map(|p| Permission::parse(p).unwrap())
            .collect();
        let wanted: PermissionSet = ["article.delete", "article.find"]
            .iter()
            .map(|p| Permission::parse(p).unwrap())
            .collect();
        assert_eq!(
            wanted.first_missing_from(&holder).unwrap().to_string(),
            "article.delete"
        );
    }
}
