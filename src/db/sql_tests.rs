//! The SQL text written for each backend, checked without any server: joins
//! per path, every lookup, ordering, limits, insert/update/delete, DDL.

use crate::db::backend::Backend::{self, MySql, Postgres, Sqlite};
use crate::db::lookup::Op;
use crate::db::registry::{ModelSet, Registry};
use crate::db::schema::Column;
use crate::db::value::Value;
use crate::db::{Select, Table as _};

#[derive(hangar::Model)]
#[model(table = "author")]
struct Author {
    id: i64,
    #[model(unique, max_length = 40)]
    name: String,
}

#[derive(hangar::Model)]
struct Book {
    id: i64,
    #[model(references = Author, on_delete = "cascade")]
    author: i64,
    #[model(references = Author, on_delete = "set_null")]
    editor: Option<i64>,
    #[model(index)]
    title: String,
    #[model(default = 0)]
    pages: i32,
}

fn rows(backend: Backend, select: Select) -> String {
    select.statement(backend, &Registry::default()).sql
}

fn book() -> Select {
    Select::new(Book::schema())
}

const BOOK_COLS: &str = r#"t0."id", t0."author", t0."editor", t0."title", t0."pages""#;

#[test]
fn plain_select_per_backend() {
    assert_eq!(
        rows(Postgres, book()),
        format!(r#"SELECT {BOOK_COLS} FROM "book" t0"#)
    );
    assert_eq!(
        rows(MySql, book().limit(10).offset(20)),
        "SELECT t0.`id`, t0.`author`, t0.`editor`, t0.`title`, t0.`pages` FROM `book` t0 LIMIT 10 OFFSET 20"
    );
    // an offset without a limit
    assert!(rows(Sqlite, book().offset(5)).ends_with(" LIMIT -1 OFFSET 5"));
    assert!(rows(MySql, book().offset(5)).ends_with(" LIMIT 18446744073709551615 OFFSET 5"));
    assert!(rows(Postgres, book().offset(5)).ends_with(r#"t0 OFFSET 5"#));
}

#[test]
fn one_join_per_foreign_key_path() {
    let q = book()
        .filter("author__name", Op::Eq, "ann")
        .unwrap()
        .filter("editor__name", Op::Eq, "ed")
        .unwrap()
        .order_by("-author__name")
        .unwrap();
    let stmt = q.statement(Postgres, &Registry::default());
    assert_eq!(
        stmt.sql,
        format!(
            r#"SELECT {BOOK_COLS} FROM "book" t0 LEFT JOIN "author" t1 ON t1."id" = t0."author" LEFT JOIN "author" t2 ON t2."id" = t0."editor" WHERE t1."name" = $1 AND t2."name" = $2 ORDER BY t1."name" DESC"#
        )
    );
    assert_eq!(stmt.args.len(), 2);
}

#[test]
fn every_lookup_on_postgres() {
    let w = |path: &str, op: Op, v: Value| {
        let sql = rows(Postgres, book().filter(path, op, v).unwrap());
        sql.split(" WHERE ").nth(1).unwrap().to_owned()
    };
    let text = |s: &str| Value::Text(s.into());
    assert_eq!(w("id", Op::Eq, 1.into()), r#"t0."id" = $1"#);
    assert_eq!(w("id", Op::Ne, 1.into()), r#"t0."id" <> $1"#);
    assert_eq!(w("id", Op::Lt, 1.into()), r#"t0."id" < $1"#);
    assert_eq!(w("id", Op::Lte, 1.into()), r#"t0."id" <= $1"#);
    assert_eq!(w("id", Op::Gt, 1.into()), r#"t0."id" > $1"#);
    assert_eq!(w("id", Op::Gte, 1.into()), r#"t0."id" >= $1"#);
    assert_eq!(w("editor", Op::Eq, Value::Null), r#"t0."editor" IS NULL"#);
    assert_eq!(
        w("editor", Op::Ne, Value::Null),
        r#"t0."editor" IS NOT NULL"#
    );
    assert_eq!(w("editor", Op::Is, text("none")), r#"t0."editor" IS NULL"#);
    assert_eq!(
        w("editor", Op::IsNot, text("null")),
        r#"t0."editor" IS NOT NULL"#
    );
    assert_eq!(
        w("editor", Op::IsNull, text("false")),
        r#"t0."editor" IS NOT NULL"#
    );
    assert_eq!(w("title", Op::Like, text("a%")), r#"t0."title" LIKE $1"#);
    assert_eq!(w("title", Op::ILike, text("a%")), r#"t0."title" ILIKE $1"#);
    assert_eq!(
        w("title", Op::Contains, text("a")),
        r#"t0."title" ILIKE $1 ESCAPE '!'"#
    );
    assert_eq!(w("title", Op::Regexp, text("^a")), r#"t0."title" ~ $1"#);
    assert_eq!(w("title", Op::IRegexp, text("^a")), r#"t0."title" ~* $1"#);
    let list = |op: Op, vals: Vec<Value>| {
        let sql = rows(Postgres, book().filter_values("id", op, vals).unwrap());
        sql.split(" WHERE ").nth(1).unwrap().to_owned()
    };
    assert_eq!(
        list(Op::In, vec![1.into(), 2.into()]),
        r#"t0."id" IN ($1, $2)"#
    );
    assert_eq!(list(Op::NotIn, vec![1.into()]), r#"t0."id" NOT IN ($1)"#);
    assert_eq!(list(Op::In, vec![]), "1=0");
    assert_eq!(
        list(Op::Between, vec![1.into(), 5.into()]),
        r#"t0."id" BETWEEN $1 AND $2"#
    );
    // exclusion keeps the rows where the condition is NULL
    let sql = rows(Postgres, book().exclude("editor", Op::Eq, 3).unwrap());
    assert!(
        sql.ends_with(r#"WHERE (t0."editor" = $1) IS NOT TRUE"#),
        "{sql}"
    );
}

#[test]
fn text_matching_per_backend() {
    let q = || book().filter("title", Op::Contains, "A_b").unwrap();
    let sqlite = q().statement(Sqlite, &Registry::default());
    assert!(sqlite
        .sql
        .ends_with(r#"WHERE LOWER(t0."title") LIKE ? ESCAPE '!'"#));
    // wildcards in the value are escaped, the pattern lowercased
    assert_eq!(sqlite.args[0].0, Value::Text("%a!_b%".into()));
    assert!(rows(MySql, q()).ends_with("WHERE LOWER(t0.`title`) LIKE ? ESCAPE '!'"));
    let re = book().filter("title", Op::IRegexp, "^a").unwrap();
    let mysql = re.statement(MySql, &Registry::default());
    assert!(mysql.sql.ends_with("WHERE t0.`title` REGEXP ?"));
    assert_eq!(mysql.args[0].0, Value::Text("(?i)^a".into()));
}

#[test]
fn count_and_keys() {
    let q = book()
        .filter("author__name", Op::Eq, "ann")
        .unwrap()
        .order_by("title")
        .unwrap()
        .limit(3);
    assert_eq!(
        q.count_statement(Sqlite, &Registry::default()).sql,
        r#"SELECT COUNT(*) FROM "book" t0 LEFT JOIN "author" t1 ON t1."id" = t0."author" WHERE t1."name" = ?"#
    );
    assert_eq!(
        q.pk_statement(Postgres, &Registry::default()).sql,
        r#"SELECT t0."id" FROM "book" t0 LEFT JOIN "author" t1 ON t1."id" = t0."author" WHERE t1."name" = $1 ORDER BY t0."title" LIMIT 3"#
    );
}

#[test]
fn insert_update_delete_per_backend() {
    let schema = Book::schema();
    let col = |f: &str| -> &'static Column { schema.column(f).unwrap() };
    let given = vec![(col("author"), Value::Int(1)), (col("title"), "t".into())];
    let registry = Registry::default();
    let insert = |b| crate::db::write::insert_statement(b, &registry, schema, &given).sql;
    assert_eq!(
        insert(Postgres),
        r#"INSERT INTO "book" ("author", "title") VALUES ($1, $2) RETURNING "id""#
    );
    assert_eq!(
        insert(Sqlite),
        r#"INSERT INTO "book" ("author", "title") VALUES (?, ?) RETURNING "id""#
    );
    assert_eq!(
        insert(MySql),
        "INSERT INTO `book` (`author`, `title`) VALUES (?, ?)"
    );
    assert_eq!(
        crate::db::write::insert_statement(MySql, &registry, schema, &[]).sql,
        "INSERT INTO `book` () VALUES ()"
    );
    let q = book().filter("author__name", Op::Eq, "ann").unwrap();
    let update = crate::db::select_sql::update(
        Postgres,
        &registry,
        schema,
        &q.conds,
        vec![(col("pages"), Value::Int(3))],
    );
    assert_eq!(
        update.sql,
        r#"UPDATE "book" SET "pages" = $1 WHERE "id" IN (SELECT pk FROM (SELECT t0."id" AS pk FROM "book" t0 LEFT JOIN "author" t1 ON t1."id" = t0."author" WHERE t1."name" = $2) AS hangar_sub)"#
    );
    assert_eq!(update.args[0].0, Value::Int(3));
    let delete =
        |b| crate::db::delete::delete_statement(b, &registry, schema, &[1.into(), 2.into()]).sql;
    assert_eq!(
        delete(Postgres),
        r#"DELETE FROM "book" WHERE "id" IN ($1, $2)"#
    );
    assert_eq!(delete(MySql), "DELETE FROM `book` WHERE `id` IN (?, ?)");
}

#[test]
fn ddl_per_backend() {
    let registry = Registry::default();
    let ddl = |b| crate::db::manage::ddl::create_table_sql(b, &registry, Book::schema());
    assert_eq!(
        ddl(Sqlite),
        r#"CREATE TABLE IF NOT EXISTS "book" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "author" INTEGER NOT NULL, "editor" INTEGER, "title" TEXT NOT NULL, "pages" INTEGER NOT NULL DEFAULT 0, FOREIGN KEY ("author") REFERENCES "author" ("id") ON DELETE CASCADE, FOREIGN KEY ("editor") REFERENCES "author" ("id") ON DELETE SET NULL)"#
    );
    assert_eq!(
        ddl(Postgres),
        r#"CREATE TABLE IF NOT EXISTS "book" ("id" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "author" BIGINT NOT NULL, "editor" BIGINT, "title" TEXT NOT NULL, "pages" INTEGER NOT NULL DEFAULT 0, FOREIGN KEY ("author") REFERENCES "author" ("id") ON DELETE CASCADE, FOREIGN KEY ("editor") REFERENCES "author" ("id") ON DELETE SET NULL)"#
    );
    assert_eq!(
        ddl(MySql),
        "CREATE TABLE IF NOT EXISTS `book` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, `author` BIGINT NOT NULL, `editor` BIGINT, `title` VARCHAR(255) NOT NULL, `pages` INTEGER NOT NULL DEFAULT 0, FOREIGN KEY (`author`) REFERENCES `author` (`id`) ON DELETE CASCADE, FOREIGN KEY (`editor`) REFERENCES `author` (`id`) ON DELETE SET NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
    );
    assert_eq!(
        crate::db::manage::ddl::create_index_sql(MySql, &registry, Book::schema()),
        vec![
            "CREATE INDEX `idx_book_author` ON `book` (`author`)",
            "CREATE INDEX `idx_book_editor` ON `book` (`editor`)",
            "CREATE INDEX `idx_book_title` ON `book` (`title`)",
        ]
    );
    let unique = crate::db::manage::ddl::create_table_sql(Postgres, &registry, Author::schema());
    assert!(
        unique.contains(r#""name" VARCHAR(40) NOT NULL UNIQUE"#),
        "{unique}"
    );
}

#[test]
fn tables_are_named_by_the_registry() {
    let figment = figment::Figment::from(("app.author_table", "writers"));
    let registry = ModelSet::new()
        .model::<Book>()
        .table_from_config::<Author>("app.author_table")
        .build(&figment)
        .unwrap();
    let q = book().filter("author__name", Op::Eq, "ann").unwrap();
    let sql = q.statement(Sqlite, &registry).sql;
    assert!(
        sql.contains(r#"LEFT JOIN "writers" t1 ON t1."id" = t0."author""#),
        "{sql}"
    );
    let ddl = crate::db::manage::ddl::create_table_sql(Sqlite, &registry, Book::schema());
    assert!(ddl.contains(r#"REFERENCES "writers" ("id")"#), "{ddl}");
    // the referenced model is registered by the one that refers to it
    assert!(registry.get("writers").is_some());
}

#[test]
fn row_locks_per_backend() {
    let locked = || book().filter_pk(Value::Int(7)).limit(1).for_update();
    assert_eq!(
        rows(Postgres, locked()),
        format!(r#"SELECT {BOOK_COLS} FROM "book" t0 WHERE t0."id" = $1 LIMIT 1 FOR UPDATE OF t0"#)
    );
    assert!(rows(MySql, locked()).ends_with(" LIMIT 1 FOR UPDATE"));
    assert!(
        rows(Sqlite, locked()).ends_with(" LIMIT 1"),
        "SQLite writers are exclusive"
    );
    // through a join: only the root's rows are locked on PostgreSQL
    let joined = book()
        .filter("author__name", Op::Eq, "ann")
        .unwrap()
        .for_update();
    assert!(rows(Postgres, joined).ends_with(" FOR UPDATE OF t0"));
}
