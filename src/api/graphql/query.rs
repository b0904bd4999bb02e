//! The queries: the project's tokens as a connection, one token, the content types, and who
//! the credential is. Each resolver calls the same service method as its REST handler.

use super::errors::top_level;
use super::types::*;
use super::{Credential, services};
use crate::domain::ActorKind;
use crate::error::AppError;
use crate::tokens::{
    Bookmark, ListQuery, MAX_PER_PAGE, Resume, SortKey, SortOrder, StatusFilter as Status,
};
use async_graphql::{Context, Object, Result};
use uuid::Uuid;

/// A page holds this many tokens unless `first` says otherwise.
const DEFAULT_FIRST: i32 = 50;

pub struct Query;

fn invalid(field: &str, message: &str) -> async_graphql::Error {
    top_level(AppError::Validation(crate::domain::FieldErrors::single(
        field, message,
    )))
}

#[Object]
impl Query {
    /// The project's tokens, newest first unless `orderBy` says otherwise; revoked tokens
    /// only when `filter.status` asks for them. Needs `api-token.find`.
    async fn api_tokens(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1 to 100 (50 by default).")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
        filter: Option<ApiTokenFilter>,
        order_by: Option<ApiTokenOrder>,
    ) -> Result<ApiTokenConnection> {
        let credential = Credential::of(ctx)?;
        let first = first.unwrap_or(DEFAULT_FIRST);
        let per_page = u64::try_from(first)
            .ok()
            .filter(|n| (1..=MAX_PER_PAGE).contains(n))
            .ok_or_else(|| invalid("first", "first must be between 1 and 100."))?;
        let filter = filter.unwrap_or_default();
        let sort = match order_by.as_ref().map(|o| o.field).unwrap_or_default() {
            ApiTokenOrderField::Name => SortKey::Name,
            ApiTokenOrderField::Created => SortKey::Created,
            ApiTokenOrderField::LastUsed => SortKey::LastUsed,
        };
        let order = match order_by.and_then(|o| o.direction) {
            Some(OrderDirection::Asc) => SortOrder::Asc,
            Some(OrderDirection::Desc) => SortOrder::Desc,
            None => sort.default_order(),
        };
        // Cursors are bookmarks: a page after one is read from the index beside its row.
        let resume = match after.as_deref() {
            Some(cursor) => Some(Resume::After(
                Bookmark::decode(cursor, sort, order)
                    .map_err(|error| invalid("after", &error.to_string()))?,
            )),
            None => None,
        };
        let query = ListQuery {
            per_page,
            resume,
            sort,
            order,
            search: filter.search,
            kind: filter.kind.map(Into::into),
            token_type: filter.token_type.map(Into::into),
            status: match filter.status.unwrap_or_default() {
                StatusFilter::Live => Status::Live,
                StatusFilter::Active => Status::Active,
                StatusFilter::Expired => Status::Expired,
                StatusFilter::Revoked => Status::Revoked,
                StatusFilter::Any => Status::Any,
            },
            ..ListQuery::default()
        };
        let page = services(ctx)?
            .tokens
            .list(
                &credential.caller.actor,
                credential.caller.project_id,
                &query,
            )
            .await
            .map_err(top_level)?;
        credential.used(ctx);
        let edges: Vec<ApiTokenEdge> = page
            .items
            .iter()
            .zip(&page.bookmarks)
            .map(|(token, bookmark)| ApiTokenEdge {
                cursor: bookmark.clone(),
                node: ApiToken::from(token),
            })
            .collect();
        Ok(ApiTokenConnection {
            nodes: edges.iter().map(|edge| edge.node.clone()).collect(),
            page_info: PageInfo {
                has_next_page: page.has_next,
                has_previous_page: page.has_previous,
                start_cursor: edges.first().map(|edge| edge.cursor.clone()),
                end_cursor: edges.last().map(|edge| edge.cursor.clone()),
            },
            total_count: page.total,
            total_count_exact: page.total_exact,
            edges,
        })
    }

    /// One token. Needs `api-token.findOne`.
    async fn api_token(&self, ctx: &Context<'_>, id: Uuid) -> Result<ApiToken> {
        let credential = Credential::of(ctx)?;
        let token = services(ctx)?
            .tokens
            .get(&credential.caller.actor, credential.caller.project_id, id)
            .await
            .map_err(top_level)?;
        credential.used(ctx);
        Ok(ApiToken::from(&token))
    }

    /// The project's content types and their actions: what permissions can name.
    async fn content_types(&self, ctx: &Context<'_>) -> Result<Vec<ContentType>> {
        let credential = Credential::of(ctx)?;
        let content_types = services(ctx)?
            .projects
            .content_types(credential.caller.project_id)
            .await
            .map_err(top_level)?;
        credential.used(ctx);
        Ok(content_types
            .into_iter()
            .map(|ct| ContentType {
                actions: ct
                    .uid
                    .actions()
                    .iter()
                    .map(|a| a.as_str().to_owned())
                    .collect(),
                uid: ct.uid.as_str().to_owned(),
                display_name: ct.display_name,
                built_in: ct.built_in,
            })
            .collect())
    }

    /// Who the credential is, in which project, with what permissions, until when.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Viewer> {
        let credential = Credential::of(ctx)?;
        let services = services(ctx)?;
        let project = services
            .projects
            .get(credential.caller.project_id)
            .await
            .map_err(top_level)?;
        let permissions = services
            .tokens
            .effective_permissions(&credential.caller.actor, credential.caller.project_id)
            .await
            .map_err(top_level)?;
        let (kind, token, user) = match &credential.caller.actor.kind {
            ActorKind::Token(token) => {
                let view = services
                    .tokens
                    .get(
                        &crate::domain::Actor::system(),
                        credential.caller.project_id,
                        token.id,
                    )
                    .await
                    .map_err(top_level)?;
                (ViewerKind::Token, Some(ApiToken::from(&view)), None)
            }
            ActorKind::User(user) => (
                ViewerKind::User,
                None,
                Some(Person {
                    id: user.id,
                    name: user.display_name.clone(),
                }),
            ),
            ActorKind::System => return Err(super::errors::unauthenticated()),
        };
        credential.used(ctx);
        Ok(Viewer {
            kind,
            token,
            user,
            project: Project {
                id: project.id,
                slug: project.slug,
                name: project.name,
            },
            permissions: permissions.iter().map(ToString::to_string).collect(),
            expires_at: credential.caller.expires_at,
        })
    }
}
