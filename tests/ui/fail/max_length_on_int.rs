use hangar::Model;

#[derive(Model)]
pub struct Bad {
    pub id: i64,
    #[model(max_length = 10)]
    pub count: i64,
}

fn main() {}
