//! The schema goes down and comes back up on every backend.

use crate::helpers::*;
use latchkey::domain::{Actor, Plan};
use migration::{Migrator, MigratorTrait};

backend_tests! {
    async fn migrations_roll_back_completely_and_reapply(app) {
        let applied = Migrator::get_applied_migrations(&app.db).await.unwrap().len();
        assert_eq!(applied, Migrator::migrations().len());

        Migrator::down(&app.db, None).await.unwrap();
        assert_eq!(Migrator::get_applied_migrations(&app.db).await.unwrap().len(), 0);
        assert!(app.services.projects.list_all().await.is_err(), "tables should be gone");

        Migrator::up(&app.db, None).await.unwrap();
        let project = app.project("acme", Plan::Professional).await;
        app.issue(&Actor::system(), &project, token("After reapply")).await;
    }
}

backend_tests! {
    /// Tokens named before look-alikes counted as one name keep working after the upgrade;
    /// a new name that reads like a live one is then refused.
    async fn token_names_are_re_keyed_by_how_they_read(app) {
        use latchkey::entities::api_token;
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let project = app.project("acme", Plan::Professional).await;
        let plain = app.issue(&Actor::system(), &project, token("Deploy")).await.token.id;
        let other = app.issue(&Actor::system(), &project, token("Release")).await.token.id;
        let look_alike = app.issue(&Actor::system(), &project, token("Release 2")).await.token.id;
        // Back before the re-keying (and the migration after it): then a Cyrillic look-alike
        // was a name of its own.
        Migrator::down(&app.db, Some(2)).await.unwrap();
        api_token::Entity::update_many()
            .col_expr(api_token::Column::Name, Expr::value("D\u{435}ploy"))
            .col_expr(api_token::Column::LiveNameKey, Expr::value("d\u{435}ploy"))
            .filter(api_token::Column::Id.eq(look_alike))
            .exec(&app.db)
            .await
            .unwrap();

        Migrator::up(&app.db, None).await.unwrap();

        let keys = |id| {
            let db = app.db.clone();
            async move { api_token::Entity::find_by_id(id).one(&db).await.unwrap().unwrap().live_name_key.unwrap() }
        };
        let plain_key = keys(plain).await;
        assert_eq!(plain_key, latchkey::domain::TokenName::parse("Deploy").unwrap().uniqueness_key());
        assert_ne!(keys(look_alike).await, plain_key, "the later look-alike keeps a key of its own");
        assert_eq!(keys(other).await, latchkey::domain::TokenName::parse("release").unwrap().uniqueness_key());
        let refused = app.create(&Actor::system(), &project, token("DEPL\u{39f}Y")).await;
        assert!(matches!(refused, Err(latchkey::error::AppError::Conflict { .. })), "{refused:?}");
        assert_eq!(api_token::Entity::find().filter(api_token::Column::ProjectId.eq(project.id)).all(&app.db).await.unwrap().len(), 3);
    }
}
