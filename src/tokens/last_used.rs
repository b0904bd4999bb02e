//! "Last used" without a database write per request: successful uses are noted in memory
//! and written by a background flusher as one statement per flush (and once more at
//! shutdown), plus a read and a write of the recent clients when new ones were seen.

use super::recent_clients::{self, RecentClient};
use crate::entities::api_token;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{CaseStatement, Expr};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};
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

    /// Writes what is pending as one `UPDATE … SET last_used_at = CASE id … END`, and, when
    /// new clients were seen, merges them into the tokens' recent clients (one read, one
    /// write).
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

    async fn write(&self, batch: &[(Uuid, Pending)]) -> Result<(), DbErr> {
        let used: Vec<(Uuid, DateTime<Utc>)> = batch
            .iter()
            .filter_map(|(id, pending)| pending.at.map(|at| (*id, at)))
            .collect();
        if !used.is_empty() {
            let mut case = CaseStatement::new();
            for (id, at) in &used {
                case = case.case(api_token::Column::Id.eq(*id), Expr::val(at.naive_utc()));
            }
            let case = case.finally(Expr::col(api_token::Column::LastUsedAt));
            api_token::Entity::update_many()
                .col_expr(api_token::Column::LastUsedAt, case.into())
                .filter(api_token::Column::Id.is_in(used.iter().map(|(id, _)| *id)))
                .exec(&self.db)
                .await?;
        }
        let seen: HashMap<Uuid, &[RecentClient]> = batch
            .iter()
            .filter(|(_, pending)| !pending.clients.is_empty())
            .map(|(id, pending)| (*id, pending.clients.as_slice()))
            .collect();
        if seen.is_empty() {
            return Ok(());
        }
        let stored: Vec<(Uuid, Option<String>)> = api_token::Entity::find()
            .select_only()
            .column(api_token::Column::Id)
            .column(api_token::Column::RecentClients)
            .filter(api_token::Column::Id.is_in(seen.keys().copied()))
            .into_tuple()
            .all(&self.db)
            .await?;
        if stored.is_empty() {
            // Every token seen was deleted meanwhile.
            return Ok(());
        }
        let mut case = CaseStatement::new();
        for (id, stored) in &stored {
            let new = seen.get(id).copied().unwrap_or_default();
            let merged = recent_clients::merged(stored.as_deref(), new);
            case = case.case(api_token::Column::Id.eq(*id), Expr::val(merged));
        }
        let case = case.finally(Expr::col(api_token::Column::RecentClients));
        api_token::Entity::update_many()
            .col_expr(api_token::Column::RecentClients, case.into())
            .filter(api_token::Column::Id.is_in(stored.iter().map(|(id, _)| *id)))
            .exec(&self.db)
            .await?;
        Ok(())
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
