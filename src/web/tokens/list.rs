//! The list of a project's tokens: sorting, search, pages, plan usage.

use super::{creator, date, kind_label, last_used, status_of};
use crate::services::Services;
use crate::tokens::{ListQuery, SortKey, SortOrder};
use crate::web::page::{PageCtx, PageError, render};
use crate::web::paths;
use crate::web::project_page::ProjectPage;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

const PAGE_SIZE: u64 = 50;

struct TokenRow {
    name: String,
    description: String,
    type_label: &'static str,
    kind_label: &'static str,
    created: String,
    last_used: String,
    expires: String,
    status_class: &'static str,
    status_label: &'static str,
    creator: String,
    edit_path: String,
    regenerate_path: String,
    delete_path: String,
    can_manage: bool,
    can_regenerate: bool,
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
    page: u64,
    pages: u64,
    previous_page: Option<String>,
    next_page: Option<String>,
    sort_name: SortLink,
    sort_created: SortLink,
    sort_last_used: SortLink,
    plan_gate: bool,
    can_create: bool,
    at_cap: bool,
    usage: Option<String>,
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
}

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
            href.push_str(&url_encode(self.search));
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
    let sort = params
        .sort
        .as_deref()
        .and_then(|raw| SortKey::parse(raw).ok())
        .unwrap_or_default();
    let order = params
        .order
        .as_deref()
        .and_then(|raw| SortOrder::parse(raw).ok())
        .unwrap_or_else(|| sort.default_order());
    let search = params.q.clone().unwrap_or_default().trim().to_owned();
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
    let usage = match services.tokens.cap_for(project) {
        Some(cap) => Some((services.tokens.count_active(project.id).await?, cap)),
        None => None,
    };
    let at_cap = usage.is_some_and(|(active, cap)| active >= u64::from(cap));
    let rows = result
        .items
        .iter()
        .map(|token| {
            let (status_class, status_label) = status_of(token);
            let owner = token.owner.as_ref().map(|o| o.id);
            TokenRow {
                name: token.name.clone(),
                description: token.description.clone(),
                type_label: token.token_type.label(),
                kind_label: kind_label(token.kind),
                created: date(token.created_at),
                last_used: last_used(token),
                expires: token.expires_at.map_or_else(|| "Never".to_owned(), date),
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
        page: result.page,
        pages,
        previous_page: (result.page > 1).then(|| links.page(result.page - 1)),
        next_page: (result.page < pages).then(|| links.page(result.page + 1)),
        sort_name: links.heading(SortKey::Name, "Name"),
        sort_created: links.heading(SortKey::Created, "Created"),
        sort_last_used: links.heading(SortKey::LastUsed, "Last used"),
        plan_gate: !abilities.self_service(),
        can_create: abilities.can_create(),
        at_cap,
        usage: usage.map(|(active, cap)| format!("{active} of {cap} tokens used")),
        new_path: paths::new_token(&project.slug),
        search,
        list_path,
        show_actions,
    })
}

fn url_encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
