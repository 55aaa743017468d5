use hangar::Model;

pub struct NotAModel;

#[derive(Model)]
pub struct Bad {
    pub id: i64,
    #[model(references = NotAModel)]
    pub owner: i64,
}

fn main() {}
