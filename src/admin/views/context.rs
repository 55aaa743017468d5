//! The template contexts of the admin's pages, as types: [`Layout`] is
//! what `admin/base.html` reads (menu, branding, prefix), [`ModelPage`] adds
//! a model's name, title and the user's permissions to a page's own values.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::admin::request::AdminRequest;
use crate::admin::{AdminEntry, Permission};

/// One model in the menu.
#[derive(Serialize)]
struct MenuItem<'a> {
    name: &'a str,
    title: String,
}

/// What every admin page's layout reads.
#[derive(Serialize)]
pub(crate) struct Layout<'a> {
    prefix: &'a str,
    branding: &'a str,
    /// The models the user may view.
    models: Vec<MenuItem<'a>>,
    /// The current model's URL name (`""` on the dashboard).
    model: &'a str,
    links: &'a [(String, String)],
    extra_css: &'a [String],
}

impl<'a> Layout<'a> {
    /// The layout of a page about `model` (or none: the dashboard).
    pub(crate) fn new(cx: &'a AdminRequest<'_>, model: Option<&'a AdminEntry>) -> Layout<'a> {
        let state = cx.state;
        Layout {
            prefix: &state.config.prefix,
            branding: &state.config.branding,
            models: state
                .models
                .iter()
                .filter(|m| m.allows(&cx.user, Permission::View))
                .map(|m| MenuItem {
                    name: &m.name,
                    title: crate::text::title_case(m.schema.name),
                })
                .collect(),
            model: model.map_or("", |e| e.name.as_str()),
            links: &state.links,
            extra_css: &state.config.extra_css,
        }
    }
}

/// A page about one model: the layout, the model's `title`, the user's
/// `perms` on it (`perms.add`, `perms.delete`, ...) and the page's own
/// values (`body`, flattened).
#[derive(Serialize)]
pub(crate) struct ModelPage<'a, T> {
    #[serde(flatten)]
    layout: Layout<'a>,
    title: String,
    perms: BTreeMap<&'static str, bool>,
    #[serde(flatten)]
    body: T,
}

impl<'a, T: Serialize> ModelPage<'a, T> {
    pub(crate) fn new(cx: &'a AdminRequest<'_>, e: &'a AdminEntry, body: T) -> ModelPage<'a, T> {
        ModelPage {
            layout: Layout::new(cx, Some(e)),
            title: crate::text::title_case(e.schema.name),
            perms: Permission::ALL
                .iter()
                .map(|p| (p.name(), e.allows(&cx.user, *p)))
                .collect(),
            body,
        }
    }
}
