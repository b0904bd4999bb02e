//! Stopping without failing a request. On SIGTERM or SIGINT the instance first drains:
//! `/readyz` answers 503 at once, so a load balancer takes it out of rotation, while every
//! request is still served for the drain period, each answer closing its connection so that
//! clients reconnect (to another instance, once the balancer has moved). Then the server
//! stops accepting, finishes what is in flight, and the caller writes the pending last-used
//! times. A second signal cuts the drain short.

use actix_web::Error;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::ConnectionType;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

/// How long in-flight requests may take to finish once the server stops accepting: past the
/// request deadline, so nothing that is bounded by it is cut off.
pub const IN_FLIGHT_GRACE_SECONDS: u64 = 5;

/// Whether this instance is draining; shared by the readiness check and the middleware.
#[derive(Debug, Clone, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    pub fn begin(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Waits for SIGTERM or SIGINT; names the one that came.
pub async fn signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => tokio::select! {
                _ = terminate.recv() => "SIGTERM",
                _ = tokio::signal::ctrl_c() => "SIGINT",
            },
            Err(error) => {
                tracing::warn!(error = %error, "cannot listen for SIGTERM; only SIGINT stops the server");
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}

/// The drain period, cut short by a second signal.
pub async fn drain(period: Duration) {
    tokio::select! {
        _ = tokio::time::sleep(period) => {}
        name = signal() => tracing::warn!(signal = name, "second signal: ending the drain now"),
    }
}

/// Middleware: while draining, every answer asks the client to close its connection. One
/// atomic read per request otherwise.
pub struct CloseWhileDraining(pub Draining);

impl<S, B> Transform<S, ServiceRequest> for CloseWhileDraining
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = CloseWhileDrainingService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CloseWhileDrainingService {
            service,
            draining: self.0.clone(),
        }))
    }
}

pub struct CloseWhileDrainingService<S> {
    service: S,
    draining: Draining,
}

impl<S, B> Service<ServiceRequest> for CloseWhileDrainingService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = Answer<S::Future>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        Answer {
            inner: self.service.call(req),
            close: self.draining.is_draining(),
        }
    }
}

pin_project_lite::pin_project! {
    pub struct Answer<F> {
        #[pin]
        inner: F,
        close: bool,
    }
}

impl<F, B> Future for Answer<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut outcome = std::task::ready!(this.inner.poll(cx));
        if *this.close
            && let Ok(response) = &mut outcome
        {
            response
                .response_mut()
                .head_mut()
                .set_connection_type(ConnectionType::Close);
        }
        Poll::Ready(outcome)
    }
}
