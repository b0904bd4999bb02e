//! Developers → API Tokens: list, create, edit, regenerate and delete, with the one-time
//! reveal of new secrets.

use super::auth::SignedIn;
use super::csrf::CsrfForm;
use super::flash;
use super::page::{PageCtx, PageError, render, render_with_status, see_other};
use super::paths;
use super::reveal::RevealCipher;
use super::setup::EmptyForm;
use crate::access::ProjectAccess;
use crate::domain::{DurationChoice, FieldErrors, Role, TokenKind, TokenType};
use crate::error::AppError;
use crate::projects::{ContentType, Project};
use crate::startup::Services;
use crate::tokens::{
    DurationInput, ListQuery, NewToken, NewTokenInput, SortKey, SortOrder, TokenChangesInput,
    TokenStatus, TokenView,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use std::collections::BTreeSet;
use uuid::Uuid;

const PAGE_SIZE: u64 = 50;

/// What the signed-in user may do with this project's tokens, for showing the right buttons.
/// The service checks every action again; hiding a button is a courtesy, not a control.
#[derive(Clone, Copy)]
struct Abilities {
    self_service: bool,
    manages_all: bool,
    manages_own: bool,
    user_id: Uuid,
}

impl Abilities {
    fn new(project: &Project, access: ProjectAccess, user_id: Uuid) -> Self {
        let (manages_all, manages_own) = match access {
            ProjectAccess::SuperAdmin => (true, true),
            ProjectAccess::Member(role) => (role.manages_all_tokens(), role.manages_own_tokens()),
        };
        Self {
            self_service: project.plan.allows_self_service(),
            manages_all,
            manages_own,
            user_id,
        }
    }

    fn can_create(self) -> bool {
        self.self_service && self.manages_own
    }

    fn can_manage(self, token: &TokenView) -> bool {
        token.revoked_at.is_none()
            && (self.manages_all
                || (self.manages_own
                    && token.kind == TokenKind::Personal
                    && token.owner.as_ref().is_some_and(|o| o.id == self.user_id)))
    }
}

fn date(at: DateTime<Utc>) -> String {
    at.format("%b %-d, %Y").to_string()
}

fn date_time(at: DateTime<Utc>) -> String {
    at.format("%b %-d, %Y %H:%M UTC").to_string()
}

fn status_of(token: &TokenView) -> (&'static str, &'static str) {
    match token.status(Utc::now()) {
        TokenStatus::Active => ("active", "Active"),
        TokenStatus::ExpiringSoon => ("expiring", "Expiring soon"),
        TokenStatus::Expired => ("expired", "Expired"),
        TokenStatus::Revoked => ("revoked", "Revoked"),
    }
}

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

pub async fn tokens_page(
    services: web::Data<Services>,
    signed_in: SignedIn,
    slug: web::Path<String>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, PageError> {
    let (project, access) = signed_in.project(&services, &slug).await?;
    let abilities = Abilities::new(&project, access, signed_in.user.id);
    let sort = match params.sort.as_deref() {
        Some("name") => SortKey::Name,
        Some("last_used") => SortKey::LastUsed,
        _ => SortKey::Created,
    };
    let order = match (params.order.as_deref(), sort) {
        (Some("asc"), _) => SortOrder::Asc,
        (Some("desc"), _) => SortOrder::Desc,
        (_, SortKey::Name) => SortOrder::Asc,
        _ => SortOrder::Desc,
    };
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
        .list(&signed_in.actor(), project.id, &query)
        .await?;
    let list_path = paths::tokens(&project.slug);
    let link = |sort_key: &str, order: &str, page: u64| {
        let mut href = format!("{list_path}?sort={sort_key}&order={order}");
        if !search.is_empty() {
            href.push_str("&q=");
            href.push_str(&url_encode(&search));
        }
        if page > 1 {
            href.push_str(&format!("&page={page}"));
        }
        href
    };
    let sort_key_str = match sort {
        SortKey::Name => "name",
        SortKey::Created => "created",
        SortKey::LastUsed => "last_used",
    };
    let order_str = if order == SortOrder::Asc {
        "asc"
    } else {
        "desc"
    };
    let sort_link = |key: SortKey, key_str: &str, label: &'static str, default_order: &str| {
        if key == sort {
            let flipped = if order == SortOrder::Asc {
                "desc"
            } else {
                "asc"
            };
            SortLink {
                label,
                href: link(key_str, flipped, 1),
                aria: if order == SortOrder::Asc {
                    "ascending"
                } else {
                    "descending"
                },
            }
        } else {
            SortLink {
                label,
                href: link(key_str, default_order, 1),
                aria: "none",
            }
        }
    };
    let pages = result.total.div_ceil(PAGE_SIZE).max(1);
    // Counting the tokens that count against a cap (neither revoked nor expired) is a pass
    // over the project's index entries: only a capped plan shows the usage.
    let usage = match services.tokens.cap_for(&project) {
        Some(cap) => Some((services.tokens.count_active(project.id).await?, cap)),
        None => None,
    };
    let at_cap = usage.is_some_and(|(active, cap)| active >= u64::from(cap));
    let rows = result
        .items
        .iter()
        .map(|token| {
            let (status_class, status_label) = status_of(token);
            TokenRow {
                name: token.name.clone(),
                description: token.description.clone(),
                type_label: token.token_type.label(),
                kind_label: kind_label(token.kind),
                created: date(token.created_at),
                last_used: token
                    .last_used_at
                    .map_or_else(|| "never".to_owned(), date_time),
                expires: token.expires_at.map_or_else(|| "Never".to_owned(), date),
                status_class,
                status_label,
                creator: token
                    .created_by
                    .as_ref()
                    .map_or_else(|| "—".to_owned(), |c| c.label.clone()),
                edit_path: paths::token(&project.slug, token.id),
                regenerate_path: format!("{}/regenerate", paths::token(&project.slug, token.id)),
                delete_path: format!("{}/delete", paths::token(&project.slug, token.id)),
                can_manage: abilities.can_manage(token),
            }
        })
        .collect::<Vec<_>>();
    let show_actions = rows.iter().any(|r| r.can_manage);
    render(&TokensPage {
        ctx: PageCtx::for_user(
            &services,
            &signed_in.session,
            &signed_in.user,
            Some((&project, access)),
            "api-tokens",
            "API Tokens",
        )
        .await?,
        rows,
        total: result.total,
        page: result.page,
        pages,
        previous_page: (result.page > 1).then(|| link(sort_key_str, order_str, result.page - 1)),
        next_page: (result.page < pages).then(|| link(sort_key_str, order_str, result.page + 1)),
        sort_name: sort_link(SortKey::Name, "name", "Name", "asc"),
        sort_created: sort_link(SortKey::Created, "created", "Created", "desc"),
        sort_last_used: sort_link(SortKey::LastUsed, "last_used", "Last used", "desc"),
        plan_gate: !abilities.self_service,
        can_create: abilities.can_create(),
        at_cap,
        usage: usage.map(|(active, cap)| format!("{active} of {cap} tokens used")),
        new_path: paths::new_token(&project.slug),
        search,
        list_path,
        show_actions,
    })
}

fn kind_label(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Service => "Service account",
        TokenKind::Personal => "Personal",
    }
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

/// The token form's values as entered, kept across a failed submission.
#[derive(Deserialize, Default, Clone)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    expires_on: String,
    #[serde(default)]
    token_type: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    permissions: Vec<String>,
}

struct MatrixCell {
    value: String,
    action: &'static str,
    checked: bool,
}

struct MatrixRow {
    uid: String,
    display_name: String,
    built_in: bool,
    cells: Vec<MatrixCell>,
}

fn matrix(content_types: &[ContentType], chosen: &BTreeSet<String>) -> Vec<MatrixRow> {
    content_types
        .iter()
        .map(|ct| MatrixRow {
            uid: ct.uid.as_str().to_owned(),
            display_name: ct.display_name.clone(),
            built_in: ct.built_in,
            cells: ct
                .uid
                .actions()
                .iter()
                .map(|action| {
                    let value = format!("{}.{}", ct.uid, action.as_str());
                    MatrixCell {
                        checked: chosen.contains(&value),
                        value,
                        action: action.as_str(),
                    }
                })
                .collect(),
        })
        .collect()
}

/// A token form as it is shown: its values, and why the last submission was refused.
struct FormState {
    form: TokenForm,
    errors: FieldErrors,
    general_error: Option<String>,
    status: StatusCode,
}

impl FormState {
    fn fresh(form: TokenForm) -> Self {
        Self {
            form,
            errors: FieldErrors::new(),
            general_error: None,
            status: StatusCode::OK,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/tokens/new.html")]
struct NewTokenPage {
    ctx: PageCtx,
    form: TokenForm,
    errors: FieldErrors,
    general_error: Option<String>,
    matrix: Vec<MatrixRow>,
    allow_service: bool,
    action_path: String,
    list_path: String,
    min_date: String,
}

async fn new_token_page(
    services: &Services,
    signed_in: &SignedIn,
    project: &Project,
    access: ProjectAccess,
    state: FormState,
) -> Result<HttpResponse, PageError> {
    let FormState {
        form,
        errors,
        general_error,
        status,
    } = state;
    let content_types = services.projects.content_types(project.id).await?;
    let chosen: BTreeSet<String> = form.permissions.iter().cloned().collect();
    render_with_status(
        &NewTokenPage {
            ctx: PageCtx::for_user(
                services,
                &signed_in.session,
                &signed_in.user,
                Some((project, access)),
                "api-tokens",
                "Create API token",
            )
            .await?,
            matrix: matrix(&content_types, &chosen),
            allow_service: access.at_least(Role::Admin),
            action_path: paths::tokens(&project.slug),
            list_path: paths::tokens(&project.slug),
            min_date: (Utc::now() + chrono::Duration::days(1))
                .format("%Y-%m-%d")
                .to_string(),
            form,
            errors,
            general_error,
        },
        status,
    )
}

pub async fn new_token_form(
    services: web::Data<Services>,
    signed_in: SignedIn,
    slug: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let (project, access) = signed_in.project(&services, &slug).await?;
    let abilities = Abilities::new(&project, access, signed_in.user.id);
    if !abilities.self_service {
        return Err(AppError::PlanRequired { plan: project.plan }.into());
    }
    if !abilities.can_create() {
        return Err(PageError::Forbidden(
            "Your role can view tokens but not create them.".into(),
        ));
    }
    let form = TokenForm {
        duration: "30".into(),
        token_type: "read-only".into(),
        kind: if access.at_least(Role::Admin) {
            "service"
        } else {
            "personal"
        }
        .into(),
        ..TokenForm::default()
    };
    new_token_page(
        &services,
        &signed_in,
        &project,
        access,
        FormState::fresh(form),
    )
    .await
}

fn duration_input(form: &TokenForm, errors: &mut FieldErrors) -> DurationInput {
    match form.duration.as_str() {
        "unlimited" => DurationInput::Unlimited,
        "custom" => match NaiveDate::parse_from_str(form.expires_on.trim(), "%Y-%m-%d") {
            // The token lives to the end of the chosen day, UTC.
            Ok(day) => match day.and_hms_opt(23, 59, 59) {
                Some(end) => DurationInput::Until(end.and_utc()),
                None => DurationInput::Days(0),
            },
            Err(_) => {
                errors.add("duration", "Choose the expiry date.");
                DurationInput::Unlimited
            }
        },
        days => match days.parse::<i64>() {
            Ok(days) if DurationChoice::PRESET_DAYS.contains(&(days as u16)) => {
                DurationInput::Days(days)
            }
            _ => {
                errors.add("duration", "Choose a duration.");
                DurationInput::Unlimited
            }
        },
    }
}

/// Maps a refused save onto the form: field errors beside their fields, the rest on top.
fn form_failure(form: TokenForm, error: AppError) -> Result<FormState, PageError> {
    let (errors, general_error, status) = match error {
        AppError::Validation(errors) => Ok((errors, None, StatusCode::UNPROCESSABLE_ENTITY)),
        AppError::Conflict {
            field: Some(field),
            message,
        } => Ok((
            FieldErrors::single(field, message),
            None,
            StatusCode::CONFLICT,
        )),
        AppError::Conflict {
            field: None,
            message,
        } => Ok((FieldErrors::new(), Some(message), StatusCode::CONFLICT)),
        AppError::Forbidden { message, .. } => {
            Ok((FieldErrors::new(), Some(message), StatusCode::FORBIDDEN))
        }
        AppError::PlanLimitReached { cap } => Ok((
            FieldErrors::new(),
            Some(format!(
                "This project has reached its plan's limit of {cap} active tokens. Delete a token or move to Professional Unlimited."
            )),
            StatusCode::FORBIDDEN,
        )),
        other => Err(PageError::from(other)),
    }?;
    Ok(FormState {
        form,
        errors,
        general_error,
        status,
    })
}

pub async fn create_token(
    services: web::Data<Services>,
    cipher: web::Data<RevealCipher>,
    signed_in: SignedIn,
    slug: web::Path<String>,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let (project, access) = signed_in.project(&services, &slug).await?;
    let mut errors = FieldErrors::new();
    let duration = duration_input(&form, &mut errors);
    let input = NewTokenInput {
        name: form.name.clone(),
        description: form.description.clone(),
        kind: form.kind.clone(),
        token_type: form.token_type.clone(),
        permissions: if form.token_type == TokenType::Custom.as_str() {
            form.permissions.clone()
        } else {
            Vec::new()
        },
        duration,
    };
    let parsed = NewToken::parse(input, Utc::now());
    let outcome = match (parsed, errors.is_empty()) {
        (Ok(new), true) => {
            services
                .tokens
                .create(&signed_in.actor(), project.id, new)
                .await
        }
        (Ok(_), false) => Err(AppError::Validation(errors)),
        (Err(mut parsed_errors), _) => {
            for (field, messages) in errors.fields() {
                for message in messages {
                    parsed_errors.add(field, message.clone());
                }
            }
            Err(AppError::Validation(parsed_errors))
        }
    };
    match outcome {
        Ok(issued) => reveal_on_token_page(&cipher, &signed_in, &project, &issued),
        Err(AppError::PlanRequired { plan }) => Err(AppError::PlanRequired { plan }.into()),
        Err(error) => {
            let state = form_failure(form, error)?;
            new_token_page(&services, &signed_in, &project, access, state).await
        }
    }
}

#[derive(Template)]
#[template(path = "pages/tokens/edit.html")]
struct EditTokenPage {
    ctx: PageCtx,
    token_name: String,
    form: TokenForm,
    errors: FieldErrors,
    general_error: Option<String>,
    matrix: Vec<MatrixRow>,
    reveal: Option<String>,
    editable: bool,
    manageable: bool,
    read_only_reason: Option<&'static str>,
    kind_label: &'static str,
    duration: String,
    created: String,
    last_used: String,
    expires: String,
    status_class: &'static str,
    status_label: &'static str,
    creator: String,
    owner: Option<String>,
    display_hint: String,
    action_path: String,
    regenerate_path: String,
    delete_path: String,
    list_path: String,
}

async fn edit_token_page(
    services: &Services,
    signed_in: &SignedIn,
    project: &Project,
    access: ProjectAccess,
    token: &TokenView,
    state: FormState,
    reveal: Option<String>,
) -> Result<HttpResponse, PageError> {
    let FormState {
        form,
        errors,
        general_error,
        status,
    } = state;
    let abilities = Abilities::new(project, access, signed_in.user.id);
    let manageable = abilities.can_manage(token);
    let editable = manageable && abilities.self_service;
    let read_only_reason = if token.revoked_at.is_some() {
        Some("This token has been deleted; it can no longer be changed.")
    } else if !abilities.self_service {
        Some(
            "API token management needs the Professional or Professional Unlimited plan; this token can still be deleted.",
        )
    } else if !manageable {
        Some("Your role lets you view this token but not change it.")
    } else {
        None
    };
    let content_types = services.projects.content_types(project.id).await?;
    let chosen: BTreeSet<String> = form.permissions.iter().cloned().collect();
    let (status_class, status_label) = status_of(token);
    let token_path = paths::token(&project.slug, token.id);
    render_with_status(
        &EditTokenPage {
            ctx: PageCtx::for_user(
                services,
                &signed_in.session,
                &signed_in.user,
                Some((project, access)),
                "api-tokens",
                token.name.clone(),
            )
            .await?,
            token_name: token.name.clone(),
            matrix: matrix(&content_types, &chosen),
            reveal,
            editable,
            manageable,
            read_only_reason,
            kind_label: kind_label(token.kind),
            duration: token.duration.describe(),
            created: date_time(token.created_at),
            last_used: token
                .last_used_at
                .map_or_else(|| "never".to_owned(), date_time),
            expires: token
                .expires_at
                .map_or_else(|| "Never".to_owned(), date_time),
            status_class,
            status_label,
            creator: token
                .created_by
                .as_ref()
                .map_or_else(|| "—".to_owned(), |c| c.label.clone()),
            owner: token.owner.as_ref().map(|o| o.label.clone()),
            display_hint: token.display_hint.clone(),
            regenerate_path: format!("{token_path}/regenerate"),
            delete_path: format!("{token_path}/delete"),
            action_path: token_path,
            list_path: paths::tokens(&project.slug),
            form,
            errors,
            general_error,
        },
        status,
    )
}

fn form_of(token: &TokenView) -> TokenForm {
    TokenForm {
        name: token.name.clone(),
        description: token.description.clone(),
        token_type: token.token_type.as_str().to_owned(),
        kind: token.kind.as_str().to_owned(),
        permissions: if token.token_type == TokenType::Custom {
            token.permissions.iter().map(ToString::to_string).collect()
        } else {
            Vec::new()
        },
        ..TokenForm::default()
    }
}

pub async fn edit_token_form(
    services: web::Data<Services>,
    cipher: web::Data<RevealCipher>,
    signed_in: SignedIn,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, PageError> {
    let (slug, token_id) = path.into_inner();
    let (project, access) = signed_in.project(&services, &slug).await?;
    // Taken before anything else renders, so it is shown at most once, and only here.
    let reveal = cipher
        .take(&signed_in.session)
        .filter(|r| r.token_id == token_id)
        .map(|r| r.secret);
    let token = services
        .tokens
        .get(&signed_in.actor(), project.id, token_id)
        .await?;
    let form = form_of(&token);
    let state = FormState::fresh(form);
    edit_token_page(
        &services, &signed_in, &project, access, &token, state, reveal,
    )
    .await
}

pub async fn update_token(
    services: web::Data<Services>,
    signed_in: SignedIn,
    path: web::Path<(String, Uuid)>,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let (slug, token_id) = path.into_inner();
    let (project, access) = signed_in.project(&services, &slug).await?;
    let changes = TokenChangesInput {
        name: Some(form.name.clone()),
        description: Some(form.description.clone()),
        token_type: Some(form.token_type.clone()),
        permissions: (form.token_type == TokenType::Custom.as_str())
            .then(|| form.permissions.clone()),
    };
    match services
        .tokens
        .update(&signed_in.actor(), project.id, token_id, changes)
        .await
    {
        Ok(token) => {
            flash::success(&signed_in.session, format!("Saved “{}”.", token.name));
            Ok(see_other(paths::token(&project.slug, token.id)))
        }
        Err(error @ (AppError::NotFound | AppError::PlanRequired { .. })) => Err(error.into()),
        Err(error) => {
            let state = form_failure(form, error)?;
            let token = services
                .tokens
                .get(&signed_in.actor(), project.id, token_id)
                .await?;
            edit_token_page(&services, &signed_in, &project, access, &token, state, None).await
        }
    }
}

#[derive(Template)]
#[template(path = "pages/tokens/confirm.html")]
struct ConfirmPage {
    ctx: PageCtx,
    heading: String,
    consequence: &'static str,
    button: &'static str,
    danger: bool,
    action_path: String,
    cancel_path: String,
}

async fn confirm_page(
    services: &Services,
    signed_in: &SignedIn,
    slug: &str,
    token_id: Uuid,
    regenerate: bool,
) -> Result<HttpResponse, PageError> {
    let (project, access) = signed_in.project(services, slug).await?;
    let token = services
        .tokens
        .get(&signed_in.actor(), project.id, token_id)
        .await?;
    let abilities = Abilities::new(&project, access, signed_in.user.id);
    if !abilities.can_manage(&token) {
        return Err(PageError::Forbidden(
            "Your role lets you view this token but not change it.".into(),
        ));
    }
    if regenerate && !abilities.self_service {
        return Err(AppError::PlanRequired { plan: project.plan }.into());
    }
    let token_path = paths::token(&project.slug, token.id);
    let (heading, consequence, button, action_path) = if regenerate {
        (
            format!("Regenerate “{}”?", token.name),
            "A new secret will be shown once. The current secret stops working immediately, so every client using it must be updated.",
            "Regenerate",
            format!("{token_path}/regenerate"),
        )
    } else {
        (
            format!("Delete “{}”?", token.name),
            "Every client using this token loses access immediately. Deletion cannot be undone.",
            "Delete token",
            format!("{token_path}/delete"),
        )
    };
    render(&ConfirmPage {
        ctx: PageCtx::for_user(
            services,
            &signed_in.session,
            &signed_in.user,
            Some((&project, access)),
            "api-tokens",
            heading.clone(),
        )
        .await?,
        heading,
        consequence,
        button,
        danger: !regenerate,
        action_path,
        cancel_path: token_path,
    })
}

pub async fn confirm_regenerate(
    services: web::Data<Services>,
    signed_in: SignedIn,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, PageError> {
    let (slug, token_id) = path.into_inner();
    confirm_page(&services, &signed_in, &slug, token_id, true).await
}

pub async fn confirm_delete(
    services: web::Data<Services>,
    signed_in: SignedIn,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, PageError> {
    let (slug, token_id) = path.into_inner();
    confirm_page(&services, &signed_in, &slug, token_id, false).await
}

pub async fn regenerate_token(
    services: web::Data<Services>,
    cipher: web::Data<RevealCipher>,
    signed_in: SignedIn,
    path: web::Path<(String, Uuid)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<HttpResponse, PageError> {
    let (slug, token_id) = path.into_inner();
    let (project, _) = signed_in.project(&services, &slug).await?;
    let issued = services
        .tokens
        .regenerate(&signed_in.actor(), project.id, token_id)
        .await?;
    reveal_on_token_page(&cipher, &signed_in, &project, &issued)
}

/// Seals the new secret into the session and sends the browser to the token's page, which
/// shows it once (POST/redirect/GET: a reload repeats the GET, never the POST).
fn reveal_on_token_page(
    cipher: &RevealCipher,
    signed_in: &SignedIn,
    project: &Project,
    issued: &crate::tokens::IssuedToken,
) -> Result<HttpResponse, PageError> {
    cipher
        .stash(
            &signed_in.session,
            issued.token.id,
            issued.secret.expose_secret(),
        )
        .map_err(PageError::Internal)?;
    Ok(see_other(paths::token(&project.slug, issued.token.id)))
}

pub async fn delete_token(
    services: web::Data<Services>,
    signed_in: SignedIn,
    path: web::Path<(String, Uuid)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<HttpResponse, PageError> {
    let (slug, token_id) = path.into_inner();
    let (project, _) = signed_in.project(&services, &slug).await?;
    let token = services
        .tokens
        .get(&signed_in.actor(), project.id, token_id)
        .await?;
    services
        .tokens
        .revoke(&signed_in.actor(), project.id, token_id)
        .await?;
    flash::success(
        &signed_in.session,
        format!(
            "Deleted “{}”. Clients using it no longer have access.",
            token.name
        ),
    );
    Ok(see_other(paths::tokens(&project.slug)))
}
