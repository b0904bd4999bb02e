//! Numbered page links for a list: the first and last page, the current one with its
//! neighbours, and gaps between them ("1 … 4 5 6 … 20").

/// One entry of the pagination bar.
pub struct PageLink {
    /// None for a gap ("…").
    pub number: Option<u64>,
    pub href: String,
    pub current: bool,
}

/// "1 token", "55 tokens": the count beside a list's pages.
pub fn counted(total: u64, noun: &str) -> String {
    format!("{total} {noun}{}", if total == 1 { "" } else { "s" })
}

/// The pagination bar of `pages` pages with `current` shown, each link made by `href_of`.
pub struct Pagination {
    pub links: Vec<PageLink>,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl Pagination {
    pub fn new(current: u64, pages: u64, href_of: impl Fn(u64) -> String) -> Self {
        let pages = pages.max(1);
        let current = current.clamp(1, pages);
        let mut links = Vec::new();
        let mut last_shown = 0;
        for number in 1..=pages {
            let near = number.abs_diff(current) <= 1;
            if number == 1 || number == pages || near {
                if number > last_shown + 1 {
                    links.push(PageLink {
                        number: None,
                        href: String::new(),
                        current: false,
                    });
                }
                links.push(PageLink {
                    number: Some(number),
                    href: href_of(number),
                    current: number == current,
                });
                last_shown = number;
            }
        }
        Self {
            links,
            previous: (current > 1).then(|| href_of(current - 1)),
            next: (current < pages).then(|| href_of(current + 1)),
        }
    }

    /// Worth showing: more than one page.
    pub fn is_needed(&self) -> bool {
        self.links.len() > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(current: u64, pages: u64) -> String {
        Pagination::new(current, pages, |n| n.to_string())
            .links
            .iter()
            .map(|link| match (link.number, link.current) {
                (Some(n), true) => format!("[{n}]"),
                (Some(n), false) => n.to_string(),
                (None, _) => "…".into(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn pages_near_the_current_one_are_shown_and_the_rest_elided() {
        assert_eq!(shape(1, 1), "[1]");
        assert_eq!(shape(1, 3), "[1] 2 3");
        assert_eq!(shape(5, 20), "1 … 4 [5] 6 … 20");
        assert_eq!(shape(20, 20), "1 … 19 [20]");
        assert_eq!(shape(3, 5), "1 2 [3] 4 5");
        assert_eq!(shape(99, 4), "1 … 3 [4]");
    }

    #[test]
    fn counts_say_one_or_many() {
        assert_eq!(counted(1, "event"), "1 event");
        assert_eq!(counted(0, "token"), "0 tokens");
        assert_eq!(counted(55, "token"), "55 tokens");
    }

    #[test]
    fn previous_and_next_exist_only_inside_the_range() {
        let first = Pagination::new(1, 3, |n| n.to_string());
        assert_eq!((first.previous, first.next.as_deref()), (None, Some("2")));
        let last = Pagination::new(3, 3, |n| n.to_string());
        assert_eq!((last.previous.as_deref(), last.next), (Some("2"), None));
    }
}
