//! What every admin page takes from the request: [`AdminRequest`] (the
//! admitted user, the admin's state, the database, the page context),
//! [`Params`] (a query string or form body through Rocket's form parser,
//! in order, repeats kept) and [`AdminForm`] (a CSRF-checked post).

use rocket::data::{Data, FromData, Outcome as DataOutcome};
use rocket::form::{DataField, Form, FromForm, Options, ValueField};
use rocket::http::Status;
use rocket::outcome::{try_outcome, Outcome as RocketOutcome};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};
use serde::Serialize;

use crate::admin::{AdminAccess, AdminEntry, AdminError, AdminState, Permission};
use crate::auth::{check_origin, check_token, AuthError, AuthState, Page, SessionUser, CSRF_FIELD};
use crate::db::{Db, Record, Schema, Select, Value};

/// Form fields as `(name, value)` pairs, in order, repeats kept, decoded by
/// Rocket's form parser. The admin's filters have open-ended names
/// (`user__username__icontains`), so its pages take the whole query string
/// as one `Params` (`?<params..>`) and read the fixed names from it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(pub(crate) Vec<(String, String)>);

impl Params {
    /// The last value given for `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        last_value(&self.0, name)
    }

    /// Every pair whose name is not in `names`.
    pub(crate) fn without(&self, names: &[&str]) -> Vec<(String, String)> {
        self.0
            .iter()
            .filter(|(k, _)| !names.contains(&k.as_str()))
            .cloned()
            .collect()
    }
}

/// The last value given for `name` in `pairs` (a form's or query's pairs).
pub(crate) fn last_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[rocket::async_trait]
impl<'v> FromForm<'v> for Params {
    type Context = Vec<(String, String)>;

    fn init(_: Options) -> Self::Context {
        Vec::new()
    }

    fn push_value(pairs: &mut Self::Context, field: ValueField<'v>) {
        pairs.push((field.name.source().to_string(), field.value.to_owned()));
    }

    async fn push_data(_: &mut Self::Context, _: DataField<'v, '_>) {
        // the admin's forms upload no files
    }

    fn finalize(pairs: Self::Context) -> rocket::form::Result<'v, Self> {
        Ok(Params(pairs))
    }
}

/// A CSRF-checked form body as `(name, value)` pairs, in order (repeats
/// kept). Take it in panel and extra admin routes that accept posts: a post
/// from another origin or without the session's CSRF token answers 403, a
/// body that is not `application/x-www-form-urlencoded` 415, one over the
/// `form` limit 413.
///
/// ```
/// # use hangar::admin::AdminForm;
/// let form = AdminForm(vec![("message".into(), "hi".into()), ("tag".into(), "a".into()), ("tag".into(), "b".into())]);
/// assert_eq!(form.get("message"), Some("hi"));
/// assert_eq!(form.get_all("tag"), ["a", "b"]);
/// assert_eq!(form.get("nope"), None);
/// ```
#[derive(Debug)]
pub struct AdminForm(pub Vec<(String, String)>);

impl AdminForm {
    /// The last value given for `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        last_value(&self.0, name)
    }

    /// Every value given for `name`, in order.
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

#[rocket::async_trait]
impl<'r> FromData<'r> for AdminForm {
    type Error = AdminError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> DataOutcome<'r, Self> {
        if let Err(e) = check_origin(req) {
            return DataOutcome::Error((Status::Forbidden, AdminError::Csrf(e)));
        }
        if !req.content_type().is_some_and(|c| c.is_form()) {
            let status = Status::UnsupportedMediaType;
            let reason = "the body is not an application/x-www-form-urlencoded form".into();
            return DataOutcome::Error((status, AdminError::UnreadableForm { status, reason }));
        }
        let pairs = match Form::<Params>::from_data(req, data).await {
            RocketOutcome::Success(form) => form.into_inner().0,
            RocketOutcome::Error((status, errors)) => {
                let reason = errors.to_string();
                return DataOutcome::Error((status, AdminError::UnreadableForm { status, reason }));
            }
            RocketOutcome::Forward(f) => return DataOutcome::Forward(f),
        };
        let token = pairs
            .iter()
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.as_str());
        match check_token(req, token) {
            Ok(()) => DataOutcome::Success(AdminForm(pairs)),
            Err(e) => DataOutcome::Error((Status::Forbidden, AdminError::Csrf(e))),
        }
    }
}

/// The request guard of every admin page: the user the admin lets in (see
/// [`AdminAccess`]), the admin's state, the database, the auth battery's
/// state and the page context, fetched once.
pub(crate) struct AdminRequest<'r> {
    pub(crate) user: SessionUser,
    pub(crate) state: &'r AdminState,
    pub(crate) auth: Option<&'r AuthState>,
    pub(crate) db: Db,
    pub(crate) page: Page,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for AdminRequest<'r> {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let AdminAccess(user) = try_outcome!(req.guard::<AdminAccess>().await);
        let rocket = req.rocket();
        let (Some(state), Some(db)) = (rocket.state::<AdminState>(), rocket.state::<Db>()) else {
            // the sentinels refuse a launch without them
            return Outcome::Error((Status::InternalServerError, AuthError::NotAdmin));
        };
        let page = match req.guard::<Page>().await {
            RocketOutcome::Success(page) => page,
            RocketOutcome::Error((_, never)) => match never {},
            RocketOutcome::Forward(status) => return Outcome::Forward(status),
        };
        Outcome::Success(AdminRequest {
            user,
            state,
            auth: rocket.state::<AuthState>(),
            db: db.for_request(req),
            page,
        })
    }
}

impl Sentinel for AdminRequest<'_> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        <AdminAccess as Sentinel>::abort(rocket) || <Db as Sentinel>::abort(rocket)
    }
}

impl<'r> AdminRequest<'r> {
    /// The registered model named `model`, or 404.
    pub(crate) fn entry(&self, model: &str) -> Result<&'r AdminEntry, AdminError> {
        self.state.entry(model).ok_or(AdminError::NotFound)
    }

    /// The registered model named `model` if the user may do `what` with
    /// it: 404 for no such model, 403 for a refusal.
    pub(crate) fn entry_for(
        &self,
        model: &str,
        what: Permission,
    ) -> Result<&'r AdminEntry, AdminError> {
        let e = self.entry(model)?;
        if e.allows(&self.user, what) {
            Ok(e)
        } else {
            Err(AdminError::Forbidden)
        }
    }

    /// The row of `e` with primary key `pk`, through the model admin's
    /// `get_object`, or 404.
    pub(crate) async fn load(&self, e: &AdminEntry, pk: &str) -> Result<Record, AdminError> {
        let pk = Value::parse(e.schema.pk().sql_type, pk).map_err(|_| AdminError::NotFound)?;
        e.admin
            .hooks
            .get_object(e.select_for(&self.user), pk, &self.user)
            .map_err(|_| AdminError::NotFound)?
            .first_record(&self.db)
            .await?
            .ok_or(AdminError::NotFound)
    }

    /// The rows of `target` the user may pick through a foreign key: those
    /// its own model admin's `get_query` shows when it is registered, else all.
    pub(crate) fn target_select(&self, target: &'static Schema) -> Select {
        match self
            .state
            .models
            .iter()
            .find(|m| m.schema.table == target.table)
        {
            Some(t) => t.select_for(&self.user),
            None => Select::new(target),
        }
    }

    /// After the admin changed or deleted rows of the auth user model:
    /// drops them from the session cache, so a deactivation, demotion or
    /// new password counts at once (on every instance on PostgreSQL).
    pub(crate) async fn forget_user(&self, e: &AdminEntry, pk: &Value) {
        if let Some(auth) = self.auth {
            auth.forget_row(&self.db, e.schema, pk).await;
        }
    }

    /// Renders `template` with the page context (user, CSRF token, flash)
    /// under `context`.
    pub(crate) fn render(
        &self,
        template: impl Into<std::borrow::Cow<'static, str>>,
        context: impl Serialize,
    ) -> rocket_dyn_templates::Template {
        self.page.render(template, context)
    }
}
