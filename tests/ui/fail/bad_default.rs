use hangar::Model;

#[derive(Model)]
pub struct Bad {
    pub id: i64,
    #[model(default = "now")]
    pub count: i32,
}

fn main() {}
