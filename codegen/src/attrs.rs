//! Parsing `#[model(...)]` on the struct and its fields.

use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Path, UnOp};

/// A literal value from an attribute.
#[derive(Clone, Debug)]
pub enum LitValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

#[derive(Default)]
pub struct StructAttrs {
    pub table: Option<LitStr>,
    pub name: Option<LitStr>,
    pub display: Option<LitStr>,
}

#[derive(Default)]
pub struct FieldAttrs {
    pub primary_key: bool,
    pub unique: bool,
    pub index: bool,
    pub secret: bool,
    pub version: Option<proc_macro2::Span>,
    pub max_length: Option<(u32, proc_macro2::Span)>,
    pub default: Option<(LitValue, proc_macro2::Span)>,
    pub references: Option<Path>,
    pub on_delete: Option<(String, proc_macro2::Span)>,
    pub choices: Vec<(LitValue, String)>,
    pub choices_span: Option<proc_macro2::Span>,
    pub column: Option<LitStr>,
}

fn is_model(attr: &Attribute) -> bool {
    attr.path().is_ident("model")
}

pub fn struct_attrs(attrs: &[Attribute]) -> syn::Result<StructAttrs> {
    let mut out = StructAttrs::default();
    for attr in attrs.iter().filter(|a| is_model(a)) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("table") {
                out.table = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("name") {
                out.name = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("display") {
                out.display = Some(meta.value()?.parse()?);
            } else {
                return Err(
                    meta.error("unknown model attribute; expected `table`, `name` or `display`")
                );
            }
            Ok(())
        })?;
    }
    Ok(out)
}

pub fn lit_value(expr: &Expr) -> syn::Result<LitValue> {
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => match lit {
            Lit::Bool(b) => Ok(LitValue::Bool(b.value)),
            Lit::Int(i) => Ok(LitValue::Int(i.base10_parse()?)),
            Lit::Float(f) => Ok(LitValue::Float(f.base10_parse()?)),
            Lit::Str(s) => Ok(LitValue::Text(s.value())),
            other => Err(syn::Error::new(
                other.span(),
                "expected a bool, number or string literal",
            )),
        },
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => match lit_value(&u.expr)? {
            LitValue::Int(i) => Ok(LitValue::Int(-i)),
            LitValue::Float(f) => Ok(LitValue::Float(-f)),
            _ => Err(syn::Error::new(u.span(), "only numbers can be negated")),
        },
        other => Err(syn::Error::new(other.span(), "expected a literal")),
    }
}

pub fn field_attrs(attrs: &[Attribute]) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|a| is_model(a)) {
        attr.parse_nested_meta(|meta| {
            let p = &meta.path;
            if p.is_ident("primary_key") {
                out.primary_key = true;
            } else if p.is_ident("unique") {
                out.unique = true;
            } else if p.is_ident("index") {
                out.index = true;
            } else if p.is_ident("secret") {
                out.secret = true;
            } else if p.is_ident("version") {
                out.version = Some(p.span());
            } else if p.is_ident("max_length") {
                let lit: syn::LitInt = meta.value()?.parse()?;
                let n: u32 = lit.base10_parse()?;
                if n == 0 {
                    return Err(syn::Error::new(lit.span(), "`max_length` must be at least 1"));
                }
                out.max_length = Some((n, lit.span()));
            } else if p.is_ident("default") {
                let expr: Expr = meta.value()?.parse()?;
                out.default = Some((lit_value(&expr)?, expr.span()));
            } else if p.is_ident("references") {
                out.references = Some(meta.value()?.parse()?);
            } else if p.is_ident("on_delete") {
                let s: LitStr = meta.value()?.parse()?;
                let v = s.value();
                if !matches!(v.as_str(), "cascade" | "restrict" | "set_null") {
                    return Err(syn::Error::new(
                        s.span(),
                        "`on_delete` must be \"cascade\", \"restrict\" or \"set_null\"",
                    ));
                }
                out.on_delete = Some((v, s.span()));
            } else if p.is_ident("choices") {
                let arr: syn::ExprArray = meta.value()?.parse()?;
                out.choices_span = Some(arr.span());
                for elem in &arr.elems {
                    let Expr::Tuple(t) = elem else {
                        return Err(syn::Error::new(elem.span(), "expected `(value, \"label\")`"));
                    };
                    if t.elems.len() != 2 {
                        return Err(syn::Error::new(t.span(), "expected `(value, \"label\")`"));
                    }
                    let value = lit_value(&t.elems[0])?;
                    let label = match lit_value(&t.elems[1])? {
                        LitValue::Text(s) => s,
                        _ => return Err(syn::Error::new(t.elems[1].span(), "the label must be a string")),
                    };
                    out.choices.push((value, label));
                }
                if out.choices.is_empty() {
                    return Err(syn::Error::new(arr.span(), "`choices` needs at least one choice"));
                }
            } else if p.is_ident("column") {
                out.column = Some(meta.value()?.parse()?);
            } else {
                return Err(meta.error(
                    "unknown field attribute; expected one of `primary_key`, `unique`, `index`, \
                     `secret`, `version`, `max_length`, `default`, `references`, `on_delete`, `choices`, \
                     `column`",
                ));
            }
            Ok(())
        })?;
    }
    Ok(out)
}
