//! What a project's plan says on its token pages: that management needs a Professional plan,
//! or that the cap is reached — each with the way forward (a super admin changes the plan
//! right there; anyone else is told whom to ask).

use crate::domain::Plan;
use crate::error::AppError;
use crate::services::Services;
use crate::web::paths;
use crate::web::project_page::ProjectPage;

pub struct PlanNotice {
    /// The plan has no self-service token management.
    pub gated: bool,
    /// Self-service, but every active token the plan allows exists.
    pub at_cap: bool,
    /// "3 of 25 tokens used", on a capped plan.
    pub usage: Option<String>,
    pub cap: u32,
    /// The plan form of the administration page, for a super admin.
    pub upgrade_path: Option<String>,
    /// The project's plans as the form's choices.
    pub plans: Vec<(&'static str, &'static str)>,
}

impl PlanNotice {
    pub async fn of(services: &Services, page: &ProjectPage) -> Result<Self, AppError> {
        let project = &page.project;
        let abilities = page.token_abilities();
        let cap = services.tokens.cap_for(project);
        let usage = match cap {
            Some(cap) => Some((services.tokens.count_active(project.id).await?, cap)),
            None => None,
        };
        Ok(Self {
            gated: !abilities.self_service(),
            at_cap: usage.is_some_and(|(active, cap)| active >= u64::from(cap)),
            usage: usage.map(|(active, cap)| format!("{active} of {cap} tokens used")),
            cap: cap.unwrap_or_default(),
            upgrade_path: page
                .signed_in
                .user
                .is_super_admin
                .then(|| paths::admin_plan(project.id)),
            plans: [Plan::Professional, Plan::ProfessionalUnlimited]
                .into_iter()
                .filter(|plan| *plan != project.plan)
                .map(|plan| (plan.as_str(), plan.label()))
                .collect(),
        })
    }
}
