//! Which server answers a request: reads may go to a replica, unless the
//! request writes or its client wrote lately (read-your-writes, remembered
//! in a cookie across requests and instances).

use std::sync::Arc;

use crate::db::executor::Db;
use crate::db::replicas::{ReplicaState, Replicas};

/// The cookie marking a client that wrote recently (value: until when, in
/// unix milliseconds): its reads go to the primary until then.
pub const PRIMARY_COOKIE: &str = "hangar_primary_until";

fn unix_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

impl Db {
    /// The handle a request should use: on the primary for everything when
    /// the request writes (any method but GET, HEAD and OPTIONS) or its client
    /// wrote within `read_your_writes_ms`; otherwise reads may go to a
    /// replica. Without replicas, the same handle.
    ///
    /// ```
    /// # rocket::async_test(async {
    /// let db = hangar::db::Db::connect("sqlite::memory:").await.unwrap();
    /// assert!(db.replica_states().is_empty());
    /// # });
    /// ```
    pub fn for_request(&self, req: &rocket::Request<'_>) -> Db {
        if self.replicas.is_none() || self.pinned {
            return self.clone();
        }
        let wrote_lately = req
            .cookies()
            .get(PRIMARY_COOKIE)
            .and_then(|c| c.value().parse::<i64>().ok())
            .is_some_and(|until| until > unix_ms());
        if writes(req) || wrote_lately {
            self.primary()
        } else {
            self.clone()
        }
    }

    /// The same handle with every statement on the primary (reads that must
    /// see the latest writes).
    ///
    /// ```
    /// # rocket::async_test(async {
    /// let db = hangar::db::Db::connect("sqlite::memory:").await.unwrap();
    /// let fresh = db.primary();
    /// # let _ = fresh;
    /// # });
    /// ```
    pub fn primary(&self) -> Db {
        let mut db = self.clone();
        db.pinned = true;
        db
    }

    /// Where each read replica stands (empty without replicas).
    pub fn replica_states(&self) -> Vec<ReplicaState> {
        self.replicas.as_ref().map_or_else(Vec::new, |r| r.states())
    }

    /// This handle with `replicas` for its reads.
    pub(crate) fn with_replicas(mut self, replicas: Arc<Replicas>) -> Db {
        self.replicas = Some(replicas);
        self
    }
}

/// Whether the request may write (any method but GET, HEAD and OPTIONS).
fn writes(req: &rocket::Request<'_>) -> bool {
    !matches!(
        req.method(),
        rocket::http::Method::Get | rocket::http::Method::Head | rocket::http::Method::Options
    )
}

/// After a successful write on a handle with replicas, marks the client so
/// its reads go to the primary for `read_your_writes_ms` (across requests
/// and instances).
pub(crate) fn mark_writer(db: &Db, req: &rocket::Request<'_>, res: &mut rocket::Response<'_>) {
    let Some(replicas) = &db.replicas else {
        return;
    };
    let window = replicas.read_your_writes();
    if !writes(req) || res.status().code >= 400 || window.is_zero() {
        return;
    }
    let until = unix_ms() + window.as_millis() as i64;
    let cookie = rocket::http::Cookie::build((PRIMARY_COOKIE, until.to_string()))
        .path("/")
        .http_only(true)
        .same_site(rocket::http::SameSite::Lax)
        .max_age(time::Duration::milliseconds(window.as_millis() as i64));
    // response fairings run after the cookie jar was written out
    res.adjoin_header(cookie.build());
}
