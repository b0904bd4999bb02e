//! What a request path looks like in the log.

use std::fmt;

/// A request path as logged: a segment shaped like a credential — an API token (`lk_…`) or a
/// JWT (`eyJ…`) someone pasted into a URL — is written as `[redacted]`. Formatted only when
/// the span is recorded.
pub(super) struct RedactedPath<'a>(pub(super) &'a str);

impl fmt::Display for RedactedPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, segment) in self.0.split('/').enumerate() {
            if n > 0 {
                f.write_str("/")?;
            }
            let credential_shaped = segment.starts_with(crate::tokens::format::TOKEN_PREFIX)
                || segment.starts_with("eyJ");
            f.write_str(if credential_shaped {
                "[redacted]"
            } else {
                segment
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_shaped_path_segments_are_redacted() {
        let logged = |path: &str| RedactedPath(path).to_string();
        assert_eq!(
            logged("/api/v1/tokens/lk_abcdef0123456789/regenerate"),
            "/api/v1/tokens/[redacted]/regenerate"
        );
        assert_eq!(logged("/x/eyJhbGciOi.eyJzdWIi.sig"), "/x/[redacted]");
        assert_eq!(logged("/projects/acme/settings"), "/projects/acme/settings");
        assert_eq!(logged("/"), "/");
    }
}
