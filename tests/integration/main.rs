//! The integration suite as one test binary (one link instead of one per
//! file): each module is one concern, run on SQLite and, when their URLs are
//! set, on PostgreSQL and MariaDB (`common`).

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing; `pub` marks what modules share"
)]

#[macro_use]
mod common;
mod admin_site;

mod admin;
mod admin_options;
mod admin_setup;
mod auth;
mod auth_custom_user;
mod auth_user_table;
mod counting;
mod existing_db;
mod fairing;
mod instances;
mod introspect;
mod migrations;
mod query;
mod replicas;
mod rest;
mod rest_porting;
mod sqlite_writes;
mod transactions;
