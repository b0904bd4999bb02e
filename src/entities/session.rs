use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// SHA-256 (hex) of the session key carried by the cookie.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: Option<Uuid>,
    /// The session's key/value state as a JSON object.
    pub state: String,
    pub expires_at: DateTime,
    /// A random name for a signed-in session, shown on its user's session list; never the key.
    pub handle: Option<String>,
    pub created_at: Option<DateTime>,
    pub last_seen_at: Option<DateTime>,
    /// However active, the session ends here.
    pub absolute_expires_at: Option<DateTime>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
