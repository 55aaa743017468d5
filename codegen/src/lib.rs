//! `#[derive(Model)]` for Hangar. Use it through `hangar::Model`.

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

mod attrs;
mod model;
mod types;

/// Derives `hangar::db::Table` (the table schema, row decoding and records), which gives the struct `hangar::db::Model`'s queries and writes.
///
/// Struct attributes: `#[model(table = "...", name = "...", display = "field")]`.
/// Field attributes: `primary_key`, `unique`, `index`, `secret`,
/// `version` (an integer column every update adds one to: the row's
/// version for optimistic concurrency), `max_length = N`, `default = <literal> | "now"`, `references = Model`,
/// `on_delete = "cascade" | "restrict" | "set_null"`,
/// `choices = [(1, "live"), (2, "deleted")]`, `column = "..."`.
#[proc_macro_derive(Model, attributes(model))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    model::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
