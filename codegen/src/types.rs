//! Mapping Rust field types to Hangar column types.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{GenericArgument, PathArguments, Type};

/// A supported field type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Bool,
    I32,
    I64,
    F64,
    String,
    Bytes,
    DateTime,
    Date,
    Uuid,
    Json,
}

impl Kind {
    pub fn sql_type(self, max_length: Option<u32>) -> TokenStream {
        let p = quote!(::hangar::__private::SqlType);
        match self {
            Kind::Bool => quote!(#p::Bool),
            Kind::I32 => quote!(#p::Int),
            Kind::I64 => quote!(#p::BigInt),
            Kind::F64 => quote!(#p::Float),
            Kind::String => match max_length {
                Some(n) => quote!(#p::Text { max_length: ::core::option::Option::Some(#n) }),
                None => quote!(#p::Text { max_length: ::core::option::Option::None }),
            },
            Kind::Bytes => quote!(#p::Bytes),
            Kind::DateTime => quote!(#p::DateTime),
            Kind::Date => quote!(#p::Date),
            Kind::Uuid => quote!(#p::Uuid),
            Kind::Json => quote!(#p::Json),
        }
    }
}

/// The field's kind and whether it is `Option<_>`.
pub fn classify(ty: &Type) -> Result<(Kind, bool), String> {
    if let Some(inner) = option_inner(ty) {
        if option_inner(inner).is_some() {
            return Err("`Option<Option<_>>` is not a supported field type".into());
        }
        return classify_plain(inner).map(|k| (k, true));
    }
    classify_plain(ty).map(|k| (k, false))
}

fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(tp) = ty else { return None };
    let seg = tp.path.segments.last()?;
    if seg.ident != "Option" {
        return None;
    }
    match &seg.arguments {
        PathArguments::AngleBracketed(args) => match args.args.first()? {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

const SUPPORTED: &str = "supported field types: bool, i32, i64, f64, String, Vec<u8>, \
time::OffsetDateTime, time::Date, uuid::Uuid, serde_json::Value, and Option<T> of these";

fn classify_plain(ty: &Type) -> Result<Kind, String> {
    let unsupported = || format!("unsupported field type `{}`; {SUPPORTED}", quote!(#ty));
    let Type::Path(tp) = ty else {
        return Err(unsupported());
    };
    let seg = tp.path.segments.last().ok_or_else(unsupported)?;
    let name = seg.ident.to_string();
    let qualified: Vec<String> = tp
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let kind = match name.as_str() {
        "bool" => Kind::Bool,
        "i32" => Kind::I32,
        "i64" => Kind::I64,
        "f64" => Kind::F64,
        "String" => Kind::String,
        "OffsetDateTime" => Kind::DateTime,
        "Date" => Kind::Date,
        "Uuid" => Kind::Uuid,
        "JsonValue" => Kind::Json,
        "Value" if qualified.len() == 1 || qualified.iter().any(|s| s == "serde_json") => {
            Kind::Json
        }
        "Vec" => {
            let is_u8 = matches!(&seg.arguments, PathArguments::AngleBracketed(a)
                if matches!(a.args.first(), Some(GenericArgument::Type(Type::Path(p))) if p.path.is_ident("u8")));
            if is_u8 {
                Kind::Bytes
            } else {
                return Err(unsupported());
            }
        }
        _ => return Err(unsupported()),
    };
    if !matches!(seg.arguments, PathArguments::None) && kind != Kind::Bytes {
        return Err(unsupported());
    }
    Ok(kind)
}
