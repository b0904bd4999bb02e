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

/// "More than 10,000 tokens": the count of a list too long to count to the end.
pub fn counted_beyond(counted: u64, noun: &str) -> String {
    format!("More than {} {noun}s", thousands(counted))
}

fn thousands(number: u64) -> String {
    let digits = number.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
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

    /// The bar of a list whose last page is unknown: the pages up to the current one and
    /// the next, with a gap after it while more follow.
    pub fn open_ended(current: u64, has_next: bool, href_of: impl Fn(u64) -> String) -> Self {
        let current = current.max(1);
        let mut bar = Self::new(current, current + u64::from(has_next), href_of);
        if has_next {
            bar.links.push(PageLink {
                number: None,
                href: String::new(),
                current: false,
            });
        }
        bar
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
    fn a_list_too_long_to_count_ends_in_a_gap_while_pages_follow() {
        let shape = |bar: Pagination| {
            bar.links
                .iter()
                .map(|link| match (link.number, link.current) {
                    (Some(n), true) => format!("[{n}]"),
                    (Some(n), false) => n.to_string(),
                    (None, _) => "…".into(),
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let deep = Pagination::open_ended(10_001, true, |n| n.to_string());
        assert_eq!(deep.next.as_deref(), Some("10002"));
        assert_eq!(shape(deep), "1 … 10000 [10001] 10002 …");
        let last = Pagination::open_ended(7, false, |n| n.to_string());
        assert_eq!(last.next, None);
        assert_eq!(shape(last), "1 … 6 [7]");
        assert_eq!(counted_beyond(10_000, "token"), "More than 10,000 tokens");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn previous_and_next_exist_only_inside_the_range() {
        let first = Pagination::new(1, 3, |n| n.to_string());
        assert_eq!((first.previous, first.next.as_deref()), (None, Some("2")));
        let last = Pagination::new(3, 3, |n| n.to_string());
        assert_eq!((last.previous.as_deref(), last.next), (Some("2"), None));
    }
}
