//! The example's admin site (flask-peewee's example `admin.py`) at `/admin/`.

use hangar::admin::{Admin, ModelAdmin};

use crate::models::{Message, Note, Relationship, User};
use crate::panels::{NotePanel, UserStatsPanel};

/// The admin fairing with the example's models.
pub fn admin() -> Admin {
    Admin::fairing()
        .register::<Message>(
            ModelAdmin::new()
                .columns(["user", "content", "pub_date"])
                .search_fields(["content", "user__username"])
                .filter_fields(["user", "user__username"]),
        )
        .register::<Note>(
            ModelAdmin::new()
                .columns(["user", "message", "created_date"])
                .exclude(["created_date"]),
        )
        .register::<User>(ModelAdmin::for_users())
        .register::<Relationship>(ModelAdmin::new())
        .panel(NotePanel)
        .panel(UserStatsPanel)
}
