//! Any bytes as a dashboard form body: the UTF-8 check and the form decoder never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    latchkey::web::fuzzing::form_body(bytes);
});
