//! The migrations folder: portable `<VERSION>_<name>.toml` files and
//! hand-written `<VERSION>_<name>[.<backend>][.up|.down].sql` ones.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::db::backend::Backend;
use crate::db::error::{Error, Result};

use super::operation::Operation;

/// A portable migration file: operations to apply (`up`) and to revert
/// (`down`; without it the migration cannot be reverted).
///
/// # Example
/// ```
/// use hangar::db::migrate::MigrationFile;
/// let file: MigrationFile = toml::from_str(r#"
///     description = "add karma"
///     [[up]]
///     op = "add_column"
///     table = "user"
///     column = { name = "karma", type = "int", default = 0 }
///     [[down]]
///     op = "drop_column"
///     table = "user"
///     column = "karma"
///     intended = true
/// "#).unwrap();
/// assert_eq!(file.up.len(), 1);
/// assert!(file.down.unwrap()[0].is_intended());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MigrationFile {
    /// What it does, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The operations that apply it, in order.
    #[serde(default)]
    pub up: Vec<Operation>,
    /// The operations that revert it, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down: Option<Vec<Operation>>,
}

impl MigrationFile {
    /// The file as TOML for review: one `[[up]]`/`[[down]]` table per
    /// operation, each column, key or index an inline table on its own line.
    ///
    /// ```
    /// use hangar::db::migrate::MigrationFile;
    /// let file: MigrationFile = toml::from_str(r#"
    ///     [[up]]
    ///     op = "create_table"
    ///     table = "tag"
    ///     columns = [{ name = "id", type = "bigint", primary_key = true, auto_increment = true }]
    /// "#).unwrap();
    /// let text = file.to_toml();
    /// assert!(text.contains("columns = [\n    { name = \"id\", type = \"bigint\""), "{text}");
    /// assert_eq!(toml::from_str::<MigrationFile>(&text).unwrap(), file);
    /// ```
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        if let Some(d) = &self.description {
            out.push_str(&format!(
                "description = {}\n",
                toml_scalar(&serde_json::json!(d))
            ));
        }
        let sections = [("up", Some(&self.up)), ("down", self.down.as_ref())];
        for (name, ops) in sections {
            for op in ops.into_iter().flatten() {
                out.push_str(&format!("\n[[{name}]]\n"));
                let value = serde_json::to_value(op).unwrap_or_default();
                for (key, v) in ordered(&value).into_iter().filter(|(_, v)| !v.is_null()) {
                    out.push_str(&format!("{key} = {}\n", toml_value(v, true)));
                }
            }
        }
        if self.down.is_none() {
            out.push_str("\n# no [[down]]: this migration cannot be reverted\n");
        }
        out
    }
}

/// An object's fields, the naming ones first (`op`, `table`, `name`, `type`).
fn ordered(v: &serde_json::Value) -> Vec<(&String, &serde_json::Value)> {
    const FIRST: [&str; 5] = ["op", "table", "name", "column", "type"];
    let mut fields: Vec<_> = v.as_object().into_iter().flatten().collect();
    fields.sort_by_key(|(k, _)| FIRST.iter().position(|f| f == k).unwrap_or(FIRST.len()));
    fields
}

fn toml_scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => toml::Value::String(s.clone()).to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) => toml::Value::Float(f).to_string(),
            _ => n.to_string(),
        },
        _ => String::new(),
    }
}

/// A value in TOML: arrays of tables one inline table per line at the top.
fn toml_value(v: &serde_json::Value, top: bool) -> String {
    match v {
        serde_json::Value::Object(_) => {
            let fields: Vec<String> = ordered(v)
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| format!("{k} = {}", toml_value(v, false)))
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
        serde_json::Value::Array(items) if top && items.iter().any(|i| i.is_object()) => {
            let lines: Vec<String> = items
                .iter()
                .map(|i| format!("    {},\n", toml_value(i, false)))
                .collect();
            format!("[\n{}]", lines.concat())
        }
        serde_json::Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(|i| toml_value(i, false)).collect();
            format!("[{}]", parts.join(", "))
        }
        scalar => toml_scalar(scalar),
    }
}

/// One hand-written SQL script pair, for every backend or for one.
#[derive(Clone, Debug, Default)]
pub(crate) struct SqlScripts {
    pub up: Option<String>,
    pub down: Option<String>,
}

/// What a version's files hold.
#[derive(Clone, Debug)]
pub(crate) enum Body {
    /// SQL scripts: the generic ones (`None`) and per-backend ones.
    Sql(BTreeMap<Option<&'static str>, SqlScripts>),
    /// A portable file and its text (checksummed).
    Portable(MigrationFile, String),
}

/// One migration as found in the folder.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    pub version: i64,
    pub name: String,
    pub body: Body,
}

impl Found {
    /// The SQL scripts for `backend` (its own, else the generic ones).
    pub(crate) fn scripts(&self, backend: Backend) -> Option<&SqlScripts> {
        match &self.body {
            Body::Sql(by) => by.get(&Some(backend.name())).or_else(|| by.get(&None)),
            Body::Portable(..) => None,
        }
    }

    /// What the bookkeeping table's checksum covers: the up script run on
    /// `backend` (as sqlx's runner did), or the portable file's text.
    pub(crate) fn checksum(&self, backend: Backend) -> Vec<u8> {
        use sqlx::SqlSafeStr as _;
        let text = match &self.body {
            Body::Portable(_, text) => text.clone(),
            Body::Sql(_) => self
                .scripts(backend)
                .and_then(|s| s.up.clone())
                .unwrap_or_default(),
        };
        sqlx::migrate::Migration::new(
            self.version,
            self.name.clone().into(),
            sqlx::migrate::MigrationType::Simple,
            sqlx::AssertSqlSafe(text).into_sql_str(),
            false,
        )
        .checksum
        .into_owned()
    }

    /// Whether it can be reverted on `backend`.
    pub(crate) fn reversible(&self, backend: Backend) -> bool {
        match &self.body {
            Body::Portable(f, _) => f.down.is_some(),
            Body::Sql(_) => self.scripts(backend).is_some_and(|s| s.down.is_some()),
        }
    }
}

fn bad(path: &Path, why: &str) -> Error {
    Error::Migration(format!("{}: {why}", path.display()))
}

const BACKENDS: [&str; 3] = ["sqlite", "postgres", "mysql"];

/// Reads every migration in `dir` (none when it does not exist), in version order.
pub(crate) fn read_dir(dir: &Path) -> Result<Vec<Found>> {
    let mut by_version: BTreeMap<i64, Found> = BTreeMap::new();
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| bad(dir, &e.to_string()))?;
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        let (stem, portable) = if let Some(s) = file.strip_suffix(".toml") {
            (s, true)
        } else if let Some(s) = file.strip_suffix(".sql") {
            (s, false)
        } else {
            continue;
        };
        let Some((version, rest)) = stem.split_once('_') else {
            return Err(bad(&path, "a migration is named <VERSION>_<name>"));
        };
        let version: i64 = version
            .parse()
            .map_err(|_| bad(&path, "a migration's name starts with its version number"))?;
        let text = std::fs::read_to_string(&path).map_err(|e| bad(&path, &e.to_string()))?;
        if portable {
            let parsed: MigrationFile =
                toml::from_str(&text).map_err(|e| bad(&path, &e.to_string()))?;
            if by_version.contains_key(&version) {
                return Err(bad(&path, "another migration has the same version"));
            }
            by_version.insert(
                version,
                Found {
                    version,
                    name: rest.to_owned(),
                    body: Body::Portable(parsed, text),
                },
            );
            continue;
        }
        let (rest, direction) = match rest.rsplit_once('.') {
            Some((r, "up")) => (r, Some(true)),
            Some((r, "down")) => (r, Some(false)),
            _ => (rest, None),
        };
        let (name, backend) = match rest.rsplit_once('.') {
            Some((n, b)) if BACKENDS.contains(&b) => {
                (n, BACKENDS.iter().copied().find(|x| *x == b))
            }
            _ => (rest, None),
        };
        let found = by_version.entry(version).or_insert_with(|| Found {
            version,
            name: name.to_owned(),
            body: Body::Sql(BTreeMap::new()),
        });
        if found.name != name {
            return Err(bad(
                &path,
                &format!("migration {version}_{} has the same version", found.name),
            ));
        }
        let Body::Sql(by) = &mut found.body else {
            return Err(bad(&path, "a portable migration has the same version"));
        };
        let scripts = by.entry(backend).or_default();
        match direction {
            Some(false) => scripts.down = Some(text),
            _ => scripts.up = Some(text),
        }
    }
    for found in by_version.values() {
        if let Body::Sql(by) = &found.body {
            if by.values().any(|s| s.up.is_none()) {
                return Err(Error::Migration(format!(
                    "migration {}_{} has a .down.sql without its .up.sql",
                    found.version, found.name
                )));
            }
        }
    }
    Ok(by_version.into_values().collect())
}

/// A version for a new migration: the UTC time as `YYYYMMDDHHMMSS`, past
/// every version in `dir`.
pub(crate) fn next_version(dir: &Path) -> Result<i64> {
    let now = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
    .parse::<i64>()
    .unwrap_or(1);
    let newest = read_dir(dir)?.last().map_or(0, |f| f.version);
    Ok(stamp.max(newest + 1))
}
