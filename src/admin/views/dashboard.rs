//! The dashboard: row counts per model and the panels.

use rocket::get;
use rocket_dyn_templates::Template;
use serde::Serialize;

use super::context::Layout;
use crate::admin::panel::Running;
use crate::admin::request::AdminRequest;
use crate::admin::{AdminError, Permission};

/// A model's line on the dashboard.
#[derive(Serialize)]
struct ModelCount<'a> {
    name: &'a str,
    title: String,
    count: u64,
}

/// A rendered panel (`html` is none when its context or template failed).
#[derive(Serialize)]
struct PanelBox<'a> {
    title: &'a str,
    slug: &'a str,
    html: Option<String>,
}

/// What `admin/index.html` reads.
#[derive(Serialize)]
struct Dashboard<'a> {
    #[serde(flatten)]
    layout: Layout<'a>,
    rows: Vec<ModelCount<'a>>,
    panels: Vec<PanelBox<'a>>,
}

/// A panel template's context: the page's (user, CSRF token, menu), its
/// `panel_url`, then the panel's own values over both.
#[derive(Serialize)]
struct PanelContext<'a> {
    #[serde(flatten)]
    page: &'a serde_json::Value,
    panel_url: String,
    #[serde(flatten)]
    own: serde_json::Map<String, serde_json::Value>,
}

#[get("/")]
pub(super) async fn index(
    cx: AdminRequest<'_>,
    running: Running<'_>,
) -> Result<Template, AdminError> {
    let mut rows = Vec::new();
    for m in cx
        .state
        .models
        .iter()
        .filter(|m| m.allows(&cx.user, Permission::View))
    {
        rows.push(ModelCount {
            name: &m.name,
            title: crate::text::title_case(m.schema.name),
            count: m.select_for(&cx.user).count(&cx.db).await?,
        });
    }
    let mut panels = Vec::new();
    // the page's context (user, CSRF token, menu) is built once for all panels
    let shared = cx.page.context(Layout::new(&cx, None));
    for p in &cx.state.panels {
        let html = match p.get_context(&cx.db, &cx.user).await {
            Ok(own) => {
                let own = match own {
                    serde_json::Value::Object(map) => map,
                    serde_json::Value::Null => serde_json::Map::new(),
                    other => {
                        rocket::warn!(
                            "hangar admin: panel {} gave {other} as its context, not an object",
                            p.slug()
                        );
                        serde_json::Map::new()
                    }
                };
                let ctx = PanelContext {
                    page: &shared,
                    panel_url: format!("{}/panels/{}", cx.state.config.prefix, p.slug()),
                    own,
                };
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
        panels.push(PanelBox {
            title: p.title(),
            slug: p.slug(),
            html,
        });
    }
    let page = Dashboard {
        layout: Layout::new(&cx, None),
        rows,
        panels,
    };
    Ok(cx.render("admin/index.html", page))
}
