//! Listing a project's tokens: the query a page or an API call asks, its one spelling as URL
//! parameters (the dashboard and the API both parse and print it here), and its SQL.

use super::bookmark::Resume;
use super::format::TokenSecret;
pub use super::ordering::{SortKey, SortOrder};
use crate::domain::{TokenKind, TokenType};
use crate::entities::api_token;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{
    Asterisk, Expr, ExprTrait, Func, LikeExpr, NullOrdering, Query, SelectStatement,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

/// The last page a listing may ask for; beyond it pages are empty anyway.
pub const MAX_PAGE: u64 = 1_000_000;

/// The largest page a listing may ask for.
pub const MAX_PER_PAGE: u64 = 100;

/// A list counts its rows up to this many and then says "more than": counting a million
/// tokens for a total nobody reads to the digit took most of a page's 160 ms.
pub const COUNT_CAP: u64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// Not revoked: active and expired tokens.
    #[default]
    Live,
    Active,
    Expired,
    Revoked,
    Any,
}

impl StatusFilter {
    /// The filters a caller may name (`Live` is what naming none means).
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "active" => Ok(Self::Active),
            "expired" => Ok(Self::Expired),
            "revoked" => Ok(Self::Revoked),
            other => Err(format!(
                "Unknown status '{other}': use active, expired or revoked."
            )),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ListQuery {
    /// 1-based.
    pub page: u64,
    pub per_page: u64,
    pub sort: SortKey,
    pub order: SortOrder,
    pub search: Option<String>,
    pub kind: Option<TokenKind>,
    pub token_type: Option<TokenType>,
    pub status: StatusFilter,
    /// Rows to skip instead of whole pages; `page` is then ignored.
    pub offset: Option<u64>,
    /// Start beside a row a previous page showed instead of skipping rows; `page` and
    /// `offset` are then ignored (the page number is only a label).
    pub resume: Option<Resume>,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: 50,
            sort: SortKey::default(),
            order: SortOrder::default(),
            search: None,
            kind: None,
            token_type: None,
            status: StatusFilter::default(),
            offset: None,
            resume: None,
        }
    }
}

impl ListQuery {
    /// The page and size actually served: bounded so the offset fits every backend's signed
    /// 64-bit OFFSET.
    pub(super) fn bounded(&self) -> (u64, u64) {
        (
            self.page.clamp(1, MAX_PAGE),
            self.per_page.clamp(1, MAX_PER_PAGE),
        )
    }

    /// The rows skipped: the offset asked, or the pages before the one asked, bounded alike.
    pub(super) fn skipped(&self) -> u64 {
        if self.resume.is_some() {
            return 0;
        }
        let (page, per_page) = self.bounded();
        let asked = self.offset.unwrap_or((page - 1).saturating_mul(per_page));
        std::cmp::min(asked, MAX_PAGE.saturating_mul(MAX_PER_PAGE))
    }
}

/// Neither revoked nor expired at `now`: what counts against a plan's cap.
pub(super) fn active_condition(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(api_token::Column::RevokedAt.is_null())
        .add(
            Condition::any()
                .add(api_token::Column::ExpiresAt.is_null())
                .add(api_token::Column::ExpiresAt.gt(now.naive_utc())),
        )
}

/// What a list search looks for: a whole secret pasted into it reads as its hint, so the row
/// it belongs to is found, the secret is compared with nothing and shown back nowhere.
pub fn search_term(raw: &str) -> String {
    let raw = raw.trim();
    match TokenSecret::parse(raw) {
        Ok(secret) => secret.display_hint(),
        Err(_) => raw.to_owned(),
    }
}

/// The project's tokens that `query` selects, unsorted.
pub(super) fn filtered(
    project_id: Uuid,
    query: &ListQuery,
    now: DateTime<Utc>,
) -> Select<api_token::Entity> {
    let mut select = api_token::Entity::find().filter(api_token::Column::ProjectId.eq(project_id));
    select = match query.status {
        StatusFilter::Live => select.filter(api_token::Column::RevokedAt.is_null()),
        StatusFilter::Active => select.filter(active_condition(now)),
        StatusFilter::Expired => select
            .filter(api_token::Column::RevokedAt.is_null())
            .filter(api_token::Column::ExpiresAt.lte(now.naive_utc())),
        StatusFilter::Revoked => select.filter(api_token::Column::RevokedAt.is_not_null()),
        StatusFilter::Any => select,
    };
    if let Some(kind) = query.kind {
        select = select.filter(api_token::Column::Kind.eq(kind.as_str()));
    }
    if let Some(token_type) = query.token_type {
        select = select.filter(api_token::Column::TokenType.eq(token_type.as_str()));
    }
    if let Some(search) = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if search.contains('\0') {
            // No name holds a NUL, and SQLite would end the pattern there and match every
            // name: the search finds nothing, as it should.
            return select.filter(Expr::val(1).eq(0));
        }
        let search = search_term(search);
        let pattern = format!("%{}%", escape_like(&search.to_lowercase()));
        let matches = |column: api_token::Column| {
            Expr::expr(Func::lower(Expr::col((api_token::Entity, column))))
                .like(LikeExpr::new(pattern.clone()).escape('!'))
        };
        // By name, or by the hint (`lk_…p1le`, or its last four characters alone).
        select = select.filter(
            Condition::any()
                .add(matches(api_token::Column::Name))
                .add(matches(api_token::Column::DisplayHint)),
        );
    }
    select
}

/// `select` in the list's order, or exactly against it when `backwards` (a page before a
/// bookmark is read from the bookmark back, then turned round).
pub(super) fn sorted(
    select: Select<api_token::Entity>,
    key: SortKey,
    order: SortOrder,
    backwards: bool,
) -> Select<api_token::Entity> {
    let ascending = (order == SortOrder::Asc) != backwards;
    let order = if ascending { Order::Asc } else { Order::Desc };
    let never_used = if backwards {
        NullOrdering::First
    } else {
        NullOrdering::Last
    };
    let select = match key {
        // By the folded name, so case does not split the list (see `TokenName::sort_key`).
        SortKey::Name => select.order_by(api_token::Column::NameSort, order.clone()),
        SortKey::Created => select.order_by(api_token::Column::CreatedAt, order.clone()),
        // Never-used tokens go last whichever way the list is sorted.
        SortKey::LastUsed => {
            select.order_by_with_nulls(api_token::Column::LastUsedAt, order.clone(), never_used)
        }
    };
    // The id (a time-ordered UUID) breaks ties so pages never overlap.
    select.order_by(api_token::Column::Id, order)
}

/// How many rows `select` finds, counted up to `COUNT_CAP + 1`, and whether that is all.
pub(super) async fn count_capped(
    db: &impl ConnectionTrait,
    select: Select<api_token::Entity>,
) -> Result<(u64, bool), DbErr> {
    let count = capped_count(select);
    let counted: i64 = match db.query_one(&count).await? {
        Some(row) => row.try_get("", "counted")?,
        None => 0,
    };
    let counted = u64::try_from(counted).unwrap_or_default();
    Ok((std::cmp::min(counted, COUNT_CAP), counted <= COUNT_CAP))
}

fn capped_count(select: Select<api_token::Entity>) -> SelectStatement {
    let capped = select
        .select_only()
        .expr(Expr::val(1))
        .limit(COUNT_CAP + 1)
        .into_query();
    Query::select()
        .expr_as(Func::count(Expr::col(Asterisk)), "counted")
        .from_subquery(capped, "capped")
        .to_owned()
}

/// Escapes LIKE wildcards with `!`, which needs no quoting on any backend.
fn escape_like(raw: &str) -> String {
    let mut escaped = String::with_capacity(raw.len());
    for c in raw.chars() {
        if matches!(c, '%' | '_' | '!') {
            escaped.push('!');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
