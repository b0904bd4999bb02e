//! A project's members and their roles. Owners manage them; every change drops the cached
//! answers of the member's personal tokens.

use super::store::{
    ensure_another_owner, insert_membership, lock_project, member_label, revoke_personal_tokens,
};
use super::{Member, Projects};
use crate::audit::{self, AuditTarget};
use crate::authority::{ProjectAbility, require_ability};
use crate::change_feed;
use crate::domain::{Actor, Email, Role};
use crate::entities::{membership, user};
use crate::error::AppError;
use crate::verification_cache::Invalidation;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, ModelTrait, QueryFilter, Set,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

impl Projects {
    pub async fn members(&self, project_id: Uuid) -> Result<Vec<Member>, AppError> {
        let rows = membership::Entity::find()
            .filter(membership::Column::ProjectId.eq(project_id))
            .find_also_related(user::Entity)
            .all(&self.db)
            .await?;
        let mut members: Vec<Member> = rows
            .into_iter()
            .filter_map(|(membership, user)| {
                let user = user?;
                Some(Member {
                    user_id: user.id,
                    email: user.email,
                    display_name: user.display_name,
                    role: Role::parse(&membership.role).ok()?,
                    disabled: user.disabled,
                })
            })
            .collect();
        members.sort_by(|a, b| b.role.cmp(&a.role).then_with(|| a.email.cmp(&b.email)));
        Ok(members)
    }

    #[tracing::instrument(skip_all, fields(project_id = %project_id, role = role.as_str()))]
    pub async fn add_member(
        &self,
        actor: &Actor,
        project_id: Uuid,
        email: &Email,
        role: Role,
    ) -> Result<Member, AppError> {
        require_ability(&self.db, actor, project_id, ProjectAbility::ManageMembers).await?;
        let txn = self.db.begin().await?;
        let user = user::Entity::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::invalid("email", format!("No user has the email {email}.")))?;
        if membership::Entity::find_by_id((project_id, user.id))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(AppError::conflict(
                "email",
                "This user is already a member of the project.",
            ));
        }
        insert_membership(&txn, actor, project_id, &user, role).await?;
        change_feed::commit(txn, &self.verification, &[Invalidation::Owner(user.id)]).await?;
        Ok(Member {
            user_id: user.id,
            email: user.email,
            display_name: user.display_name,
            role,
            disabled: user.disabled,
        })
    }

    /// Changes a member's role. The last owner cannot be demoted.
    #[tracing::instrument(skip_all, fields(project_id = %project_id, user_id = %user_id, role = role.as_str()))]
    pub async fn change_role(
        &self,
        actor: &Actor,
        project_id: Uuid,
        user_id: Uuid,
        role: Role,
    ) -> Result<(), AppError> {
        let (txn, existing) = self.locked_membership(actor, project_id, user_id).await?;
        let previous = existing.role.clone();
        if previous == Role::Owner.as_str() && role != Role::Owner {
            ensure_another_owner(&txn, project_id).await?;
        }
        let mut active: membership::ActiveModel = existing.into();
        active.role = Set(role.as_str().to_owned());
        active.update(&txn).await?;
        // A new standing starts with new credentials: whatever was issued under the old one
        // (a login access token, a dashboard session) is refused from now on.
        crate::accounts::revoke_credentials(&txn, user_id).await?;
        audit::record(
            &txn,
            actor,
            Some(project_id),
            "member.role_change",
            AuditTarget::new("user", user_id, member_label(&txn, user_id).await?),
            json!({ "from": previous, "to": role.as_str() }),
        )
        .await?;
        change_feed::commit(txn, &self.verification, &[Invalidation::Owner(user_id)]).await?;
        Ok(())
    }

    /// Removes a member and revokes their personal tokens in the project, for good: adding
    /// them back later does not bring those tokens back, and a super admin's are revoked too
    /// (their access would otherwise keep them working).
    #[tracing::instrument(skip_all, fields(project_id = %project_id, user_id = %user_id))]
    pub async fn remove_member(
        &self,
        actor: &Actor,
        project_id: Uuid,
        user_id: Uuid,
    ) -> Result<(), AppError> {
        let (txn, existing) = self.locked_membership(actor, project_id, user_id).await?;
        if existing.role == Role::Owner.as_str() {
            ensure_another_owner(&txn, project_id).await?;
        }
        let role = existing.role.clone();
        existing.delete(&txn).await?;
        let revoked = revoke_personal_tokens(&txn, project_id, user_id).await?;
        crate::accounts::revoke_credentials(&txn, user_id).await?;
        audit::record(
            &txn,
            actor,
            Some(project_id),
            "member.remove",
            AuditTarget::new("user", user_id, member_label(&txn, user_id).await?),
            json!({ "role": role, "personal_tokens_revoked": revoked.len() }),
        )
        .await?;
        let mut changes = vec![Invalidation::Owner(user_id)];
        changes.extend(revoked.into_iter().map(Invalidation::Retired));
        change_feed::commit(txn, &self.verification, &changes).await?;
        Ok(())
    }

    /// An owner's change to one membership: the transaction, after the project lock (so the
    /// "last owner" check holds until commit), and the membership as it is then.
    async fn locked_membership(
        &self,
        actor: &Actor,
        project_id: Uuid,
        user_id: Uuid,
    ) -> Result<(DatabaseTransaction, membership::Model), AppError> {
        require_ability(&self.db, actor, project_id, ProjectAbility::ManageMembers).await?;
        let txn = self.db.begin().await?;
        lock_project(&txn, project_id).await?;
        let existing = membership::Entity::find_by_id((project_id, user_id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((txn, existing))
    }
}
