use hangar::Model;

#[derive(Model)]
pub struct Bad {
    pub id: i64,
    #[model(choices = [("a", "Letter A")])]
    pub status: i32,
}

fn main() {}
