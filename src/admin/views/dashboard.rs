//! The dashboard: row counts per model and the panels.

use rocket::http::Status;
use rocket::{get, State};
use rocket_dyn_templates::Template;
use serde_json::json;

use super::{base_ctx, merge};
use crate::admin::panel::Running;
use crate::admin::{AdminAccess, AdminState, Permission};
use crate::auth::Page;
use crate::db::Db;

#[get("/")]
pub(super) async fn index(
    user: AdminAccess,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    running: Running<'_>,
) -> Result<Template, Status> {
    let mut rows = Vec::new();
    for m in state
        .models
        .iter()
        .filter(|m| m.allows(&user, Permission::View))
    {
        let count = m
            .select_for(&user)
            .count(&db)
            .await
            .map_err(|e| e.status())?;
        rows.push(json!({ "name": m.name, "title": crate::text::title_case(m.schema.name), "count": count }));
    }
    let base = base_ctx(state, &user);
    let mut panels = Vec::new();
    if let Some(user) = page.user() {
        // the page's context (user, CSRF token, menu) is built once for all panels
        let shared = page.context(&base);
        for p in &state.panels {
            let html = match p.get_context(&db, user).await {
                Ok(own) => {
                    let url = format!("{}/panels/{}", state.config.prefix, p.slug());
                    let ctx = merge(shared.clone(), json!({ "panel_url": url }));
                    let ctx = merge(ctx, own);
                    let html = Template::show(running.0, p.template().to_owned(), ctx);
                    if html.is_none() {
                        rocket::warn!("hangar admin: panel template {:?} failed", p.template());
                    }
                    html
                }
                Err(e) => {
                    rocket::warn!("hangar admin: panel {}: {e}", p.slug());
                    None
                }
            };
            panels.push(json!({ "title": p.title(), "slug": p.slug(), "html": html }));
        }
    }
    Ok(page.render(
        "admin/index.html",
        merge(base, json!({ "rows": rows, "panels": panels })),
    ))
}
