use hangar::Model;

#[derive(Model)]
pub struct Bad(i64, String);

fn main() {}
