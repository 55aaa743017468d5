//! Schema introspection and the model/database diff on every backend:
//! tables Hangar creates match their models exactly; tables another
//! framework made differ only where they really do.

use crate::common;

use std::sync::Arc;

use common::TestDb;
use hangar::db::introspect::{self, ColumnKind, Difference};
use hangar::db::{ddl, Backend, Db, Executor as _, Registry, Statement, Table as _};
use hangar::Model;
use time::{Date, OffsetDateTime};

#[derive(Model)]
#[model(table = "i_author")]
pub struct Author {
    pub id: i64,
    #[model(unique, max_length = 80)]
    pub name: String,
    pub bio: Option<String>,
}

#[derive(Model)]
#[model(table = "i_book")]
pub struct Book {
    pub id: i64,
    #[model(references = Author, on_delete = "cascade")]
    pub author: i64,
    pub title: String,
    pub pages: i32,
    pub price: Option<f64>,
    pub published: bool,
    pub released: Option<Date>,
    pub added: OffsetDateTime,
    pub code: uuid::Uuid,
    pub extra: Option<serde_json::Value>,
}

/// flask-peewee's table for a model that has since changed: `email` added
/// to the model, `nickname` dropped from it, `score` made NOT NULL.
#[derive(Model)]
#[model(table = "legacy_member")]
pub struct Member {
    pub id: i64,
    #[model(max_length = 255)]
    pub username: String,
    pub email: String,
    pub score: f64,
}

fn peewee_ddl(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => r#"CREATE TABLE "legacy_member" ("id" SERIAL NOT NULL PRIMARY KEY, "username" VARCHAR(255) NOT NULL, "nickname" VARCHAR(40), "score" REAL)"#,
        Backend::MySql => "CREATE TABLE `legacy_member` (`id` INTEGER AUTO_INCREMENT NOT NULL PRIMARY KEY, `username` VARCHAR(255) NOT NULL, `nickname` VARCHAR(40), `score` FLOAT)",
        Backend::Sqlite => r#"CREATE TABLE "legacy_member" ("id" INTEGER NOT NULL PRIMARY KEY, "username" VARCHAR(255) NOT NULL, "nickname" VARCHAR(40), "score" REAL)"#,
    }
}

app_cases!(
    hangar_tables_match_their_models,
    other_frameworks_tables_show_real_differences
);

async fn hangar_tables_match_their_models(tdb: Arc<TestDb>) {
    let schemas = [Author::schema(), Book::schema()];
    let db = Db::connect(&tdb.url).await.unwrap().with_models(&schemas);
    ddl::create_tables(&db, &schemas).await.unwrap();
    let tables = introspect::tables(&db).await.unwrap();
    let book = tables.iter().find(|t| t.name == "i_book").expect("i_book");
    assert_eq!(book.columns.len(), 10);
    assert!(book.column("id").unwrap().primary_key);
    assert!(book.column("price").unwrap().nullable);
    assert!(!book.column("title").unwrap().nullable);
    let name = tables
        .iter()
        .find(|t| t.name == "i_author")
        .unwrap()
        .column("name")
        .unwrap();
    if tdb.backend != Backend::Sqlite {
        assert_eq!(name.kind, ColumnKind::Text(Some(80)), "{name:?}");
    }
    let registry = Registry::new(&schemas);
    for strict in [false, true] {
        let found = introspect::diff(&registry, &tables, tdb.backend, strict);
        assert!(found.is_empty(), "strict {strict}: {found:?}");
    }
    db.close().await;
}

async fn other_frameworks_tables_show_real_differences(tdb: Arc<TestDb>) {
    let db = Db::connect(&tdb.url).await.unwrap();
    (&db)
        .execute(Statement::new(peewee_ddl(tdb.backend)))
        .await
        .unwrap();
    let tables = introspect::tables(&db).await.unwrap();
    let registry = Registry::new(&[Member::schema(), Author::schema()]);
    let found = introspect::diff(&registry, &tables, tdb.backend, false);
    let t = "legacy_member".to_owned();
    let expected = vec![
        Difference::MissingColumn(t.clone(), "email".into()),
        Difference::Nullability(t.clone(), "score".into(), false),
        Difference::ExtraColumn(t.clone(), "nickname".into()),
        Difference::MissingTable("i_author".into()),
    ];
    assert_eq!(
        found, expected,
        "SERIAL/INTEGER keys and VARCHAR are no difference"
    );
    // a strict comparison adds the narrower key on PostgreSQL and MySQL
    let strict = introspect::diff(&registry, &tables, tdb.backend, true);
    let narrower: Vec<&Difference> = strict.iter().filter(|d| d.is_strict_only()).collect();
    match tdb.backend {
        Backend::Sqlite => assert!(narrower.is_empty(), "SQLite integers are 64-bit"),
        _ => assert!(
            matches!(narrower.as_slice(), [Difference::NarrowerInteger(_, c, _)] if c == "id"),
            "{strict:?}"
        ),
    }
    assert_eq!(
        found[0].to_string(),
        "column legacy_member.email is missing"
    );
    // inspectdb: the struct for the existing table
    let member = tables.iter().find(|t| t.name == "legacy_member").unwrap();
    let source = introspect::model_source(member);
    assert!(
        source.contains("#[model(table = \"legacy_member\")]\npub struct LegacyMember {"),
        "{source}"
    );
    assert!(source.contains("    pub id: i64,\n"), "{source}");
    assert!(
        source.contains("    #[model(max_length = 255)]\n    pub username: String,\n"),
        "{source}"
    );
    assert!(source.contains("pub nickname: Option<String>,"), "{source}");
    assert!(source.contains("    pub score: Option<f64>,\n"), "{source}");
    db.close().await;
}
