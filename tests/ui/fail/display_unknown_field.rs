use hangar::Model;

#[derive(Model)]
#[model(display = "title")]
pub struct Bad {
    pub id: i64,
    pub name: String,
}

fn main() {}
