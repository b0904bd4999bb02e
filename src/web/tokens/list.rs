//! The list of a project's tokens: sorting, search, pages, plan usage.

use super::plan_notice::PlanNotice;
use super::{creator, kind_label, status_of, type_class};
use crate::services::Services;
use crate::tokens::{ListQuery, SortKey, SortOrder};
use crate::web::dates::Moment;
use crate::web::page::{PageCtx, PageError, render};
use crate::web::pagination::{Pagination, counted};
use crate::web::paths;
use crate::web::project_page::ProjectPage;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

const PAGE_SIZE: u64 = 50;

struct TokenRow {
    name: String,
    description: String,
    display_hint: String,
    type_label: &'static str,
    type_class: &'static str,
    kind_label: &'static str,
    created: Moment,
    last_used: Option<Moment>,
    expires: Option<Moment>,
    status_class: &'static str,
    status_label: &'static str,
    creator: String,
    edit_path: String,
    regenerate_path: String,
    delete_path: String,
    can_manage: bool,
    can_regenerate: bool,
}

/// One entry of the sort menu that replaces the column headings on a phone.
struct SortChoice {
    value: String,
    label: &'static str,
    selected: bool,
}

struct SortLink {
    label: &'static str,
    href: String,
    /// "ascending", "descending" or "none", for aria-sort.
    aria: &'static str,
}

#[derive(Template)]
#[template(path = "pages/tokens/list.html")]
struct TokensPage {
    ctx: PageCtx,
    rows: Vec<TokenRow>,
    search: String,
    total: u64,
    pagination: Pagination,
    sort_choices: Vec<SortChoice>,
    sort_name: SortLink,
    sort_created: SortLink,
    sort_last_used: SortLink,
    plan: PlanNotice,
    can_create: bool,
    at_cap: bool,
    usage: Option<String>,
    count_label: String,
    new_path: String,
    list_path: String,
    show_actions: bool,
}

#[derive(Deserialize)]
pub struct ListParams {
    q: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    page: Option<u64>,
    /// The phone's sort menu: `name.asc`, `created.desc`, … (sort and order in one).
    by: Option<String>,
}

/// The sort menu's entries, in the order people look for them.
const SORT_CHOICES: [(SortKey, SortOrder, &str); 5] = [
    (SortKey::Created, SortOrder::Desc, "Newest first"),
    (SortKey::Created, SortOrder::Asc, "Oldest first"),
    (SortKey::Name, SortOrder::Asc, "Name, A to Z"),
    (SortKey::Name, SortOrder::Desc, "Name, Z to A"),
    (SortKey::LastUsed, SortOrder::Desc, "Recently used"),
];

/// Links to this list with another sort, order or page; the search is kept.
struct Links<'a> {
    list_path: &'a str,
    search: &'a str,
    sort: SortKey,
    order: SortOrder,
}

impl Links<'_> {
    fn to(&self, sort: SortKey, order: SortOrder, page: u64) -> String {
        let mut href = format!(
            "{}?sort={}&order={}",
            self.list_path,
            sort.as_str(),
            order.as_str()
        );
        if !self.search.is_empty() {
            href.push_str("&q=");
            href.push_str(&paths::url_encode(self.search));
        }
        if page > 1 {
            href.push_str(&format!("&page={page}"));
        }
        href
    }

    /// A column heading: sorted by it, it flips the order; otherwise it sorts by it.
    fn heading(&self, key: SortKey, label: &'static str) -> SortLink {
        if key == self.sort {
            SortLink {
                label,
                href: self.to(key, self.order.flipped(), 1),
                aria: match self.order {
                    SortOrder::Asc => "ascending",
                    SortOrder::Desc => "descending",
                },
            }
        } else {
            SortLink {
                label,
                href: self.to(key, key.default_order(), 1),
                aria: "none",
            }
        }
    }

    fn page(&self, page: u64) -> String {
        self.to(self.sort, self.order, page)
    }
}

pub async fn tokens_page(
    services: web::Data<Services>,
    page: ProjectPage,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, PageError> {
    let project = &page.project;
    let abilities = page.token_abilities();
    // The list is forgiving: an unknown sort or order falls back to the default.
    let (raw_sort, raw_order) = match params.by.as_deref().and_then(|by| by.split_once('.')) {
        Some((sort, order)) => (Some(sort), Some(order)),
        None => (params.sort.as_deref(), params.order.as_deref()),
    };
    let sort = raw_sort
        .and_then(|raw| SortKey::parse(raw).ok())
        .unwrap_or_default();
    let order = raw_order
        .and_then(|raw| SortOrder::parse(raw).ok())
        .unwrap_or_else(|| sort.default_order());
    let search = crate::tokens::search_term(params.q.as_deref().unwrap_or_default());
    let query = ListQuery {
        page: params.page.unwrap_or(1).max(1),
        per_page: PAGE_SIZE,
        sort,
        order,
        search: (!search.is_empty()).then(|| search.clone()),
        ..ListQuery::default()
    };
    let result = services
        .tokens
        .list(&page.actor(), project.id, &query)
        .await?;
    let list_path = paths::tokens(&project.slug);
    let links = Links {
        list_path: &list_path,
        search: &search,
        sort,
        order,
    };
    let pages = result.total.div_ceil(PAGE_SIZE).max(1);
    // Counting the tokens that count against a cap (neither revoked nor expired) is a pass
    // over the project's index entries: only a capped plan shows the usage.
    let plan = PlanNotice::of(&services, &page).await?;
    let now = chrono::Utc::now();
    let rows = result
        .items
        .iter()
        .map(|token| {
            let (status_class, status_label) = status_of(token);
            let owner = token.owner.as_ref().map(|o| o.id);
            TokenRow {
                name: token.name.clone(),
                description: token.description.clone(),
                display_hint: token.display_hint.clone(),
                type_label: token.token_type.label(),
                type_class: type_class(token.token_type),
                kind_label: kind_label(token.kind),
                created: Moment::of(token.created_at, now),
                last_used: token.last_used_at.map(|at| Moment::of(at, now)),
                expires: token.expires_at.map(|at| Moment::of(at, now)),
                status_class,
                status_label,
                creator: creator(token),
                edit_path: paths::token(&project.slug, token.id),
                regenerate_path: paths::regenerate_token(&project.slug, token.id),
                delete_path: paths::delete_token(&project.slug, token.id),
                can_manage: abilities.can_manage(token.kind, owner, token.revoked_at.is_some()),
                can_regenerate: abilities.can_regenerate(
                    token.kind,
                    owner,
                    token.revoked_at.is_some(),
                ),
            }
        })
        .collect::<Vec<_>>();
    let show_actions = rows.iter().any(|r| r.can_manage);
    render(&TokensPage {
        ctx: page.ctx(&services, "api-tokens", "API Tokens").await?,
        rows,
        total: result.total,
        pagination: Pagination::new(result.page, pages, |number| links.page(number)),
        sort_choices: SORT_CHOICES
            .iter()
            .map(|&(key, key_order, label)| SortChoice {
                value: format!("{}.{}", key.as_str(), key_order.as_str()),
                label,
                selected: key == sort && key_order == order,
            })
            .collect(),
        sort_name: links.heading(SortKey::Name, "Name"),
        sort_created: links.heading(SortKey::Created, "Created"),
        sort_last_used: links.heading(SortKey::LastUsed, "Last used"),
        can_create: abilities.can_create(),
        at_cap: plan.at_cap,
        usage: plan.usage.clone(),
        count_label: counted(result.total, "token"),
        plan,
        new_path: paths::new_token(&project.slug),
        search,
        list_path,
        show_actions,
    })
}
