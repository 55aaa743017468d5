//! The README is code: every Rust snippet in it compiles, and the
//! quickstart, built as a new crate from the README's own `Cargo.toml` and
//! `Rocket.toml` snippets as a new user would paste them, launches and serves
//! the JSON the README promises.
//!
//! Snippets compile in one scratch crate (`target/readme-quickstart/`): the
//! block marked `<!-- readme-test: main -->` is `src/main.rs` as written;
//! every other Rust block becomes a module of it (`use super::*` sees the
//! quickstart's models), named by `<!-- readme-test: mod NAME -->` or by its
//! position; `<!-- readme-test: async body (db: Db) -->` blocks are the body
//! of an `async fn(db: Db)`.

use hangar::db::Table as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hangar::db::{Db, Model as _};
use hangar::Model;
use time::OffsetDateTime;

/// A fenced block of the README with the marker comment before it.
struct Block {
    lang: String,
    marker: Option<String>,
    code: String,
}

fn blocks(readme: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = readme.lines().peekable();
    let mut marker = None;
    while let Some(line) = lines.next() {
        if let Some(m) = line
            .trim()
            .strip_prefix("<!-- readme-test:")
            .and_then(|m| m.strip_suffix("-->"))
        {
            marker = Some(m.trim().to_owned());
            continue;
        }
        // fences may be indented (inside list items)
        let Some(lang) = line.trim_start().strip_prefix("```") else {
            if !line.trim().is_empty() {
                marker = None;
            }
            continue;
        };
        let mut code = String::new();
        for inner in lines.by_ref() {
            if inner.trim_start().starts_with("```") {
                break;
            }
            code.push_str(inner);
            code.push('\n');
        }
        out.push(Block {
            lang: lang.trim().to_owned(),
            marker: marker.take(),
            code,
        });
    }
    out
}

/// The scratch crate's sources: the quickstart as `main.rs`, the other
/// snippets as modules after it.
fn main_rs(blocks: &[Block]) -> String {
    let main = blocks
        .iter()
        .find(|b| b.marker.as_deref() == Some("main"))
        .expect("a block marked main (the quickstart)");
    let mut src = main.code.clone();
    for (i, b) in blocks.iter().enumerate() {
        if b.lang != "rust" || b.marker.as_deref() == Some("main") {
            continue;
        }
        let marker = b.marker.as_deref().unwrap_or_default();
        let name = marker
            .strip_prefix("mod ")
            .map_or_else(|| format!("snippet_{i}"), str::to_owned);
        let body = if marker.starts_with("async body") {
            // leading `use` lines stay items; the rest is the function body
            let (uses, rest): (Vec<&str>, Vec<&str>) =
                b.code.lines().partition(|l| l.starts_with("use "));
            format!(
                "{}\npub async fn run(db: Db) -> Result<(), Box<dyn std::error::Error>> {{\n{}\nOk(())\n}}\n",
                uses.join("\n"),
                rest.join("\n")
            )
        } else {
            b.code.clone()
        };
        src.push_str(&format!(
            "\n#[allow(unused, dead_code)]\nmod {name} {{\nuse super::*;\n{body}\n}}\n"
        ));
    }
    src
}

/// The README's `# Cargo.toml` block made into a package depending on this
/// checkout.
fn cargo_toml(blocks: &[Block], root: &Path) -> String {
    let deps = blocks
        .iter()
        .find(|b| b.lang == "toml" && b.code.starts_with("# Cargo.toml"))
        .expect("the Cargo.toml snippet");
    let deps = deps.code.replace(
        "hangar = { path = \"...\" }",
        &format!("hangar = {{ path = {:?} }}", root.display().to_string()),
    );
    format!(
        "[package]\nname = \"quickstart\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n{deps}"
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http_get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    let status = raw
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// The quickstart's models, as the test writes rows for it.
#[derive(Model)]
#[model(table = "user", display = "username")]
struct User {
    id: i64,
    #[model(unique, max_length = 80)]
    username: String,
    #[model(default = true)]
    active: bool,
}

#[derive(Model)]
#[model(table = "message")]
struct Message {
    id: i64,
    #[model(references = User, on_delete = "cascade")]
    user: i64,
    content: String,
    #[model(default = "now")]
    pub_date: OffsetDateTime,
}

#[test]
fn readme_snippets_compile_and_the_quickstart_serves_json() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let blocks = blocks(&readme);
    let crate_dir = root.join("target").join("readme-quickstart");
    std::fs::create_dir_all(crate_dir.join("src")).unwrap();
    std::fs::write(crate_dir.join("Cargo.toml"), cargo_toml(&blocks, &root)).unwrap();
    std::fs::write(crate_dir.join("src/main.rs"), main_rs(&blocks)).unwrap();
    // the checkout's lock file: the versions CI already built
    std::fs::copy(root.join("Cargo.lock"), crate_dir.join("Cargo.lock")).unwrap();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target").join("readme"), PathBuf::from);
    let build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet"])
        .current_dir(&crate_dir)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo runs");
    assert!(
        build.status.success(),
        "the README's snippets do not compile as a crate ({}):\n{}",
        crate_dir.display(),
        String::from_utf8_lossy(&build.stderr)
    );

    // run the quickstart from a fresh directory holding the README's Rocket.toml
    let rocket_toml = blocks
        .iter()
        .find(|b| b.lang == "toml" && b.code.starts_with("# Rocket.toml"))
        .expect("the Rocket.toml snippet");
    let run_dir = tempfile::tempdir().unwrap();
    std::fs::write(run_dir.path().join("Rocket.toml"), &rocket_toml.code).unwrap();
    let port = free_port();
    let child = Command::new(target.join("debug").join("quickstart"))
        .current_dir(run_dir.path())
        .env("ROCKET_PORT", port.to_string())
        .env("ROCKET_ADDRESS", "127.0.0.1")
        .env("ROCKET_LOG_LEVEL", "critical")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the quickstart starts");
    let mut app = Running(child);
    let started = Instant::now();
    while http_get(port, "/messages?username=nobody").is_err() {
        if let Ok(Some(status)) = app.0.try_wait() {
            let mut err = String::new();
            let _ = app.0.stderr.take().map(|mut e| e.read_to_string(&mut err));
            panic!("the quickstart exited ({status}):\n{err}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the quickstart never listened"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        http_get(port, "/messages?username=nobody").unwrap(),
        (200, "[]".to_owned())
    );

    // rows written through Hangar into the database the quickstart created
    let url = format!("sqlite://{}", run_dir.path().join("app.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = Db::connect(&url)
            .await
            .unwrap()
            .with_models(&[User::schema(), Message::schema()]);
        let user = User {
            id: 0,
            username: "huey".into(),
            active: true,
        }
        .insert(&db)
        .await
        .unwrap();
        Message {
            id: 0,
            user: user.as_i64().unwrap(),
            content: "meow".into(),
            pub_date: time::macros::datetime!(2026-12-02 07:33:00 UTC),
        }
        .insert(&db)
        .await
        .unwrap();
        db.close().await;
    });
    let (status, body) = http_get(port, "/messages?username=huey").unwrap();
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(json[0]["content"], "meow", "{json}");
    assert_eq!(
        json[0]["pub_date"], "2026-12-02T07:33:00.000000Z",
        "timestamps as the REST API writes them: {json}"
    );
}
