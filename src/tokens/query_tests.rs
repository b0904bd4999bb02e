//! The list query's unit tests: index-served plans on SQLite, escaping, spellings.

use super::*;
use crate::tokens::bookmark::Bookmark;
use base64::Engine;
use migration::{Migrator, MigratorTrait};
use sea_orm::{DatabaseConnection, DbBackend, Statement};

/// SQLite's plan for `statement`, one line per step.
async fn sqlite_plan(db: &DatabaseConnection, statement: Statement) -> String {
    let explain = Statement::from_sql_and_values(
        DbBackend::Sqlite,
        format!("EXPLAIN QUERY PLAN {}", statement.sql),
        statement.values.map(|values| values.0).unwrap_or_default(),
    );
    let rows = db.query_all_raw(explain).await.unwrap();
    rows.iter()
        .map(|row| row.try_get::<String>("", "detail").unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The dashboard's list of 10,000 tokens stays fast only while each page of the default
/// (not revoked) list is read in index order and its total counted from an index alone.
#[tokio::test]
async fn live_token_lists_are_served_by_indexes() {
    // One connection: each connection to `:memory:` is a database of its own.
    let db = crate::db::connect("sqlite::memory:", Some(1))
        .await
        .unwrap();
    Migrator::up(&db, None).await.unwrap();
    let query = ListQuery::default();
    assert_eq!(query.status, StatusFilter::Live);
    let select = filtered(Uuid::now_v7(), &query, Utc::now());

    let pages = [
        (
            SortKey::Created,
            SortOrder::Desc,
            "idx_api_tokens_live_created",
        ),
        (
            SortKey::Created,
            SortOrder::Asc,
            "idx_api_tokens_live_created",
        ),
        (
            SortKey::Name,
            SortOrder::Asc,
            "idx_api_tokens_live_name_folded",
        ),
        (
            SortKey::Name,
            SortOrder::Desc,
            "idx_api_tokens_live_name_folded",
        ),
        (
            SortKey::LastUsed,
            SortOrder::Desc,
            "idx_api_tokens_live_last_used",
        ),
    ];
    for (key, order, index) in pages {
        let page = sorted(select.clone(), key, order, false)
            .offset(7450)
            .limit(50);
        let plan = sqlite_plan(&db, page.build(DbBackend::Sqlite)).await;
        assert!(
            plan.contains(index) && !plan.contains("TEMP B-TREE"),
            "{key:?} {order:?} should be read in the order of {index}:\n{plan}"
        );
        // A page beside a bookmark, either way, reads the same index in order.
        let value = if key == SortKey::Name {
            "nabc"
        } else {
            "t1764000000:5"
        };
        let spelled = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
            "v1.{}.{}.{}.{value}",
            key.as_str(),
            order.as_str(),
            Uuid::now_v7().simple()
        ));
        let mark = Bookmark::decode(&spelled, key, order).unwrap();
        for resume in [Resume::After(mark.clone()), Resume::Before(mark)] {
            let backwards = resume.is_backwards();
            let page = sorted(select.clone(), key, order, backwards)
                .filter(resume.condition())
                .limit(51);
            let plan = sqlite_plan(&db, page.build(DbBackend::Sqlite)).await;
            assert!(
                plan.contains(index) && !plan.contains("TEMP B-TREE"),
                "{resume:?} should be read in the order of {index}:\n{plan}"
            );
        }
    }

    let count = DbBackend::Sqlite.build(&capped_count(select));
    let plan = sqlite_plan(&db, count).await;
    assert!(
        plan.contains("COVERING INDEX idx_api_tokens_live_"),
        "the total should be counted from an index:\n{plan}"
    );
}

#[test]
fn like_wildcards_are_escaped() {
    assert_eq!(escape_like("50%_off!"), "50!%!_off!!");
}

#[test]
fn sort_keys_and_orders_round_trip_through_their_spelling() {
    for key in SortKey::ALL {
        assert_eq!(SortKey::parse(key.as_str()), Ok(key));
    }
    for order in [SortOrder::Asc, SortOrder::Desc] {
        assert_eq!(SortOrder::parse(order.as_str()), Ok(order));
        assert_eq!(order.flipped().flipped(), order);
    }
    assert!(SortKey::parse("secret").is_err());
}
