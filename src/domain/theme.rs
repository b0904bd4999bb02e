//! The dashboard's colours, as a user chooses them on their account page.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Follow the operating system's light or dark setting.
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::System => "Same as the system",
            Self::Light => "Light",
            Self::Dark => "Dark",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|theme| theme.as_str() == raw)
            .ok_or_else(|| format!("Unknown theme '{raw}': use system, light or dark."))
    }

    /// A stored value this version does not know reads as the default.
    pub fn stored(raw: &str) -> Self {
        Self::parse(raw).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_theme_parses_from_its_own_name_and_nothing_else_does() {
        for theme in Theme::ALL {
            assert_eq!(Theme::parse(theme.as_str()), Ok(theme));
        }
        assert!(Theme::parse("Dark").is_err());
        assert_eq!(Theme::stored("sepia"), Theme::System);
    }
}
