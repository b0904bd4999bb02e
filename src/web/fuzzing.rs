//! Entry point for the form-decoder fuzz target (`fuzz/`), compiled only under
//! `--cfg fuzzing`: a dashboard form body as `CsrfForm` reads it.

use super::tokens::TokenForm;

/// The UTF-8 check, then the CSRF field and the token form decoded from the same bytes.
pub fn form_body(bytes: &[u8]) {
    if !super::csrf::decodes_to_utf8(bytes) {
        return;
    }
    let _ = serde_html_form::from_bytes::<Vec<(String, String)>>(bytes);
    let _ = serde_html_form::from_bytes::<TokenForm>(bytes);
}
