use hangar::Model;

#[derive(Model)]
pub struct Bad {
    pub id: i64,
    pub ratio: f32,
}

fn main() {}
