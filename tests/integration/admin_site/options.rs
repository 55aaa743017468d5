//! The model admin set-up the option tests share: hooks restricting staff
//! users to their own rows, a custom action, an extra route, and clients.

use hangar::admin::{
    store, Action, ActionOutcome, Admin, AdminAccess, AdminError, ModelAdmin, ModelAdminHooks,
};
use hangar::auth::{Auth, SessionUser, User};
use hangar::db::{Database, Db, Model as _, Op, Record, Schema, Select, Transaction, Value};
use rocket::local::asynchronous::Client;

use super::{Message, Note};
use crate::common::TestDb;

/// Staff (not admin) users see and save only their own messages; two
/// contents show a refused save and a rolled-back one.
pub struct OwnMessages;

#[rocket::async_trait]
impl ModelAdminHooks for OwnMessages {
    fn get_query(&self, select: Select, user: &SessionUser) -> Select {
        if user.admin {
            select
        } else {
            select.filter("user", Op::Eq, user.id).expect("user field")
        }
    }

    async fn save_model(
        &self,
        tx: &mut Transaction<'_>,
        schema: &'static Schema,
        existing: Option<&Record>,
        mut values: Vec<(&'static str, Value)>,
        user: &SessionUser,
    ) -> Result<Value, AdminError> {
        if !user.admin {
            values.retain(|(f, _)| *f != "user");
            values.push(("user", Value::Int(user.id)));
        }
        let content = values
            .iter()
            .find(|(f, _)| *f == "content")
            .map(|(_, v)| v.to_string());
        if content.as_deref() == Some("forbidden") {
            return Err(AdminError::Field {
                field: "content".into(),
                message: "Not allowed here.".into(),
            });
        }
        if content.as_deref() == Some("elsewhere") {
            // a buggy hook hands the row to someone else
            values.retain(|(f, _)| *f != "user");
            let root = User::select()
                .filter("username", Op::Eq, "root")?
                .one(&mut *tx)
                .await?;
            values.push(("user", Value::Int(root.id)));
        }
        let pk = store(tx, schema, existing, values).await?;
        if content.as_deref() == Some("rollback") {
            return Err(AdminError::Invalid("Rolled back on purpose.".into()));
        }
        Ok(pk)
    }
}

/// Staff users see only their own user row.
pub struct OwnUser;

#[rocket::async_trait]
impl ModelAdminHooks for OwnUser {
    fn get_query(&self, select: Select, user: &SessionUser) -> Select {
        if user.admin {
            select
        } else {
            select.filter("id", Op::Eq, user.id).expect("id")
        }
    }
}

/// Upper-cases the selected messages.
pub struct Shout;

#[rocket::async_trait]
impl Action for Shout {
    fn name(&self) -> &str {
        "shout"
    }
    fn label(&self) -> &str {
        "Shout selected"
    }
    async fn run(
        &self,
        db: &Db,
        _: &SessionUser,
        pks: Vec<Value>,
    ) -> Result<ActionOutcome, AdminError> {
        let n = pks.len();
        for m in Message::select()
            .filter_values("id", Op::In, pks)?
            .all(db)
            .await?
        {
            Message::select()
                .filter("id", Op::Eq, m.id)?
                .update(db, vec![("content", Value::Text(m.content.to_uppercase()))])
                .await?;
        }
        Ok(format!("Shouted {n} message(s).").into())
    }
}

/// Downloads the selected messages' contents as a text file.
pub struct Contents;

#[rocket::async_trait]
impl Action for Contents {
    fn name(&self) -> &str {
        "contents"
    }
    fn label(&self) -> &str {
        "Download contents"
    }
    async fn run(
        &self,
        db: &Db,
        _: &SessionUser,
        pks: Vec<Value>,
    ) -> Result<ActionOutcome, AdminError> {
        let rows = Message::select()
            .filter_values("id", Op::In, pks)?
            .order_by("id")?
            .all(db)
            .await?;
        let body: String = rows.iter().map(|m| format!("{}\n", m.content)).collect();
        Ok(ActionOutcome::Download {
            filename: "contents\".txt".into(),
            content_type: rocket::http::ContentType::Plain,
            body: body.into_bytes(),
        })
    }
}

/// Sends the user to the stats page, or tries to leave the site.
pub struct Away(pub &'static str);

#[rocket::async_trait]
impl Action for Away {
    fn name(&self) -> &str {
        if self.0.starts_with('/') {
            "stats"
        } else {
            "away"
        }
    }
    fn label(&self) -> &str {
        "Go elsewhere"
    }
    async fn run(
        &self,
        _: &Db,
        _: &SessionUser,
        _: Vec<Value>,
    ) -> Result<ActionOutcome, AdminError> {
        Ok(ActionOutcome::Redirect {
            url: self.0.to_owned(),
            message: Some("Went elsewhere.".into()),
        })
    }
}

#[rocket::get("/stats")]
pub async fn stats(_user: AdminAccess, db: Db) -> String {
    format!(
        "{} messages",
        Message::select().count(&db).await.unwrap_or(0)
    )
}

pub fn message_admin() -> ModelAdmin {
    ModelAdmin::new()
        .columns(["user", "user__email", "content", "word_count", "pub_date"])
        .computed_column("word_count", |row| {
            let text = row
                .get("content")
                .map(ToString::to_string)
                .unwrap_or_default();
            if text.contains('<') {
                return text; // shows that computed cells are escaped
            }
            text.split_whitespace().count().to_string()
        })
        .search_fields(["content"])
        .max_filter_depth(1)
        .filter_exclude(["user__email", "user__join_date"])
        .foreign_key_lookups([("user", "username")])
        .fieldsets([
            ("Message", vec!["user", "content"]),
            ("Dates", vec!["pub_date"]),
        ])
        .readonly(["word_count"])
        .collapsed(["Dates"])
        .label("pub_date", "Published")
        .help_text("content", "What is on your mind?")
        .lookup_page_size(2)
        .validate("content", |v| {
            if v.to_string().contains("spam") {
                Err("No spam, please.".into())
            } else {
                Ok(())
            }
        })
        .export_exclude(["user__email"])
        .hooks(OwnMessages)
        .action(Shout)
        .action(Contents)
        .action(Away("/admin/message/stats"))
        .action(Away("https://evil.example/"))
        .template("index", "custom/message_list")
        .routes(rocket::routes![stats, unguarded])
}

/// An extra route that forgot its guard: the admin protects it anyway.
#[rocket::get("/unguarded")]
pub fn unguarded() -> &'static str {
    "protected anyway"
}

pub async fn client_with(tdb: &TestDb, admin: Admin) -> Client {
    client_in(
        tdb,
        admin,
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/templates"),
    )
    .await
}

pub async fn client_in(tdb: &TestDb, admin: Admin, template_dir: &str) -> Client {
    let figment = tdb.figment().merge(("template_dir", template_dir));
    client_figment(figment, admin).await
}

/// A client over `figment` (plus a fast bcrypt cost) with `admin`.
pub async fn client_figment(figment: rocket::figment::Figment, admin: Admin) -> Client {
    let figment = figment.merge(("hangar.auth.bcrypt_cost", 4));
    let rocket = rocket::custom(figment)
        .attach(
            Database::fairing()
                .model::<Message>()
                .model::<Note>()
                .with(Auth::models()),
        )
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing())
        .attach(admin);
    Client::tracked(rocket).await.expect("launch")
}

pub async fn client(tdb: &TestDb) -> Client {
    client_with(
        tdb,
        Admin::fairing()
            .check_user_permission(|u| u.admin || u.username == "bob")
            .register::<Message>(message_admin())
            .register::<Note>(
                ModelAdmin::new()
                    .delete_collect_objects(false)
                    .template("edit", "custom/note_edit"),
            )
            .register::<User>(ModelAdmin::for_users().hooks(OwnUser)),
    )
    .await
}

pub fn count_in(html: &str) -> u64 {
    let end = html.find(" in all").expect("a count");
    let start = html[..end].rfind('>').expect("count element") + 1;
    html[start..end].trim().parse().expect("a number")
}
