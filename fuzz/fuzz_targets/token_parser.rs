//! Any text as a presented token: the format and checksum check never panics, and a token it
//! accepts round-trips through its own text.
#![no_main]

use latchkey::tokens::TokenSecret;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(secret) = TokenSecret::parse(text) {
        let again =
            TokenSecret::parse(secret.expose_secret()).expect("an accepted token parses again");
        assert_eq!(again.expose_secret(), secret.expose_secret());
        assert!(secret.display_hint().len() < secret.expose_secret().len());
    }
    let _ = latchkey::tokens::format::check(text);
});
