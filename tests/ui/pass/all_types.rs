use hangar::db::{SqlType, Table as _};
use hangar::Model;

#[derive(Model)]
#[model(table = "person", display = "name")]
pub struct Person {
    pub id: i64,
    #[model(unique, max_length = 40)]
    pub name: String,
    #[model(default = 0)]
    pub age: i32,
    #[model(default = 1.5)]
    pub score: f64,
    #[model(default = true)]
    pub active: bool,
    pub bio: Option<String>,
    #[model(default = "now")]
    pub joined: time::OffsetDateTime,
    pub birthday: Option<time::Date>,
    pub token: uuid::Uuid,
    pub prefs: serde_json::Value,
    pub avatar: Vec<u8>,
    #[model(index, column = "nick_name")]
    pub nick: String,
    #[model(choices = [(1, "live"), (2, "deleted")])]
    pub status: Option<i32>,
    #[model(secret)]
    pub password: String,
}

#[derive(Model)]
pub struct Pet {
    #[model(primary_key)]
    pub code: uuid::Uuid,
    #[model(references = Person, on_delete = "set_null")]
    pub owner: Option<i64>,
    #[model(references = Person, on_delete = "cascade")]
    pub vet: i64,
}

fn main() {
    let s = Person::schema();
    assert_eq!(s.table, "person");
    assert_eq!(s.columns.len(), 14);
    assert_eq!(s.column("nick").unwrap().name, "nick_name");
    assert_eq!(s.column("name").unwrap().sql_type, SqlType::Text { max_length: Some(40) });
    assert!(s.pk().auto_increment);
    let p = Pet::schema();
    assert_eq!(p.pk().field, "code");
    assert!(!p.pk().auto_increment);
    assert_eq!(p.references().count(), 2);
}
