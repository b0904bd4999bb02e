//! Any bytes as the JSON body of create, update and verify: parsed and validated as the
//! handlers do, never panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    latchkey::api::fuzzing::create_token_body(bytes);
    latchkey::api::fuzzing::update_token_body(bytes);
    latchkey::api::fuzzing::verify_body(bytes);
});
