//! A project's plan: a setting a super admin changes, there is no billing.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    /// No self-service token management.
    Free,
    /// Self-service, up to a cap of active tokens.
    Professional,
    /// Self-service with no cap.
    ProfessionalUnlimited,
}

impl Plan {
    pub const ALL: [Plan; 3] = [Plan::Free, Plan::Professional, Plan::ProfessionalUnlimited];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Professional => "professional",
            Self::ProfessionalUnlimited => "professional_unlimited",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Free => "Free",
            Self::Professional => "Professional",
            Self::ProfessionalUnlimited => "Professional Unlimited",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "free" => Ok(Self::Free),
            "professional" => Ok(Self::Professional),
            "professional_unlimited" => Ok(Self::ProfessionalUnlimited),
            other => Err(format!(
                "Unknown plan '{other}': use 'free', 'professional' or 'professional_unlimited'."
            )),
        }
    }

    pub fn allows_self_service(self) -> bool {
        !matches!(self, Self::Free)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_free_lacks_self_service() {
        assert!(!Plan::Free.allows_self_service());
        assert!(Plan::Professional.allows_self_service());
        assert!(Plan::ProfessionalUnlimited.allows_self_service());
    }

    #[test]
    fn plans_round_trip_through_strings() {
        for plan in Plan::ALL {
            assert_eq!(Plan::parse(plan.as_str()).unwrap(), plan);
        }
        assert!(Plan::parse("enterprise").is_err());
    }
}
