//! Request guards: `Db` (the pool handle) and `Conn` (one connection).

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use crate::db::error::Error;
use crate::db::executor::{Conn, Db};

fn missing() -> Error {
    Error::Config("the hangar Database fairing is not attached".into())
}

/// `Db` as a guard: the managed pool handle (no connection is taken until a
/// query runs; a query against a down database fails with
/// [`Error::Unavailable`], answered 503).
#[rocket::async_trait]
impl<'r> FromRequest<'r> for Db {
    type Error = Error;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        match req.rocket().state::<Db>() {
            // reads on a replica unless this client must see its writes
            Some(db) => Outcome::Success(db.for_request(req)),
            None => Outcome::Error((Status::InternalServerError, missing())),
        }
    }
}

/// Launch fails when a route takes `Db` but the `Database` fairing is missing.
impl Sentinel for Db {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        rocket.state::<Db>().is_none()
    }
}

/// `Conn` as a guard: one pooled connection, or 503 once `connect_timeout`
/// passes without one (database down or pool exhausted).
#[rocket::async_trait]
impl<'r> FromRequest<'r> for Conn {
    type Error = Error;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(db) = req.rocket().state::<Db>() else {
            return Outcome::Error((Status::InternalServerError, missing()));
        };
        match db.conn().await {
            Ok(conn) => Outcome::Success(conn),
            Err(e) => {
                rocket::warn!("hangar: no database connection: {e}");
                Outcome::Error((Status::ServiceUnavailable, e))
            }
        }
    }
}

/// Launch fails when a route takes `Conn` but the `Database` fairing is missing.
impl Sentinel for Conn {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        rocket.state::<Db>().is_none()
    }
}
