use super::*;

fn facts() -> Arc<TokenFacts> {
    Arc::new(TokenFacts {
        id: Uuid::nil(),
        name: "t".into(),
        project_id: Uuid::nil(),
        project_slug: "p".into(),
        kind: TokenKind::Service,
        token_type: TokenType::FullAccess,
        owner_id: None,
        permissions: PermissionSet::new(),
        expires_at: None,
        revoked: false,
        owner_inactive: false,
        owner_access: None,
        rendered_answer: OnceLock::new(),
        routes: None,
        identity_headers: OnceLock::new(),
    })
}

#[test]
fn facts_read_before_an_invalidation_are_not_cached() {
    let cache = VerificationCache::new(Duration::from_secs(60), None);
    let digest = [7u8; 32];
    let read_at = cache.generation();
    // A revocation committed and invalidated while the facts were being read.
    cache.forget_token(&hex::encode([9u8; 32]));
    cache.insert(digest, facts(), read_at);
    assert!(cache.get(&digest).is_none());

    let read_at = cache.generation();
    cache.insert(digest, facts(), read_at);
    assert!(
        cache.get(&digest).is_some(),
        "an undisturbed read is cached"
    );
    cache.forget_owner(Uuid::now_v7());
    let read_at_before = read_at;
    cache.insert([8u8; 32], facts(), read_at_before);
    assert!(
        cache.get(&[8u8; 32]).is_none(),
        "every kind of invalidation counts"
    );
}

#[test]
fn without_a_connected_feed_entries_last_the_fallback_lifetime_only() {
    let cache = VerificationCache::new(Duration::from_millis(30), Some(Duration::from_secs(60)));
    let digest = [1u8; 32];
    let cached = |cache: &VerificationCache| {
        let read_at = cache.generation();
        cache.insert(digest, facts(), read_at);
    };
    cached(&cache);
    std::thread::sleep(Duration::from_millis(50));
    assert!(
        cache.get(&digest).is_none(),
        "no feed yet: past the fallback lifetime"
    );

    cache.feed_connected();
    cached(&cache);
    std::thread::sleep(Duration::from_millis(50));
    assert!(cache.get(&digest).is_some(), "kept true by the feed");

    cache.feed_lost();
    assert!(
        cache.get(&digest).is_none(),
        "the feed is down: the fallback bound again"
    );

    cached(&cache);
    cache.feed_connected();
    assert!(
        cache.get(&digest).is_none(),
        "what was cached while it was away goes"
    );
}

#[test]
fn a_retired_digest_leaves_the_known_set() {
    let cache = VerificationCache::new(Duration::from_secs(1), None);
    let (kept, retired) = (hex::encode([2u8; 32]), hex::encode([3u8; 32]));
    cache.add_stored([kept.as_str(), retired.as_str()], true);
    cache.apply(&Invalidation::Retired(retired.clone()));
    cache.apply(&Invalidation::Token(kept.clone()));
    assert_eq!(cache.is_stored(&[2u8; 32]), Some(true));
    assert_eq!(cache.is_stored(&[3u8; 32]), Some(false));
    assert_eq!(cache.known_digests(), 1);
}

#[test]
fn the_unlisted_lookup_budget_holds_per_second() {
    let budget = PerSecond::new(5);
    let taken = (0..20).filter(|_| budget.take()).count();
    // The loop may straddle a second boundary, never two.
    assert!((5..=10).contains(&taken), "{taken}");
    std::thread::sleep(Duration::from_millis(1_100));
    assert!(budget.take(), "a new second, a new budget");
}
