use hangar::Model;

#[derive(Model)]
pub struct Bad {
    pub id: i64,
    #[model(uniq)]
    pub name: String,
}

fn main() {}
