//! The privilege ceiling as one matrix: every caller (grant × kind) against every target
//! (type × kind × owner) for every operation, through the services (the dashboard's path),
//! the REST API and the GraphQL API. An allowed cell must satisfy every invariant of the
//! ceiling, and the three faces must answer every cell alike; a handful of cells that must be
//! allowed keep the matrix from passing by refusing all.
//!
//! The rule itself lives in `authority`; this file states what it must guarantee, not how.
//! It runs past 400 lines on purpose: callers, targets, faces and invariants are one table,
//! read together.

use crate::api::ApiServer;
use crate::helpers::*;
use latchkey::domain::{Actor, Permission, PermissionSet, Plan, Role};
use latchkey::tokens::{NewTokenInput, TokenChangesInput};
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Face {
    Service,
    Rest,
    Graphql,
}

const FACES: [Face; 3] = [Face::Service, Face::Rest, Face::Graphql];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Rename,
    Widen,
    Regenerate,
    Revoke,
}

/// Who a caller acts for: a project member (by role) or nobody (a service token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Person {
    Admin,
    Developer,
    Viewer,
}

struct Caller {
    label: String,
    actor: Actor,
    /// The bearer credential for the REST face: a token secret or a login access token.
    bearer: String,
    /// What the caller holds (a token's effective set; a member's role ceiling).
    holds: PermissionSet,
    /// The member it acts for, if any; `is_personal_token` tells a member from their token.
    person: Option<(Person, Uuid)>,
    is_personal_token: bool,
}

#[derive(Clone, Copy)]
struct TargetSpec {
    label: &'static str,
    token_type: &'static str,
    permissions: &'static [&'static str],
    /// `None`: a service token; otherwise the owner of a personal token.
    owner: Option<Person>,
}

const TARGETS: [TargetSpec; 8] = [
    TargetSpec {
        label: "service full",
        token_type: "full-access",
        permissions: &[],
        owner: None,
    },
    TargetSpec {
        label: "service read-only",
        token_type: "read-only",
        permissions: &[],
        owner: None,
    },
    TargetSpec {
        label: "service article reader",
        token_type: "custom",
        permissions: &["article.find"],
        owner: None,
    },
    TargetSpec {
        label: "service token lister",
        token_type: "custom",
        permissions: &["api-token.find"],
        owner: None,
    },
    TargetSpec {
        label: "admin's personal full",
        token_type: "full-access",
        permissions: &[],
        owner: Some(Person::Admin),
    },
    TargetSpec {
        label: "admin's personal reader",
        token_type: "custom",
        permissions: &["article.find"],
        owner: Some(Person::Admin),
    },
    TargetSpec {
        label: "developer's personal full",
        token_type: "full-access",
        permissions: &[],
        owner: Some(Person::Developer),
    },
    TargetSpec {
        label: "developer's personal reader",
        token_type: "custom",
        permissions: &["article.find"],
        owner: Some(Person::Developer),
    },
];

struct Matrix {
    api: ApiServer,
    project: latchkey::projects::Project,
    members: Vec<(Person, Uuid, Actor)>,
    everything: PermissionSet,
    reads: PermissionSet,
}

impl Matrix {
    fn member(&self, person: Person) -> (Uuid, Actor) {
        let (_, id, actor) = self.members.iter().find(|(p, _, _)| *p == person).unwrap();
        (*id, actor.clone())
    }

    fn services(&self) -> &latchkey::services::Services {
        &self.api.services
    }

    async fn effective(&self, secret: &str) -> PermissionSet {
        self.services()
            .tokens
            .verify(secret, None)
            .await
            .unwrap()
            .permissions
            .clone()
    }

    async fn token_caller(
        &self,
        label: &str,
        input: NewTokenInput,
        person: Option<Person>,
    ) -> Caller {
        let creator = match person {
            Some(person) => self.member(person).1,
            None => Actor::system(),
        };
        let issued = self
            .api
            .app
            .create(&creator, &self.project, input)
            .await
            .unwrap();
        let secret = issued.secret.expose_secret().to_owned();
        let verified = self.services().tokens.verify(&secret, None).await.unwrap();
        Caller {
            label: label.to_owned(),
            actor: verified.as_caller(),
            holds: verified.permissions.clone(),
            person: person.map(|p| (p, self.member(p).0)),
            is_personal_token: person.is_some(),
            bearer: secret,
        }
    }

    async fn member_caller(&self, person: Person, email: &str) -> Caller {
        let (id, actor) = self.member(person);
        let bearer = self.api.login("acme", email).await;
        Caller {
            label: format!("{person:?} (signed in)"),
            actor,
            bearer,
            holds: if person == Person::Viewer {
                self.reads.clone()
            } else {
                self.everything.clone()
            },
            person: Some((person, id)),
            is_personal_token: false,
        }
    }

    /// A fresh target, so that every cell starts from the same state.
    async fn target(
        &self,
        spec: TargetSpec,
        n: usize,
    ) -> (Uuid, String, PermissionSet, Option<Uuid>) {
        let name = format!("{} #{n}", spec.label);
        let (creator, owner_id, kind) = match spec.owner {
            Some(person) => {
                let (id, actor) = self.member(person);
                (actor, Some(id), "personal")
            }
            None => (Actor::system(), None, "service"),
        };
        let input = NewTokenInput {
            kind: kind.into(),
            token_type: spec.token_type.into(),
            permissions: spec.permissions.iter().map(|p| p.to_string()).collect(),
            ..token(&name)
        };
        let issued = self
            .api
            .app
            .create(&creator, &self.project, input)
            .await
            .unwrap();
        let secret = issued.secret.expose_secret().to_owned();
        let effective = self.effective(&secret).await;
        (issued.token.id, secret, effective, owner_id)
    }

    /// Runs one cell; `Some(perms after)` when it was allowed.
    async fn run(
        &self,
        face: Face,
        caller: &Caller,
        operation: Operation,
        id: Uuid,
    ) -> Option<PermissionSet> {
        let widened = vec!["article.find".to_owned(), "article.delete".to_owned()];
        let allowed = match face {
            Face::Service => {
                let tokens = &self.services().tokens;
                let (actor, project) = (&caller.actor, self.project.id);
                match operation {
                    Operation::Rename => tokens
                        .update(
                            actor,
                            project,
                            id,
                            TokenChangesInput {
                                name: Some(format!("renamed {id}")),
                                ..Default::default()
                            },
                        )
                        .await
                        .is_ok(),
                    Operation::Widen => tokens
                        .update(
                            actor,
                            project,
                            id,
                            TokenChangesInput {
                                permissions: Some(widened),
                                ..Default::default()
                            },
                        )
                        .await
                        .is_ok(),
                    Operation::Regenerate => tokens.regenerate(actor, project, id).await.is_ok(),
                    Operation::Revoke => tokens.revoke(actor, project, id).await.is_ok(),
                }
            }
            Face::Rest => {
                let client = self.api.client();
                let url = format!("{}/tokens/{id}", self.api.base);
                let request = match operation {
                    Operation::Rename => client
                        .patch(&url)
                        .json(&json!({ "name": format!("renamed {id}") })),
                    Operation::Widen => client.patch(&url).json(&json!({ "permissions": widened })),
                    Operation::Regenerate => client.post(format!("{url}/regenerate")),
                    Operation::Revoke => client.delete(&url),
                };
                let reply = self.api.raw(request.bearer_auth(&caller.bearer)).await;
                assert!(
                    matches!(reply.status.as_u16(), 200 | 204 | 403 | 404),
                    "{}: {operation:?} → {} {}",
                    caller.label,
                    reply.status,
                    reply.body
                );
                reply.status.is_success()
            }
            Face::Graphql => {
                let (mutation, input, field) = match operation {
                    Operation::Rename => (
                        "updateApiToken(input: $input) { data { id } errors { message } }",
                        json!({ "id": id, "name": format!("renamed {id}") }),
                        "UpdateApiTokenInput!",
                    ),
                    Operation::Widen => (
                        "updateApiToken(input: $input) { data { id } errors { message } }",
                        json!({ "id": id, "permissions": widened }),
                        "UpdateApiTokenInput!",
                    ),
                    Operation::Regenerate => (
                        "regenerateApiToken(input: $input) { data { token } errors { message } }",
                        json!({ "id": id }),
                        "ApiTokenIdInput!",
                    ),
                    Operation::Revoke => (
                        "deleteApiToken(input: $input) { data { id } errors { message } }",
                        json!({ "id": id }),
                        "ApiTokenIdInput!",
                    ),
                };
                let query = format!("mutation($input: {field}) {{ result: {mutation} }}");
                let url = format!("{}/graphql", self.api.base.trim_end_matches("/api/v1"));
                let request = self
                    .api
                    .client()
                    .post(url)
                    .json(&json!({ "query": query, "variables": { "input": input } }));
                let reply = self.api.raw(request.bearer_auth(&caller.bearer)).await;
                assert_eq!(
                    reply.status, 200,
                    "{}: {operation:?} → {}",
                    caller.label, reply.body
                );
                match reply.body["errors"][0]["extensions"]["code"].as_str() {
                    None => {
                        assert!(
                            !reply.body["data"]["result"]["data"].is_null(),
                            "{}: {operation:?} → {}",
                            caller.label,
                            reply.body
                        );
                        true
                    }
                    Some("FORBIDDEN" | "NOT_FOUND") => false,
                    Some(other) => {
                        panic!("{}: {operation:?} → {other}: {}", caller.label, reply.body)
                    }
                }
            }
        };
        if !allowed {
            return None;
        }
        let after = self
            .services()
            .tokens
            .get(&Actor::system(), self.project.id, id)
            .await
            .unwrap();
        Some(after.permissions.clone())
    }
}

fn required(operation: Operation) -> Permission {
    perm(match operation {
        Operation::Rename | Operation::Widen => "api-token.update",
        Operation::Regenerate => "api-token.regenerate",
        Operation::Revoke => "api-token.delete",
    })
}

fn holds_all(holder: &PermissionSet, wanted: &PermissionSet) -> bool {
    wanted.iter().all(|p| holder.contains(p))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_cell_of_the_matrix_allows_an_escalation() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let project = app.project("acme", Plan::ProfessionalUnlimited).await;
    app.content_type(&project, "article").await;
    let mut members = Vec::new();
    for (person, email, role) in [
        (Person::Admin, "ada@example.com", Role::Admin),
        (Person::Developer, "dev@example.com", Role::Developer),
        (Person::Viewer, "vic@example.com", Role::Viewer),
    ] {
        let (user, actor) = app.member(&project, email, role).await;
        members.push((person, user.id, actor));
    }
    let api = ApiServer::start(app).await;
    let mut matrix = Matrix {
        api,
        project,
        members,
        everything: PermissionSet::new(),
        reads: PermissionSet::new(),
    };
    let full = matrix
        .api
        .app
        .issue(&Actor::system(), &matrix.project, token("Reference full"))
        .await;
    matrix.everything = matrix.effective(full.secret.expose_secret()).await;
    let reader = matrix
        .api
        .app
        .issue(
            &Actor::system(),
            &matrix.project,
            NewTokenInput {
                token_type: "read-only".into(),
                ..token("Reference reads")
            },
        )
        .await;
    matrix.reads = matrix.effective(reader.secret.expose_secret()).await;

    let all_token_actions = [
        "api-token.find",
        "api-token.findOne",
        "api-token.create",
        "api-token.update",
        "api-token.delete",
        "api-token.regenerate",
    ];
    let callers = vec![
        matrix.member_caller(Person::Admin, "ada@example.com").await,
        matrix
            .member_caller(Person::Developer, "dev@example.com")
            .await,
        matrix
            .member_caller(Person::Viewer, "vic@example.com")
            .await,
        matrix
            .token_caller("service full", token("Caller full"), None)
            .await,
        matrix
            .token_caller(
                "service read-only",
                NewTokenInput {
                    token_type: "read-only".into(),
                    ..token("Caller reads")
                },
                None,
            )
            .await,
        matrix
            .token_caller(
                "service token admin",
                custom("Caller token admin", &all_token_actions),
                None,
            )
            .await,
        matrix
            .token_caller(
                "service regenerator",
                custom("Caller regenerator", &["api-token.regenerate"]),
                None,
            )
            .await,
        matrix
            .token_caller(
                "service updater + article reader",
                custom("Caller updater", &["api-token.update", "article.find"]),
                None,
            )
            .await,
        matrix
            .token_caller(
                "service deleter",
                custom("Caller deleter", &["api-token.delete"]),
                None,
            )
            .await,
        matrix
            .token_caller(
                "admin's personal full",
                personal("Caller admin personal", "full-access"),
                Some(Person::Admin),
            )
            .await,
        matrix
            .token_caller(
                "admin's personal token admin",
                NewTokenInput {
                    permissions: all_token_actions.iter().map(|p| p.to_string()).collect(),
                    ..personal("Caller admin narrow", "custom")
                },
                Some(Person::Admin),
            )
            .await,
        matrix
            .token_caller(
                "developer's personal full",
                personal("Caller dev personal", "full-access"),
                Some(Person::Developer),
            )
            .await,
    ];

    let mut cells = 0;
    let mut allowed = std::collections::BTreeSet::new();
    let mut n = 0;
    for face in FACES {
        for caller in &callers {
            for spec in TARGETS {
                for operation in [
                    Operation::Rename,
                    Operation::Widen,
                    Operation::Regenerate,
                    Operation::Revoke,
                ] {
                    if operation == Operation::Widen && spec.token_type != "custom" {
                        continue;
                    }
                    n += 1;
                    cells += 1;
                    let (id, _secret, before, owner) = matrix.target(spec, n).await;
                    let Some(after) = matrix.run(face, caller, operation, id).await else {
                        continue;
                    };
                    let cell = format!(
                        "{face:?}: {} may {operation:?} {}",
                        caller.label, spec.label
                    );
                    allowed.insert((
                        face as u8,
                        caller.label.clone(),
                        spec.label,
                        operation as u8,
                    ));

                    assert!(
                        holds_all(&caller.holds, &before),
                        "{cell}, which holds more than the caller"
                    );
                    assert!(
                        caller.holds.contains(&required(operation)),
                        "{cell} without {}",
                        required(operation)
                    );
                    assert!(
                        holds_all(&caller.holds, &after),
                        "{cell}, leaving it beyond the caller"
                    );
                    if operation == Operation::Regenerate && spec.owner.is_some() {
                        assert_eq!(
                            caller.person.map(|(_, id)| id),
                            owner,
                            "{cell}: only the owner obtains a personal token's secret"
                        );
                    }
                    match caller.person {
                        Some((Person::Viewer, _)) => panic!("{cell}: a viewer changes nothing"),
                        Some((Person::Developer, id)) => assert_eq!(
                            owner,
                            Some(id),
                            "{cell}: a developer manages only their own personal tokens"
                        ),
                        _ => {}
                    }
                    assert!(
                        !(caller.is_personal_token && caller.person.is_none()),
                        "{cell}"
                    );
                }
            }
        }
    }

    // Every face answers every cell alike: one rule, asked from three places.
    let answers = |face: Face| -> std::collections::BTreeSet<_> {
        allowed
            .iter()
            .filter(|cell| cell.0 == face as u8)
            .map(|(_, caller, target, operation)| (caller.clone(), *target, *operation))
            .collect()
    };
    assert_eq!(
        answers(Face::Rest),
        answers(Face::Service),
        "REST and the services differ"
    );
    assert_eq!(
        answers(Face::Graphql),
        answers(Face::Rest),
        "GraphQL and REST differ"
    );

    // The matrix is not passing by refusing everything: the cells that must be allowed are.
    for face in FACES {
        for (caller, target, operation) in [
            ("service full", "service full", Operation::Regenerate),
            ("service full", "service article reader", Operation::Widen),
            (
                "service full",
                "developer's personal full",
                Operation::Revoke,
            ),
            (
                "service token admin",
                "service token lister",
                Operation::Regenerate,
            ),
            (
                "service updater + article reader",
                "service article reader",
                Operation::Rename,
            ),
            (
                "Admin (signed in)",
                "developer's personal reader",
                Operation::Revoke,
            ),
            (
                "Admin (signed in)",
                "admin's personal full",
                Operation::Regenerate,
            ),
            (
                "Developer (signed in)",
                "developer's personal reader",
                Operation::Regenerate,
            ),
            (
                "developer's personal full",
                "developer's personal reader",
                Operation::Widen,
            ),
            (
                "admin's personal full",
                "service read-only",
                Operation::Rename,
            ),
        ] {
            assert!(
                allowed.contains(&(face as u8, caller.to_owned(), target, operation as u8)),
                "{face:?}: {caller} should be allowed to {operation:?} {target}"
            );
        }
    }
    assert!(cells > 600, "{cells} cells");
}
