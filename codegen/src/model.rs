//! Expansion of `#[derive(Model)]`.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::attrs::{field_attrs, struct_attrs, LitValue};
use crate::types::{classify, Kind};

fn snake_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let chars: Vec<char> = s.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_uppercase())) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(*c);
        }
    }
    out
}

fn literal_tokens(v: &LitValue) -> TokenStream {
    let p = quote!(::hangar::__private::Literal);
    match v {
        LitValue::Bool(b) => quote!(#p::Bool(#b)),
        LitValue::Int(i) => quote!(#p::Int(#i)),
        LitValue::Float(f) => quote!(#p::Float(#f)),
        LitValue::Text(s) => quote!(#p::Text(#s)),
    }
}

/// Whether a literal fits a column kind (ints fit floats).
fn literal_fits(v: &LitValue, kind: Kind) -> bool {
    matches!(
        (v, kind),
        (LitValue::Bool(_), Kind::Bool)
            | (LitValue::Int(_), Kind::I32 | Kind::I64 | Kind::F64)
            | (LitValue::Float(_), Kind::F64)
            | (LitValue::Text(_), Kind::String)
    )
}

struct FieldInfo {
    ident: syn::Ident,
    column_tokens: TokenStream,
    name: String,
}

pub fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "#[derive(Model)] does not support generic structs",
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            ident.span(),
            "#[derive(Model)] only applies to structs with named fields",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new(
            data.fields.span(),
            "#[derive(Model)] only applies to structs with named fields",
        ));
    };
    let sattrs = struct_attrs(&input.attrs)?;
    let default_name = snake_case(&ident.to_string());
    let table = sattrs
        .table
        .as_ref()
        .map_or_else(|| default_name.clone(), LitStr::value);
    let model_name = sattrs
        .name
        .as_ref()
        .map_or_else(|| default_name.clone(), LitStr::value);
    let type_name = ident.to_string();

    let explicit_pk = named
        .named
        .iter()
        .map(|f| field_attrs(&f.attrs).map(|a| a.primary_key))
        .collect::<syn::Result<Vec<bool>>>()?;
    let explicit_count = explicit_pk.iter().filter(|b| **b).count();
    if explicit_count > 1 {
        let second = named
            .named
            .iter()
            .zip(&explicit_pk)
            .filter(|(_, pk)| **pk)
            .nth(1)
            .map(|(f, _)| f.span())
            .unwrap_or_else(Span::call_site);
        return Err(syn::Error::new(
            second,
            "only one field can be the primary key",
        ));
    }

    let mut fields = Vec::new();
    let mut errors: Option<syn::Error> = None;
    let mut pk_index = None;
    for (i, field) in named.named.iter().enumerate() {
        let f_ident = field.ident.clone().expect("named field");
        let f_name = f_ident.to_string().trim_start_matches("r#").to_owned();
        match expand_field(field, &f_name, explicit_count == 0, explicit_pk[i]) {
            Ok((tokens, is_pk)) => {
                if is_pk {
                    pk_index = Some(i);
                }
                fields.push(FieldInfo {
                    ident: f_ident,
                    column_tokens: tokens,
                    name: f_name,
                });
            }
            Err(e) => match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            },
        }
    }
    if let Some(e) = errors {
        return Err(e);
    }
    let Some(pk_index) = pk_index else {
        return Err(syn::Error::new(
            ident.span(),
            "a model needs a primary key: add `id: i64` or mark a field `#[model(primary_key)]`",
        ));
    };
    if let Some(display) = &sattrs.display {
        if !fields.iter().any(|f| f.name == display.value()) {
            return Err(syn::Error::new(
                display.span(),
                format!("`display` names no field of {type_name}"),
            ));
        }
    }
    let display = match &sattrs.display {
        Some(d) => quote!(::core::option::Option::Some(#d)),
        None => quote!(::core::option::Option::None),
    };

    let n = fields.len();
    let columns = fields.iter().map(|f| &f.column_tokens);
    let idents: Vec<&syn::Ident> = fields.iter().map(|f| &f.ident).collect();
    let names: Vec<&String> = fields.iter().map(|f| &f.name).collect();
    let pk_ident = &fields[pk_index].ident;
    let pk_name = &fields[pk_index].name;
    let p = quote!(::hangar::__private);

    Ok(quote! {
        const _: () = {
            static COLUMNS: [#p::Column; #n] = [#(#columns),*];
            static SCHEMA: #p::Schema = #p::Schema {
                name: #model_name,
                type_name: #type_name,
                table: #table,
                columns: &COLUMNS,
                pk_index: #pk_index,
                display: #display,
            };

            impl ::hangar::db::Table for #ident {
                fn schema() -> &'static #p::Schema {
                    &SCHEMA
                }

                fn from_record(record: #p::Record) -> ::core::result::Result<Self, #p::Error> {
                    let mut values = record.into_values().into_iter();
                    ::core::result::Result::Ok(#ident {
                        #(
                            #idents: <_ as #p::FromValue>::from_value(
                                values.next().unwrap_or(#p::Value::Null),
                            )
                            .map_err(|expected| #p::Error::InvalidValue {
                                field: ::std::string::String::from(#names),
                                expected,
                            })?,
                        )*
                    })
                }

                fn to_record(&self) -> #p::Record {
                    #p::Record::from_values(
                        &SCHEMA,
                        ::std::vec![#(#p::Value::from(::core::clone::Clone::clone(&self.#idents))),*],
                    )
                }

                fn set_pk(&mut self, pk: #p::Value) -> ::core::result::Result<(), #p::Error> {
                    self.#pk_ident = <_ as #p::FromValue>::from_value(pk).map_err(|expected| {
                        #p::Error::InvalidValue {
                            field: ::std::string::String::from(#pk_name),
                            expected,
                        }
                    })?;
                    ::core::result::Result::Ok(())
                }

                fn pk(&self) -> #p::Value {
                    #p::Value::from(::core::clone::Clone::clone(&self.#pk_ident))
                }
            }
        };
    })
}

/// The `Column { ... }` tokens for one field, and whether it is the primary key.
fn expand_field(
    field: &syn::Field,
    f_name: &str,
    pk_by_convention: bool,
    explicit_pk: bool,
) -> syn::Result<(TokenStream, bool)> {
    let attrs = field_attrs(&field.attrs)?;
    let (kind, nullable) = classify(&field.ty).map_err(|m| syn::Error::new(field.ty.span(), m))?;
    let span = field.span();
    let is_pk = explicit_pk || (pk_by_convention && f_name == "id");
    if is_pk && nullable {
        return Err(syn::Error::new(
            field.ty.span(),
            "the primary key cannot be an `Option`",
        ));
    }
    if is_pk && !matches!(kind, Kind::I32 | Kind::I64 | Kind::String | Kind::Uuid) {
        return Err(syn::Error::new(
            field.ty.span(),
            "a primary key must be i64, i32, String or Uuid",
        ));
    }
    let auto_increment = is_pk && kind == Kind::I64;
    if let Some(s) = attrs.version {
        if is_pk || nullable || !matches!(kind, Kind::I32 | Kind::I64) {
            return Err(syn::Error::new(
                s,
                "`version` needs an i64 or i32 field that is not the primary key nor an Option",
            ));
        }
    }
    let version = attrs.version.is_some();
    if let Some((_, s)) = attrs.max_length {
        if kind != Kind::String {
            return Err(syn::Error::new(
                s,
                "`max_length` only applies to String fields",
            ));
        }
    }
    let default = match &attrs.default {
        // a version starts at 0
        None if version => quote!(::core::option::Option::Some(
            ::hangar::__private::ColumnDefault::Literal(::hangar::__private::Literal::Int(0))
        )),
        None => quote!(::core::option::Option::None),
        Some((LitValue::Text(t), _)) if t == "now" && kind == Kind::DateTime => {
            quote!(::core::option::Option::Some(
                ::hangar::__private::ColumnDefault::Now
            ))
        }
        Some((v, s)) => {
            if !literal_fits(v, kind) {
                let hint = if kind == Kind::DateTime {
                    "; date-time fields take `default = \"now\"`"
                } else {
                    ""
                };
                return Err(syn::Error::new(
                    *s,
                    format!("the default does not fit the field's type{hint}"),
                ));
            }
            let lit = literal_tokens(v);
            quote!(::core::option::Option::Some(::hangar::__private::ColumnDefault::Literal(#lit)))
        }
    };
    let on_delete = match &attrs.on_delete {
        None => quote!(::hangar::__private::OnDelete::Restrict),
        Some((v, s)) => {
            if attrs.references.is_none() {
                return Err(syn::Error::new(
                    *s,
                    "`on_delete` needs `references = Model`",
                ));
            }
            match v.as_str() {
                "cascade" => quote!(::hangar::__private::OnDelete::Cascade),
                "set_null" if !nullable => {
                    return Err(syn::Error::new(
                        *s,
                        "`on_delete = \"set_null\"` needs an `Option<_>` field",
                    ))
                }
                "set_null" => quote!(::hangar::__private::OnDelete::SetNull),
                _ => quote!(::hangar::__private::OnDelete::Restrict),
            }
        }
    };
    let references = match &attrs.references {
        None => quote!(::core::option::Option::None),
        Some(path) => {
            if !matches!(kind, Kind::I32 | Kind::I64 | Kind::String | Kind::Uuid) {
                return Err(syn::Error::new(
                    path.span(),
                    "a foreign key field must be i64, i32, String or Uuid (or an Option of one)",
                ));
            }
            quote!(::core::option::Option::Some(::hangar::__private::ForeignKey {
                target: <#path as ::hangar::db::Table>::schema,
                on_delete: #on_delete,
            }))
        }
    };
    let mut choice_tokens = Vec::new();
    for (v, label) in &attrs.choices {
        if !literal_fits(v, kind) {
            return Err(syn::Error::new(
                attrs.choices_span.unwrap_or(span),
                "a choice value does not fit the field's type",
            ));
        }
        let lit = literal_tokens(v);
        choice_tokens.push(quote!((#lit, #label)));
    }
    let column = attrs
        .column
        .as_ref()
        .map_or_else(|| f_name.to_owned(), LitStr::value);
    let sql_type = kind.sql_type(attrs.max_length.map(|(n, _)| n));
    let unique = attrs.unique;
    let index = attrs.index;
    let secret = attrs.secret;
    Ok((
        quote! {
            ::hangar::__private::Column {
                field: #f_name,
                name: #column,
                sql_type: #sql_type,
                nullable: #nullable,
                primary_key: #is_pk,
                auto_increment: #auto_increment,
                unique: #unique,
                index: #index,
                default: #default,
                references: #references,
                choices: &[#(#choice_tokens),*],
                secret: #secret,
                version: #version,
            }
        },
        is_pk,
    ))
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn snake_cases_type_names() {
        assert_eq!(snake_case("Message"), "message");
        assert_eq!(snake_case("BlogPost"), "blog_post");
        assert_eq!(snake_case("HTTPRequest"), "http_request");
        assert_eq!(snake_case("Note2Tag"), "note2_tag");
    }
}
