//! `cargo run -p example` serves the example; `-- create-tables`,
//! `-- migrate status|up|down|fake|create NAME` manage its database.

#[rocket::main]
async fn main() -> std::process::ExitCode {
    hangar::cli::run(example::rocket()).await
}
