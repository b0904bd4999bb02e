use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub is_super_admin: bool,
    pub disabled: bool,
    pub created_at: DateTime,
    pub last_login_at: Option<DateTime>,
    /// Bumped whenever the user's credentials must stop working: a password change,
    /// disabling, "sign out everywhere", a change of project standing. Login access tokens
    /// and sessions carry the generation they were issued under.
    pub credentials_generation: i64,
    /// "system", "light" or "dark": the dashboard's colours for this user.
    pub theme: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::membership::Entity")]
    Membership,
}

impl Related<super::membership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Membership.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
