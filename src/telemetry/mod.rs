//! Logging: structured `tracing` events to stderr, filtered by `LATCHKEY_LOG` (or `RUST_LOG`).
//!
//! Every request gets an id (a random UUID). While the request is served,
//! the id is the task's `current_request_id()`: every log line written meanwhile carries it as
//! `request_id=…`, and error bodies carry it as `trace_id`, so a client's error leads to its log
//! lines. The per-request span (method, path, status) is at DEBUG level, like tower-http's: a
//! span the subscriber records costs more than a whole token check, and every protected
//! request pays for it. `LATCHKEY_LOG=debug` turns it on.
//!
//! Spans are created with `skip_all`, so secrets never become span fields.

mod redact;

use actix_web::Error;
use actix_web::dev::{Service, Transform, forward_ready};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use std::fmt;
use std::future::{Future, Ready, ready};
use std::io::IsTerminal;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::task::futures::TaskLocalFuture;
use tracing::instrument::{Instrument, Instrumented};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;
use uuid::Uuid;

const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn";

/// One-shot commands print what they did themselves: by default their log shows only warnings
/// and errors, not the audit lines of the change they just reported (nor the TLS verifier's
/// own line for a certificate the client reports in its error).
const COMMAND_FILTER: &str = "warn,rustls_platform_verifier=off";

/// The log on standard error: the server's at `info`, a one-shot command's at `warn`, unless
/// `LATCHKEY_LOG` (or `RUST_LOG`) says otherwise.
pub fn init_subscriber(serving: bool) {
    let filter = std::env::var("LATCHKEY_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|raw| EnvFilter::try_new(raw).ok())
        .unwrap_or_else(|| {
            EnvFilter::new(if serving {
                DEFAULT_FILTER
            } else {
                COMMAND_FILTER
            })
        });
    // A second initialisation (tests) is harmless, so its error is ignored.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .event_format(LogLine)
        .try_init();
}

/// What the current task knows of the request it serves.
#[derive(Debug, Clone, Copy)]
struct RequestFacts {
    id: Uuid,
    /// The address the request came from (the peer: behind a proxy, the proxy).
    peer: Option<std::net::IpAddr>,
}

tokio::task_local! {
    static REQUEST: Option<RequestFacts>;
}

/// The id of the request the current task is serving, if any.
pub fn current_request_id() -> Option<Uuid> {
    REQUEST.try_with(|facts| facts.map(|f| f.id)).ok().flatten()
}

/// The peer address of the current request, for security log lines written where the
/// request itself is out of reach.
pub fn current_peer() -> Option<std::net::IpAddr> {
    REQUEST
        .try_with(|facts| facts.and_then(|f| f.peer))
        .ok()
        .flatten()
}

/// A security event as a log line: target `latchkey::security`, with the request id (every
/// line has it) and the peer address. Never give it a secret.
#[macro_export]
macro_rules! security_event {
    ($level:ident, $event:literal, $($rest:tt)*) => {
        tracing::$level!(
            target: "latchkey::security",
            event = $event,
            peer = %$crate::telemetry::current_peer().map_or_else(|| "-".to_owned(), |p| p.to_string()),
            $($rest)*
        )
    };
}

/// Gives every request an id and makes it the task's `current_request_id()` while the request
/// is served; opens the request span (method, path, request id, status) at DEBUG level (see
/// the module documentation). Written by hand, as one middleware: it adds no allocation to a
/// request, and a disabled span costs a branch.
pub struct RequestContext;

impl<S, B> Transform<S, ServiceRequest> for RequestContext
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = RequestContextService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequestContextService { service }))
    }
}

pub struct RequestContextService<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for RequestContextService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = ServeRequest<S::Future>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let request_id = Some(Uuid::new_v4());
        let facts = request_id.map(|id| RequestFacts {
            id,
            peer: req.peer_addr().map(|addr| addr.ip()),
        });
        let span = tracing::debug_span!(
            "request",
            method = %req.method(),
            path = %redact::RedactedPath(req.path()),
            request_id = request_id.map(tracing::field::display),
            status = tracing::field::Empty,
        );
        // The inner services' synchronous part runs in the span and with the id too.
        let serving = span.in_scope(|| REQUEST.sync_scope(facts, || self.service.call(req)));
        ServeRequest {
            inner: REQUEST.scope(facts, serving).instrument(span),
        }
    }
}

pin_project_lite::pin_project! {
    /// A request being served: polled in its span and with its id, and its status recorded
    /// in the span when the span is enabled.
    pub struct ServeRequest<F> {
        #[pin]
        inner: Instrumented<TaskLocalFuture<Option<RequestFacts>, F>>,
    }
}

impl<F, B> Future for ServeRequest<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let outcome = ready!(this.inner.as_mut().poll(cx));
        let span = this.inner.span();
        if !span.is_disabled() {
            let status = match &outcome {
                Ok(response) => response.status(),
                Err(error) => error.as_response_error().status_code(),
            };
            span.record("status", status.as_u16());
        }
        Poll::Ready(outcome)
    }
}

/// One log line: time, level, the request id while serving a request, the spans the event
/// is in, then the message and fields (formatted, and escaped, by the subscriber's field
/// formatter).
///
/// `2026-11-22T21:43:22.123456Z  WARN request_id=6f1e…: message key=value`
struct LogLine;

impl<S, N> FormatEvent<S, N> for LogLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let ansi = writer.has_ansi_escapes();
        if SystemTime.format_time(&mut writer).is_err() {
            writer.write_str("<unknown time>")?;
        }
        let level = *event.metadata().level();
        if ansi {
            write!(writer, " {}{level:>5}\x1b[0m ", level_colour(level))?;
        } else {
            write!(writer, " {level:>5} ")?;
        }
        if let Some(id) = current_request_id() {
            write!(writer, "request_id={id}: ")?;
        }
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                writer.write_str(span.name())?;
                let extensions = span.extensions();
                if let Some(fields) = extensions.get::<FormattedFields<N>>()
                    && !fields.is_empty()
                {
                    write!(writer, "{{{fields}}}")?;
                }
                writer.write_str(": ")?;
            }
        }
        ctx.format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

fn level_colour(level: Level) -> &'static str {
    match level {
        Level::ERROR => "\x1b[31m",
        Level::WARN => "\x1b[33m",
        Level::INFO => "\x1b[32m",
        Level::DEBUG => "\x1b[34m",
        Level::TRACE => "\x1b[35m",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::fmt::MakeWriter;
    use tracing_subscriber::fmt::format::FmtSpan;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Self;

        fn make_writer(&'a self) -> Self {
            self.clone()
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
        }
    }

    fn subscriber(out: &Captured, filter: &str) -> impl Subscriber + Send + Sync {
        subscriber_with_span_events(out, filter, FmtSpan::NONE)
    }

    fn subscriber_with_span_events(
        out: &Captured,
        filter: &str,
        span_events: FmtSpan,
    ) -> impl Subscriber + Send + Sync {
        tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new(filter))
            .with_writer(out.clone())
            .with_ansi(false)
            .with_span_events(span_events)
            .event_format(LogLine)
            .finish()
    }

    #[tokio::test]
    async fn lines_written_while_serving_a_request_carry_its_id() {
        let out = Captured::default();
        let _guard = tracing::subscriber::set_default(subscriber(&out, "info"));
        let id = Uuid::now_v7();
        REQUEST
            .scope(Some(RequestFacts { id, peer: None }), async {
                tracing::info!(token_id = 7, "token created");
            })
            .await;
        tracing::warn!("outside any request");

        let text = out.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[0].ends_with(&format!(" INFO request_id={id}: token created token_id=7")),
            "{text}"
        );
        assert!(lines[1].ends_with(" WARN outside any request"), "{text}");
        assert!(!lines[1].contains("request_id"), "{text}");
    }

    #[actix_web::test]
    async fn every_request_gets_its_own_id_in_its_log_lines_and_span() {
        use actix_web::{App, HttpResponse, test, web};

        let out = Captured::default();
        let _guard = tracing::subscriber::set_default(subscriber_with_span_events(
            &out,
            "debug",
            FmtSpan::CLOSE,
        ));
        let app = test::init_service(App::new().wrap(RequestContext).route(
            "/teapot",
            web::get().to(|| async {
                tracing::info!("brewing");
                HttpResponse::ImATeapot().body(
                    current_request_id()
                        .map(|id| id.to_string())
                        .unwrap_or_default(),
                )
            }),
        ))
        .await;
        let mut ids = Vec::new();
        for _ in 0..2 {
            let response =
                test::call_service(&app, test::TestRequest::get().uri("/teapot").to_request())
                    .await;
            assert_eq!(response.status().as_u16(), 418);
            let body = test::read_body(response).await;
            ids.push(Uuid::parse_str(std::str::from_utf8(&body).unwrap()).unwrap());
        }
        assert_ne!(ids[0], ids[1]);
        assert_eq!(
            current_request_id(),
            None,
            "the id does not outlive its request"
        );
        let text = out.text();
        for id in ids {
            assert!(text.contains(&format!("INFO request_id={id}: request{{method=GET path=/teapot request_id={id}}}: brewing")), "{text}");
            assert!(
                text.contains(&format!(
                    "request{{method=GET path=/teapot request_id={id} status=418}}: close"
                )),
                "{text}"
            );
        }
    }

    #[test]
    fn enabled_spans_are_named_with_their_fields() {
        let out = Captured::default();
        let _guard = tracing::subscriber::set_default(subscriber(&out, "debug"));
        tracing::debug_span!("request", method = "GET", status = 200).in_scope(|| {
            tracing::error!(reason = %"boom", "request failed");
        });
        let text = out.text();
        assert!(
            text.contains(r#"ERROR request{method="GET" status=200}: request failed reason=boom"#),
            "{text}"
        );
    }

    #[test]
    fn messages_are_escaped_by_the_field_formatter() {
        let out = Captured::default();
        let _guard = tracing::subscriber::set_default(subscriber(&out, "info"));
        tracing::info!("injected \x1b[31m colour");
        assert!(!out.text().contains('\x1b'), "{}", out.text());
    }
}
