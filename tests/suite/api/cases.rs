//! One table of cases for both API faces: credential (kind × type × who) × operation →
//! allowed, or refused and why (the permission named, a rule, a plan, a validation error).
//! Every case runs over REST and over GraphQL on fresh targets, on every backend, and both
//! faces must give the answer the table states. The rules live in `authority`; this table
//! states what a client sees of them.
//!
//! It runs past 400 lines on purpose: the table and the two readers of it (REST, GraphQL)
//! are one thing, changed together.

use super::*;
use latchkey::domain::{Plan, Role};
use latchkey::tokens::NewTokenInput;
use serde_json::{Value, json};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credential {
    ServiceFull,
    ServiceReadOnly,
    /// A custom service token holding `article.find` only.
    ServiceArticleReader,
    /// A custom service token holding `api-token.create` and `article.find`.
    ServiceTokenCreator,
    /// A custom service token holding every `api-token.*` action and nothing else.
    ServiceTokenAdmin,
    AdminPersonalFull,
    DeveloperPersonalFull,
    SignedInAdmin,
    SignedInDeveloper,
    SignedInViewer,
    /// A full-access service token of a project downgraded to the free plan.
    LapsedServiceFull,
}

/// The token an operation acts on, made afresh for every case and face.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// A custom service token holding `article.find`.
    Reader,
    /// A full-access service token.
    Full,
    /// The admin's personal token holding `article.find`.
    AdminsReader,
    /// The developer's personal token holding `article.find`.
    DevelopersReader,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    List,
    Read(Target),
    /// A service token of the given type (`custom` ones hold `article.find`).
    CreateService(&'static str),
    /// A personal full-access token.
    CreatePersonal,
    /// A custom service token holding exactly these permissions.
    CreateCustom(&'static [&'static str]),
    Rename(Target),
    /// Sets the permissions to `article.find` and `article.delete`.
    Widen(Target),
    Regenerate(Target),
    Delete(Target),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Allowed,
    /// Refused, naming the permission the credential lacks.
    Missing(&'static str),
    /// Refused by a rule that no permission would satisfy (scope, breadth, whose secret).
    Refused,
    /// The request is not valid for this credential; the field is named.
    Invalid(&'static str),
    PlanRequired,
}

use Credential::*;
use Operation::*;
use Outcome::*;
use Target::*;

const CASES: &[(Credential, Operation, Outcome)] = &[
    // A full-access service token manages every token, but obtains no personal secret.
    (ServiceFull, List, Allowed),
    (ServiceFull, Read(AdminsReader), Allowed),
    (ServiceFull, CreateService("full-access"), Allowed),
    (ServiceFull, CreatePersonal, Invalid("kind")),
    (ServiceFull, Rename(Full), Allowed),
    (ServiceFull, Widen(Reader), Allowed),
    (ServiceFull, Regenerate(Reader), Allowed),
    (ServiceFull, Regenerate(DevelopersReader), Refused),
    (ServiceFull, Delete(AdminsReader), Allowed),
    // Read-only reads, and names the write permission it lacks.
    (ServiceReadOnly, List, Allowed),
    (ServiceReadOnly, Read(Full), Allowed),
    (
        ServiceReadOnly,
        CreateService("read-only"),
        Missing("api-token.create"),
    ),
    (ServiceReadOnly, Rename(Reader), Missing("api-token.update")),
    (
        ServiceReadOnly,
        Regenerate(Reader),
        Missing("api-token.regenerate"),
    ),
    (ServiceReadOnly, Delete(Reader), Missing("api-token.delete")),
    // A custom token without api-token permissions sees no tokens at all.
    (ServiceArticleReader, List, Missing("api-token.find")),
    (
        ServiceArticleReader,
        Read(Reader),
        Missing("api-token.findOne"),
    ),
    (
        ServiceArticleReader,
        CreateCustom(&["article.find"]),
        Missing("api-token.create"),
    ),
    // Creating is bounded by what the creator holds, and by how wide it is.
    (
        ServiceTokenCreator,
        CreateCustom(&["article.find"]),
        Allowed,
    ),
    (
        ServiceTokenCreator,
        CreateCustom(&["article.find", "article.delete"]),
        Missing("article.delete"),
    ),
    // Read-only grants every read: the first one the creator lacks is named.
    (
        ServiceTokenCreator,
        CreateService("read-only"),
        Missing("api-token.find"),
    ),
    (ServiceTokenCreator, List, Missing("api-token.find")),
    // Acting on a token needs every permission it holds.
    (ServiceTokenAdmin, List, Allowed),
    (ServiceTokenAdmin, Read(Full), Allowed),
    (ServiceTokenAdmin, Rename(Reader), Missing("article.find")),
    (ServiceTokenAdmin, Delete(Reader), Missing("article.find")),
    (
        ServiceTokenAdmin,
        CreateCustom(&["api-token.find"]),
        Allowed,
    ),
    // A personal token acts as its owner, within its own permissions.
    (AdminPersonalFull, List, Allowed),
    (AdminPersonalFull, CreatePersonal, Allowed),
    (AdminPersonalFull, CreateService("read-only"), Refused),
    (AdminPersonalFull, Rename(Reader), Allowed),
    (AdminPersonalFull, Regenerate(AdminsReader), Allowed),
    (AdminPersonalFull, Regenerate(DevelopersReader), Refused),
    (AdminPersonalFull, Delete(DevelopersReader), Allowed),
    (DeveloperPersonalFull, List, Allowed),
    (DeveloperPersonalFull, CreatePersonal, Allowed),
    (DeveloperPersonalFull, CreateService("read-only"), Refused),
    (DeveloperPersonalFull, Rename(Reader), Refused),
    (DeveloperPersonalFull, Widen(DevelopersReader), Allowed),
    (DeveloperPersonalFull, Regenerate(DevelopersReader), Allowed),
    (DeveloperPersonalFull, Delete(AdminsReader), Refused),
    // Signed in: the role decides.
    (SignedInAdmin, List, Allowed),
    (SignedInAdmin, CreateService("full-access"), Allowed),
    (SignedInAdmin, CreatePersonal, Allowed),
    (SignedInAdmin, Regenerate(Full), Allowed),
    (SignedInAdmin, Regenerate(DevelopersReader), Refused),
    (SignedInAdmin, Delete(DevelopersReader), Allowed),
    (SignedInDeveloper, List, Allowed),
    (SignedInDeveloper, Read(AdminsReader), Allowed),
    (SignedInDeveloper, CreatePersonal, Allowed),
    (SignedInDeveloper, CreateService("read-only"), Refused),
    (SignedInDeveloper, Rename(Reader), Refused),
    (SignedInDeveloper, Regenerate(DevelopersReader), Allowed),
    (SignedInDeveloper, Delete(AdminsReader), Refused),
    (SignedInViewer, List, Allowed),
    (SignedInViewer, Read(Full), Allowed),
    (SignedInViewer, CreatePersonal, Missing("api-token.create")),
    (SignedInViewer, Rename(Reader), Missing("api-token.update")),
    (
        SignedInViewer,
        Delete(DevelopersReader),
        Missing("api-token.delete"),
    ),
    // The free plan lists and revokes; it does not manage.
    (LapsedServiceFull, List, Allowed),
    (LapsedServiceFull, Read(Reader), Allowed),
    (LapsedServiceFull, CreateService("read-only"), PlanRequired),
    (LapsedServiceFull, Rename(Reader), PlanRequired),
    (LapsedServiceFull, Regenerate(Reader), PlanRequired),
    (LapsedServiceFull, Delete(Reader), Allowed),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Face {
    Rest,
    Graphql,
}

struct Table {
    api: ApiServer,
    project: Project,
    admin: Actor,
    developer: Actor,
    /// Credential → bearer, for both projects.
    bearers: Vec<(Credential, String)>,
    lapsed_project: Project,
    /// Targets of the lapsed project, made before its downgrade; one per case that needs one.
    lapsed_targets: Vec<Uuid>,
}

impl Table {
    async fn new(app: TestApp) -> Table {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::ProfessionalUnlimited).await;
        api.app.content_type(&project, "article").await;
        let (_, admin) = api
            .app
            .member(&project, "ada@example.com", Role::Admin)
            .await;
        let (_, developer) = api
            .app
            .member(&project, "dev@example.com", Role::Developer)
            .await;
        api.app
            .member(&project, "vic@example.com", Role::Viewer)
            .await;
        let lapsed_project = api.project("lapsed", Plan::Professional).await;
        api.app.content_type(&lapsed_project, "article").await;
        let mut table = Table {
            api,
            project,
            admin,
            developer,
            bearers: Vec::new(),
            lapsed_project,
            lapsed_targets: Vec::new(),
        };
        let system = Actor::system();
        for (credential, creator, input) in [
            (ServiceFull, &system, token("full")),
            (ServiceReadOnly, &system, typed("reads", "read-only")),
            (
                ServiceArticleReader,
                &system,
                custom("articles", &["article.find"]),
            ),
            (
                ServiceTokenCreator,
                &system,
                custom("creator", &["api-token.create", "article.find"]),
            ),
            (
                ServiceTokenAdmin,
                &system,
                custom(
                    "token admin",
                    &[
                        "api-token.find",
                        "api-token.findOne",
                        "api-token.create",
                        "api-token.update",
                        "api-token.delete",
                        "api-token.regenerate",
                    ],
                ),
            ),
            (
                AdminPersonalFull,
                &table.admin,
                personal("admin's", "full-access"),
            ),
            (
                DeveloperPersonalFull,
                &table.developer,
                personal("developer's", "full-access"),
            ),
        ] {
            let issued = table.api.app.issue(creator, &table.project, input).await;
            let bearer = issued.secret.expose_secret().to_owned();
            table.bearers.push((credential, bearer));
        }
        for (credential, email) in [
            (SignedInAdmin, "ada@example.com"),
            (SignedInDeveloper, "dev@example.com"),
            (SignedInViewer, "vic@example.com"),
        ] {
            let bearer = table.api.login("acme", email).await;
            table.bearers.push((credential, bearer));
        }
        let lapsed = table
            .api
            .issue(&table.lapsed_project, token("lapsed full"))
            .await;
        table
            .bearers
            .push((LapsedServiceFull, lapsed.secret.expose_secret().to_owned()));
        let lapsed_cases = CASES
            .iter()
            .filter(|(credential, operation, _)| {
                *credential == LapsedServiceFull && target_of(*operation).is_some()
            })
            .count();
        for n in 0..lapsed_cases * 2 {
            let issued = table
                .api
                .issue(
                    &table.lapsed_project,
                    custom(&format!("lapsed reader {n}"), &["article.find"]),
                )
                .await;
            table.lapsed_targets.push(issued.token.id);
        }
        table
            .api
            .services
            .projects
            .set_plan(&system, table.lapsed_project.id, Plan::Free, None)
            .await
            .unwrap();
        table
    }

    fn bearer(&self, credential: Credential) -> &str {
        &self
            .bearers
            .iter()
            .find(|(c, _)| *c == credential)
            .expect("every credential has a bearer")
            .1
    }

    /// A fresh target in the credential's project.
    async fn target(&mut self, credential: Credential, target: Target, n: usize) -> Uuid {
        if credential == LapsedServiceFull {
            assert_eq!(target, Reader, "the lapsed project has readers only");
            return self
                .lapsed_targets
                .pop()
                .expect("one lapsed target per case");
        }
        let system = Actor::system();
        let (creator, input) = match target {
            Reader => (&system, custom(&format!("reader {n}"), &["article.find"])),
            Full => (&system, token(&format!("full {n}"))),
            AdminsReader => (
                &self.admin,
                NewTokenInput {
                    permissions: vec!["article.find".into()],
                    ..personal(&format!("admin's reader {n}"), "custom")
                },
            ),
            DevelopersReader => (
                &self.developer,
                NewTokenInput {
                    permissions: vec!["article.find".into()],
                    ..personal(&format!("developer's reader {n}"), "custom")
                },
            ),
        };
        self.api
            .app
            .issue(creator, &self.project, input)
            .await
            .token
            .id
    }

    async fn rest(
        &self,
        bearer: &str,
        operation: Operation,
        id: Option<Uuid>,
        n: usize,
    ) -> Outcome {
        let client = self.api.client();
        let tokens = format!("{}/tokens", self.api.base);
        let one = id.map(|id| format!("{tokens}/{id}")).unwrap_or_default();
        let request = match operation {
            List => client.get(&tokens),
            Read(_) => client.get(&one),
            CreateService(_) | CreatePersonal | CreateCustom(_) => {
                client.post(&tokens).json(&create_body(operation, n))
            }
            Rename(_) => client
                .patch(&one)
                .json(&json!({ "name": format!("renamed {n}") })),
            Widen(_) => client.patch(&one).json(&json!({ "permissions": WIDENED })),
            Regenerate(_) => client.post(format!("{one}/regenerate")),
            Delete(_) => client.delete(&one),
        };
        let reply = self.api.raw(request.bearer_auth(bearer)).await;
        if reply.status.is_success() {
            return Allowed;
        }
        let error = &reply.body["error"];
        match (reply.status.as_u16(), error["code"].as_str()) {
            (403, Some("authorization_error")) => {
                match error["data"]["required_permission"].as_str() {
                    Some(permission) => Missing(leak(permission)),
                    None => Refused,
                }
            }
            (403, Some("plan_required")) => PlanRequired,
            (422, Some("validation_error")) => {
                let fields = error["data"].as_object().expect("field errors");
                assert_eq!(fields.len(), 1, "{}", reply.body);
                Invalid(leak(fields.keys().next().unwrap()))
            }
            _ => panic!(
                "REST {operation:?}: unexpected {} {}",
                reply.status, reply.body
            ),
        }
    }

    async fn graphql(
        &self,
        bearer: &str,
        operation: Operation,
        id: Option<Uuid>,
        n: usize,
    ) -> Outcome {
        let (query, variables) = match operation {
            List => ("{ result: apiTokens(first: 5) { totalCount } }", json!({})),
            Read(_) => (
                "query($id: UUID!) { result: apiToken(id: $id) { id } }",
                json!({ "id": id }),
            ),
            CreateService(_) | CreatePersonal | CreateCustom(_) => {
                let body = create_body(operation, n);
                let mut input = json!({
                    "name": body["name"],
                    "kind": body["kind"].as_str().unwrap().to_uppercase(),
                    "type": body["type"].as_str().unwrap().replace('-', "_").to_uppercase(),
                });
                if let Some(permissions) = body.get("permissions") {
                    input["permissions"] = permissions.clone();
                }
                (
                    "mutation($input: CreateApiTokenInput!) { result: createApiToken(input: $input) { data { token } errors { field message } } }",
                    json!({ "input": input }),
                )
            }
            Rename(_) => (
                "mutation($input: UpdateApiTokenInput!) { result: updateApiToken(input: $input) { data { id } errors { field message } } }",
                json!({ "input": { "id": id, "name": format!("renamed {n}") } }),
            ),
            Widen(_) => (
                "mutation($input: UpdateApiTokenInput!) { result: updateApiToken(input: $input) { data { id } errors { field message } } }",
                json!({ "input": { "id": id, "permissions": WIDENED } }),
            ),
            Regenerate(_) => (
                "mutation($input: ApiTokenIdInput!) { result: regenerateApiToken(input: $input) { data { token } errors { field message } } }",
                json!({ "input": { "id": id } }),
            ),
            Delete(_) => (
                "mutation($input: ApiTokenIdInput!) { result: deleteApiToken(input: $input) { data { id } errors { field message } } }",
                json!({ "input": { "id": id } }),
            ),
        };
        let url = format!("{}/graphql", self.api.base.trim_end_matches("/api/v1"));
        let request = self
            .api
            .client()
            .post(url)
            .json(&json!({ "query": query, "variables": variables }));
        let reply = self.api.raw(request.bearer_auth(bearer)).await;
        assert_eq!(reply.status, 200, "GraphQL {operation:?}: {}", reply.body);
        let error = &reply.body["errors"][0];
        if error.is_null() {
            let result = &reply.body["data"]["result"];
            if matches!(operation, List | Read(_)) {
                assert!(result.is_object(), "{}", reply.body);
                return Allowed;
            }
            return match result["errors"].as_array().map(Vec::as_slice) {
                Some([]) => {
                    assert!(result["data"].is_object(), "{}", reply.body);
                    Allowed
                }
                Some([only]) => Invalid(leak(only["field"].as_str().expect("a field"))),
                _ => panic!("GraphQL {operation:?}: {}", reply.body),
            };
        }
        match error["extensions"]["code"].as_str() {
            Some("FORBIDDEN") => match error["extensions"]["requiredPermission"].as_str() {
                Some(permission) => Missing(leak(permission)),
                None => Refused,
            },
            Some("PLAN_REQUIRED") => PlanRequired,
            _ => panic!("GraphQL {operation:?}: unexpected {}", reply.body),
        }
    }
}

const WIDENED: [&str; 2] = ["article.find", "article.delete"];

fn target_of(operation: Operation) -> Option<Target> {
    match operation {
        Read(t) | Rename(t) | Widen(t) | Regenerate(t) | Delete(t) => Some(t),
        List | CreateService(_) | CreatePersonal | CreateCustom(_) => None,
    }
}

fn create_body(operation: Operation, n: usize) -> Value {
    let name = format!("made {n}");
    match operation {
        CreateService("custom") => json!({
            "name": name, "kind": "service", "type": "custom", "permissions": ["article.find"]
        }),
        CreateService(token_type) => json!({ "name": name, "kind": "service", "type": token_type }),
        CreatePersonal => json!({ "name": name, "kind": "personal", "type": "full-access" }),
        CreateCustom(permissions) => json!({
            "name": name, "kind": "service", "type": "custom", "permissions": permissions
        }),
        _ => unreachable!("only create operations have a create body"),
    }
}

fn typed(name: &str, token_type: &str) -> NewTokenInput {
    NewTokenInput {
        token_type: token_type.into(),
        ..token(name)
    }
}

/// The table's outcomes hold `&'static str`; a test's few answers may live that long.
fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

backend_tests! {
    async fn rest_and_graphql_answer_every_case_of_the_table_alike(app) {
        let mut table = Table::new(app).await;
        let mut wrong = Vec::new();
        for (n, (credential, operation, expected)) in CASES.iter().copied().enumerate() {
            for face in [Face::Rest, Face::Graphql] {
                let n = 2 * n + face as usize;
                let id = match target_of(operation) {
                    Some(target) => Some(table.target(credential, target, n).await),
                    None => None,
                };
                let bearer = table.bearer(credential).to_owned();
                let answer = match face {
                    Face::Rest => table.rest(&bearer, operation, id, n).await,
                    Face::Graphql => table.graphql(&bearer, operation, id, n).await,
                };
                if answer != expected {
                    wrong.push(format!("{face:?}: {credential:?} {operation:?} → {answer:?}, expected {expected:?}"));
                }
            }
        }
        assert!(wrong.is_empty(), "{} of {} answers differ from the table:\n{}", wrong.len(), CASES.len() * 2, wrong.join("\n"));
    }
}
