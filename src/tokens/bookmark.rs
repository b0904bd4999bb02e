//! Keyset positions in a token list. A bookmark names a row a page showed by its sort value
//! and its id, so the next (or previous) page is read from the index just past that row
//! instead of skipping every row before it: OFFSET reads and drops them, 0.4 s half-way
//! through a million tokens, where a bookmark costs what the first page costs.

use super::ordering::{SortKey, SortOrder};
use crate::entities::api_token;
use base64::Engine;
use chrono::{DateTime, NaiveDateTime};
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

/// A row's place in one ordering of the list; meaningless in another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bookmark {
    sort: SortKey,
    order: SortOrder,
    value: SortValue,
    id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum SortValue {
    /// The folded name (`name_sort`).
    Name(String),
    /// Created or last used; last used may be never.
    Time(Option<NaiveDateTime>),
}

/// Which side of a bookmark a page lies on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// The rows that follow the bookmarked one.
    After(Bookmark),
    /// The rows that precede it (read backwards, then turned round).
    Before(Bookmark),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookmarkError {
    #[error("This is not a position in a token list.")]
    Malformed,
    #[error("This position belongs to the list in another order.")]
    OtherOrder,
}

const VERSION: &str = "v1";

impl Bookmark {
    /// Where `model` stands in the list sorted by `sort` in `order`.
    pub(super) fn of(model: &api_token::Model, sort: SortKey, order: SortOrder) -> Self {
        let value = match sort {
            // Every write fills the folded name; the column is nullable only for the rows a
            // migration backfilled, and those it filled too.
            SortKey::Name => SortValue::Name(model.name_sort.clone().unwrap_or_default()),
            SortKey::Created => SortValue::Time(Some(model.created_at)),
            SortKey::LastUsed => SortValue::Time(model.last_used_at),
        };
        Self {
            sort,
            order,
            value,
            id: model.id,
        }
    }

    /// An opaque string for a link or a cursor.
    pub fn encode(&self) -> String {
        let value = match &self.value {
            SortValue::Name(name) => format!("n{name}"),
            // Seconds and nanoseconds, exact: the comparison must find the stored value
            // again, and SQLite compares the text it stored.
            SortValue::Time(Some(at)) => {
                let at = at.and_utc();
                format!("t{}:{}", at.timestamp(), at.timestamp_subsec_nanos())
            }
            SortValue::Time(None) => "-".to_owned(),
        };
        let text = format!(
            "{VERSION}.{}.{}.{}.{value}",
            self.sort.as_str(),
            self.order.as_str(),
            self.id.simple()
        );
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
    }

    /// Reads a bookmark made by `encode` for the list sorted by `sort` in `order`.
    pub fn decode(raw: &str, sort: SortKey, order: SortOrder) -> Result<Self, BookmarkError> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw.trim())
            .map_err(|_| BookmarkError::Malformed)?;
        let text = String::from_utf8(bytes).map_err(|_| BookmarkError::Malformed)?;
        let mut parts = text.splitn(5, '.');
        let (Some(VERSION), Some(raw_sort), Some(raw_order), Some(raw_id), Some(raw_value)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(BookmarkError::Malformed);
        };
        let marked_sort = SortKey::parse(raw_sort).map_err(|_| BookmarkError::Malformed)?;
        let marked_order = SortOrder::parse(raw_order).map_err(|_| BookmarkError::Malformed)?;
        let id = Uuid::try_parse(raw_id).map_err(|_| BookmarkError::Malformed)?;
        let value = match (marked_sort, raw_value) {
            (SortKey::Name, value) => SortValue::Name(
                value
                    .strip_prefix('n')
                    .ok_or(BookmarkError::Malformed)?
                    .to_owned(),
            ),
            (SortKey::LastUsed, "-") => SortValue::Time(None),
            (_, value) => SortValue::Time(Some(parse_time(value)?)),
        };
        if (marked_sort, marked_order) != (sort, order) {
            return Err(BookmarkError::OtherOrder);
        }
        Ok(Self {
            sort,
            order,
            value,
            id,
        })
    }
}

fn parse_time(raw: &str) -> Result<NaiveDateTime, BookmarkError> {
    let (seconds, nanos) = raw
        .strip_prefix('t')
        .and_then(|rest| rest.split_once(':'))
        .ok_or(BookmarkError::Malformed)?;
    let seconds = seconds.parse().map_err(|_| BookmarkError::Malformed)?;
    let nanos = nanos.parse().map_err(|_| BookmarkError::Malformed)?;
    DateTime::from_timestamp(seconds, nanos)
        .map(|at| at.naive_utc())
        .ok_or(BookmarkError::Malformed)
}

impl Resume {
    /// Whether the page is read against the list's order (and turned round afterwards).
    pub(super) fn is_backwards(&self) -> bool {
        matches!(self, Self::Before(_))
    }

    /// The rows on this side of the bookmark, in the list's order: the sort value first,
    /// the id breaking ties, and rows never used after all others whichever way the list
    /// runs. Each comparison keeps a bound on the sort column alone (`<=`/`>=`) so the
    /// database can start its index scan at the bookmark.
    pub(super) fn condition(&self) -> Condition {
        let (mark, forwards) = match self {
            Self::After(mark) => (mark, true),
            Self::Before(mark) => (mark, false),
        };
        // Whether rows "further on" in this direction have larger values.
        let rising = (mark.order == SortOrder::Asc) == forwards;
        let id = api_token::Column::Id;
        let id_beyond = if rising {
            id.gt(mark.id)
        } else {
            id.lt(mark.id)
        };
        match &mark.value {
            SortValue::Name(name) => beyond(
                api_token::Column::NameSort,
                name.clone().into(),
                rising,
                id_beyond,
            ),
            SortValue::Time(Some(at)) => {
                let column = match mark.sort {
                    SortKey::LastUsed => api_token::Column::LastUsedAt,
                    _ => api_token::Column::CreatedAt,
                };
                let valued = beyond(column, (*at).into(), rising, id_beyond);
                if mark.sort != SortKey::LastUsed {
                    valued
                } else if forwards {
                    // Never-used rows all come after the used ones.
                    Condition::any().add(valued).add(column.is_null())
                } else {
                    valued.add(column.is_not_null())
                }
            }
            SortValue::Time(None) => {
                let column = api_token::Column::LastUsedAt;
                let among_never_used = Condition::all().add(column.is_null()).add(id_beyond);
                if forwards {
                    among_never_used
                } else {
                    // Every used row precedes the never-used ones.
                    Condition::any()
                        .add(column.is_not_null())
                        .add(among_never_used)
                }
            }
        }
    }
}

/// `column` past `value` in the direction given, or at it with the id past the bookmark's.
fn beyond(
    column: api_token::Column,
    value: sea_orm::Value,
    rising: bool,
    id_beyond: SimpleExpr,
) -> Condition {
    let (bound, strictly) = if rising {
        (column.gte(value.clone()), column.gt(value))
    } else {
        (column.lte(value.clone()), column.lt(value))
    };
    Condition::all()
        .add(bound)
        .add(Condition::any().add(strictly).add(id_beyond))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(sort: SortKey, order: SortOrder, value: SortValue) -> Bookmark {
        Bookmark {
            sort,
            order,
            value,
            id: Uuid::now_v7(),
        }
    }

    #[test]
    fn bookmarks_round_trip_through_their_spelling() {
        let at = DateTime::from_timestamp(1_764_000_000, 123_456_789)
            .unwrap()
            .naive_utc();
        for bookmark in [
            mark(SortKey::Created, SortOrder::Desc, SortValue::Time(Some(at))),
            mark(SortKey::LastUsed, SortOrder::Desc, SortValue::Time(None)),
            mark(SortKey::LastUsed, SortOrder::Asc, SortValue::Time(Some(at))),
            mark(
                SortKey::Name,
                SortOrder::Asc,
                SortValue::Name("a.b.c é".into()),
            ),
            mark(
                SortKey::Name,
                SortOrder::Desc,
                SortValue::Name(String::new()),
            ),
        ] {
            let spelled = bookmark.encode();
            assert_eq!(
                Bookmark::decode(&spelled, bookmark.sort, bookmark.order),
                Ok(bookmark)
            );
        }
    }

    #[test]
    fn a_bookmark_of_another_order_or_no_bookmark_at_all_is_refused() {
        let bookmark = mark(SortKey::Name, SortOrder::Asc, SortValue::Name("x".into()));
        let spelled = bookmark.encode();
        assert_eq!(
            Bookmark::decode(&spelled, SortKey::Name, SortOrder::Desc),
            Err(BookmarkError::OtherOrder)
        );
        for junk in ["", "!!", "djEuY3JlYXRlZA", &spelled[..spelled.len() / 2]] {
            assert!(
                Bookmark::decode(junk, SortKey::Name, SortOrder::Asc).is_err(),
                "{junk:?}"
            );
        }
    }
}
