//! Compile-time behaviour of `#[derive(Model)]`: what compiles, and the
//! errors (spanned on the offending field) for what does not.

#[test]
fn derive_model_ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
