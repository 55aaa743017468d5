//! The auth battery: users with bcrypt passwords, login/logout/password views,
//! sessions in private cookies checked against a per-user epoch, CSRF,
//! login throttling, request guards and security headers.
//!
//! ```no_run
//! use hangar::auth::{AdminUser, Auth, AuthUser, Page};
//! use hangar::db::Database;
//! use rocket::{get, routes};
//! use rocket_dyn_templates::Template;
//!
//! #[get("/private")]
//! fn private(user: AuthUser, page: Page) -> Template {
//!     page.render("private", serde_json::json!({ "greeting": format!("hi {}", user.username) }))
//! }
//!
//! #[get("/staff")]
//! fn staff(admin: AdminUser) -> String {
//!     format!("hello admin {}", admin.username)
//! }
//!
//! #[rocket::launch]
//! fn rocket() -> _ {
//!     rocket::build()
//!         .attach(Database::fairing().with(Auth::models()))
//!         .attach(Auth::fairing())
//!         .attach(hangar::templates::fairing())
//!         .mount("/", routes![private, staff])
//! }
//! ```
//!
//! `[default.hangar.auth]` keys: see [`AuthConfig`].

mod catchers;
mod config;
mod cookies;
mod credentials;
mod csrf;
mod error;
pub mod events;
mod fairing;
mod guards;
mod page;
pub mod password;
pub mod revocation;
mod session;
mod state;
mod store;
pub mod throttle;
mod user;
mod views;

pub use catchers::wants_json;
pub use config::AuthConfig;
pub use cookies::{
    is_https, CookiePolicy, CSRF_COOKIE, SECURE_CSRF_COOKIE, SECURE_SESSION_COOKIE, SESSION_COOKIE,
};
pub use credentials::CredentialStats;
pub use csrf::{check_origin, check_token, CsrfForm, CsrfToken, CSRF_FIELD};
pub use error::{AuthError, SetupError};
pub use fairing::Auth;
pub use guards::{client_ip, current_user, AdminUser, AuthUser};
pub use page::Page;
pub use password::PasswordError;
pub use session::Session;
pub use state::AuthState;
pub use store::{SessionUser, TypedStore, UserStore};
pub use user::{User, UserModel};
pub use views::{safe_next, ClientIp};
