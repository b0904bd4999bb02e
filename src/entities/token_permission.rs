use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "token_permissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub content_type_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub action: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::api_token::Entity",
        from = "Column::TokenId",
        to = "super::api_token::Column::Id"
    )]
    ApiToken,
    #[sea_orm(
        belongs_to = "super::content_type::Entity",
        from = "Column::ContentTypeId",
        to = "super::content_type::Column::Id"
    )]
    ContentType,
}

impl Related<super::api_token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiToken.def()
    }
}

impl Related<super::content_type::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ContentType.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
