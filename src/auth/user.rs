//! The built-in `User` model and the `UserModel` trait for custom ones.

use std::future::Future;

use serde::Serialize;
use time::OffsetDateTime;

use crate::auth::password::{self, PasswordError};
use crate::db::{
    Column, ColumnDefault, Error, Executor, FromValue, Literal, Model, Op, Record, Schema, SqlType,
    Table, Value,
};

/// What the auth battery needs of a user model. [`User`] implements it; an
/// app's own model can too (`Auth::fairing_for::<MyUser>()`).
///
/// The model needs an `i64` primary key, a unique username field, a password
/// hash field and an `i64` session-epoch field (changed to end every session).
///
/// # Example
/// ```
/// use hangar::auth::UserModel;
/// use hangar::Model;
///
/// #[derive(Model, Clone)]
/// #[model(table = "member", display = "login")]
/// pub struct Member {
///     pub id: i64,
///     #[model(unique, max_length = 80)]
///     pub login: String,
///     #[model(secret)]
///     pub password: String,
///     #[model(default = 0)]
///     pub session_epoch: i64,
///     #[model(default = false)]
///     pub is_superuser: bool,
/// }
///
/// impl UserModel for Member {
///     const USERNAME_FIELD: &'static str = "login";
///     const ACTIVE_FIELD: Option<&'static str> = None;
///     fn user_id(&self) -> i64 { self.id }
///     fn username(&self) -> &str { &self.login }
///     fn password_hash(&self) -> &str { &self.password }
///     fn set_password_hash(&mut self, hash: String) { self.password = hash }
///     fn session_epoch(&self) -> i64 { self.session_epoch }
///     fn set_session_epoch(&mut self, epoch: i64) { self.session_epoch = epoch }
///     fn is_admin(&self) -> bool { self.is_superuser }
///     fn new_user(username: &str, _email: &str, password_hash: String, admin: bool) -> Self {
///         Member { id: 0, login: username.into(), password: password_hash, session_epoch: 0, is_superuser: admin }
///     }
/// }
/// ```
pub trait UserModel: Model + Clone + Send + Sync + 'static {
    /// The unique username field.
    const USERNAME_FIELD: &'static str = "username";
    /// The password hash field.
    const PASSWORD_FIELD: &'static str = "password";
    /// The session epoch field.
    const EPOCH_FIELD: &'static str = "session_epoch";
    /// The active flag field, if the model has one.
    const ACTIVE_FIELD: Option<&'static str> = Some("active");

    /// The primary key.
    fn user_id(&self) -> i64;
    /// The username.
    fn username(&self) -> &str;
    /// The stored bcrypt hash.
    fn password_hash(&self) -> &str;
    /// Replaces the stored hash.
    fn set_password_hash(&mut self, hash: String);
    /// The session epoch; sessions issued under another epoch are void.
    fn session_epoch(&self) -> i64;
    /// Replaces the session epoch (not saved until `update`): every session
    /// issued under the old one ends.
    fn set_session_epoch(&mut self, epoch: i64);
    /// Whether the user may log in (default: yes).
    fn is_active(&self) -> bool {
        true
    }
    /// Whether the user may use the admin (default: no).
    fn is_admin(&self) -> bool {
        false
    }
    /// A new, unsaved, active user (for `createsuperuser` and sign-up views).
    fn new_user(username: &str, email: &str, password_hash: String, admin: bool) -> Self;

    /// Hashes `raw` at `cost` and stores it with a new session epoch, so
    /// saving the user ends every session opened with the old password (not
    /// saved until `update`).
    ///
    /// # Errors
    /// [`PasswordError::TooLong`].
    fn set_password(
        &mut self,
        raw: &str,
        cost: u32,
    ) -> impl Future<Output = Result<(), PasswordError>> + Send {
        let raw = raw.to_owned();
        async move {
            let hash = password::make_password(&raw, cost).await?;
            self.set_password_hash(hash);
            self.set_session_epoch(new_epoch());
            Ok(())
        }
    }

    /// Whether `raw` matches the stored hash.
    ///
    /// # Errors
    /// [`PasswordError::BadHash`] when the stored hash is not bcrypt.
    fn check_password(
        &self,
        raw: &str,
    ) -> impl Future<Output = Result<bool, PasswordError>> + Send {
        let (raw, hash) = (raw.to_owned(), self.password_hash().to_owned());
        async move { password::check_password(&raw, &hash).await }
    }

    /// The user with this username, if any.
    ///
    /// # Errors
    /// Database errors.
    fn by_username<E: Executor>(
        ex: E,
        username: &str,
    ) -> impl Future<Output = Result<Option<Self>, Error>> + Send {
        let username = username.to_owned();
        async move {
            Self::select()
                .filter(Self::USERNAME_FIELD, Op::Eq, username)?
                .first(ex)
                .await
        }
    }
}

/// The built-in user (flask-peewee's `User`), registered with the database
/// by `Database::fairing().with(Auth::models())`. Its table is `user` unless
/// `[hangar.auth] user_table` says otherwise (per rocket: the database's
/// registry names the table, the schema stays the same).
///
/// # Example
/// ```
/// use hangar::auth::User;
/// use hangar::db::{Model as _, Table as _};
/// assert_eq!(User::schema().display, Some("username"));
/// assert!(User::schema().column("password").unwrap().secret);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct User {
    /// Primary key.
    pub id: i64,
    /// Unique login name.
    pub username: String,
    /// Email address.
    pub email: String,
    /// bcrypt hash (never serialized).
    #[serde(skip_serializing)]
    pub password: String,
    /// May log in.
    pub active: bool,
    /// May use the admin.
    pub admin: bool,
    /// When the account was made.
    #[serde(with = "time::serde::rfc3339")]
    pub join_date: OffsetDateTime,
    /// Changed on logout, password change and deactivation to end sessions.
    #[serde(skip_serializing)]
    pub session_epoch: i64,
}

const fn column(field: &'static str, sql_type: SqlType) -> Column {
    Column {
        field,
        name: field,
        sql_type,
        nullable: false,
        primary_key: false,
        auto_increment: false,
        unique: false,
        index: false,
        default: None,
        references: None,
        choices: &[],
        secret: false,
        version: false,
    }
}

static COLUMNS: [Column; 8] = [
    Column {
        primary_key: true,
        auto_increment: true,
        ..column("id", SqlType::BigInt)
    },
    Column {
        unique: true,
        ..column(
            "username",
            SqlType::Text {
                max_length: Some(80),
            },
        )
    },
    column(
        "email",
        SqlType::Text {
            max_length: Some(254),
        },
    ),
    Column {
        secret: true,
        ..column(
            "password",
            SqlType::Text {
                max_length: Some(255),
            },
        )
    },
    Column {
        default: Some(ColumnDefault::Literal(Literal::Bool(true))),
        ..column("active", SqlType::Bool)
    },
    Column {
        default: Some(ColumnDefault::Literal(Literal::Bool(false))),
        ..column("admin", SqlType::Bool)
    },
    Column {
        default: Some(ColumnDefault::Now),
        ..column("join_date", SqlType::DateTime)
    },
    Column {
        secret: true,
        default: Some(ColumnDefault::Literal(Literal::Int(0))),
        ..column("session_epoch", SqlType::BigInt)
    },
];

static SCHEMA: Schema = Schema {
    name: "user",
    type_name: "User",
    table: "user",
    columns: &COLUMNS,
    pk_index: 0,
    display: Some("username"),
};

fn field<T: FromValue>(values: &mut std::vec::IntoIter<Value>, name: &str) -> Result<T, Error> {
    T::from_value(values.next().unwrap_or(Value::Null)).map_err(|expected| Error::InvalidValue {
        field: name.into(),
        expected,
    })
}

impl Table for User {
    fn schema() -> &'static Schema {
        &SCHEMA
    }

    fn from_record(record: Record) -> Result<Self, Error> {
        let mut v = record.into_values().into_iter();
        Ok(User {
            id: field(&mut v, "id")?,
            username: field(&mut v, "username")?,
            email: field(&mut v, "email")?,
            password: field(&mut v, "password")?,
            active: field(&mut v, "active")?,
            admin: field(&mut v, "admin")?,
            join_date: field(&mut v, "join_date")?,
            session_epoch: field(&mut v, "session_epoch")?,
        })
    }

    fn to_record(&self) -> Record {
        Record::from_values(
            Self::schema(),
            vec![
                self.id.into(),
                self.username.clone().into(),
                self.email.clone().into(),
                self.password.clone().into(),
                self.active.into(),
                self.admin.into(),
                self.join_date.into(),
                self.session_epoch.into(),
            ],
        )
    }

    fn set_pk(&mut self, pk: Value) -> Result<(), Error> {
        self.id = field(&mut vec![pk].into_iter(), "id")?;
        Ok(())
    }

    fn pk(&self) -> Value {
        self.id.into()
    }
}

impl UserModel for User {
    fn user_id(&self) -> i64 {
        self.id
    }

    fn username(&self) -> &str {
        &self.username
    }

    fn password_hash(&self) -> &str {
        &self.password
    }

    fn set_password_hash(&mut self, hash: String) {
        self.password = hash;
    }

    fn session_epoch(&self) -> i64 {
        self.session_epoch
    }
    fn set_session_epoch(&mut self, epoch: i64) {
        self.session_epoch = epoch;
    }

    fn is_active(&self) -> bool {
        self.active
    }

    fn is_admin(&self) -> bool {
        self.admin
    }

    fn new_user(username: &str, email: &str, password_hash: String, admin: bool) -> Self {
        User {
            id: 0,
            username: username.into(),
            email: email.into(),
            password: password_hash,
            active: true,
            admin,
            join_date: crate::db::now(),
            session_epoch: 0,
        }
    }
}

/// A fresh random session epoch (unguessable, so never reused).
pub(crate) fn new_epoch() -> i64 {
    (uuid::Uuid::new_v4().as_u64_pair().0 >> 1) as i64
}
