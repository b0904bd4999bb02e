//! "Last used" without a database write per request: successful uses are noted in memory
//! and written by a background flusher as one short transaction per flush (and once more at
//! shutdown): lock the batch's rows, move last-used times forward, merge new clients. Safe
//! with several instances flushing the same tokens.

use super::recent_clients::{self, RecentClient};
use crate::entities::api_token;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{CaseStatement, Condition, Expr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// What a token's next flush writes.
#[derive(Default)]
struct Pending {
    at: Option<DateTime<Utc>>,
    /// Distinct clients seen since the last flush, newest first.
    clients: Vec<RecentClient>,
}

impl Pending {
    fn used_at(&mut self, at: DateTime<Utc>) {
        if self.at.is_none_or(|seen| seen < at) {
            self.at = Some(at);
        }
    }

    /// Puts back what a failed flush took, keeping anything newer noted meanwhile.
    fn restore(&mut self, taken: Pending) {
        if let Some(at) = taken.at {
            self.used_at(at);
        }
        for client in taken.clients {
            recent_clients::note(
                &mut self.clients,
                client.ip,
                client.agent.as_deref(),
                client.at,
            );
        }
    }
}

/// At most this many tokens go into one statement; more wait for the next flush.
const MAX_BATCH: usize = 1_000;

#[derive(Clone)]
pub struct LastUsedRecorder {
    db: DatabaseConnection,
    pending: Arc<Mutex<HashMap<Uuid, Pending>>>,
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
        pending.entry(token_id).or_default().used_at(at);
    }

    /// Notes a successful use by a client (its address, its user agent). A client already
    /// noted since the last flush costs a comparison; only a new one is copied.
    pub fn record_from(
        &self,
        token_id: Uuid,
        at: DateTime<Utc>,
        ip: Option<IpAddr>,
        agent: Option<&str>,
    ) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let entry = pending.entry(token_id).or_default();
        entry.used_at(at);
        if ip.is_some() || agent.is_some() {
            recent_clients::note(&mut entry.clients, ip, agent, at);
        }
    }

    /// How many flush statements have been issued (for the "no write per request" check).
    pub fn statements_issued(&self) -> u64 {
        self.statements.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Writes what is pending: `UPDATE … SET last_used_at = CASE id … END` and, when new
    /// clients were seen, their merge into the tokens' recent clients, in one transaction.
    pub async fn flush(&self) -> Result<usize, DbErr> {
        let batch: Vec<(Uuid, Pending)> = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            let keys: Vec<Uuid> = pending.keys().take(MAX_BATCH).copied().collect();
            keys.into_iter()
                .filter_map(|id| pending.remove(&id).map(|taken| (id, taken)))
                .collect()
        };
        if batch.is_empty() {
            return Ok(0);
        }
        // Bounded here, not by the caller, so that a write that never answers still puts
        // its batch back.
        let written =
            match tokio::time::timeout(crate::db::STATEMENT_TIMEOUT, self.write(&batch)).await {
                Ok(result) => result,
                Err(_) => Err(DbErr::Conn(sea_orm::RuntimeErr::Internal(
                    "the last-used write got no answer in time".into(),
                ))),
            };
        self.statements
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Err(error) = written {
            // Put the batch back so the next flush retries it.
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            for (id, taken) in batch {
                pending.entry(id).or_default().restore(taken);
            }
            return Err(error);
        }
        Ok(batch.len())
    }

    /// One transaction: the batch's rows are locked in id order first (so two instances
    /// flushing overlapping batches wait for each other instead of deadlocking), then the
    /// last-used times move forward only (an older use flushed later never wins), then the
    /// clients seen are merged into what is stored now, so no instance's are lost.
    async fn write(&self, batch: &[(Uuid, Pending)]) -> Result<(), DbErr> {
        let txn = self.db.begin().await?;
        let sqlite = txn.get_database_backend() == sea_orm::DatabaseBackend::Sqlite;
        if sqlite {
            // SQLite has no row locks and one writer: write first, so the transaction holds
            // the write lock from its start (a read first would have to upgrade, and two
            // upgrading readers fail at once instead of waiting).
            advance_last_used(&txn, batch).await?;
        }
        let mut ids: Vec<Uuid> = batch.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        let mut locked = api_token::Entity::find()
            .select_only()
            .column(api_token::Column::Id)
            .column(api_token::Column::RecentClients)
            .filter(api_token::Column::Id.is_in(ids.iter().copied()))
            .order_by_asc(api_token::Column::Id);
        if !sqlite {
            locked = locked.lock_exclusive();
        }
        let stored: Vec<(Uuid, Option<String>)> = locked.into_tuple().all(&txn).await?;
        if stored.is_empty() {
            // Every token of the batch was deleted meanwhile.
            return txn.commit().await;
        }
        if !sqlite {
            advance_last_used(&txn, batch).await?;
        }
        let seen: HashMap<Uuid, &[RecentClient]> = batch
            .iter()
            .filter(|(_, pending)| !pending.clients.is_empty())
            .map(|(id, pending)| (*id, pending.clients.as_slice()))
            .collect();
        let merged: Vec<(Uuid, String)> = stored
            .iter()
            .filter_map(|(id, stored)| {
                let new = seen.get(id)?;
                Some((*id, recent_clients::merged(stored.as_deref(), new)))
            })
            .collect();
        if !merged.is_empty() {
            let mut case = CaseStatement::new();
            for (id, clients) in &merged {
                case = case.case(api_token::Column::Id.eq(*id), Expr::val(clients.clone()));
            }
            let case = case.finally(Expr::col(api_token::Column::RecentClients));
            api_token::Entity::update_many()
                .col_expr(api_token::Column::RecentClients, case.into())
                .filter(api_token::Column::Id.is_in(merged.iter().map(|(id, _)| *id)))
                .exec(&txn)
                .await?;
        }
        txn.commit().await
    }

    /// Flushes on `schedule` until the process ends.
    pub fn spawn_flusher(
        &self,
        schedule: crate::background::Schedule,
        metrics: crate::metrics::Metrics,
    ) {
        let recorder = self.clone();
        crate::background::spawn_periodic("last-used flush", schedule, move || {
            let (recorder, metrics) = (recorder.clone(), metrics.clone());
            async move {
                let started = std::time::Instant::now();
                let flushed = recorder.flush().await;
                metrics.flushed(started.elapsed(), flushed.is_ok());
                flushed
            }
        });
    }
}

/// Moves each token's last-used time forward to its pending one, never back: an older use
/// flushed later (by another instance, say) does not win.
async fn advance_last_used(
    txn: &sea_orm::DatabaseTransaction,
    batch: &[(Uuid, Pending)],
) -> Result<(), DbErr> {
    let used: Vec<(Uuid, DateTime<Utc>)> = batch
        .iter()
        .filter_map(|(id, pending)| pending.at.map(|at| (*id, at)))
        .collect();
    if used.is_empty() {
        return Ok(());
    }
    let mut case = CaseStatement::new();
    for (id, at) in &used {
        let at = at.naive_utc();
        let newer = Condition::any()
            .add(api_token::Column::LastUsedAt.is_null())
            .add(api_token::Column::LastUsedAt.lt(at));
        case = case.case(
            Condition::all()
                .add(api_token::Column::Id.eq(*id))
                .add(newer),
            Expr::val(at),
        );
    }
    let case = case.finally(Expr::col(api_token::Column::LastUsedAt));
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, case.into())
        .filter(api_token::Column::Id.is_in(used.iter().map(|(id, _)| *id)))
        .exec(txn)
        .await?;
    Ok(())
}
