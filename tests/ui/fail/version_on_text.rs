use hangar::Model;

#[derive(Model)]
pub struct Bad {
    pub id: i64,
    #[model(version)]
    pub revision: String,
}

fn main() {}
