use hangar::Model;

#[derive(Model)]
pub struct Owner {
    pub id: i64,
}

#[derive(Model)]
pub struct Bad {
    pub id: i64,
    #[model(references = Owner, on_delete = "set_null")]
    pub owner: i64,
}

fn main() {}
