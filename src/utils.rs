//! flask-peewee's utilities: pagination, `object_list`, `get_object_or_404`, `slugify`.

use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::db::{Error, Executor, Model, Query, Result, Value};

pub use crate::text::{slugify, title_case};

/// The row with primary key `pk`, or a 404 error.
///
/// # Errors
/// [`Error::NotFound`] (answered 404), database errors.
///
/// # Example
/// ```no_run
/// # use hangar::Model;
/// # #[derive(Model)] struct Note { id: i64, message: String }
/// use hangar::{db::{Db, Error}, utils::get_object_or_404};
/// #[rocket::get("/notes/<id>")]
/// async fn note(db: Db, id: i64) -> Result<String, Error> {
///     let note: Note = get_object_or_404(&db, id).await?;
///     Ok(note.message)
/// }
/// ```
pub async fn get_object_or_404<M: Model, E: Executor>(
    ex: E,
    pk: impl Into<Value> + Send,
) -> Result<M> {
    M::get(ex, pk).await
}

/// The first row a query matches, or a 404 error (flask-peewee's
/// `get_object_or_404(query, *where)`).
///
/// # Errors
/// [`Error::NotFound`], database errors.
pub async fn get_query_or_404<M: Model, E: Executor>(ex: E, query: &Query<M>) -> Result<M> {
    query.one(ex).await
}

/// One page of a query: `PaginatedQuery::new(query, page, 20).fetch(&db)`.
///
/// `page` is the raw `?page=` value: missing or empty means 1; anything
/// that is not a positive integer is an error (400). A page past the end
/// gives an empty list (or 404 with [`PaginatedQuery::check_bounds`]).
///
/// # Example
/// ```
/// # use hangar::Model;
/// # #[derive(Model, serde::Serialize)] struct Item { id: i64, name: String }
/// use hangar::db::{Model as _, Table as _};
/// use hangar::utils::PaginatedQuery;
/// # rocket::async_test(async {
/// # let db = hangar::db::Db::connect("sqlite::memory:").await.unwrap();
/// # hangar::db::ddl::create_table(&db, Item::schema()).await.unwrap();
/// for i in 0..45 {
///     Item { id: 0, name: format!("item {i}") }.insert(&db).await.unwrap();
/// }
/// let page = PaginatedQuery::new(Item::select(), Some("3"), 20).unwrap().fetch(&db).await.unwrap();
/// assert_eq!((page.page, page.pages, page.count, page.items.len()), (3, 3, 45, 5));
/// assert_eq!(page.page_range(3), vec![Some(1), Some(2), Some(3)]);
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct PaginatedQuery<M> {
    query: Query<M>,
    page: u64,
    paginate_by: u64,
    check_bounds: bool,
}

/// A fetched page with the numbers a template needs.
#[derive(Clone, Debug, Serialize)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// This page's number (1-based).
    pub page: u64,
    /// How many pages there are (0 for no rows).
    pub pages: u64,
    /// How many rows match in all.
    pub count: u64,
    /// Rows per page.
    pub paginate_by: u64,
    /// Whether a next page exists.
    pub has_next: bool,
    /// Whether a previous page exists.
    pub has_previous: bool,
}

impl<T> Page<T> {
    /// A window of page numbers around the current one; `None` marks a gap.
    ///
    /// On page 10 of 20 with window 3: `1, …, 7..=13, …, 20`.
    pub fn page_range(&self, window: u64) -> Vec<Option<u64>> {
        page_range(self.page, self.pages, window)
    }
}

/// The windowed page list flask-peewee's `get_page_range` gives.
///
/// # Example
/// ```
/// let r = hangar::utils::page_range(10, 20, 3);
/// assert_eq!(r, [Some(1), None, Some(7), Some(8), Some(9), Some(10), Some(11), Some(12), Some(13), None, Some(20)]);
/// ```
pub fn page_range(page: u64, pages: u64, window: u64) -> Vec<Option<u64>> {
    let mut out = Vec::new();
    if pages == 0 {
        return out;
    }
    let lo = page.saturating_sub(window).max(1);
    let hi = page.saturating_add(window).min(pages);
    if lo > 1 {
        out.push(Some(1));
        if lo > 2 {
            out.push(None);
        }
    }
    out.extend((lo..=hi).map(Some));
    if hi < pages {
        if hi < pages - 1 {
            out.push(None);
        }
        out.push(Some(pages));
    }
    out
}

/// Parses a `?page=` value: missing/empty → 1.
///
/// # Errors
/// [`Error::InvalidValue`] for anything but a positive integer.
pub fn parse_page(raw: Option<&str>) -> Result<u64> {
    match raw.map(str::trim) {
        None | Some("") => Ok(1),
        Some(s) => match s.parse::<u64>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(Error::InvalidValue {
                field: "page".into(),
                expected: "a positive integer".into(),
            }),
        },
    }
}

impl<M: Model> PaginatedQuery<M> {
    /// Paginates `query` at `paginate_by` rows per page (at least 1).
    ///
    /// # Errors
    /// [`Error::InvalidValue`] for a bad page number.
    pub fn new(query: Query<M>, page: Option<&str>, paginate_by: u64) -> Result<Self> {
        Ok(PaginatedQuery {
            query,
            page: parse_page(page)?,
            paginate_by: paginate_by.max(1),
            check_bounds: false,
        })
    }

    /// Answer 404 for a page past the end instead of an empty page.
    pub fn check_bounds(mut self, on: bool) -> Self {
        self.check_bounds = on;
        self
    }

    /// The requested page number.
    pub fn page(&self) -> u64 {
        self.page
    }

    /// Counts, then fetches the page's rows.
    ///
    /// # Errors
    /// Database errors; [`Error::NotFound`] past the end with `check_bounds`.
    pub async fn fetch<E: Executor>(&self, mut ex: E) -> Result<Page<M>> {
        let count = self.query.count(&mut ex).await?;
        let pages = count.div_ceil(self.paginate_by);
        if self.check_bounds && self.page > pages.max(1) {
            return Err(Error::NotFound {
                model: M::schema().name,
            });
        }
        let offset = (self.page - 1).saturating_mul(self.paginate_by);
        let items = if offset >= count {
            Vec::new()
        } else {
            self.query
                .clone()
                .limit(self.paginate_by)
                .offset(offset)
                .all(&mut ex)
                .await?
        };
        Ok(Page {
            items,
            page: self.page,
            pages,
            count,
            paginate_by: self.paginate_by,
            has_next: self.page < pages,
            has_previous: self.page > 1,
        })
    }
}

#[derive(Serialize)]
struct Pagination {
    page: u64,
    pages: u64,
    count: u64,
    paginate_by: u64,
    has_next: bool,
    has_previous: bool,
    page_range: Vec<Option<u64>>,
}

/// Renders `template` with `object_list` (the page's rows), `page` and
/// `pagination` (`pages`, `count`, `has_next`, `has_previous`, `page_range`)
/// merged into `context` — flask-peewee's `object_list`.
///
/// Each row is given as its record ([`Record::to_public_json`](crate::db::Record::to_public_json)):
/// every field but `#[model(secret)]` ones, timestamps in RFC 3339.
///
/// # Errors
/// Bad page numbers (400), database errors.
///
/// # Example
/// ```no_run
/// # use hangar::Model;
/// # #[derive(Model)] struct Message { id: i64, content: String }
/// use hangar::db::{Db, Error, Model as _, Table as _};
/// use rocket_dyn_templates::Template;
/// #[rocket::get("/?<page>")]
/// async fn timeline(db: Db, page: Option<&str>) -> Result<Template, Error> {
///     let q = Message::select().order_by("-id")?;
///     hangar::utils::object_list(&db, "timeline.html", q, page, 20, serde_json::json!({})).await
/// }
/// ```
pub async fn object_list<M: Model, E: Executor>(
    ex: E,
    template: &'static str,
    query: Query<M>,
    page: Option<&str>,
    paginate_by: u64,
    context: serde_json::Value,
) -> Result<Template> {
    let page = PaginatedQuery::new(query, page, paginate_by)?
        .fetch(ex)
        .await?;
    let mut ctx = match context {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    let pagination = Pagination {
        page: page.page,
        pages: page.pages,
        count: page.count,
        paginate_by: page.paginate_by,
        has_next: page.has_next,
        has_previous: page.has_previous,
        page_range: page.page_range(3),
    };
    let rows: Vec<serde_json::Value> = page
        .items
        .iter()
        .map(|m| m.to_record().to_public_json())
        .collect();
    ctx.insert("object_list".into(), serde_json::Value::Array(rows));
    ctx.insert("page".into(), page.page.into());
    ctx.insert(
        "pagination".into(),
        serde_json::to_value(&pagination).unwrap_or_default(),
    );
    Ok(Template::render(template, serde_json::Value::Object(ctx)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_ranges_have_gaps() {
        assert_eq!(page_range(1, 1, 3), vec![Some(1)]);
        assert_eq!(page_range(1, 0, 3), Vec::<Option<u64>>::new());
        assert_eq!(
            page_range(2, 10, 1),
            vec![Some(1), Some(2), Some(3), None, Some(10)]
        );
    }

    #[test]
    fn parses_pages() {
        assert_eq!(parse_page(None).unwrap(), 1);
        assert_eq!(parse_page(Some("4")).unwrap(), 4);
        assert!(parse_page(Some("0")).is_err());
        assert!(parse_page(Some("-1")).is_err());
        assert!(parse_page(Some("abc")).is_err());
    }
}
