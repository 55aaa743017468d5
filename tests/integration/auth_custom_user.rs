//! Auth over an app's own user model (`Auth::fairing_for::<Member>()`).

use crate::common;

use common::TestDb;
use hangar::auth::{AdminUser, Auth, AuthState, AuthUser, UserModel};
use hangar::db::{Backend, Database, Db};
use hangar::Model;
use rocket::http::{Accept, ContentType, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, routes};

#[derive(Model, Clone, Debug)]
#[model(table = "member", display = "login")]
pub struct Member {
    pub id: i64,
    #[model(unique, max_length = 80)]
    pub login: String,
    #[model(secret)]
    pub password: String,
    #[model(default = 0)]
    pub session_epoch: i64,
    #[model(default = false)]
    pub is_superuser: bool,
    pub nickname: Option<String>,
}

impl UserModel for Member {
    const USERNAME_FIELD: &'static str = "login";
    const ACTIVE_FIELD: Option<&'static str> = None;

    fn user_id(&self) -> i64 {
        self.id
    }
    fn username(&self) -> &str {
        &self.login
    }
    fn password_hash(&self) -> &str {
        &self.password
    }
    fn set_password_hash(&mut self, hash: String) {
        self.password = hash;
    }
    fn session_epoch(&self) -> i64 {
        self.session_epoch
    }
    fn set_session_epoch(&mut self, epoch: i64) {
        self.session_epoch = epoch;
    }
    fn is_admin(&self) -> bool {
        self.is_superuser
    }
    fn new_user(username: &str, _email: &str, password_hash: String, admin: bool) -> Self {
        Member {
            id: 0,
            login: username.into(),
            password: password_hash,
            session_epoch: 0,
            is_superuser: admin,
            nickname: None,
        }
    }
}

#[get("/me")]
fn me(member: AuthUser<Member>) -> String {
    format!(
        "{} ({})",
        member.login,
        member.nickname.as_deref().unwrap_or("no nickname")
    )
}

#[get("/boss")]
fn boss(member: AdminUser<Member>) -> String {
    format!("boss {}", member.login)
}

async fn run(backend: Backend) {
    let Some(tdb) = TestDb::new(backend).await else {
        return;
    };
    let figment = tdb
        .figment()
        .merge((
            "template_dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/templates"),
        ))
        .merge(("hangar.auth.bcrypt_cost", 4));
    let rocket = rocket::custom(figment)
        .attach(Database::fairing().with(Auth::models_for::<Member>()))
        .attach(Auth::fairing_for::<Member>())
        .attach(hangar::templates::fairing())
        .attach(hangar::admin::Admin::fairing())
        .mount("/", routes![me, boss]);
    let client = Client::tracked(rocket).await.expect("launch");
    let db = client.rocket().state::<Db>().unwrap().clone();
    let state = client.rocket().state::<AuthState>().unwrap();
    state
        .store()
        .create(&db, &state.config, "rin", "", "rin-password", false)
        .await
        .unwrap();
    state
        .store()
        .create(&db, &state.config, "sam", "", "sam-password", true)
        .await
        .unwrap();
    assert!(hangar::db::ddl::table_exists(&db, "member").await.unwrap());
    assert!(
        !hangar::db::ddl::table_exists(&db, "user").await.unwrap(),
        "no built-in table"
    );

    let res = client.get("/me").header(Accept::JSON).dispatch().await;
    assert_eq!(res.status(), Status::Unauthorized);
    drop(res);
    let res = hangar::testing::submit_form(
        &client,
        "/accounts/login/",
        &[
            ("username", "rin"),
            ("password", "rin-password"),
            ("next", "/me"),
        ],
    )
    .await;
    assert_eq!(res.status(), Status::SeeOther);
    drop(res);
    let res = client.get("/me").dispatch().await;
    assert_eq!(res.into_string().await.unwrap(), "rin (no nickname)");
    assert_eq!(
        client
            .get("/boss")
            .header(Accept::JSON)
            .dispatch()
            .await
            .status(),
        Status::Forbidden
    );
    // the admin works over the app's user model, which joins it by itself
    let res = client.get("/admin/").header(Accept::HTML).dispatch().await;
    assert_eq!(res.status(), Status::Forbidden, "rin is no superuser");
    drop(res);
    // logging in rotated the CSRF token
    let token = client
        .cookies()
        .get_private(hangar::auth::CSRF_COOKIE)
        .expect("csrf cookie")
        .value()
        .to_owned();
    let res = client
        .post("/accounts/login/")
        .header(ContentType::Form)
        .body(format!(
            "csrf_token={token}&username=sam&password=sam-password"
        ))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::SeeOther);
    drop(res);
    let res = client
        .get("/admin/member/")
        .header(Accept::HTML)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    let html = res.into_string().await.unwrap();
    assert!(html.contains(">rin<") && !html.contains("$2"), "{html}");
    let res = client
        .get("/admin/member/add/")
        .header(Accept::HTML)
        .dispatch()
        .await;
    let html = res.into_string().await.unwrap();
    assert!(
        html.contains("type=\"password\" id=\"f-password\""),
        "{html}"
    );
    let rin = Member::by_username(&db, "rin").await.unwrap().unwrap();
    assert!(rin.check_password("rin-password").await.unwrap());
    drop(client);
    db.close().await;
    tdb.drop_db().await;
}

#[rocket::async_test]
async fn custom_user_model_on_sqlite() {
    run(Backend::Sqlite).await;
}

#[rocket::async_test]
async fn custom_user_model_on_postgres() {
    run(Backend::Postgres).await;
}

#[rocket::async_test]
async fn custom_user_model_on_mysql() {
    run(Backend::MySql).await;
}

#[rocket::async_test]
async fn a_guard_for_another_user_model_stops_the_launch() {
    let tdb = TestDb::new(Backend::Sqlite).await.unwrap();
    let figment = tdb.figment().merge((
        "template_dir",
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/templates"),
    ));
    #[get("/plain")]
    fn plain(user: AuthUser) -> String {
        user.username.clone()
    }
    let rocket = rocket::custom(figment)
        .attach(Database::fairing().with(Auth::models_for::<Member>()))
        .attach(Auth::fairing_for::<Member>())
        .attach(hangar::templates::fairing())
        .mount("/", routes![plain]);
    match Client::tracked(rocket).await {
        Ok(_) => panic!("AuthUser<User> with Auth for Member must not launch"),
        Err(e) => {
            let _ = e.kind();
        }
    }
}
