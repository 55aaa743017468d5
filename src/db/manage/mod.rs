//! Schema management, one floor above the query core: creating tables from
//! the models (`ddl`), reading a live database's tables (`introspect`) and
//! migrations (`migrate`). The core never reaches up here; the `Database`
//! fairing and the command line do.

pub mod ddl;
pub mod introspect;
pub mod migrate;
