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
