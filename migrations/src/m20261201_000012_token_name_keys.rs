use crate::m20261122_000005_create_api_tokens::ApiTokens;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use std::collections::HashSet;
use unicode_normalization::UnicodeNormalization;
use unicode_security::skeleton;

/// Live token names become unique by how they read, not only by case: each live token's key
/// is recomputed as the UTS #39 skeleton of its NFKC-normalised, lower-cased name, lower-cased
/// again and hashed.
///
/// The rule is written out here as it stood when this migration shipped (a migration must not
/// change meaning when the application's rule later does); `TokenName::uniqueness_key` is the
/// rule the application applies. Live tokens whose names already count as one (created before
/// this rule) keep working: the older keeps the plain key, each later one a key of its own,
/// and renaming one of them applies the rule.
#[derive(DeriveMigrationName)]
pub struct Migration;

fn key_as_of_this_migration(name: &str) -> String {
    use sha2::Digest;
    let normalized: String = name.trim().nfkc().collect();
    let once = skeleton(normalized.trim())
        .collect::<String>()
        .to_lowercase();
    let settled = skeleton(&once).collect::<String>().to_lowercase();
    hex::encode(sha2::Sha256::digest(settled.as_bytes()))
}

/// A key no other name has, for a legacy duplicate.
fn key_of_its_own(key: &str, id: uuid::Uuid) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(format!("{key}/{id}").as_bytes()))
}

struct LiveToken {
    id: uuid::Uuid,
    project_id: uuid::Uuid,
    name: String,
}

async fn live_tokens(manager: &SchemaManager<'_>) -> Result<Vec<LiveToken>, DbErr> {
    let db = manager.get_connection();
    let select = Query::select()
        .columns([ApiTokens::Id, ApiTokens::ProjectId, ApiTokens::Name])
        .from(ApiTokens::Table)
        .and_where(Expr::col(ApiTokens::LiveNameKey).is_not_null())
        .order_by(ApiTokens::CreatedAt, Order::Asc)
        .order_by(ApiTokens::Id, Order::Asc)
        .to_owned();
    db.query_all(&select)
        .await?
        .into_iter()
        .map(|row| {
            Ok(LiveToken {
                id: row.try_get("", "id")?,
                project_id: row.try_get("", "project_id")?,
                name: row.try_get("", "name")?,
            })
        })
        .collect()
}

async fn set_key(manager: &SchemaManager<'_>, id: uuid::Uuid, key: String) -> Result<(), DbErr> {
    let update = Query::update()
        .table(ApiTokens::Table)
        .value(ApiTokens::LiveNameKey, key)
        .and_where(Expr::col(ApiTokens::Id).eq(id))
        .to_owned();
    manager.get_connection().execute(&update).await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut taken = HashSet::new();
        for token in live_tokens(manager).await? {
            let key = key_as_of_this_migration(&token.name);
            let key = if taken.insert((token.project_id, key.clone())) {
                key
            } else {
                key_of_its_own(&key, token.id)
            };
            set_key(manager, token.id, key).await?;
        }
        Ok(())
    }

    /// Back to the lower-cased name, the key before this migration.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for token in live_tokens(manager).await? {
            set_key(manager, token.id, token.name.to_lowercase()).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_share_a_key() {
        assert_eq!(
            key_as_of_this_migration("Deploy"),
            key_as_of_this_migration("d\u{435}ploy")
        );
        assert_ne!(
            key_as_of_this_migration("deploy"),
            key_as_of_this_migration("release")
        );
        let key = key_as_of_this_migration("deploy");
        assert_ne!(key_of_its_own(&key, uuid::Uuid::nil()), key);
    }
}
