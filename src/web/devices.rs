//! Naming the software behind a User-Agent header, for sessions and a token's recent clients.

/// "Firefox on Linux" from a User-Agent header: enough to recognise one's own devices.
pub fn device_of(user_agent: Option<&str>) -> String {
    let Some(agent) = user_agent.filter(|a| !a.trim().is_empty()) else {
        return "Unknown device".into();
    };
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .into_iter()
    .find(|(marker, _)| agent.contains(marker))
    .map_or("A browser", |(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(marker, _)| agent.contains(marker));
    match system {
        Some((_, system)) => format!("{browser} on {system}"),
        None => browser.to_owned(),
    }
}

/// What used a token: a browser as `device_of` names it, any other client by its first
/// product token (`okhttp/4.12`, `python-requests/2.32`), as that is what its owner knows it by.
pub fn client_of(user_agent: Option<&str>) -> String {
    match user_agent.map(str::trim).filter(|a| !a.is_empty()) {
        Some(agent) if agent.starts_with("Mozilla/") => device_of(Some(agent)),
        Some(agent) => agent.split_whitespace().next().unwrap_or(agent).to_owned(),
        None => "Unknown client".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::{client_of, device_of};

    #[test]
    fn clients_are_named_by_their_product() {
        assert_eq!(client_of(Some("okhttp/4.12.0 extra")), "okhttp/4.12.0");
        assert_eq!(
            client_of(Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")),
            "Firefox on Linux"
        );
        assert_eq!(client_of(None), "Unknown client");
    }

    #[test]
    fn devices_are_named_from_the_user_agent() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(device_of(Some(firefox)), "Firefox on Linux");
        let chrome = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
        assert_eq!(device_of(Some(chrome)), "Chrome on macOS");
        assert_eq!(device_of(Some("curl/8.5.0")), "curl");
        assert_eq!(device_of(None), "Unknown device");
        assert_eq!(device_of(Some("something")), "A browser");
    }
}
