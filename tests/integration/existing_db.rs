//! A database Hangar did not create — tables as flask-peewee, Django before
//! 3.2 or SQLAlchemy make them (`SERIAL`/`INTEGER` keys, `SMALLINT`, `REAL`,
//! `TIMESTAMP` without time zone, MySQL `TINYINT(1)`, `VARCHAR(n)`) — is read
//! and written through models with Hangar's own types, on every backend.

use crate::common;
use hangar::db::Table as _;

use std::sync::Arc;

use common::TestDb;
use hangar::db::{Backend, Database, Db, Executor as _, Model as _, Op, Statement};
use hangar::rest::{Resource, RestApi};
use hangar::Model;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use time::macros::datetime;
use time::OffsetDateTime;

#[derive(Model, Clone, Debug, PartialEq)]
#[model(table = "legacy_user")]
pub struct LegacyUser {
    pub id: i64,
    #[model(max_length = 255)]
    pub username: String,
    pub score: Option<f64>,
    pub rank: Option<i64>,
    pub visits: i32,
    pub joined: OffsetDateTime,
    pub active: bool,
    pub balance: Option<f64>,
    pub country: Option<String>,
}

/// The DDL flask-peewee would have run on each backend.
fn peewee_ddl(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => {
            r#"CREATE TABLE "legacy_user" ("id" SERIAL NOT NULL PRIMARY KEY, "username" VARCHAR(255) NOT NULL, "score" REAL, "rank" SMALLINT, "visits" INTEGER NOT NULL, "joined" TIMESTAMP NOT NULL, "active" BOOLEAN NOT NULL, "balance" NUMERIC(10,2), "country" CHAR(2))"#
        }
        Backend::MySql => {
            "CREATE TABLE `legacy_user` (`id` INTEGER AUTO_INCREMENT NOT NULL PRIMARY KEY, `username` VARCHAR(255) NOT NULL, `score` FLOAT, `rank` SMALLINT, `visits` INTEGER NOT NULL, `joined` DATETIME NOT NULL, `active` TINYINT(1) NOT NULL, `balance` DECIMAL(10,2), `country` CHAR(2))"
        }
        Backend::Sqlite => {
            r#"CREATE TABLE "legacy_user" ("id" INTEGER NOT NULL PRIMARY KEY, "username" VARCHAR(255) NOT NULL, "score" REAL, "rank" SMALLINT, "visits" INTEGER NOT NULL, "joined" DATETIME NOT NULL, "active" INTEGER NOT NULL, "balance" NUMERIC(10,2), "country" CHAR(2))"#
        }
    }
}

app_cases!(peewee_made_tables_read_and_write);

async fn peewee_made_tables_read_and_write(tdb: Arc<TestDb>) {
    let db = Db::connect(&tdb.url)
        .await
        .unwrap()
        .with_models(&[LegacyUser::schema()]);
    (&db)
        .execute(Statement::new(peewee_ddl(tdb.backend)))
        .await
        .expect("peewee's table");
    // a row written by the other framework, and one written by Hangar
    let legacy_insert = match tdb.backend {
        Backend::MySql => "INSERT INTO `legacy_user` (`username`, `score`, `rank`, `visits`, `joined`, `active`, `balance`, `country`) VALUES ('huey', 2.5, 3, 7, '2026-12-02 07:33:00', 1, 12.50, 'NZ')",
        _ => r#"INSERT INTO "legacy_user" ("username", "score", "rank", "visits", "joined", "active", "balance", "country") VALUES ('huey', 2.5, 3, 7, '2026-12-02 07:33:00', TRUE, 12.50, 'NZ')"#,
    };
    let legacy_insert = if tdb.backend == Backend::Sqlite {
        legacy_insert.replace("TRUE", "1")
    } else {
        legacy_insert.to_owned()
    };
    (&db)
        .execute(Statement::new(legacy_insert))
        .await
        .expect("legacy row");
    let huey = LegacyUser::select()
        .filter("username", Op::Eq, "huey")
        .unwrap()
        .first(&db)
        .await
        .expect("reads the legacy row")
        .expect("huey");
    assert_eq!(
        (huey.score, huey.rank, huey.visits, huey.active),
        (Some(2.5), Some(3), 7, true)
    );
    assert_eq!(
        (huey.balance, huey.country.as_deref()),
        (Some(12.5), Some("NZ")),
        "NUMERIC/DECIMAL read as f64, CHAR as text"
    );
    assert_eq!(
        huey.joined,
        datetime!(2026-12-02 07:33:00 UTC),
        "TIMESTAMP without zone is UTC"
    );
    let mut mickey = LegacyUser {
        id: 0,
        username: "mickey".into(),
        score: None,
        rank: Some(-2),
        visits: 1,
        joined: datetime!(2026-12-01 10:00:00 UTC),
        active: false,
        balance: Some(-0.25),
        country: Some("US".into()),
    };
    mickey
        .insert(&db)
        .await
        .expect("writes bind what the columns take");
    assert!(mickey.id > huey.id);
    let back = LegacyUser::get(&db, mickey.id).await.unwrap();
    assert_eq!(back, mickey);
    // comparisons against the naive timestamp column (on SQLite timestamps
    // are text: peewee's `2026-12-02 07:33:00` and Hangar's
    // `2026-12-02T07:33:00.000000Z` compare as text, so a table holding both
    // forms is not compared across them yet)
    if tdb.backend != Backend::Sqlite {
        let recent = LegacyUser::select()
            .filter("joined", Op::Gte, datetime!(2026-12-02 00:00:00 UTC))
            .unwrap()
            .all(&db)
            .await
            .unwrap();
        assert_eq!(recent.len(), 1);
        assert_eq!(recent[0].username, "huey");
    }
    mickey.score = Some(1.25);
    mickey.update(&db).await.unwrap();
    assert_eq!(
        LegacyUser::get(&db, mickey.id).await.unwrap().score,
        Some(1.25)
    );
    db.close().await;

    // and through the REST API, which answered 500 on such a database
    let figment = tdb.figment().merge(("hangar.database.auto_create", false));
    let rocket = rocket::custom(figment)
        .attach(Database::fairing().model::<LegacyUser>())
        .attach(RestApi::fairing().register::<LegacyUser>(Resource::new()));
    let client = Client::untracked(rocket).await.expect("launch");
    let res = client.get("/api/legacy_user/?ordering=id").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    let body: serde_json::Value = res.into_json().await.unwrap();
    assert_eq!(
        body["objects"][0]["joined"], "2026-12-02T07:33:00.000000Z",
        "{body}"
    );
    assert_eq!(body["objects"][0]["rank"], 3);
    assert_eq!(body["objects"][1]["score"], 1.25);
}
