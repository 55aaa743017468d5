//! Migrations generated from the models, on every backend: `initial` →
//! `up` → `diff` is empty; a model change of every operation kind is
//! generated, refused while it loses data unmarked, applied with rows kept,
//! and reverted to the previous schema; renames only when stated; a
//! failing migration leaves the database as it was (SQLite, PostgreSQL) or
//! resumable (MySQL).

use crate::common;

use std::sync::Arc;

use common::TestDb;
use hangar::db::introspect::{self, TableInfo};
use hangar::db::migrate::{self, MigrationFile, Operation, Rename, RunOptions};
use hangar::db::{Backend, Db, Executor as _, Migrations, Registry, Statement, Table as _};
use hangar::db::{SqlType, Value};

mod v1 {
    use hangar::Model;

    #[derive(Model)]
    #[model(table = "m_author")]
    pub struct Author {
        pub id: i64,
        #[model(unique, max_length = 40)]
        pub name: String,
        pub bio: Option<String>,
        #[model(default = "now")]
        pub joined: time::OffsetDateTime,
    }

    #[derive(Model)]
    #[model(table = "m_book")]
    pub struct Book {
        pub id: i64,
        #[model(references = Author, on_delete = "cascade")]
        pub author: i64,
        #[model(max_length = 40)]
        pub title: String,
        #[model(index)]
        pub code: i32,
        pub notes: Option<String>,
        #[model(index)]
        pub shelf: Option<i32>,
        pub editor: Option<i64>,
        #[model(max_length = 20)]
        pub isbn: String,
        #[model(choices = [("draft", "Draft"), ("live", "Live")], max_length = 10)]
        pub status: String,
    }

    #[derive(Model)]
    #[model(table = "m_legacy")]
    pub struct Legacy {
        pub id: i64,
        pub label: String,
    }
}

mod v2 {
    use hangar::Model;

    #[derive(Model)]
    #[model(table = "m_author")]
    pub struct Author {
        pub id: i64,
        #[model(unique, max_length = 40)]
        pub name: String,
        #[model(default = "")]
        pub bio: String,
        #[model(default = "now")]
        pub joined: time::OffsetDateTime,
    }

    #[derive(Model)]
    #[model(table = "m_book")]
    pub struct Book {
        pub id: i64,
        #[model(references = Author, on_delete = "cascade")]
        pub author: i64,
        pub title: String,
        pub code: i32,
        #[model(default = 0)]
        pub rating: i32,
        #[model(references = Author, on_delete = "set_null")]
        pub editor: Option<i64>,
        #[model(unique, max_length = 20)]
        pub isbn: String,
        #[model(choices = [("draft", "Draft"), ("live", "Live")], max_length = 10)]
        pub status: String,
    }

    #[derive(Model)]
    #[model(table = "m_tag")]
    pub struct Tag {
        pub id: i64,
        #[model(max_length = 30)]
        pub label: String,
    }
}

mod priced {
    use hangar::Model;

    #[derive(Model)]
    #[model(table = "m_price")]
    pub struct Price {
        pub id: i64,
        #[model(default = 0.0)]
        pub price: f64,
        #[model(default = "now")]
        pub created: time::OffsetDateTime,
        #[model(default = "n/a")]
        pub note: String,
    }
}

mod renamed {
    use hangar::Model;

    #[derive(Model)]
    #[model(table = "m_note")]
    pub struct NoteBefore {
        pub id: i64,
        pub body: String,
    }

    #[derive(Model)]
    #[model(table = "m_note")]
    pub struct NoteAfter {
        pub id: i64,
        pub text: String,
    }

    #[derive(Model)]
    #[model(table = "m_memo")]
    pub struct Memo {
        pub id: i64,
        pub text: String,
    }
}

fn v1_registry() -> Registry {
    Registry::new(&[
        v1::Author::schema(),
        v1::Book::schema(),
        v1::Legacy::schema(),
    ])
}

fn v2_registry() -> Registry {
    Registry::new(&[v2::Author::schema(), v2::Book::schema(), v2::Tag::schema()])
}

const BOOKKEEPING: [&str; 2] = ["hangar_migrations", "hangar_migrations_progress"];

async fn user_tables(db: &Db) -> Vec<TableInfo> {
    let mut tables = introspect::tables(db).await.unwrap();
    tables.retain(|t| !BOOKKEEPING.contains(&t.name.as_str()));
    tables
}

async fn differences(db: &Db, registry: &Registry) -> Vec<String> {
    let tables = user_tables(db).await;
    introspect::diff(registry, &tables, db.backend(), false)
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn write(dir: &std::path::Path, version: i64, name: &str, file: &MigrationFile) {
    let text = file.to_toml();
    assert_eq!(
        &toml::from_str::<MigrationFile>(&text).unwrap(),
        file,
        "{text}"
    );
    std::fs::write(dir.join(format!("{version}_{name}.toml")), text).unwrap();
}

async fn exec(db: &Db, sql: &str) {
    (&*db).run_script(sql).await.unwrap();
}

async fn texts(db: &Db, sql: &str) -> Vec<String> {
    (&*db)
        .fetch(
            Statement::new(sql.to_owned()),
            &[SqlType::Text { max_length: None }],
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| match &r[0] {
            Value::Text(t) => t.trim_end().to_owned(),
            Value::Null => "NULL".into(),
            v => v.to_string(),
        })
        .collect()
}

async fn up(m: &Migrations, db: &Db, options: RunOptions) -> Result<Vec<i64>, String> {
    let mut out = Vec::new();
    m.up_with(db, None, options, &mut out)
        .await
        .map_err(|e| e.to_string())
}

app_cases!(
    initial_up_then_diff_is_empty_and_down_drops,
    every_operation_kind_is_generated_applied_and_reverted,
    renames_are_applied_only_when_stated,
    a_failed_migration_is_rolled_back_or_resumable,
    sql_files_per_backend_and_big_table_safety,
    instances_migrating_together_apply_each_migration_once,
    types_kept_defaults_filled_and_related_tables_dropped_in_order,
);

async fn initial_up_then_diff_is_empty_and_down_drops(tdb: Arc<TestDb>) {
    let registry = v1_registry();
    let db = Db::connect(&tdb.url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let initial = migrate::initial(&registry);
    assert!(matches!(&initial.up[0], Operation::CreateTable { table, .. } if table == "m_author"));
    write(dir.path(), 1, "initial", &initial);
    let m = Migrations::load(dir.path(), "hangar_migrations")
        .await
        .unwrap();
    let mut out = Vec::new();
    let applied = m
        .up_with(&db, None, RunOptions::default(), &mut out)
        .await
        .unwrap();
    assert_eq!(applied, vec![1]);
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("[1/3] create_table m_author ...") && out.contains("done in"),
        "each operation with its time: {out}"
    );
    assert_eq!(differences(&db, &registry).await, Vec::<String>::new());
    // the choices CHECK came with the table
    let bad = (&db)
        .run_script("INSERT INTO m_author (name) VALUES ('x')")
        .await;
    assert!(bad.is_ok());
    let refused = (&db)
        .run_script(
            "INSERT INTO m_book (author, title, code, isbn, status) VALUES (1, 't', 1, 'i', 'gone')",
        )
        .await;
    assert!(refused.is_err(), "CHECK (status IN ...) holds");
    exec(&db, "DELETE FROM m_author").await;

    assert_eq!(m.down(&db, None).await.unwrap(), vec![1]);
    let left = user_tables(&db).await;
    assert!(left.is_empty(), "{left:?}");
    assert!(!m.status(&db).await.unwrap()[0].applied);
    db.close().await;
}

async fn every_operation_kind_is_generated_applied_and_reverted(tdb: Arc<TestDb>) {
    let backend = tdb.backend;
    let db = Db::connect(&tdb.url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), 1, "initial", &migrate::initial(&v1_registry()));
    let m = Migrations::load(dir.path(), "hangar_migrations")
        .await
        .unwrap();
    up(&m, &db, RunOptions::default()).await.unwrap();
    exec(
        &db,
        "INSERT INTO m_author (id, name, bio) VALUES (1, 'ann', 'writes'), (2, 'bob', NULL)",
    )
    .await;
    exec(&db, "INSERT INTO m_book (id, author, title, code, notes, editor, isbn, status) VALUES (1, 1, 'first', 5, 'n', NULL, 'i-1', 'live'), (2, 2, 'second', 6, NULL, 1, 'i-2', 'draft')").await;
    exec(&db, "INSERT INTO m_legacy (id, label) VALUES (1, 'old')").await;

    // the model changes: every kind of operation
    let registry = v2_registry();
    let before = differences(&db, &registry).await;
    assert!(!before.is_empty());
    let plan = migrate::plan(&registry, &user_tables(&db).await, backend, &[]).unwrap();
    let kinds: Vec<String> = plan
        .file
        .up
        .iter()
        .map(|op| op.to_string().split(' ').next().unwrap().to_owned())
        .collect();
    for kind in [
        "create_table",
        "drop_table",
        "add_column",
        "drop_column",
        "alter_column",
        "create_index",
        "drop_index",
        "add_foreign_key",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }
    assert!(
        kinds.iter().filter(|k| *k == "drop_column").count() == 2,
        "notes, and shelf with its index (rebuilt on SQLite): {kinds:?}"
    );
    assert!(
        plan.notes
            .iter()
            .any(|n| n.contains("drop_column m_book.notes")),
        "{:?}",
        plan.notes
    );
    write(dir.path(), 2, "v2", &plan.file);
    let m = Migrations::load(dir.path(), "hangar_migrations")
        .await
        .unwrap();

    // refused while it loses data unmarked; nothing changed
    let e = up(&m, &db, RunOptions::default()).await.unwrap_err();
    assert!(
        e.contains("drop_column m_book.notes") && e.contains("drop_table m_legacy"),
        "{e}"
    );
    assert!(e.contains("intended = true"), "{e}");
    assert_eq!(differences(&db, &registry).await, before);

    // marked in the file: applied
    let mut marked = plan.file.clone();
    marked.up = marked.up.into_iter().map(|op| op.intended(true)).collect();
    std::fs::remove_file(dir.path().join("2_v2.toml")).unwrap();
    write(dir.path(), 2, "v2", &marked);
    let m = Migrations::load(dir.path(), "hangar_migrations")
        .await
        .unwrap();
    assert_eq!(up(&m, &db, RunOptions::default()).await.unwrap(), vec![2]);
    assert_eq!(differences(&db, &registry).await, Vec::<String>::new());
    assert_eq!(
        texts(&db, "SELECT title FROM m_book ORDER BY id").await,
        ["first", "second"]
    );
    assert_eq!(
        texts(&db, "SELECT bio FROM m_author ORDER BY id").await,
        ["writes", ""],
        "NULL made the default where a default exists"
    );
    assert_eq!(
        texts(
            &db,
            "SELECT CAST(rating AS CHAR(4)) FROM m_book ORDER BY id"
        )
        .await,
        ["0", "0"]
    );
    if backend == Backend::Sqlite {
        let broken = texts(&db, "SELECT \"table\" FROM pragma_foreign_key_check").await;
        assert!(broken.is_empty(), "{broken:?}");
    }
    // the new foreign key works: deleting an editor nulls the reference
    exec(&db, "DELETE FROM m_book WHERE id = 1").await;
    exec(&db, "INSERT INTO m_book (id, author, title, code, rating, editor, isbn, status) VALUES (3, 2, 'third', 7, 1, 1, 'i-3', 'draft')").await;
    exec(&db, "DELETE FROM m_author WHERE id = 1").await;
    assert_eq!(
        texts(
            &db,
            "SELECT CAST(editor AS CHAR(4)) FROM m_book ORDER BY id"
        )
        .await,
        ["NULL", "NULL"]
    );
    // the new unique index holds
    assert!((&db)
        .run_script("INSERT INTO m_book (id, author, title, code, rating, isbn, status) VALUES (4, 2, 'x', 1, 1, 'i-2', 'draft')")
        .await
        .is_err());

    // down: the previous schema, rows kept where the columns remain
    assert_eq!(m.down(&db, None).await.unwrap(), vec![2]);
    assert_eq!(differences(&db, &v1_registry()).await, Vec::<String>::new());
    assert_eq!(
        texts(&db, "SELECT title FROM m_book ORDER BY id").await,
        ["second", "third"]
    );
    assert_eq!(
        texts(&db, "SELECT label FROM m_legacy").await,
        Vec::<String>::new(),
        "a dropped table comes back empty"
    );
    db.close().await;
}

async fn renames_are_applied_only_when_stated(tdb: Arc<TestDb>) {
    let backend = tdb.backend;
    let db = Db::connect(&tdb.url).await.unwrap();
    let before = Registry::new(&[renamed::NoteBefore::schema()]);
    let after = Registry::new(&[renamed::NoteAfter::schema()]);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), 1, "initial", &migrate::initial(&before));
    let m = Migrations::load(dir.path(), "hangar_migrations")
        .await
        .unwrap();
    up(&m, &db, RunOptions::default()).await.unwrap();
    exec(&db, "INSERT INTO m_note (id, body) VALUES (1, 'kept')").await;

    let tables = user_tables(&db).await;
    let guessed = migrate::plan(&after, &tables, backend, &[]).unwrap();
    assert!(
        guessed
            .file
            .up
            .iter()
            .all(|op| !matches!(op, Operation::RenameColumn { .. })),
        "never inferred"
    );
    assert!(
        guessed
            .notes
            .iter()
            .any(|n| n.contains("--rename m_note.body:text")),
        "{:?}",
        guessed.notes
    );
    let wrong = migrate::plan(
        &after,
        &tables,
        backend,
        &["m_note.nope:text".parse().unwrap()],
    );
    assert!(wrong.unwrap_err().contains("no column nope"));

    let rename: Rename = "m_note.body:text".parse().unwrap();
    let plan = migrate::plan(&after, &tables, backend, &[rename]).unwrap();
    assert_eq!(
        plan.file.up,
        vec![Operation::RenameColumn {
            table: "m_note".into(),
            from: "body".into(),
            to: "text".into()
        }]
    );
    write(dir.path(), 2, "rename", &plan.file);
    let m = Migrations::load(dir.path(), "hangar_migrations")
        .await
        .unwrap();
    up(&m, &db, RunOptions::default()).await.unwrap();
    assert_eq!(texts(&db, "SELECT text FROM m_note").await, ["kept"]);
    assert_eq!(differences(&db, &after).await, Vec::<String>::new());
    // a table renamed: stated, its rows kept
    let memo = Registry::new(&[renamed::Memo::schema()]);
    let tables = user_tables(&db).await;
    let guessed = migrate::plan(&memo, &tables, backend, &[]).unwrap();
    assert!(
        guessed
            .possible_renames
            .contains(&"m_note:m_memo".parse().unwrap()),
        "{:?}",
        guessed.possible_renames
    );
    let plan = migrate::plan(&memo, &tables, backend, &["m_note:m_memo".parse().unwrap()]).unwrap();
    assert_eq!(plan.file.up.len(), 1, "{:?}", plan.file.up);
    write(dir.path(), 3, "memo", &plan.file);
    let m = Migrations::load(dir.path(), "hangar_migrations")
        .await
        .unwrap();
    up(&m, &db, RunOptions::default()).await.unwrap();
    assert_eq!(texts(&db, "SELECT text FROM m_memo").await, ["kept"]);
    assert_eq!(differences(&db, &memo).await, Vec::<String>::new());

    m.down(&db, Some(1)).await.unwrap();
    assert_eq!(texts(&db, "SELECT body FROM m_note").await, ["kept"]);
    db.close().await;
}

fn failing(fixed: bool) -> MigrationFile {
    let add = |name: &str| -> Operation {
        toml::from_str(&format!(
            "op = \"add_column\"\ntable = \"m_note\"\ncolumn = {{ name = \"{name}\", type = \"int\", nullable = true }}"
        ))
        .unwrap()
    };
    let sql = if fixed {
        "UPDATE m_note SET a = 1"
    } else {
        "UPDATE no_such_table SET a = 1"
    };
    let drop = |name: &str| Operation::DropColumn {
        table: "m_note".into(),
        column: name.into(),
        intended: true,
    };
    MigrationFile {
        description: None,
        up: vec![
            add("a"),
            Operation::Sql {
                sql: Some(sql.into()),
                sqlite: None,
                postgres: None,
                mysql: None,
            },
            add("b"),
        ],
        down: Some(vec![
            drop("b"),
            Operation::Sql {
                sql: Some("UPDATE m_note SET a = NULL".into()),
                sqlite: None,
                postgres: None,
                mysql: None,
            },
            drop("a"),
        ]),
    }
}

async fn a_failed_migration_is_rolled_back_or_resumable(tdb: Arc<TestDb>) {
    let db = Db::connect(&tdb.url).await.unwrap();
    let before = Registry::new(&[renamed::NoteBefore::schema()]);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), 1, "initial", &migrate::initial(&before));
    write(dir.path(), 2, "columns", &failing(false));
    let m = Migrations::load(dir.path(), "hangar_migrations")
        .await
        .unwrap();
    let e = up(&m, &db, RunOptions::default()).await.unwrap_err();
    assert!(e.contains("operation 2 of 3"), "{e}");
    let note = introspect::table(&db, "m_note").await.unwrap().unwrap();
    let status = m.status(&db).await.unwrap();
    if tdb.backend == Backend::MySql {
        assert!(e.contains("1 of its 3 operation(s) are in place"), "{e}");
        assert!(note.column("a").is_some(), "MySQL keeps what ran");
        assert_eq!(status[1].partial, Some(1), "{status:?}");
        assert!(!status[1].applied);
        // `down` reverts the operations in place (the down's tail)
        assert_eq!(m.down(&db, Some(1)).await.unwrap(), vec![2]);
        let note = introspect::table(&db, "m_note").await.unwrap().unwrap();
        assert!(note.column("a").is_none(), "reverted");
        let status = m.status(&db).await.unwrap();
        assert_eq!((status[1].applied, status[1].partial), (false, None));
        // fails again, to be resumed below
        up(&m, &db, RunOptions::default()).await.unwrap_err();
    } else {
        assert!(e.contains("rolled back"), "{e}");
        assert!(note.column("a").is_none(), "rolled back whole");
        assert_eq!(status[1].partial, None);
        assert!(!status[1].applied);
    }
    // fixed: `up` applies it (resuming on MySQL)
    std::fs::remove_file(dir.path().join("2_columns.toml")).unwrap();
    write(dir.path(), 2, "columns", &failing(true));
    let m = Migrations::load(dir.path(), "hangar_migrations")
        .await
        .unwrap();
    assert_eq!(up(&m, &db, RunOptions::default()).await.unwrap(), vec![2]);
    let note = introspect::table(&db, "m_note").await.unwrap().unwrap();
    assert!(note.column("a").is_some() && note.column("b").is_some());
    assert!(m.status(&db).await.unwrap().iter().all(|s| s.applied));
    m.down(&db, Some(1)).await.unwrap();
    let note = introspect::table(&db, "m_note").await.unwrap().unwrap();
    assert!(note.column("a").is_none() && note.column("b").is_none());
    db.close().await;
}

async fn sql_files_per_backend_and_big_table_safety(tdb: Arc<TestDb>) {
    let db = Db::connect(&tdb.url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    // a generic script, and PostgreSQL's own for the same version
    std::fs::write(p.join("1_kv.sql"), "CREATE TABLE m_kv (k VARCHAR(20) PRIMARY KEY, v VARCHAR(20));\nINSERT INTO m_kv VALUES ('who', 'generic');").unwrap();
    std::fs::write(p.join("1_kv.postgres.sql"), "CREATE TABLE m_kv (k VARCHAR(20) PRIMARY KEY, v VARCHAR(20));\nINSERT INTO m_kv VALUES ('who', 'postgres');").unwrap();
    // a portable migration with an index built without blocking writes
    let index: MigrationFile = toml::from_str(
        r#"
        [[up]]
        op = "create_index"
        table = "m_kv"
        columns = ["v"]
        concurrently = true
        [[down]]
        op = "drop_index"
        table = "m_kv"
        columns = ["v"]
        "#,
    )
    .unwrap();
    write(p, 2, "kv_index", &index);
    let m = Migrations::load(p, "hangar_migrations").await.unwrap();
    let mut out = Vec::new();
    m.up_with(&db, None, RunOptions::default(), &mut out)
        .await
        .unwrap();
    let want = if tdb.backend == Backend::Postgres {
        "postgres"
    } else {
        "generic"
    };
    assert_eq!(texts(&db, "SELECT v FROM m_kv").await, [want]);
    let kv = introspect::table(&db, "m_kv").await.unwrap().unwrap();
    assert!(kv.index_on(&["v".to_owned()], false).is_some(), "{kv:?}");
    let out = String::from_utf8(out).unwrap();
    if tdb.backend == Backend::Postgres {
        assert!(
            !out.contains("locks writes"),
            "CONCURRENTLY: no warning: {out}"
        );
    }

    // an index without CONCURRENTLY on PostgreSQL is flagged, not refused
    let plain: MigrationFile = toml::from_str(
        r#"
        [[up]]
        op = "create_index"
        table = "m_kv"
        columns = ["k", "v"]
        "#,
    )
    .unwrap();
    let risks = migrate::assess(&db, &plain.up).await.unwrap();
    match tdb.backend {
        Backend::Postgres => assert!(
            risks
                .iter()
                .any(|(_, r)| !r.destructive && r.message.contains("locks writes to m_kv")),
            "{risks:?}"
        ),
        _ => assert!(risks.is_empty(), "{risks:?}"),
    }
    // a NOT NULL column without a default cannot be added to a table with rows
    let not_null: MigrationFile = toml::from_str(
        r#"
        [[up]]
        op = "add_column"
        table = "m_kv"
        column = { name = "n", type = "int" }
        "#,
    )
    .unwrap();
    write(p, 3, "not_null", &not_null);
    let m = Migrations::load(p, "hangar_migrations").await.unwrap();
    let e = up(&m, &db, RunOptions::default()).await.unwrap_err();
    assert!(
        e.contains("without a default: the table has 1 row(s)"),
        "{e}"
    );
    let kv = introspect::table(&db, "m_kv").await.unwrap().unwrap();
    assert!(kv.column("n").is_none());
    // a file changed after it was applied is refused
    std::fs::remove_file(p.join("3_not_null.toml")).unwrap();
    std::fs::write(p.join("1_kv.sql"), "SELECT 1;").unwrap();
    std::fs::write(p.join("1_kv.postgres.sql"), "SELECT 1;").unwrap();
    let m = Migrations::load(p, "hangar_migrations").await.unwrap();
    let e = up(&m, &db, RunOptions::default()).await.unwrap_err();
    assert!(e.contains("its file has changed"), "{e}");
    db.close().await;
}

async fn instances_migrating_together_apply_each_migration_once(tdb: Arc<TestDb>) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), 1, "initial", &migrate::initial(&v1_registry()));
    write(dir.path(), 2, "tag", &{
        let mut f = migrate::initial(&Registry::new(&[v2::Tag::schema()]));
        f.up.push(Operation::Sql {
            sql: Some("INSERT INTO m_tag (label) VALUES ('once')".into()),
            sqlite: None,
            postgres: None,
            mysql: None,
        });
        f
    });
    // three instances launching at once, each with its own pool
    let mut runs = Vec::new();
    for _ in 0..3 {
        let url = tdb.url.clone();
        let path = dir.path().to_owned();
        runs.push(tokio::spawn(async move {
            let db = Db::connect(&url).await.unwrap();
            let m = Migrations::load(&path, "hangar_migrations").await.unwrap();
            let applied = up(&m, &db, RunOptions::default()).await;
            db.close().await;
            applied
        }));
    }
    let mut applied: Vec<i64> = Vec::new();
    for run in runs {
        applied.extend(run.await.unwrap().expect("every instance launches"));
    }
    applied.sort_unstable();
    assert_eq!(applied, [1, 2], "each migration applied by one instance");
    let db = Db::connect(&tdb.url).await.unwrap();
    assert_eq!(texts(&db, "SELECT label FROM m_tag").await, ["once"]);
    db.close().await;
}

async fn types_kept_defaults_filled_and_related_tables_dropped_in_order(tdb: Arc<TestDb>) {
    let backend = tdb.backend;
    let db = Db::connect(&tdb.url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // another framework's table: a DECIMAL the model reads as f64
    let ddl = match backend {
        Backend::Sqlite => "CREATE TABLE m_price (id INTEGER PRIMARY KEY AUTOINCREMENT, price DECIMAL(10,2))",
        Backend::Postgres => "CREATE TABLE m_price (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, price DECIMAL(10,2))",
        Backend::MySql => "CREATE TABLE m_price (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, price DECIMAL(10,2)) ENGINE=InnoDB",
    };
    exec(&db, ddl).await;
    exec(&db, "INSERT INTO m_price (price) VALUES (1.5), (NULL)").await;
    if backend == Backend::Sqlite {
        // what a rebuild must carry over: a view, a trigger, an expression index
        exec(
            &db,
            "CREATE VIEW m_price_view AS SELECT id, price FROM m_price",
        )
        .await;
        exec(&db, "CREATE TABLE m_audit (n INTEGER)").await;
        exec(&db, "CREATE TRIGGER m_price_audit AFTER INSERT ON m_price BEGIN INSERT INTO m_audit VALUES (1); END").await;
        exec(&db, "CREATE INDEX m_price_double ON m_price (price * 2)").await;
    }
    let registry = Registry::new(&[priced::Price::schema()]);
    let mut tables = user_tables(&db).await;
    tables.retain(|t| t.name != "m_audit");
    let plan = migrate::plan(&registry, &tables, backend, &[]).unwrap();
    let alter = plan
        .file
        .up
        .iter()
        .find_map(|op| match op {
            Operation::AlterColumn { column, .. } => Some(column.ty.to_string()),
            _ => None,
        })
        .expect("price made NOT NULL with a default");
    assert!(
        alter.to_ascii_lowercase().contains("(10,2)"),
        "only nullability and default change: the DECIMAL stays ({alter})"
    );
    write(dir.path(), 1, "price", &plan.file);
    let m = Migrations::load(dir.path(), "hangar_migrations")
        .await
        .unwrap();
    up(&m, &db, RunOptions::default()).await.unwrap();
    let price = introspect::table(&db, "m_price").await.unwrap().unwrap();
    let declared = price.column("price").unwrap().declared.to_ascii_lowercase();
    assert!(declared.contains("10,2"), "{declared}");
    assert!(!price.column("price").unwrap().nullable);
    assert_eq!(
        texts(&db, "SELECT note FROM m_price ORDER BY id").await,
        ["n/a", "n/a"],
        "rows there before the column get its default (MySQL TEXT too)"
    );
    assert_eq!(
        texts(
            &db,
            "SELECT CAST(price AS CHAR(8)) FROM m_price ORDER BY id"
        )
        .await
        .len(),
        2
    );
    let stamps = texts(
        &db,
        "SELECT CAST(created AS CHAR(40)) FROM m_price ORDER BY id",
    )
    .await;
    assert!(stamps.iter().all(|s| s != "NULL"), "{stamps:?}");
    let null_prices = texts(&db, "SELECT id FROM m_price WHERE price IS NULL").await;
    assert!(null_prices.is_empty(), "NULL became the default");
    let mut tables = user_tables(&db).await;
    tables.retain(|t| t.name != "m_audit");
    assert_eq!(
        introspect::diff(&registry, &tables, backend, false)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        Vec::<String>::new()
    );
    if backend == Backend::Sqlite {
        assert_eq!(
            texts(&db, "SELECT CAST(COUNT(*) AS TEXT) FROM m_price_view").await,
            ["2"]
        );
        exec(&db, "INSERT INTO m_price (price) VALUES (3)").await;
        assert_eq!(
            texts(&db, "SELECT CAST(COUNT(*) AS TEXT) FROM m_audit").await,
            ["1"],
            "trigger kept"
        );
        let index = texts(
            &db,
            "SELECT sql FROM sqlite_master WHERE name = 'm_price_double'",
        )
        .await;
        assert_eq!(
            index,
            ["CREATE INDEX m_price_double ON m_price (price * 2)"]
        );
    }

    // two related tables no model has: dropped referencing one first, and
    // put back referenced one first
    let dir = tempfile::tempdir().unwrap();
    let db2 = Db::connect(&tdb.url).await.unwrap();
    write(dir.path(), 1, "initial", &migrate::initial(&v1_registry()));
    let m = Migrations::load(dir.path(), "hangar_migrations_2")
        .await
        .unwrap();
    m.up(&db2, None).await.unwrap();
    let only_legacy = Registry::new(&[v1::Legacy::schema(), priced::Price::schema()]);
    let mut tables = user_tables(&db2).await;
    tables.retain(|t| !t.name.starts_with("hangar_migrations") && t.name != "m_audit");
    let plan = migrate::plan(&only_legacy, &tables, backend, &[]).unwrap();
    let drops: Vec<String> = plan.file.up.iter().map(ToString::to_string).collect();
    assert_eq!(drops, ["drop_table m_book", "drop_table m_author"]);
    write(dir.path(), 2, "drop", &plan.file);
    let m = Migrations::load(dir.path(), "hangar_migrations_2")
        .await
        .unwrap();
    let mut out = Vec::new();
    m.up_with(
        &db2,
        None,
        RunOptions {
            allow_destructive: true,
        },
        &mut out,
    )
    .await
    .unwrap();
    assert!(introspect::table(&db2, "m_book").await.unwrap().is_none());
    m.down(&db2, Some(1)).await.unwrap();
    assert!(introspect::table(&db2, "m_book").await.unwrap().is_some());
    db2.close().await;
    db.close().await;
}
