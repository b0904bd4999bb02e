//! "Last used" without a database write per request: successful uses are noted in memory
//! and written by a background flusher as one statement per flush (and once more at
//! shutdown).

use crate::entities::api_token;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{CaseStatement, Expr};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// At most this many tokens go into one statement; more wait for the next flush.
const MAX_BATCH: usize = 1_000;

#[derive(Clone)]
pub struct LastUsedRecorder {
    db: DatabaseConnection,
    pending: Arc<Mutex<HashMap<Uuid, DateTime<Utc>>>>,
    statements: Arc<std::sync::atomic::AtomicU64>,
}

impl LastUsedRecorder {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            pending: Arc::default(),
            statements: Arc::default(),
        }
    }

    /// Notes a successful use. Cheap: a map insert under a short lock.
    pub fn record(&self, token_id: Uuid, at: DateTime<Utc>) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let entry = pending.entry(token_id).or_insert(at);
        if *entry < at {
            *entry = at;
        }
    }

    /// How many flush statements have been issued (for the "no write per request" check).
    pub fn statements_issued(&self) -> u64 {
        self.statements.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Writes what is pending as one `UPDATE … SET last_used_at = CASE id … END`.
    pub async fn flush(&self) -> Result<usize, DbErr> {
        let batch: Vec<(Uuid, DateTime<Utc>)> = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            let keys: Vec<Uuid> = pending.keys().take(MAX_BATCH).copied().collect();
            keys.into_iter()
                .filter_map(|id| pending.remove(&id).map(|at| (id, at)))
                .collect()
        };
        if batch.is_empty() {
            return Ok(0);
        }
        let mut case = CaseStatement::new();
        for (id, at) in &batch {
            case = case.case(api_token::Column::Id.eq(*id), Expr::val(at.naive_utc()));
        }
        let case = case.finally(Expr::col(api_token::Column::LastUsedAt));
        let result = api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, case.into())
            .filter(api_token::Column::Id.is_in(batch.iter().map(|(id, _)| *id)))
            .exec(&self.db);
        // Bounded here, not by the caller, so that a write that never answers still puts
        // its batch back.
        let result = match tokio::time::timeout(crate::db::STATEMENT_TIMEOUT, result).await {
            Ok(result) => result,
            Err(_) => Err(DbErr::Conn(sea_orm::RuntimeErr::Internal(
                "the last-used write got no answer in time".into(),
            ))),
        };
        self.statements
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Err(error) = result {
            // Put the batch back so the next flush retries it.
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            for (id, at) in batch {
                pending.entry(id).or_insert(at);
            }
            return Err(error);
        }
        Ok(batch.len())
    }

    /// Flushes on `schedule` until the process ends.
    pub fn spawn_flusher(&self, schedule: crate::background::Schedule) {
        let recorder = self.clone();
        crate::background::spawn_periodic("last-used flush", schedule, move || {
            let recorder = recorder.clone();
            async move { recorder.flush().await }
        });
    }
}
