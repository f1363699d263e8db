//! Generation step 4 of 7, mock: typed mocks of every operation for downstream tests
//! (`oz_api::mock`, feature `mock`), added to the generated code as `mocks`.
//!
//! Each operation's mock is rendered from the model ([`crate::model`]) for
//! the engine in oz-api/src/mock.rs: a `When` with one matcher per path, query
//! and header parameter and for the body, a `Then` with one responder per
//! documented response, and a `MockServer` method that mounts them. The
//! engine adds what a mock needs beyond that: response scripts (a 429 then a
//! 200), the error body, paths and queries encoded as the client encodes them.
//!
//! The shapes and names are those of progenitor-impl 0.15's own mock
//! generator (`httpmock.rs`), which is not run: `XWhen`/`XThen`; a responder
//! per numeric status named by its canonical reason (`ok`, `not_found`; a
//! status without one, `299`, is left to the generic responders), one per
//! range (`client_error(status, value)`, its class checked) and
//! `default_response(status, value)`; `success(status, value)` with any JSON
//! when the spec documents no success. A range with a JSON body also gets the
//! common statuses of its class (`not_found(value)`). A response's `value` is
//! the type the client decodes it into: its component schema's type, else
//! the type `send` returns for a success; any other media type takes a
//! `serde_json::Value`.
//!
//! A matcher copies the signature and conversion of the client's setter of
//! the same name (read from `mod builder`), so that a test passes a matcher
//! what the code under test passes the client. What cannot be rendered (a
//! setter of a shape not known here, a parameter location or body media type
//! progenitor does not generate, a body type that cannot be named) is left
//! out with a warning; the generic matchers and responders every mock has
//! remain.
//!
//! The module is written to a file of its own ([`outlined`]), which a build
//! without the feature never reads.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{ImplItemFn, Item, parse_quote};

use crate::code::methods_of;
use crate::model::{Api, Operation, Response, Status};
use crate::naming::{mock_types, status_responder, type_name};

/// Adds `pub mod mocks` to `code`, one mock per operation of `api`. Never
/// fails: what cannot be rendered is left out and said in the returned warnings.
pub fn add(api: &Api, code: &mut syn::File) -> Vec<String> {
    let mut warnings = Vec::new();
    let client_methods = crate::code::client_methods(code);
    let types: BTreeSet<String> = crate::code::type_names(code).into_iter().collect();
    let items: Vec<TokenStream> = api
        .operations
        .iter()
        .map(|op| {
            let mock = Mock {
                op,
                link: client_methods.contains_key(&op.method_name),
                setters: setters(code, &op.method_name),
                success: crate::code::success_type(code, &op.builder),
                types: &types,
            };
            mock.render(&mut warnings)
        })
        .collect();
    let imported = crate::generate::runtime::mock_types();
    code.items.push(syn::parse_quote! {
        /// Typed mocks of every operation: see `crate::mock`.
        #[cfg(feature = "mock")]
        pub mod mocks {
            use super::types;
            use crate::mock::{#(#imported),*};
            #(#items)*
        }
    });
    warnings.extend(self_check(api, code));
    warnings
}

/// What the mocks promise and `add` never renders otherwise, checked on the
/// code as rendered: every public operation has a mock, and every typed
/// matcher takes what the client's setter of the same name takes.
fn self_check(api: &Api, code: &syn::File) -> Vec<String> {
    let missing = operations_without_mock(api, code)
        .into_iter()
        .map(|op| format!("`Client::{op}` has no mock in oz_api::mock: {SELF_CHECK_HINT}"));
    let unlike = matchers_unlike_setters(code).into_iter().map(|m| {
        format!(
            "the mock matcher `{m}` does not take what the client's setter takes: {SELF_CHECK_HINT}"
        )
    });
    missing.chain(unlike).collect()
}

const SELF_CHECK_HINT: &str = "a bug in codegen/src/generate/mock.rs; report it with the spec";

/// `render(outlined, mocks)`: `code` with the `mocks` module declared out of
/// line (its attributes kept: `#[cfg(feature = "mock")] pub mod mocks;`), and
/// the module's items as a file of their own ([`crate::GENERATED_MOCKS`]), so
/// that a build without the feature never reads them. The items are moved out
/// and back, not copied (a copy of the whole tree was 6 % of regen).
pub fn outlined<T>(code: &mut syn::File, render: impl FnOnce(&syn::File, &syn::File) -> T) -> T {
    let mut mocks: syn::File = syn::parse_quote!();
    let mut brace = None;
    for item in &mut code.items {
        if let Item::Mod(m) = item
            && m.ident == "mocks"
            && let Some((b, items)) = m.content.take()
        {
            (brace, mocks.items) = (Some(b), items);
            m.semi = Some(Default::default());
        }
    }
    let rendered = render(code, &mocks);
    for item in &mut code.items {
        if let Item::Mod(m) = item
            && m.ident == "mocks"
            && let Some(b) = brace.take()
        {
            m.content = Some((b, std::mem::take(&mut mocks.items)));
            m.semi = None;
        }
    }
    rendered
}

/// The operations of `api` that the client has a method for and `code` has
/// no mock for (empty when each has one).
fn operations_without_mock(api: &Api, code: &syn::File) -> Vec<String> {
    let mocked: BTreeSet<String> = methods_of(code, "mocks", "MockServer")
        .map(|f| f.sig.ident.to_string())
        .collect();
    let client_methods = crate::code::client_methods(code);
    api.operations
        .iter()
        .map(|op| &op.method_name)
        .filter(|name| client_methods.contains_key(*name) && !mocked.contains(*name))
        .cloned()
        .collect()
}

/// One line for the operation's snapshot: the mock's typed matchers and responders.
pub(crate) fn summary(code: &syn::File, operation: &str) -> String {
    let Some(mock) = methods_of(code, "mocks", "MockServer").find(|f| f.sig.ident == operation)
    else {
        return "  mock: NONE (every operation must have one)\n".into();
    };
    let names = closure_types(mock);
    let list = |ty: Option<&String>| -> String {
        let names: Vec<String> = ty
            .map(|ty| {
                methods_of(code, "mocks", ty)
                    .map(|f| f.sig.ident.to_string())
                    .collect()
            })
            .unwrap_or_default();
        if names.is_empty() {
            "-".into()
        } else {
            names.join(", ")
        }
    };
    format!(
        "  mock: mock.{operation}(|when, then| ..): when {}; then {}\n",
        list(names.first()),
        list(names.get(1))
    )
}

/// The typed matchers whose signature is not that of the client's setter of
/// the same name (generics, bounds, argument), as `operation.matcher`. None
/// is rendered so ([`add`] leaves out a matcher without a setter to copy):
/// this checks the generated code says so.
fn matchers_unlike_setters(code: &syn::File) -> Vec<String> {
    let mut out = Vec::new();
    for mock in methods_of(code, "mocks", "MockServer") {
        let operation = mock.sig.ident.to_string();
        let Some(when) = closure_types(mock).into_iter().next() else {
            continue;
        };
        let setters = setters(code, &operation);
        for m in methods_of(code, "mocks", &when) {
            let name = m.sig.ident.to_string();
            if WHEN_COMMON.contains(&name.as_str()) {
                continue;
            }
            let sig = &m.sig;
            // syn compares the trees, not their printed text.
            let same = setters.get(&name).is_some_and(|setter| setter.sig == *sig);
            if !same {
                out.push(format!("{operation}.{name}"));
            }
        }
    }
    out
}

/// `config: impl FnOnce(XWhen, XThen) -> R`: the names of the mock's `When` and `Then`.
fn closure_types(mock: &ImplItemFn) -> Vec<String> {
    mock.sig
        .inputs
        .iter()
        .find_map(|input| match input {
            syn::FnArg::Typed(arg) => {
                let types = crate::code::closure_arguments(&arg.ty);
                (!types.is_empty()).then_some(types)
            }
            syn::FnArg::Receiver(_) => None,
        })
        .into_iter()
        .flatten()
        .filter_map(crate::code::last_ident)
        .collect()
}

/// What a matcher matches on.
enum Matched {
    /// The path's pattern around the value, as a prefix and a suffix.
    Path(String, String),
    Query {
        name: String,
        optional: bool,
    },
    Header {
        name: String,
        optional: bool,
    },
    JsonBody,
    TextBody,
}

/// What a responder answers.
struct Responder {
    name: String,
    /// `None`: the caller gives it (`status: u16`).
    status: Option<u16>,
    /// The status class a range responder checks (4 for `4XX`).
    class: Option<u16>,
    /// The body's type, answered as JSON; `None`: no body.
    value: Option<syn::Type>,
}

/// Names of the generic methods every `When` and `Then` has (`__mock_common!`).
const WHEN_COMMON: [&str; 2] = ["header", "matches"];
const THEN_COMMON: [&str; 7] = [
    "json",
    "empty",
    "body",
    "rate_limited",
    "problem",
    "header",
    "delay",
];

/// One operation's mock, and what it is rendered from.
struct Mock<'a> {
    op: &'a Operation,
    /// The client has a method of the operation's name to link to.
    link: bool,
    setters: BTreeMap<String, Setter>,
    /// The type the client's `send` decodes a success into.
    success: Option<&'a syn::Type>,
    /// The names in the generated `types` module.
    types: &'a BTreeSet<String>,
}

impl Mock<'_> {
    fn render(&self, warnings: &mut Vec<String>) -> TokenStream {
        let name = &self.op.method_name;
        let [when, then] = mock_types(name);
        let (Some(op_ident), Some(when), Some(then)) = (
            crate::code::ident(name),
            crate::code::ident(&when),
            crate::code::ident(&then),
        ) else {
            warnings.push(format!("no typed mock for `{name}`: not an identifier"));
            return TokenStream::new();
        };
        let segments = template(&self.op.path);
        let when_methods: Vec<TokenStream> = self
            .matchers(&segments, warnings)
            .into_iter()
            .filter_map(|(param, matched)| self.matcher(&param, matched, warnings))
            .collect();
        let then_methods = self.responders(warnings);
        let method = self.op.method.to_uppercase();
        let path = format!("^{}$", pattern(&segments, "[^/]*"));
        let shown: String = segments
            .iter()
            .map(|s| match s {
                Segment::Constant(c) => c.as_str(),
                Segment::Parameter(_) => "{…}",
            })
            .collect();
        let doc = if self.link {
            format!("Mocks [`Client::{name}`](crate::Client::{name}): `{method} {shown}`.")
        } else {
            format!("Mocks `{name}`: `{method} {shown}`.")
        };
        let when_doc = format!("What a request to `{name}` must carry to match.");
        let then_doc =
            format!("What the mock of `{name}` answers, in order; the last one repeats.");
        let common = syn::Ident::new(crate::generate::runtime::MOCK_COMMON, Span::call_site());
        quote! {
            #[doc = #when_doc]
            pub struct #when(When);
            impl #when { #(#when_methods)* }
            #[doc = #then_doc]
            pub struct #then(Then);
            impl #then { #(#then_methods)* }
            crate::#common!(#when, #then);
            impl MockServer {
                #[doc = #doc]
                pub async fn #op_ident<R>(&self, config: impl FnOnce(#when, #then) -> R) -> Calls {
                    let (when, then) = (When::new(#method, #path), Then::default());
                    config(#when(when.clone()), #then(then.clone()));
                    self.mount(#name, when, then).await
                }
            }
        }
    }

    /// The matchers, by setter name, in progenitor's order (`sort_params`):
    /// path parameters as the path has them, then query and header
    /// parameters by name, then the body.
    fn matchers(&self, segments: &[Segment], warnings: &mut Vec<String>) -> Vec<(String, Matched)> {
        let name = &self.op.method_name;
        // (rank, place in the path, name): progenitor's order.
        let mut out: Vec<((u8, usize, &str), String, Matched)> = Vec::new();
        for p in &self.op.parameters {
            let (key, matched) = match p.location.as_str() {
                "path" => {
                    let Some(at) = segments
                        .iter()
                        .position(|s| matches!(s, Segment::Parameter(n) if *n == p.name))
                    else {
                        warnings.push(left_out(name, "matcher", &p.setter, "not in the path"));
                        continue;
                    };
                    let prefix = format!("^{}", pattern(&segments[..at], ".*"));
                    let suffix = format!("{}$", pattern(&segments[at + 1..], ".*"));
                    ((0, at, ""), Matched::Path(prefix, suffix))
                }
                "query" => {
                    // progenitor also takes a parameter of an optional type as optional.
                    let optional_type = self
                        .setters
                        .get(&p.setter)
                        .is_some_and(|s| crate::code::is_type(&s.ty, "Option"));
                    let optional = !p.required || optional_type;
                    let name = p.name.clone();
                    ((1, 0, p.name.as_str()), Matched::Query { name, optional })
                }
                "header" => {
                    let (name, optional) = (p.name.clone(), !p.required);
                    ((2, 0, p.name.as_str()), Matched::Header { name, optional })
                }
                other => {
                    let why = format!("progenitor generates no `{other}` parameter");
                    warnings.push(left_out(name, "matcher", &p.setter, &why));
                    continue;
                }
            };
            out.push((key, p.setter.clone(), matched));
        }
        if let Some(media) = &self.op.body_media_type {
            let body = match media.split(';').next().unwrap_or_default() {
                "application/json" | "application/x-www-form-urlencoded" => Ok(Matched::JsonBody),
                "text/plain" | "text/x-markdown" => Ok(Matched::TextBody),
                // The client's setter takes a `reqwest::Body`, which may be a stream.
                "application/octet-stream" => {
                    Err("an octet-stream body (a `reqwest::Body`) cannot be compared".to_string())
                }
                _ => Err(format!("a `{media}` body is not one progenitor generates")),
            };
            match body {
                Ok(matched) => out.push(((3, 0, ""), "body".into(), matched)),
                Err(why) => warnings.push(left_out(name, "matcher", "body", &why)),
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.into_iter().map(|(_, setter, m)| (setter, m)).collect()
    }

    /// One matcher: the signature and conversion of the client's setter `param`.
    fn matcher(
        &self,
        param: &str,
        matched: Matched,
        warnings: &mut Vec<String>,
    ) -> Option<TokenStream> {
        let name = &self.op.method_name;
        if WHEN_COMMON.contains(&param) {
            warnings.push(left_out(
                name,
                "matcher",
                param,
                "named like a generic matcher",
            ));
            return None;
        }
        let Some(setter) = self.setters.get(param) else {
            let why = "the client's builder has no setter of a known shape of that name";
            warnings.push(left_out(name, "matcher", param, why));
            return None;
        };
        let Some((value, doc)) = from_setter(setter, &matched) else {
            let why = "the client's setter takes a type the matcher cannot compare";
            warnings.push(left_out(name, "matcher", param, why));
            return None;
        };
        let (body, what) = match matched {
            Matched::Path(prefix, suffix) => (
                quote!(Self(self.0.path_param(#param, #prefix, #suffix, value))),
                "The path parameter is `value`.".to_string(),
            ),
            Matched::Query { name, optional } => (
                quote!(Self(self.0.query_param(#name, value))),
                format!("Query parameter `{name}` is `value`{}.", absent(optional)),
            ),
            Matched::Header { name, optional } => (
                quote!(Self(self.0.header_param(#name, value))),
                format!("Header `{name}` is `value`{}.", absent(optional)),
            ),
            Matched::JsonBody => (
                quote!(Self(self.0.json_body(value))),
                "The JSON body equals `value`.".to_string(),
            ),
            Matched::TextBody => (
                quote!(Self(self.0.bytes_body(value))),
                "The body is `value`.".to_string(),
            ),
        };
        let doc = format!("{what}{doc}");
        let sig = &setter.sig;
        Some(quote! { #[doc = #doc] pub #sig { #value #body } })
    }

    /// The responders: one per documented response, in progenitor's order,
    /// then the common statuses of its ranges.
    fn responders(&self, warnings: &mut Vec<String>) -> Vec<TokenStream> {
        let name = &self.op.method_name;
        let mut responders = Vec::new();
        let mut success = false;
        for response in &self.op.client_responses {
            let (status, class, responder) = match response.key() {
                Some(Status::Code(code)) => match status_responder(code) {
                    Some(responder) => (Some(code), None, responder),
                    // No canonical reason: the generic responders answer it.
                    None => continue,
                },
                Some(Status::Range(class)) => match range_responder(class) {
                    Some(responder) => (None, Some(class), responder.to_string()),
                    None => {
                        let why = "not a range of HTTP statuses";
                        warnings.push(left_out(name, "responder", &response.status, why));
                        continue;
                    }
                },
                Some(Status::Default) => (None, None, "default_response".to_string()),
                None => {
                    let why = "not a status";
                    warnings.push(left_out(name, "responder", &response.status, why));
                    continue;
                }
            };
            // progenitor's `is_success_or_default`.
            let is_success = matches!(status, Some(101 | 200..=299))
                || class == Some(2)
                || response.status == "default";
            success |= is_success;
            let value = match body_kind(response, status) {
                Body::None => None,
                Body::Any => Some(parse_quote!(::serde_json::Value)),
                Body::Json => match self.json_type(response, is_success) {
                    Some(ty) => Some(ty),
                    None => {
                        let why = "the type of its JSON body cannot be named";
                        warnings.push(left_out(name, "responder", &responder, why));
                        continue;
                    }
                },
            };
            responders.push(Responder {
                name: responder,
                status,
                class,
                value,
            });
        }
        // progenitor's client and mocks answer any 2xx when none is documented.
        if !success {
            responders.push(Responder {
                name: range_responder(2).unwrap_or_default().to_string(),
                status: None,
                class: Some(2),
                value: Some(parse_quote!(::serde_json::Value)),
            });
        }
        let defined: BTreeSet<String> = responders.iter().map(|r| r.name.clone()).collect();
        let mut out = Vec::new();
        let mut named = Vec::new();
        for r in &responders {
            if THEN_COMMON.contains(&r.name.as_str()) {
                warnings.push(left_out(
                    name,
                    "responder",
                    &r.name,
                    "named like a generic responder",
                ));
                continue;
            }
            let Some(ident) = crate::code::ident(&r.name) else {
                continue;
            };
            out.push(responder(&ident, r));
            named.extend(named_statuses(r));
        }
        let mut seen = BTreeSet::new();
        named.retain(|(name, _)| !defined.contains(name) && seen.insert(name.clone()));
        out.extend(named.into_iter().map(|(_, tokens)| tokens));
        out
    }

    /// The type a responder takes for a JSON body, as progenitor's generator
    /// (typify's `parameter_ident`) writes it: the component schema's type,
    /// else (for a success) the type the client's `send` decodes into.
    fn json_type(&self, response: &Response, is_success: bool) -> Option<syn::Type> {
        let component = response
            .json_component()
            .map(type_name)
            .filter(|name| self.types.contains(name))
            .and_then(|name| crate::code::ident(&name));
        let ty: syn::Type = match component {
            Some(ident) => parse_quote!(types::#ident),
            None if is_success => self.success?.clone(),
            None => return None,
        };
        // typify passes an enum of unit variants (a string enum) by value.
        Some(if response.json_enum {
            ty
        } else {
            parameter_type(&ty)
        })
    }
}

/// A response's body as progenitor reads it: JSON (typed), another media
/// type (any JSON value), or none (a `101`'s content included).
enum Body {
    None,
    Json,
    Any,
}

fn body_kind(response: &Response, status: Option<u16>) -> Body {
    if response
        .media_types
        .iter()
        .any(|m| crate::spec::validate::is_json(m))
    {
        Body::Json
    } else if status == Some(101) || response.media_types.is_empty() {
        Body::None
    } else {
        Body::Any
    }
}

/// progenitor's name of a range's responder.
fn range_responder(class: u16) -> Option<&'static str> {
    Some(match class {
        1 => "informational",
        2 => "success",
        3 => "redirect",
        4 => "client_error",
        5 => "server_error",
        _ => return None,
    })
}

fn responder(ident: &syn::Ident, r: &Responder) -> TokenStream {
    let status = match r.status {
        Some(code) => quote!(#code),
        None => quote!(status),
    };
    let mut target = quote!(self.0);
    if let Some(class) = r.class {
        target = quote!(#target.in_class(#class, status));
    }
    let (body, what) = match &r.value {
        Some(_) => (
            quote!(Self(#target.json(#status, value))),
            "`value` as JSON",
        ),
        None => (quote!(Self(#target.empty(#status))), "no body"),
    };
    let doc = match r.status {
        Some(code) => format!("Answers `{code}` with {what}."),
        None => format!("Answers `status` with {what}."),
    };
    let status_arg = r.status.is_none().then(|| quote!(status: u16,));
    let value_arg = r.value.as_ref().map(|ty| quote!(value: #ty,));
    quote! {
        #[doc = #doc]
        pub fn #ident(self, #status_arg #value_arg) -> Self { #body }
    }
}

/// typify's parameter form of a type: a string as `&str`; numbers and
/// booleans by value; anything else by reference.
fn parameter_type(ty: &syn::Type) -> syn::Type {
    const BY_VALUE: [&str; 14] = [
        "bool", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128",
        "f32", "f64",
    ];
    let last = crate::code::last_ident(ty).unwrap_or_default();
    if last == "String" {
        return parse_quote!(&str);
    }
    if last == "Option"
        && let Some(inner) = crate::code::generic_arguments(ty).first()
    {
        let inner = parameter_type(inner);
        return parse_quote!(Option<#inner>);
    }
    let unit = matches!(ty, syn::Type::Tuple(t) if t.elems.is_empty());
    if unit || BY_VALUE.contains(&last.as_str()) || last.starts_with("NonZero") {
        ty.clone()
    } else {
        parse_quote!(&#ty)
    }
}

/// A path template's parts, as progenitor parses it (`//` read as `/`).
enum Segment<'a> {
    Constant(String),
    Parameter(&'a str),
}

fn template(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let constant = |text: &str, out: &mut Vec<Segment>| {
        let mut c = String::new();
        for ch in text.chars() {
            if ch != '/' || !c.ends_with('/') {
                c.push(ch);
            }
        }
        if !c.is_empty() {
            out.push(Segment::Constant(c));
        }
    };
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}').map(|e| start + e) else {
            break;
        };
        constant(&rest[..start], &mut out);
        out.push(Segment::Parameter(&rest[start + 1..end]));
        rest = &rest[end + 1..];
    }
    constant(rest, &mut out);
    out
}

/// A regex of `segments`: constants escaped, each parameter `wildcard`.
fn pattern(segments: &[Segment], wildcard: &str) -> String {
    segments
        .iter()
        .map(|s| match s {
            Segment::Constant(c) => regex_escape(c),
            Segment::Parameter(_) => wildcard.to_string(),
        })
        .collect()
}

/// `regex::escape`, for the characters a URL path can hold.
fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A setter of the client's builder, of progenitor's shape:
/// `pub fn x<V>(mut self, value: V) -> Self where .. { self.x = conversion; self }`.
/// A matcher copies its signature and conversion, so it takes what the
/// client's setter takes (arrays, `&str`, plain dates, builders) and refuses
/// what it refuses.
struct Setter {
    /// The setter's signature, `self` not `mut`.
    sig: syn::Signature,
    /// The right-hand side, an expression of `value` alone.
    conversion: syn::Expr,
    /// The field's type within `Result<_, E>`.
    ty: syn::Type,
    /// `E`: progenitor's `String`, or the `Cow<'static, str>` codegen's
    /// `patch` makes it (`parameter_errors_without_allocation`).
    error: syn::Type,
}

/// The setters of the builder the client's method `operation` returns, by
/// name; a setter of any other shape is not among them (its matcher is left
/// out).
fn setters(code: &syn::File, operation: &str) -> BTreeMap<String, Setter> {
    let mut out = BTreeMap::new();
    let Some(builder) = crate::code::client_methods(code)
        .get(operation)
        .and_then(|f| match &f.sig.output {
            syn::ReturnType::Type(_, ty) => crate::code::last_ident(ty),
            syn::ReturnType::Default => None,
        })
    else {
        return out;
    };
    let items = crate::code::module_items(code, "builder");
    let fields: BTreeMap<String, (&syn::Type, &syn::Type)> = items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) if s.ident == builder => Some(&s.fields),
            _ => None,
        })
        .flatten()
        .filter_map(|f| {
            let [ty, error] = crate::code::generic_arguments(&f.ty)[..] else {
                return None;
            };
            Some((f.ident.as_ref()?.to_string(), (ty, error)))
        })
        .collect();
    for f in methods_of(code, "builder", &builder) {
        if let Some((name, setter)) = read_setter(f, &fields) {
            out.insert(name, setter);
        }
    }
    out
}

fn read_setter(
    f: &ImplItemFn,
    fields: &BTreeMap<String, (&syn::Type, &syn::Type)>,
) -> Option<(String, Setter)> {
    let mut sig = f.sig.clone();
    let mut inputs = sig.inputs.iter_mut();
    let (Some(syn::FnArg::Receiver(receiver)), Some(syn::FnArg::Typed(value)), None) =
        (inputs.next(), inputs.next(), inputs.next())
    else {
        return None;
    };
    receiver.mutability = None;
    if !matches!(&*value.pat, syn::Pat::Ident(p) if p.ident == "value") {
        return None;
    }
    let [
        syn::Stmt::Expr(syn::Expr::Assign(assign), Some(_)),
        syn::Stmt::Expr(last, None),
    ] = f.block.stmts.as_slice()
    else {
        return None;
    };
    let field = match &*assign.left {
        syn::Expr::Field(syn::ExprField {
            base,
            member: syn::Member::Named(field),
            ..
        }) if matches!(&**base, syn::Expr::Path(p) if p.path.is_ident("self")) => field,
        _ => return None,
    };
    let returns_self = matches!(last, syn::Expr::Path(p) if p.path.is_ident("self"));
    let conversion = &*assign.right;
    let uses_self = crate::code::mentions(quote!(#conversion), "self") > 0;
    let (ty, error) = fields.get(&field.to_string())?;
    (returns_self && !uses_self && *field == f.sig.ident).then(|| {
        let setter = Setter {
            sig,
            conversion: conversion.clone(),
            ty: (*ty).clone(),
            error: (*error).clone(),
        };
        (field.to_string(), setter)
    })
}

/// `let value: Result<_, String> = ..;` converted as the client's setter
/// converts it, and the doc saying so; `None` for a shape whose setter's type
/// does not fit the matcher (an optional path parameter or body, a text body
/// of a type other than `String` or bytes).
fn from_setter(setter: &Setter, matched: &Matched) -> Option<(TokenStream, String)> {
    let Setter { conversion, ty, .. } = setter;
    // progenitor keeps a text body as a `reqwest::Body` converted from the
    // setter's target (`V: TryInto<String>`): the matcher keeps the target.
    let target = setter_target(&setter.sig);
    let ty = match (matched, &target) {
        (Matched::TextBody, Some(target)) => target,
        _ => ty,
    };
    let optional = crate::code::is_type(ty, "Option");
    // Path and header values are written with `.to_string()`, as the client
    // writes them (a method call: a newtype that derefs to a `String` has one).
    let rewrap = match matched {
        Matched::Query { .. } if !optional => quote!(let value = value.map(Some);),
        Matched::Query { .. } => TokenStream::new(),
        Matched::Header { .. } if !optional => {
            quote!(let value = value.map(|v| Some(v.to_string()));)
        }
        Matched::Header { .. } => quote!(let value = value.map(|v| v.map(|v| v.to_string()));),
        Matched::Path(..) if !optional => quote!(let value = value.map(|v| v.to_string());),
        // progenitor keeps a body as its type's builder, checked when sent.
        Matched::JsonBody if !optional => match &target {
            Some(target) if target == ty => TokenStream::new(),
            Some(target) => quote! {
                let value = value.and_then(|v| {
                    <#target as ::std::convert::TryFrom<_>>::try_from(v).map_err(|e| format!("{}: {e}", "body"))
                });
            },
            None => return None,
        },
        Matched::TextBody
            if crate::code::is_type(ty, "String") || crate::code::is_type(ty, "Vec") =>
        {
            TokenStream::new()
        }
        _ => return None,
    };
    let error = &setter.error;
    let value = if crate::code::is_type_path(error, &["String"]) {
        quote! {
            let value: ::std::result::Result<#ty, ::std::string::String> = #conversion;
            #rewrap
        }
    } else {
        quote! {
            let value: ::std::result::Result<#ty, #error> = #conversion;
            let value = value.map_err(::std::string::String::from);
            #rewrap
        }
    };
    let doc = format!(
        " Takes what the client's `.{}(..)` takes.",
        setter.sig.ident
    );
    Some((value, doc))
}

/// `T` of the setter's bound on its argument (`V: TryInto<T>`).
fn setter_target(sig: &syn::Signature) -> Option<syn::Type> {
    let (_, bound) = crate::code::first_where_bound(&sig.generics)?;
    let syn::PathArguments::AngleBracketed(args) = &bound.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
    })
}

/// Statuses a client commonly meets, by class, named as progenitor names a status.
const NAMED_STATUSES: [u16; 9] = [400, 401, 403, 404, 409, 422, 429, 500, 503];

/// For a range responder with a body (`client_error(status, value)`), one
/// responder per common status of its class (`not_found(value)`).
fn named_statuses(r: &Responder) -> Vec<(String, TokenStream)> {
    let (Some(class), Some(value)) = (r.class, &r.value) else {
        return Vec::new();
    };
    NAMED_STATUSES
        .into_iter()
        .filter(|code| code / 100 == class)
        .filter_map(|code| Some((code, status_responder(code)?)))
        .map(|(code, name)| {
            let ident = format_ident!("{}", name);
            let doc = format!("Answers `{code}` with `value` as JSON.");
            (
                name,
                quote! {
                    #[doc = #doc]
                    pub fn #ident(self, value: #value) -> Self { Self(self.0.json(#code, value)) }
                },
            )
        })
        .collect()
}

fn left_out(operation: &str, kind: &str, name: &str, why: &str) -> String {
    format!("mock of `{operation}`: {kind} `{name}` left out: {why} (the generic methods remain)")
}

fn absent(optional: bool) -> &'static str {
    if optional { " (`None`: absent)" } else { "" }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// Operations with: path, query and header parameters and a JSON body,
    /// a 200 and a 299 with a body and a `4XX`; a 204 and a `5XX`; a
    /// `default`; no documented success; an inline string; a string enum.
    fn spec() -> Value {
        let json = |schema: &str| json!({"content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
        let with = |description: &str, body: Value| {
            let mut response = body;
            response["description"] = json!(description);
            response
        };
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/things/{thingId}/parts": {"post": {
                    "operationId": "addPart",
                    "parameters": [
                        {"name": "thingId", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "dryRun", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "X-Request-Id", "in": "header", "required": true, "schema": {"type": "string"}}
                    ],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Part"}}}},
                    "responses": {
                        "200": with("ok", json("Part")),
                        "299": with("odd", json("Part")),
                        "4XX": with("client", json("Problem"))
                    }
                }},
                "/things/{thingId}/parts/{partId}": {"delete": {
                    "operationId": "deletePart",
                    "parameters": [
                        {"name": "thingId", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "partId", "in": "path", "required": true, "schema": {"type": "string"}}
                    ],
                    "responses": {"204": {"description": "gone"}, "5XX": with("server", json("Problem"))}
                }},
                "/status": {"get": {"operationId": "getStatus", "responses": {"default": with("any", json("Part"))}}},
                "/ping": {"get": {"operationId": "ping", "responses": {"404": {"description": "no"}}}},
                "/name": {"get": {"operationId": "getName", "responses": {
                    "200": {"description": "a string", "content": {"application/json": {"schema": {"type": "string"}}}}
                }}},
                "/color": {"get": {"operationId": "getColor", "responses": {"200": with("a color", json("Color"))}}}
            },
            "components": {"schemas": {
                "Part": {"type": "object", "properties": {"name": {"type": "string"}}},
                "Problem": {"type": "object", "properties": {"detail": {"type": "string"}}},
                "Color": {"type": "string", "enum": ["red", "blue"]}
            }}
        })
    }

    fn generated(spec: &Value) -> syn::File {
        let openapi: openapiv3::OpenAPI = serde_json::from_value(spec.clone()).unwrap();
        crate::generate::generate(spec, &openapi, "t").unwrap()
    }

    fn names(code: &syn::File, ty: &str) -> Vec<String> {
        methods_of(code, "mocks", ty)
            .map(|f| f.sig.ident.to_string())
            .collect()
    }

    /// The argument types of a mock method after `self`.
    fn arguments(code: &syn::File, ty: &str, method: &str) -> Vec<syn::Type> {
        let f = methods_of(code, "mocks", ty)
            .find(|f| f.sig.ident == method)
            .unwrap_or_else(|| panic!("{ty}::{method}"));
        f.sig
            .inputs
            .iter()
            .filter_map(|input| match input {
                syn::FnArg::Typed(t) => Some((*t.ty).clone()),
                syn::FnArg::Receiver(_) => None,
            })
            .collect()
    }

    /// The string literals of a mock method's body (the setter's conversion's first).
    fn literals(code: &syn::File, ty: &str, method: &str) -> Vec<String> {
        let f = methods_of(code, "mocks", ty)
            .find(|f| f.sig.ident == method)
            .unwrap_or_else(|| panic!("{ty}::{method}"));
        let block = &f.block;
        crate::code::string_literals(quote!(#block))
    }

    #[test]
    fn mocks_render_from_the_model_with_progenitors_names_and_the_setters_signatures() {
        let spec = spec();
        let mut code = generated(&spec);
        let warnings = add(&Api::new(&spec, &spec), &mut code);
        assert_eq!(warnings, Vec::<String>::new());
        assert_eq!(
            names(&code, "MockServer"),
            [
                "get_color",
                "get_name",
                "ping",
                "get_status",
                "add_part",
                "delete_part"
            ]
        );
        // Matchers: path, query, header, body, in progenitor's order.
        assert_eq!(
            names(&code, "AddPartWhen"),
            ["thing_id", "dry_run", "x_request_id", "body"]
        );
        let path = literals(&code, "AddPartWhen", "thing_id");
        assert!(path.ends_with(&["thing_id".into(), "^/things/".into(), "/parts$".into()]));
        assert!(literals(&code, "AddPartWhen", "x_request_id").contains(&"X-Request-Id".into()));
        assert!(literals(&code, "AddPartWhen", "dry_run").contains(&"dryRun".into()));
        let mount = literals(&code, "MockServer", "add_part");
        assert_eq!(mount, ["POST", "^/things/[^/]*/parts$", "add_part"]);

        // Responders: `ok` typed, no `299`, the range and its common statuses.
        let part: syn::Type = parse_quote!(&types::Part);
        let problem: syn::Type = parse_quote!(&types::Problem);
        let status: syn::Type = parse_quote!(u16);
        assert_eq!(
            names(&code, "AddPartThen"),
            [
                "ok",
                "client_error",
                "bad_request",
                "unauthorized",
                "forbidden",
                "not_found",
                "conflict",
                "unprocessable_entity",
                "too_many_requests"
            ]
        );
        assert_eq!(
            arguments(&code, "AddPartThen", "ok"),
            std::slice::from_ref(&part)
        );
        assert_eq!(
            arguments(&code, "AddPartThen", "client_error"),
            [status.clone(), problem.clone()]
        );
        assert_eq!(arguments(&code, "AddPartThen", "not_found"), [problem]);

        // A 204 takes nothing; the second path parameter sits mid-path.
        assert_eq!(
            names(&code, "DeletePartThen"),
            [
                "no_content",
                "server_error",
                "internal_server_error",
                "service_unavailable"
            ]
        );
        assert_eq!(arguments(&code, "DeletePartThen", "no_content"), []);
        let thing = literals(&code, "DeletePartWhen", "thing_id");
        assert!(thing.ends_with(&["thing_id".into(), "^/things/".into(), "/parts/.*$".into()]));

        // `default`; and no documented success: any 2xx with any JSON.
        assert_eq!(
            arguments(&code, "GetStatusThen", "default_response"),
            [status.clone(), part]
        );
        assert_eq!(names(&code, "PingThen"), ["not_found", "success"]);
        assert_eq!(arguments(&code, "PingThen", "not_found"), []);
        let any: syn::Type = parse_quote!(::serde_json::Value);
        assert_eq!(arguments(&code, "PingThen", "success"), [status, any]);

        // An inline string as `&str` (the type `send` decodes into); a string enum by value.
        let text: syn::Type = parse_quote!(&str);
        assert_eq!(arguments(&code, "GetNameThen", "ok"), [text]);
        let color: syn::Type = parse_quote!(types::Color);
        assert_eq!(arguments(&code, "GetColorThen", "ok"), [color]);

        let summary = summary(&code, "ping");
        assert_eq!(
            summary,
            "  mock: mock.ping(|when, then| ..): when -; then not_found, success\n"
        );
    }

    #[test]
    fn what_cannot_be_rendered_is_left_out_with_a_warning() {
        let spec = spec();
        let mut code = generated(&spec);
        let mut api = Api::new(&spec, &spec);
        let op = api
            .operations
            .iter_mut()
            .find(|op| op.id == "addPart")
            .unwrap();
        op.parameters[1].location = "cookie".into();
        op.body_media_type = Some("application/xml".into());
        op.client_responses[0].status = "6XX".into();
        let warnings = add(&api, &mut code);
        assert_eq!(warnings.len(), 3, "{warnings:#?}");
        assert!(warnings[0].contains("`dry_run` left out"), "{warnings:#?}");
        assert!(warnings[1].contains("`body` left out"), "{warnings:#?}");
        assert!(warnings[2].contains("`6XX` left out"), "{warnings:#?}");
        assert_eq!(names(&code, "AddPartWhen"), ["thing_id", "x_request_id"]);
        assert_eq!(names(&code, "AddPartThen")[0], "client_error");
    }

    #[test]
    fn a_missing_mock_or_a_matcher_unlike_its_setter_is_a_warning() {
        let spec = spec();
        let mut code = generated(&spec);
        let mut api = Api::new(&spec, &spec);
        // Rendered for a model without `ping`, checked against one with it.
        let ping = api
            .operations
            .iter()
            .position(|op| op.id == "ping")
            .unwrap();
        let ping = api.operations.remove(ping);
        assert_eq!(add(&api, &mut code), Vec::<String>::new());
        api.operations.push(ping);
        let warnings = self_check(&api, &code);
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert!(
            warnings[0].starts_with("`Client::ping` has no mock in oz_api::mock"),
            "{warnings:#?}"
        );

        struct Retype;
        impl syn::visit_mut::VisitMut for Retype {
            fn visit_impl_item_fn_mut(&mut self, f: &mut ImplItemFn) {
                if f.sig.ident == "thing_id" {
                    f.sig.generics = Default::default();
                    f.sig.inputs = syn::parse_quote!(self, value: u8);
                }
            }
        }
        let mocks = code.items.iter_mut().find_map(|item| match item {
            Item::Mod(m) if m.ident == "mocks" => Some(m),
            _ => None,
        });
        syn::visit_mut::VisitMut::visit_item_mod_mut(&mut Retype, mocks.unwrap());
        let warnings = self_check(&api, &code);
        assert!(
            warnings.iter().any(|w| w.starts_with(
                "the mock matcher `add_part.thing_id` does not take what the client's setter takes"
            )),
            "{warnings:#?}"
        );
    }
}
