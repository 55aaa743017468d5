//! [`ChangeList`]: a model's list parameters (filters, the `_pk`
//! selection, search, sort, page) turned into a [`Select`] within the model
//! admin's `get_query`. The list page, the export and the bulk actions all
//! build their rows with it, so the three read a query string alike.

use crate::admin::entry::AdminEntry;
use crate::admin::error::AdminError;
use crate::admin::request::Params;
use crate::auth::SessionUser;
use crate::db::{querystring, Op, Select, Value};
use crate::utils::parse_page;

/// The most parameters a change list (or a bulk action's selection) takes.
const MAX_PARAMS: usize = 2000;

/// Query-string names that are not filters.
pub(crate) const RESERVED: &[&str] = &["page", "ordering", "q", "format", "fields", "_pk"];

/// A model's rows as a list's parameters ask for them.
pub(crate) struct ChangeList<'a> {
    entry: &'a AdminEntry,
    /// The filtered, searched rows, in `get_query`'s order.
    select: Select,
    /// The search box's text, trimmed.
    pub(crate) q: String,
    /// `ordering` when it names a sortable column (`name` or `-name`), else `""`.
    pub(crate) ordering: String,
}

impl<'a> ChangeList<'a> {
    /// Reads `params`: `field__op=value` filters on the model admin's filter
    /// paths (an empty value is an untouched filter input: no filter;
    /// repeated matches OR, repeated exclusions AND), repeated `_pk` values
    /// (a selection), `q` (searched on `search_fields`) and `ordering` (a
    /// sortable column, `-` for descending; others are ignored).
    ///
    /// # Errors
    /// [`AdminError::BadParameter`] naming a filter on a field that is not
    /// filterable, or a value that does not parse.
    pub(crate) fn new(
        entry: &'a AdminEntry,
        params: &Params,
        user: &SessionUser,
    ) -> Result<ChangeList<'a>, AdminError> {
        // a list's parameters are a few filters and a selection of at most
        // `max_bulk_selection` rows: thousands more are no page's
        if params.0.len() > MAX_PARAMS {
            return Err(AdminError::BadParameter(format!(
                "{} parameters (at most {MAX_PARAMS})",
                params.0.len()
            )));
        }
        let mut select = entry.select_for(user);
        let given = params
            .0
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k, v));
        for filter in querystring::parse(entry.schema, given, |k| RESERVED.contains(&k)) {
            let refused = || AdminError::BadParameter(filter.key.to_owned());
            // regular expressions cost the database more than a filter may
            let lookup = match &filter.lookup {
                Ok(l) if entry.filterable(&l.path) && !matches!(l.op, Op::Regexp | Op::IRegexp) => {
                    l.clone()
                }
                _ => return Err(refused()),
            };
            select = select
                .where_query(lookup, &filter.values)
                .map_err(|_| refused())?;
        }
        let picked: Vec<&str> = params
            .0
            .iter()
            .filter(|(k, _)| k == "_pk")
            .map(|(_, v)| v.as_str())
            .collect();
        if !picked.is_empty() {
            let pk = entry.schema.pk();
            let bad_pk = || AdminError::BadParameter("_pk".into());
            let values = picked
                .iter()
                .map(|p| Value::parse(pk.sql_type, p).map_err(|_| bad_pk()))
                .collect::<Result<Vec<_>, _>>()?;
            select = select
                .filter_values(pk.field, Op::In, values)
                .map_err(|_| bad_pk())?;
        }
        let q = params.get("q").unwrap_or_default().trim().to_owned();
        if !q.is_empty() && !entry.admin.search_fields.is_empty() {
            let fields: Vec<&str> = entry
                .admin
                .search_fields
                .iter()
                .map(String::as_str)
                .collect();
            select = select
                .search(&fields, &q)
                .map_err(|_| AdminError::BadParameter("q".into()))?;
        }
        let asked = params.get("ordering").unwrap_or_default();
        let name = asked.strip_prefix('-').unwrap_or(asked);
        let sortable = entry
            .columns
            .iter()
            .any(|c| c.sortable() && c.name() == name);
        Ok(ChangeList {
            entry,
            select,
            q,
            ordering: if sortable {
                asked.to_owned()
            } else {
                String::new()
            },
        })
    }

    /// The rows in the list's order: the clicked column first, then any
    /// order `get_query` set, then the primary key (a stable page order).
    pub(crate) fn sorted(&self) -> Result<Select, AdminError> {
        let bad = |_| AdminError::BadParameter("ordering".into());
        let mut select = self.select.clone();
        if !self.ordering.is_empty() {
            select = select.order_first(&self.ordering).map_err(bad)?;
        }
        select.order_by(self.entry.schema.pk().field).map_err(bad)
    }

    /// The rows by primary key alone (the export's keyset order, the bulk
    /// actions' order).
    pub(crate) fn by_pk(&self) -> Result<Select, AdminError> {
        self.select
            .clone()
            .clear_order()
            .order_by(self.entry.schema.pk().field)
            .map_err(|_| AdminError::BadParameter("ordering".into()))
    }
}

/// The page number `params` ask for (1 when none).
///
/// # Errors
/// [`AdminError::BadParameter`] when `page` is not a positive number.
pub(crate) fn page_number(params: &Params) -> Result<u64, AdminError> {
    parse_page(params.get("page")).map_err(|_| AdminError::BadParameter("page".into()))
}

impl AdminEntry {
    /// The rows the list shows `user` for these query parameters
    /// (`field__op=value` filters on the allowed paths, `q`, repeated `_pk`),
    /// within [`select_for`](Self::select_for).
    ///
    /// # Errors
    /// [`AdminError::BadParameter`](crate::admin::AdminError::BadParameter)
    /// naming the refused parameter.
    pub fn filtered(
        &self,
        params: &[(String, String)],
        user: &crate::auth::SessionUser,
    ) -> Result<crate::db::Select, crate::admin::AdminError> {
        let params = crate::admin::request::Params(params.to_vec());
        ChangeList::new(self, &params, user)?.sorted()
    }
}
