//! Guessing held back: failed sign-ins, bearer authentications, verifications and setup
//! codes are counted per account, client address and calling service; past a limit the key
//! is held (429 with `Retry-After`) until its oldest counted failure leaves the window.
//!
//! Sign-in and setup failures are counted in the database, by every instance alike (see
//! `shared`). Bearer and verification failures are counted in this process, on the hot path,
//! where successful traffic never waits on a lock (see `limiter`); behind a load balancer
//! each instance counts those on its own (`docs/security.md`).

mod limiter;
pub mod shared;

pub use limiter::{Limiter, Rule};
use sea_orm::{DatabaseConnection, DbErr};
use shared::{Scope, SharedFailures};

use std::net::IpAddr;
use std::time::Duration;

/// The limits, each `failures/window`; see `docs/security.md` for why these numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleSettings {
    /// Failed sign-ins for one account, from anywhere.
    pub sign_in_per_account: Rule,
    /// Failed sign-ins from one client address, over all accounts.
    pub sign_in_per_address: Rule,
    /// Failed bearer authentications on the management API from one client address.
    pub api_auth_per_address: Rule,
    /// Failed verifications for one end client, as the calling service names it (`client_ip`).
    pub verify_per_client: Rule,
    /// Failed verifications from one calling service (its address), whatever client it names.
    pub verify_per_source: Rule,
    /// Wrong first-run setup codes from one client address.
    pub setup_per_address: Rule,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        const MINUTE: u64 = 60;
        let rule = |limit, minutes| Rule::new(limit, Duration::from_secs(minutes * MINUTE));
        Self {
            sign_in_per_account: rule(5, 15),
            sign_in_per_address: rule(50, 15),
            api_auth_per_address: rule(30, 5),
            verify_per_client: rule(30, 5),
            verify_per_source: rule(1_000, 1),
            setup_per_address: rule(10, 15),
        }
    }
}

/// What is being guarded, for the log line written when a key is first held.
#[derive(Debug, Clone, Copy)]
enum Guarded {
    SignInAccount,
    SignInAddress,
    ApiAuth,
    VerifyClient,
    VerifySource,
    Setup,
}

pub struct Throttles {
    settings: ThrottleSettings,
    shared: SharedFailures,
    api_auth: Limiter,
    verify_client: Limiter,
    verify_source: Limiter,
}

/// A held key's wait, or the database's error while it was asked.
pub type Checked = Result<Result<(), Duration>, DbErr>;

impl Throttles {
    pub fn new(settings: &ThrottleSettings, db: DatabaseConnection) -> Self {
        Self {
            settings: *settings,
            shared: SharedFailures::new(db),
            api_auth: Limiter::new(settings.api_auth_per_address),
            verify_client: Limiter::new(settings.verify_per_client),
            verify_source: Limiter::new(settings.verify_per_source),
        }
    }

    /// The failures every instance counts, for pruning.
    pub fn shared(&self) -> &SharedFailures {
        &self.shared
    }

    /// `Err(wait)` while the account or the address is held.
    pub async fn check_sign_in(&self, account: &str, address: Option<IpAddr>) -> Checked {
        let account = self
            .shared
            .held(
                Scope::SignInAccount,
                &account_key(account),
                self.settings.sign_in_per_account,
            )
            .await?;
        let address = match address {
            Some(address) => {
                self.shared
                    .held(
                        Scope::SignInAddress,
                        &address_key(address),
                        self.settings.sign_in_per_address,
                    )
                    .await?
            }
            None => None,
        };
        Ok(match account.max(address) {
            Some(wait) => Err(wait),
            None => Ok(()),
        })
    }

    pub async fn sign_in_failed(
        &self,
        account: &str,
        address: Option<IpAddr>,
    ) -> Result<(), DbErr> {
        self.failed_shared(
            Scope::SignInAccount,
            &account_key(account),
            self.settings.sign_in_per_account,
            Guarded::SignInAccount,
        )
        .await?;
        if let Some(address) = address {
            self.failed_shared(
                Scope::SignInAddress,
                &address_key(address),
                self.settings.sign_in_per_address,
                Guarded::SignInAddress,
            )
            .await?;
        }
        Ok(())
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub async fn sign_in_succeeded(&self, account: &str) -> Result<(), DbErr> {
        self.shared
            .forgive(Scope::SignInAccount, &account_key(account))
            .await
    }

    pub fn check_api_auth(&self, address: Option<IpAddr>) -> Result<(), Duration> {
        self.api_auth.check(|| address.map(address_key))
    }

    pub fn api_auth_failed(&self, address: Option<IpAddr>) {
        if let Some(address) = address {
            failed(&self.api_auth, &address_key(address), Guarded::ApiAuth);
        }
    }

    /// `client` is the end client a verifying service names; `source` finds that service's
    /// address, asked for only while some service may be held (the hot path skips it).
    pub fn check_verify(
        &self,
        client: Option<IpAddr>,
        source: impl FnOnce() -> Option<IpAddr>,
    ) -> Result<(), Duration> {
        let client = self.verify_client.check(|| client.map(address_key));
        let source = self.verify_source.check(|| source().map(address_key));
        longest(client, source)
    }

    pub fn verify_failed(&self, client: Option<IpAddr>, source: Option<IpAddr>) {
        if let Some(client) = client {
            failed(
                &self.verify_client,
                &address_key(client),
                Guarded::VerifyClient,
            );
        }
        if let Some(source) = source {
            failed(
                &self.verify_source,
                &address_key(source),
                Guarded::VerifySource,
            );
        }
    }

    pub async fn check_setup(&self, address: Option<IpAddr>) -> Checked {
        let Some(address) = address else {
            return Ok(Ok(()));
        };
        let held = self
            .shared
            .held(
                Scope::Setup,
                &address_key(address),
                self.settings.setup_per_address,
            )
            .await?;
        Ok(held.map_or(Ok(()), Err))
    }

    pub async fn setup_failed(&self, address: Option<IpAddr>) -> Result<(), DbErr> {
        if let Some(address) = address {
            self.failed_shared(
                Scope::Setup,
                &address_key(address),
                self.settings.setup_per_address,
                Guarded::Setup,
            )
            .await?;
        }
        Ok(())
    }

    async fn failed_shared(
        &self,
        scope: Scope,
        key: &str,
        rule: Rule,
        guarded: Guarded,
    ) -> Result<(), DbErr> {
        if self.shared.failed(scope, key, rule).await? {
            held_back(key, rule, guarded);
        }
        Ok(())
    }
}

fn failed(limiter: &Limiter, key: &str, guarded: Guarded) {
    if limiter.failed(key) {
        held_back(key, limiter.rule(), guarded);
    }
}

fn held_back(key: &str, rule: Rule, guarded: Guarded) {
    // Keys are accounts as typed or addresses, never a secret.
    crate::security_event!(
        warn,
        "throttled",
        guarded = ?guarded,
        key = %key,
        limit = %rule,
        "held after too many failures"
    );
}

fn longest(a: Result<(), Duration>, b: Result<(), Duration>) -> Result<(), Duration> {
    match (a, b) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(a), Err(b)) => Err(a.max(b)),
        (Err(wait), _) | (_, Err(wait)) => Err(wait),
    }
}

/// The account as typed, folded the way emails are stored; bounded, since it may be any
/// text, and escaped, since it is written to the log.
fn account_key(account: &str) -> String {
    account
        .trim()
        .to_lowercase()
        .chars()
        .take(254)
        .collect::<String>()
        .escape_debug()
        .to_string()
}

/// An IPv4 address as is; an IPv6 address by its /64, the block one subscriber holds, so that
/// walking through one's own 2^64 addresses gains nothing.
pub fn address_key(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests;
