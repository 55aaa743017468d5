//! Text helpers shared by every layer: URL slugs, titles from field names,
//! percent-encoding.
//!
//! A bottom-layer module like `config`: it imports nothing of Hangar's.
//! `hangar::utils` re-exports `slugify` and `title_case` for apps.

/// Turns text into a URL slug: lowercase ASCII letters and digits joined by `-`.
///
/// # Example
/// ```
/// assert_eq!(hangar::text::slugify("This is a URL!"), "this-is-a-url");
/// assert_eq!(hangar::text::slugify("  Ünïcode  & more "), "unicode-more");
/// ```
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for ch in s.chars().flat_map(fold_accent) {
        if ch.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(ch.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

fn fold_accent(c: char) -> Option<char> {
    let folded = match c {
        'à'..='å' | 'À'..='Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è'..='ë' | 'È'..='Ë' => 'e',
        'ì'..='ï' | 'Ì'..='Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò'..='ö' | 'Ò'..='Ö' | 'ø' | 'Ø' => 'o',
        'ù'..='ü' | 'Ù'..='Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        c => c,
    };
    Some(folded)
}

/// Field names given to a builder (`["a", "b"]`, a `Vec<String>`, ...) as owned strings.
#[cfg_attr(
    not(any(feature = "admin", feature = "rest")),
    allow(dead_code, reason = "for the batteries' configuration lists")
)]
pub(crate) fn strings<I, S>(items: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    items.into_iter().map(Into::into).collect()
}

/// A field name as a title: `word_count` → "Word Count".
///
/// # Example
/// ```
/// assert_eq!(hangar::text::title_case("pub_date"), "Pub Date");
/// ```
pub fn title_case(field: &str) -> String {
    field
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|f| f.to_uppercase().chain(cs).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `s` percent-encoded for a URL path segment or a query value: everything
/// but `A-Z a-z 0-9 - . _ ~` becomes `%XX`.
///
/// ```
/// assert_eq!(hangar::text::percent_encode("a b/ü"), "a%20b%2F%C3%BC");
/// ```
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `pairs` as an `application/x-www-form-urlencoded` string (a query string
/// or a form body), each name and value [`percent_encode`]d.
///
/// ```
/// let body = hangar::text::form_urlencoded(&[("q", "a&b"), ("page", "2")]);
/// assert_eq!(body, "q=a%26b&page=2");
/// ```
pub fn form_urlencoded<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                percent_encode(k.as_ref()),
                percent_encode(v.as_ref())
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}
