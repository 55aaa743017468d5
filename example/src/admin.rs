//! The example's admin site (flask-peewee's example `admin.py`) at `/admin/`.
//!
//! The user model joins by itself (`ModelAdmin::for_users`, searching
//! username and email) because `Auth` is attached before the admin.

use hangar::admin::{Action, ActionOutcome, Admin, AdminError, ModelAdmin};
use hangar::auth::SessionUser;
use hangar::db::{Db, Op, Select, Table, Value};

use crate::models::{Message, Note, Relationship};
use crate::panels::{NotePanel, UserStatsPanel};

/// The admin fairing with the example's models.
pub fn admin() -> Admin {
    Admin::fairing()
        .register::<Message>(
            ModelAdmin::new()
                .columns(["user", "content", "word_count", "pub_date"])
                .computed_column("word_count", |row| {
                    row.get("content")
                        .map_or(0, |c| c.to_string().split_whitespace().count())
                        .to_string()
                })
                .foreign_key_lookups([("user", "username")])
                .search_fields(["content", "user__username"])
                .filter_fields(["user", "user__username", "pub_date"]),
        )
        .register::<Note>(
            ModelAdmin::new()
                .columns(["user", "message", "status", "created_date"])
                .exclude(["created_date"])
                .foreign_key_lookups([("user", "username")])
                .action(MarkDeleted),
        )
        .register::<Relationship>(ModelAdmin::new())
        .panel(NotePanel)
        .panel(UserStatsPanel)
}

/// A bulk action on notes: sets their status to "deleted".
pub struct MarkDeleted;

#[rocket::async_trait]
impl Action for MarkDeleted {
    fn name(&self) -> &str {
        "mark_deleted"
    }

    fn label(&self) -> &str {
        "Mark selected as deleted"
    }

    async fn run(
        &self,
        db: &Db,
        _user: &SessionUser,
        pks: Vec<Value>,
    ) -> Result<ActionOutcome, AdminError> {
        let changed = Select::new(Note::schema())
            .filter_values("id", Op::In, pks)?
            .update(db, vec![("status", Value::Int(2))])
            .await?;
        Ok(format!("Marked {changed} note(s) as deleted.").into())
    }
}
