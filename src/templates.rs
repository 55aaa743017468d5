//! Hangar owns the app's one templating fairing: it loads the app's
//! `template_dir` and adds Hangar's embedded templates. **Do not also attach
//! `Template::fairing()`.**
//!
//! App templates are files `<template_dir>/<name>.html.tera`, rendered as
//! `Template::render("<name>", ...)`. Hangar's are named with `.html`
//! (`hangar/pagination.html`); an app overrides one by creating
//! `<template_dir>/hangar/pagination.html.tera`. Everything ending in `.html`
//! or `.html.tera` is auto-escaped.

use rocket::fairing::Fairing;
use rocket_dyn_templates::Template;

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
];

/// The templating fairing: the app's `template_dir` plus Hangar's embedded
/// templates (see the module docs for overriding them).
///
/// # Example
/// ```no_run
/// let rocket = rocket::build().attach(hangar::templates::fairing());
/// ```
pub fn fairing() -> impl Fairing {
    fairing_with(|_| Ok(()))
}

/// As [`fairing`], with a hook to customise Tera (filters, functions) after
/// the templates are loaded.
pub fn fairing_with<F>(customize: F) -> impl Fairing
where
    F: Fn(&mut rocket_dyn_templates::tera::Tera) -> Result<(), Box<dyn std::error::Error>>
        + Send
        + Sync
        + 'static,
{
    Template::try_custom(move |engines| {
        let existing: Vec<String> = engines
            .tera
            .get_template_names()
            .map(str::to_owned)
            .collect();
        let mut raw: Vec<(String, String)> = Vec::new();
        for (name, source) in EMBEDDED {
            let app_name = name.trim_end_matches(".html");
            if existing.iter().any(|e| e == app_name) {
                // the app's `<name>.html.tera` stands in for the embedded one
                raw.push((
                    (*name).to_owned(),
                    format!("{{% include \"{app_name}\" %}}"),
                ));
            } else {
                raw.push(((*name).to_owned(), (*source).to_owned()));
            }
        }
        engines.tera.add_raw_templates(raw)?;
        customize(&mut engines.tera)
    })
}
