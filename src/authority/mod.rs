//! Who may do what: the one home of the rules. The token and project services ask it inside
//! their transactions; the dashboard asks it which actions to offer. A hidden button is a
//! courtesy, the service's refusal is the control, and the refusal is what the tests prove.

mod resolve;
mod rules;

pub use resolve::{access_of, require_ability, resolve};
pub use rules::{
    Authority, ProjectAbility, TokenAbilities, require_self_or_super_admin, require_super_admin,
};
