//! Hangar owns the app's one templating fairing: it loads the app's
//! `template_dir` and adds Hangar's embedded templates that the app does not
//! override. **Do not also attach `Template::fairing()`.**

use rocket::fairing::Fairing;
use rocket_dyn_templates::Template;

/// Hangar's embedded templates: `(name, source)`.
pub const EMBEDDED: &[(&str, &str)] = &[(
    "hangar/pagination.html",
    include_str!("../templates/hangar/pagination.html"),
)];

/// The templating fairing: the app's `template_dir` plus Hangar's embedded
/// templates. A file of the same name in `template_dir` (say
/// `hangar/pagination.html`) overrides the embedded one. Templates named
/// `*.html` are auto-escaped.
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
        let existing: Vec<String> = engines.tera.get_template_names().map(str::to_owned).collect();
        let missing: Vec<(&str, &str)> = EMBEDDED
            .iter()
            .filter(|(name, _)| !existing.iter().any(|e| e == name))
            .copied()
            .collect();
        engines.tera.add_raw_templates(missing)?;
        customize(&mut engines.tera)
    })
}
