//! Hangar owns the app's one templating fairing: it loads the app's
//! `template_dir` together with Hangar's embedded templates, so app templates
//! can extend Hangar's (`{% extends "hangar/base.html" %}`) and override them.
//! **Do not also attach `Template::fairing()`.**
//!
//! App templates are files `<template_dir>/<name>.html.tera`, rendered as
//! `Template::render("<name>", ...)`. Hangar's are named with `.html`
//! (`hangar/base.html`, `auth/login.html`); an app overrides one by creating
//! `<template_dir>/auth/login.html.tera`. Everything ending in `.html` or
//! `.html.tera` is auto-escaped. Templates are read once at launch.
//!
//! # Why a placeholder directory
//!
//! rocket_dyn_templates (0.2) offers no composition that serves both kinds
//! of template right, so this fairing hands it a directory of empty
//! placeholder files and loads the real sources in its customize callback:
//!
//! - It compiles every `*.tera` file under `template_dir` with
//!   `Tera::add_template_files` *before* the callback runs (its Tera
//!   `Engine::init`), and that call resolves inheritance: an app template
//!   that `{% extends "hangar/base.html" %}` fails there (the embedded parent
//!   is not loaded yet) and the launch aborts (`Context::initialize`).
//! - A template added in the callback gets its Content-Type from its name's
//!   extension only, so an app template rendered as `"index"` would be served
//!   as `text/plain`; only a scanned `index.html.tera` is `text/html`.
//! - Its `Context`, `ContextManager` and `TemplateInfo` are crate-private, so
//!   Hangar cannot register names and content types itself.
//!
//! An empty `index.html.tera` compiles on its own, gives the name `index` its
//! HTML content type, and is then replaced in Tera by the real source, loaded
//! together with the embedded templates (app files override embedded ones of
//! the same name). The cost: no live template reload in debug builds (the
//! watcher would watch the placeholders).

use std::path::{Path, PathBuf};

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::figment::value::magic::RelativePathBuf;
use rocket::{Build, Orbit, Request, Rocket};
use rocket_dyn_templates::tera::{Template as TeraTemplate, Tera};

/// rocket_dyn_templates' template responder and `context!` macro, so an app
/// renders pages without depending on rocket_dyn_templates itself.
pub use rocket_dyn_templates::{context, Template};

/// Hangar's embedded templates: `(name, source)`.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "hangar/pagination.html",
        include_str!("../templates/hangar/pagination.html"),
    ),
    (
        "hangar/base.html",
        include_str!("../templates/hangar/base.html"),
    ),
    (
        "hangar/error.html",
        include_str!("../templates/hangar/error.html"),
    ),
    (
        "auth/login.html",
        include_str!("../templates/auth/login.html"),
    ),
    (
        "auth/logout.html",
        include_str!("../templates/auth/logout.html"),
    ),
    (
        "auth/password_change.html",
        include_str!("../templates/auth/password_change.html"),
    ),
    (
        "admin/base.html",
        include_str!("../templates/admin/base.html"),
    ),
    (
        "admin/index.html",
        include_str!("../templates/admin/index.html"),
    ),
    (
        "admin/list.html",
        include_str!("../templates/admin/list.html"),
    ),
    (
        "admin/form.html",
        include_str!("../templates/admin/form.html"),
    ),
    (
        "admin/delete.html",
        include_str!("../templates/admin/delete.html"),
    ),
    (
        "admin/bulk_delete.html",
        include_str!("../templates/admin/bulk_delete.html"),
    ),
    (
        "admin/export.html",
        include_str!("../templates/admin/export.html"),
    ),
];

type Customize = dyn Fn(&mut Tera) -> Result<(), Box<dyn std::error::Error>> + Send + Sync;

/// The templating fairing (see the module docs).
///
/// # Example
/// ```no_run
/// let rocket = rocket::build().attach(hangar::templates::fairing());
/// ```
pub fn fairing() -> Templates {
    fairing_with(|_| Ok(()))
}

/// As [`fairing`], with a hook to customise Tera (filters, functions) after
/// the templates are loaded.
///
/// # Example
/// ```no_run
/// let rocket = rocket::build().attach(hangar::templates::fairing_with(|tera| {
///     tera.register_filter("shout", |v: &serde_json::Value, _: &_| {
///         Ok(v.as_str().unwrap_or_default().to_uppercase().into())
///     });
///     Ok(())
/// }));
/// ```
pub fn fairing_with<F>(customize: F) -> Templates
where
    F: Fn(&mut Tera) -> Result<(), Box<dyn std::error::Error>> + Send + Sync + 'static,
{
    Templates {
        customize: std::sync::Arc::new(customize),
        inner: std::sync::OnceLock::new(),
        workdir: std::sync::OnceLock::new(),
    }
}

/// Hangar's templating fairing: wraps rocket_dyn_templates' with the
/// embedded templates and the app's `template_dir` loaded in one piece.
pub struct Templates {
    customize: std::sync::Arc<Customize>,
    inner: std::sync::OnceLock<Box<dyn Fairing>>,
    /// The placeholder directory handed to rocket_dyn_templates (removed on drop).
    workdir: std::sync::OnceLock<PathBuf>,
}

impl Drop for Templates {
    fn drop(&mut self) {
        if let Some(dir) = self.workdir.get() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// `(name, path)` of every `*.tera` file under `dir`, named as
/// rocket_dyn_templates names them (`a/b.html.tera` → `a/b`), plus the full
/// name without `.tera` (`a/b.html`).
fn app_templates(dir: &Path) -> std::io::Result<Vec<(String, String, PathBuf)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(rel) = path.strip_prefix(dir) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            let Some(full) = rel.strip_suffix(".tera") else {
                continue;
            };
            let name = match full.rsplit_once('.') {
                Some((stem, _)) if !stem.ends_with('/') => stem,
                _ => full,
            };
            out.push((name.to_owned(), full.to_owned(), path));
        }
    }
    out.sort();
    Ok(out)
}

fn load_all(tera: &mut Tera, app_dir: Option<&Path>) -> Result<(), Box<dyn std::error::Error>> {
    let app = match app_dir {
        Some(dir) if dir.is_dir() => app_templates(dir)?,
        _ => Vec::new(),
    };
    let mut add = |name: &str,
                   path: Option<String>,
                   source: &str|
     -> Result<(), Box<dyn std::error::Error>> {
        let t = TeraTemplate::new(name, path, source)?;
        tera.templates.insert(name.to_owned(), t);
        Ok(())
    };
    for (name, full, path) in &app {
        let source = std::fs::read_to_string(path)?;
        let shown = path.to_string_lossy().into_owned();
        add(name, Some(shown.clone()), &source)?;
        if EMBEDDED.iter().any(|(e, _)| e == full) {
            add(full, Some(shown), &source)?;
        }
    }
    for (name, source) in EMBEDDED {
        if !app.iter().any(|(_, full, _)| full == name) {
            add(name, None, source)?;
        }
    }
    tera.build_inheritance_chains()?;
    Ok(())
}

/// Whether `name` is a template the app will have: one of Hangar's embedded
/// ones, or a file of the app's `template_dir` (named as
/// `Template::render` names it: `a/b` or `a/b.html` for `a/b.html.tera`).
#[cfg_attr(
    not(feature = "admin"),
    allow(dead_code, reason = "the admin asks for its optional templates")
)]
pub(crate) fn template_exists(figment: &figment::Figment, name: &str) -> bool {
    if EMBEDDED.iter().any(|(e, _)| *e == name) {
        return true;
    }
    let dir = match figment.extract_inner::<RelativePathBuf>("template_dir") {
        Ok(p) => p.relative(),
        Err(_) => PathBuf::from("templates"),
    };
    app_templates(&dir).is_ok_and(|all| all.iter().any(|(n, full, _)| n == name || full == name))
}

/// The directory handed to rocket_dyn_templates: an empty placeholder file
/// per app template, so rocket_dyn_templates names each one and takes its
/// content type from the file name (`index.html.tera` → `index`, HTML) as it
/// would; the real sources (which may extend Hangar's embedded templates)
/// replace the placeholders in the customize step.
fn work_dir(app_dir: &Path) -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("hangar-templates-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    if app_dir.is_dir() {
        for (_, full, _) in app_templates(app_dir)? {
            let placeholder = dir.join(format!("{full}.tera"));
            if let Some(parent) = placeholder.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(placeholder, "")?;
        }
    }
    Ok(dir)
}

#[rocket::async_trait]
impl Fairing for Templates {
    fn info(&self) -> Info {
        Info {
            name: "hangar::Templates",
            kind: Kind::Ignite | Kind::Liftoff | Kind::Request,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        let figment = rocket.figment().clone();
        let app_dir = match figment.extract_inner::<RelativePathBuf>("template_dir") {
            Ok(p) => p.relative(),
            Err(_) => PathBuf::from("templates"),
        };
        if figment.find_value("template_dir").is_ok() && !app_dir.is_dir() {
            rocket::error!(
                "hangar templates: `template_dir` {:?} is not a directory",
                app_dir
            );
            return Err(rocket);
        }
        let made = match self.workdir.get() {
            Some(d) => Ok(d.clone()),
            None => work_dir(&app_dir).map(|d| self.workdir.get_or_init(|| d).clone()),
        };
        let empty = match made {
            Ok(d) => d,
            Err(e) => {
                rocket::error!("hangar templates: cannot make a working directory: {e}");
                return Err(rocket);
            }
        };
        let customize = self.customize.clone();
        let inner = Template::try_custom(move |engines| {
            load_all(&mut engines.tera, Some(&app_dir))?;
            customize(&mut engines.tera)
        });
        let inner: Box<dyn Fairing> = Box::new(inner);
        let rocket = rocket.configure(figment.merge(("template_dir", empty)));
        let inner = self.inner.get_or_init(|| inner);
        inner.on_ignite(rocket).await
    }

    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        if let Some(inner) = self.inner.get() {
            inner.on_liftoff(rocket).await;
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, data: &mut rocket::Data<'_>) {
        if let Some(inner) = self.inner.get() {
            inner.on_request(req, data).await;
        }
    }
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("workdir", &self.workdir.get())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_templates_parse_and_extend() {
        let mut tera = Tera::default();
        load_all(&mut tera, None).expect("embedded templates load");
        let mut ctx = rocket_dyn_templates::tera::Context::new();
        ctx.insert("status", &403);
        ctx.insert("title", "Forbidden");
        ctx.insert("message", "<script>x</script>");
        let html = tera.render("hangar/error.html", &ctx).expect("render");
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn app_templates_are_named_like_rocket_names_them() {
        let dir = std::env::temp_dir().join(format!("hangar-tpl-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("auth")).unwrap();
        std::fs::write(
            dir.join("home.html.tera"),
            "{% extends \"hangar/base.html\" %}{% block content %}{{ x }}{% endblock %}",
        )
        .unwrap();
        std::fs::write(dir.join("auth/login.html.tera"), "custom login {{ x }}").unwrap();
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html.tera", ".html"]);
        load_all(&mut tera, Some(&dir)).unwrap();
        let mut ctx = rocket_dyn_templates::tera::Context::new();
        ctx.insert("x", "<i>");
        assert!(tera.render("home", &ctx).unwrap().contains("&lt;i&gt;"));
        assert_eq!(
            tera.render("auth/login.html", &ctx).unwrap(),
            "custom login &lt;i&gt;"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
