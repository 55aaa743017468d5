use hangar::Model;

#[derive(Model)]
pub struct Bad {
    pub name: String,
}

fn main() {}
