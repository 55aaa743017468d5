use hangar::Model;

#[derive(Model)]
pub struct Bad {
    pub id: Option<i64>,
}

fn main() {}
