//! The list of a project's tokens: sorting, search, pages, plan usage.

use super::plan_notice::PlanNotice;
use super::{creator, kind_label, status_of, type_class};
use crate::services::Services;
use crate::tokens::{Bookmark, ListQuery, Resume, SortKey, SortOrder};
use crate::web::dates::Moment;
use crate::web::page::{PageCtx, PageError, render};
use crate::web::pagination::{Pagination, counted, counted_beyond};
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
    /// A bookmark of the row just before (`after`) or just after (`before`) the page: the
    /// links to the neighbouring pages carry one, so a page deep in a long list is read
    /// from the index beside it, not by skipping every row before it.
    after: Option<String>,
    before: Option<String>,
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
        self.resuming(sort, order, page, None)
    }

    /// A link to `page`, beside a bookmarked row when `beside` names one (`after` or
    /// `before`, and the bookmark).
    fn resuming(
        &self,
        sort: SortKey,
        order: SortOrder,
        page: u64,
        beside: Option<(&str, &str)>,
    ) -> String {
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
            if let Some((side, bookmark)) = beside {
                href.push_str(&format!("&{side}={bookmark}"));
            }
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
    let page_number = params.page.unwrap_or(1).max(1);
    // A bookmark from another order (or none at all) is ignored: the page number is used.
    let resume = if page_number == 1 {
        None
    } else if let Some(mark) = params.after.as_deref() {
        Bookmark::decode(mark, sort, order).ok().map(Resume::After)
    } else if let Some(mark) = params.before.as_deref() {
        Bookmark::decode(mark, sort, order).ok().map(Resume::Before)
    } else {
        None
    };
    let query = ListQuery {
        page: page_number,
        per_page: PAGE_SIZE,
        sort,
        order,
        search: (!search.is_empty()).then(|| search.clone()),
        resume,
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
    // The neighbouring pages are reached through the rows at this page's edges.
    let current = result.page;
    let first_row = result.bookmarks.first().map(String::as_str);
    let last_row = result.bookmarks.last().map(String::as_str);
    let href_of = |number: u64| match (number.checked_sub(current), current.checked_sub(number)) {
        (Some(1), _) if result.has_next => {
            links.resuming(sort, order, number, last_row.map(|mark| ("after", mark)))
        }
        (_, Some(1)) => links.resuming(sort, order, number, first_row.map(|mark| ("before", mark))),
        _ => links.page(number),
    };
    let pagination = if result.total_exact {
        Pagination::new(current, result.total.div_ceil(PAGE_SIZE), href_of)
    } else {
        Pagination::open_ended(current, result.has_next, href_of)
    };
    let count_label = if result.total_exact {
        counted(result.total, "token")
    } else {
        counted_beyond(result.total, "token")
    };
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
        pagination,
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
        count_label,
        plan,
        new_path: paths::new_token(&project.slug),
        search,
        list_path,
        show_actions,
    })
}
