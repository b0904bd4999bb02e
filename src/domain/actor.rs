//! Who performs an operation: recorded in the audit trail and used for authorization.

use super::access::ProjectAccess;
use super::permission::PermissionSet;
use super::token_attributes::{TokenKind, TokenType};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Actor {
    pub kind: ActorKind,
    /// The client address, for the audit trail.
    pub client_ip: Option<String>,
    /// The standing in one project of the person this actor acts as, when the face that
    /// authenticated it has already read it (the dashboard's project page, a verified personal
    /// token): services use it instead of reading it again.
    pub access: Option<KnownAccess>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownAccess {
    pub project_id: Uuid,
    /// `None`: the person has no access there (a departed or disabled owner).
    pub access: Option<ProjectAccess>,
}

#[derive(Debug, Clone)]
pub enum ActorKind {
    /// The command line, run by whoever operates the server.
    System,
    /// A signed-in administrator (dashboard session or short-lived login token).
    User(UserActor),
    /// A project API token acting in its own project.
    Token(TokenActor),
}

#[derive(Debug, Clone)]
pub struct UserActor {
    pub id: Uuid,
    pub email: String,
    /// Shown as the creator of what this user creates.
    pub display_name: String,
    pub is_super_admin: bool,
}

#[derive(Debug, Clone)]
pub struct TokenActor {
    pub id: Uuid,
    pub name: String,
    pub project_id: Uuid,
    pub kind: TokenKind,
    /// Its own type: how wide its grant is, whatever its effective permissions.
    pub token_type: TokenType,
    pub owner_id: Option<Uuid>,
    /// Effective permissions at authentication time.
    pub permissions: PermissionSet,
}

impl Actor {
    pub fn system() -> Self {
        Self {
            kind: ActorKind::System,
            client_ip: None,
            access: None,
        }
    }

    pub fn user(user: UserActor) -> Self {
        Self {
            kind: ActorKind::User(user),
            client_ip: None,
            access: None,
        }
    }

    pub fn token(token: TokenActor) -> Self {
        Self {
            kind: ActorKind::Token(token),
            client_ip: None,
            access: None,
        }
    }

    pub fn with_client_ip(mut self, ip: Option<String>) -> Self {
        self.client_ip = ip;
        self
    }

    /// Records the access already read for `project_id` (see `access`).
    pub fn with_access(mut self, project_id: Uuid, access: Option<ProjectAccess>) -> Self {
        self.access = Some(KnownAccess { project_id, access });
        self
    }

    /// The access read for `project_id` by the face, if it read one.
    pub fn known_access(&self, project_id: Uuid) -> Option<Option<ProjectAccess>> {
        self.access
            .filter(|known| known.project_id == project_id)
            .map(|known| known.access)
    }

    pub fn kind_str(&self) -> &'static str {
        match &self.kind {
            ActorKind::System => "system",
            ActorKind::User(_) => "user",
            ActorKind::Token(_) => "token",
        }
    }

    pub fn id(&self) -> Option<Uuid> {
        match &self.kind {
            ActorKind::System => None,
            ActorKind::User(user) => Some(user.id),
            ActorKind::Token(token) => Some(token.id),
        }
    }

    pub fn label(&self) -> String {
        match &self.kind {
            ActorKind::System => "command line".to_owned(),
            ActorKind::User(user) => user.email.clone(),
            ActorKind::Token(token) => format!("token {}", token.name),
        }
    }
}
