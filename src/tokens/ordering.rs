//! The orders a token list can be read in: by name, creation or last use, either way.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    Name,
    #[default]
    Created,
    LastUsed,
}

impl SortKey {
    pub const ALL: [SortKey; 3] = [Self::Name, Self::Created, Self::LastUsed];

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|key| key.as_str() == raw)
            .ok_or_else(|| format!("Unknown sort '{raw}': use name, created or last_used."))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Created => "created",
            Self::LastUsed => "last_used",
        }
    }

    /// Names read A to Z; times newest first.
    pub fn default_order(self) -> SortOrder {
        match self {
            Self::Name => SortOrder::Asc,
            Self::Created | Self::LastUsed => SortOrder::Desc,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}

impl SortOrder {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "asc" => Ok(Self::Asc),
            "desc" => Ok(Self::Desc),
            other => Err(format!("Unknown order '{other}': use asc or desc.")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Asc => "asc",
            Self::Desc => "desc",
        }
    }

    pub fn flipped(self) -> Self {
        match self {
            Self::Asc => Self::Desc,
            Self::Desc => Self::Asc,
        }
    }
}
