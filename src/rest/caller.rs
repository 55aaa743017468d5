//! [`ApiUser`]: who called an API endpoint — one of the Auth battery's
//! users, or an API key or bearer token that stands for no user.

use crate::auth::SessionUser;
use crate::db::Value;

/// The caller of an API request, as an [`Authenticator`](crate::rest::Authenticator)
/// identified it.
///
/// A key or token that stands for no user ([`APIKeyAuthentication`](crate::rest::APIKeyAuthentication),
/// [`BearerAuthentication::new`](crate::rest::BearerAuthentication::new)) is
/// [`ApiUser::Key`]: it has no user id, so an owner check such as
/// `user.user_id() == Some(row.user)` can never match it by accident, it owns
/// nothing and it is no admin. Basic credentials, the session cookie and
/// user-bound tokens ([`BearerAuthentication::for_users`](crate::rest::BearerAuthentication::for_users))
/// give [`ApiUser::User`].
///
/// ```
/// use hangar::rest::{ApiKey, ApiUser};
/// let key = ApiUser::Key(ApiKey { kind: "api-key", id: hangar::db::Value::Int(7) });
/// assert_eq!(key.user_id(), None);
/// assert!(!key.is_admin());
/// assert_eq!(key.name(), "api-key:7");
/// ```
#[derive(Clone, Debug)]
pub enum ApiUser {
    /// A user of the Auth battery.
    User(SessionUser),
    /// An API key or token that is no user.
    Key(ApiKey),
}

/// An API key or token row that authenticated a request.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiKey {
    /// `"api-key"` or `"token"`.
    pub kind: &'static str,
    /// The key row's primary key.
    pub id: Value,
}

impl ApiUser {
    /// The user, when the caller is one.
    pub fn user(&self) -> Option<&SessionUser> {
        match self {
            ApiUser::User(u) => Some(u),
            ApiUser::Key(_) => None,
        }
    }

    /// The user's id, when the caller is a user (never a key row's id).
    pub fn user_id(&self) -> Option<i64> {
        self.user().map(|u| u.id)
    }

    /// Whether the caller is an active admin user.
    pub fn is_admin(&self) -> bool {
        self.user().is_some_and(|u| u.active && u.admin)
    }

    /// A name for logs: the username, or `api-key:<id>` / `token:<id>`.
    pub fn name(&self) -> String {
        match self {
            ApiUser::User(u) => u.username.clone(),
            ApiUser::Key(k) => format!("{}:{}", k.kind, k.id),
        }
    }
}

impl From<SessionUser> for ApiUser {
    fn from(user: SessionUser) -> Self {
        ApiUser::User(user)
    }
}
