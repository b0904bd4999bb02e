//! The throttles' unit tests: limits per account, address, end client and service.

use super::*;

fn ip(raw: &str) -> Option<IpAddr> {
    raw.parse().ok()
}

/// Tight limits over a database of their own (`:memory:` with one connection).
async fn strict() -> Throttles {
    use migration::{Migrator, MigratorTrait};
    let db = crate::db::connect("sqlite::memory:", Some(1))
        .await
        .unwrap();
    Migrator::up(&db, None).await.unwrap();
    let rule = Rule::new(3, Duration::from_secs(60));
    Throttles::new(
        &ThrottleSettings {
            sign_in_per_account: rule,
            sign_in_per_address: Rule::new(5, Duration::from_secs(60)),
            api_auth_per_address: rule,
            verify_per_client: rule,
            verify_per_source: Rule::new(5, Duration::from_secs(60)),
            setup_per_address: rule,
        },
        db,
    )
}

async fn sign_in_held(throttles: &Throttles, account: &str, address: &str) -> bool {
    throttles
        .check_sign_in(account, ip(address))
        .await
        .unwrap()
        .is_err()
}

#[tokio::test]
async fn an_account_is_held_whatever_the_case_or_address() {
    let throttles = strict().await;
    for n in 0..3 {
        throttles
            .sign_in_failed("Ada@Example.com ", ip(&format!("10.0.0.{n}")))
            .await
            .unwrap();
    }
    assert!(sign_in_held(&throttles, "ada@example.com", "10.9.9.9").await);
    assert!(!sign_in_held(&throttles, "bob@example.com", "10.9.9.9").await);
    let wait = throttles
        .check_sign_in("ada@example.com", None)
        .await
        .unwrap()
        .unwrap_err();
    assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60));
    throttles
        .sign_in_succeeded("ada@example.com")
        .await
        .unwrap();
    assert!(!sign_in_held(&throttles, "ada@example.com", "10.9.9.9").await);
}

#[tokio::test]
async fn an_address_is_held_over_all_accounts() {
    let throttles = strict().await;
    for n in 0..5 {
        throttles
            .sign_in_failed(&format!("user{n}@example.com"), ip("10.0.0.1"))
            .await
            .unwrap();
    }
    assert!(sign_in_held(&throttles, "new@example.com", "10.0.0.1").await);
    assert!(!sign_in_held(&throttles, "new@example.com", "10.0.0.2").await);
}

#[tokio::test]
async fn setup_codes_are_held_by_address_and_old_failures_pruned() {
    let throttles = strict().await;
    for _ in 0..3 {
        throttles.setup_failed(ip("10.0.0.1")).await.unwrap();
    }
    assert!(
        throttles
            .check_setup(ip("10.0.0.1"))
            .await
            .unwrap()
            .is_err()
    );
    assert!(throttles.check_setup(ip("10.0.0.2")).await.unwrap().is_ok());
    assert!(throttles.check_setup(None).await.unwrap().is_ok());
    assert_eq!(
        throttles
            .shared()
            .prune(Duration::from_secs(3600))
            .await
            .unwrap(),
        0
    );
    assert_eq!(throttles.shared().prune(Duration::ZERO).await.unwrap(), 3);
    assert!(throttles.check_setup(ip("10.0.0.1")).await.unwrap().is_ok());
}

#[tokio::test]
async fn a_verify_client_is_held_alone_and_its_service_is_not() {
    let throttles = strict().await;
    let service = ip("10.1.0.1");
    for _ in 0..3 {
        throttles.verify_failed(ip("203.0.113.7"), service);
    }
    assert!(
        throttles
            .check_verify(ip("203.0.113.7"), || service)
            .is_err()
    );
    assert!(
        throttles
            .check_verify(ip("203.0.113.8"), || service)
            .is_ok()
    );
    assert!(throttles.check_verify(None, || service).is_ok());
}

#[tokio::test]
async fn a_service_naming_ever_new_clients_is_held_by_its_own_limit() {
    let throttles = strict().await;
    let service = ip("10.1.0.1");
    for n in 0..5 {
        throttles.verify_failed(ip(&format!("203.0.113.{n}")), service);
    }
    assert!(
        throttles
            .check_verify(ip("198.51.100.1"), || service)
            .is_err()
    );
    assert!(throttles.check_verify(None, || ip("10.1.0.2")).is_ok());
}

#[tokio::test]
async fn ipv6_addresses_are_counted_by_their_64_block() {
    let throttles = strict().await;
    for n in 1..=3 {
        throttles.api_auth_failed(ip(&format!("2001:db8:1:2::{n}")));
    }
    assert!(
        throttles
            .check_api_auth(ip("2001:db8:1:2:ffff::1"))
            .is_err()
    );
    assert!(throttles.check_api_auth(ip("2001:db8:1:3::1")).is_ok());
    assert_eq!(address_key("::ffff:10.0.0.1".parse().unwrap()), "10.0.0.1");
}

#[test]
fn account_keys_are_bounded_and_escaped() {
    assert_eq!(account_key("a\r\nb"), "a\\r\\nb");
    assert!(account_key(&"x".repeat(10_000)).len() <= 254);
}
