//! Generation step 6 of 7, names (the backstop; its renames run before the
//! model): no name the spec brings may break the build.
//!
//! The generated code and the hand-written layer (`oz-api/src/*.rs` under the
//! root regen is given) define names of their own: progenitor's `Client` has
//! `baseurl`, `client`, `api_version`; the layer adds `with_options`,
//! `wait_for_run`, `builder::ListRuns::stream`; progenitor's builders have
//! `send` and `body`. What is taken is read from the code, never listed here
//! (but for the Rust prelude's names, which the language defines):
//!
//! - [`reserved`]: the methods of every type that gets one method per
//!   operation (`Client`, `MockServer`), read from progenitor's output for a
//!   one-operation probe spec and from the hand-written layer. An operationId
//!   that becomes one of them is renamed `<id>_operation` ([`rename_operations`]),
//!   with a warning; so is one whose builder struct (`builder::<Id>`) would
//!   shadow a name the probe's `mod builder` imports or writes bare;
//! - [`check`], the backstop, over the final code plus the hand-written layer:
//!   a name defined twice in one scope (an item of a module, a field of a
//!   struct, a variant of an enum, a method across all inherent impls of one
//!   type; a name a non-glob `use` imports counts as defined in its module)
//!   is refused at the spec item it came from, and so is an item named like a
//!   Rust prelude name its module's code uses bare as a value (`Ok(..)`) or
//!   trait (`Default::default()`). What is not anticipated
//!   above is refused rather than written as a crate that does not compile.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use serde_json::{Value, json};
use syn::Item;
use syn::visit_mut::{self, VisitMut};

use crate::error::{Error, Result};
use crate::model::Api;
use crate::model::types::Schema;
use crate::naming::{builder_name, field_name, method_name};
use crate::spec::{operations, pointer};

/// Where the hand-written layer lives, relative to the workspace root.
const HAND_WRITTEN: &str = "oz-api/src";

/// A type, by the module that defines it (`""` is the crate root, where the
/// generated code is re-exported) and its name.
type Key = (String, String);

/// The hand-written layer: each file (relative to the root) and its syntax.
pub struct HandWritten(Vec<(String, syn::File)>);

/// Reads `root/oz-api/src/*.rs`, the generated file excepted. A root without
/// them (a test's scratch copy of the spec alone) has none; a file that does
/// not parse is the compiler's to report, not regen's.
pub fn hand_written(root: &Path) -> HandWritten {
    let dir = root.join(HAND_WRITTEN);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    paths.sort();
    let files = paths
        .into_iter()
        .filter_map(|path| {
            // Named before it is read: the generated file is most of the crate.
            let name = format!("{HAND_WRITTEN}/{}", path.file_name()?.to_string_lossy());
            if name == crate::GENERATED_RUST {
                return None;
            }
            let file = syn::parse_file(&std::fs::read_to_string(&path).ok()?).ok()?;
            Some((name, file))
        })
        .collect();
    HandWritten(files)
}

impl HandWritten {
    /// The inherent methods the hand-written layer defines on types named `ty`.
    pub fn methods_on(&self, ty: &str) -> BTreeSet<String> {
        let mut out = BTreeMap::new();
        for (name, file) in &self.0 {
            impl_methods(&file.items, &[], name, &mut out);
        }
        out.into_iter()
            .filter(|((_, name), _)| name == ty)
            .flat_map(|(_, methods)| methods)
            .filter(|m| m.inherent)
            .map(|m| m.name)
            .collect()
    }
}

/// A method and who defines it (for messages).
struct Method {
    name: String,
    inherent: bool,
    by: String,
}

/// Every method of every impl block in `items` (module path `module`), by type.
fn impl_methods(items: &[Item], module: &[String], by: &str, out: &mut BTreeMap<Key, Vec<Method>>) {
    let uses = imports(items, module);
    for item in items {
        match item {
            Item::Impl(block) => {
                let syn::Type::Path(ty) = &*block.self_ty else {
                    continue;
                };
                let key = resolve(&ty.path, module, &uses);
                for member in &block.items {
                    if let syn::ImplItem::Fn(f) = member {
                        out.entry(key.clone()).or_default().push(Method {
                            name: f.sig.ident.to_string(),
                            inherent: block.trait_.is_none(),
                            by: format!("{by} `{}::{}`", key.1, f.sig.ident),
                        });
                    }
                }
            }
            Item::Mod(m) if !is_test(&m.attrs) => {
                if let Some((_, inner)) = &m.content {
                    let mut path = module.to_vec();
                    path.push(m.ident.to_string());
                    impl_methods(inner, &path, by, out);
                }
            }
            _ => {}
        }
    }
}

fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") && crate::code::mentions(a.to_token_stream(), "test") > 0)
}

/// What each name brought in by `use` stands for, as a path from the crate root.
fn imports(items: &[Item], module: &[String]) -> BTreeMap<String, Vec<String>> {
    fn walk(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(String, Vec<String>)>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                walk(&p.tree, prefix, out);
                prefix.pop();
            }
            syn::UseTree::Name(n) => out.push((n.ident.to_string(), with(prefix, &n.ident))),
            syn::UseTree::Rename(r) => out.push((r.rename.to_string(), with(prefix, &r.ident))),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| walk(t, prefix, out)),
            syn::UseTree::Glob(_) => {}
        }
    }
    fn with(prefix: &[String], last: &syn::Ident) -> Vec<String> {
        let mut path = prefix.to_vec();
        if last != "self" {
            path.push(last.to_string());
        }
        path
    }
    let mut found = Vec::new();
    for item in items {
        if let Item::Use(u) = item {
            walk(&u.tree, &mut Vec::new(), &mut found);
        }
    }
    found
        .into_iter()
        .map(|(name, path)| (name, absolute(&path, module, &BTreeMap::new())))
        .collect()
}

/// `path` (as written in module `module`) from the crate root; the generated
/// module counts as the root (`pub use generated::*`).
fn absolute(
    path: &[String],
    module: &[String],
    uses: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let mut out: Vec<String> = match path.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        Some("super") => module[..module.len().saturating_sub(1)].to_vec(),
        Some("self") => module.to_vec(),
        // An imported name, else one of this module.
        Some(first) => uses.get(first).cloned().unwrap_or_else(|| module.to_vec()),
        None => Vec::new(),
    };
    let skip = match path.first().map(String::as_str) {
        Some("crate" | "super" | "self") => 1,
        Some(first) if uses.contains_key(first) => 1,
        _ => 0,
    };
    out.extend(path.iter().skip(skip).cloned());
    if out.first().is_some_and(|s| s == "generated") {
        out.remove(0);
    }
    out
}

fn resolve(path: &syn::Path, module: &[String], uses: &BTreeMap<String, Vec<String>>) -> Key {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let mut full = absolute(&segments, module, uses);
    let name = full.pop().unwrap_or_default();
    (full.join("::"), name)
}

/// Every method of every type in the generated `code` and the hand-written layer.
fn all_methods(code: &syn::File, hand: &HandWritten) -> BTreeMap<Key, Vec<Method>> {
    let mut out = BTreeMap::new();
    impl_methods(&code.items, &[], "the generated code:", &mut out);
    for (file, syntax) in &hand.0 {
        let module: Vec<String> = match file.rsplit('/').next() {
            Some("lib.rs") | None => Vec::new(),
            Some(name) => vec![name.trim_end_matches(".rs").to_string()],
        };
        impl_methods(&syntax.items, &module, file, &mut out);
    }
    out
}

/// The inherent methods of each type of the `types` module, defined by the
/// generated `code` or the hand-written layer: `type -> method names`.
pub fn type_methods(code: &syn::File, hand: &HandWritten) -> BTreeMap<String, BTreeSet<String>> {
    all_methods(code, hand)
        .into_iter()
        .filter(|((module, _), _)| module == "types")
        .map(|((_, name), methods)| {
            let inherent = methods.into_iter().filter(|m| m.inherent).map(|m| m.name);
            (name, inherent.collect())
        })
        .collect()
}

/// Names an operation may not take, each `name -> who has it`.
#[derive(Debug, Default)]
pub struct Reserved {
    /// Method names (of `Client`, `MockServer`, ...).
    pub methods: BTreeMap<String, String>,
    /// Builder struct names (`builder::<Name>`): what progenitor's `mod
    /// builder` imports, or writes bare and means something else by.
    pub builders: BTreeMap<String, String>,
}

/// The probe operation's id; it appears nowhere else in progenitor's output.
const PROBE: &str = "ozProbeOperation";

/// The methods of every type that gets one method per operation, read from
/// progenitor's output (client and typed mocks) for a one-operation spec and
/// from the hand-written layer; with the methods progenitor's `send` calls on
/// the client (`client.post(..)`, a hook an inherent method would shadow).
/// And the builder names progenitor's `mod builder` imports (`Error`,
/// `ByteStream`, ...) or writes as a bare one-segment path (`Result`,
/// `Option`, `String`, `Ok`, ...): a builder struct of that name would shadow
/// it there. The probe operation has a path and a query parameter so that
/// its builder has the code every builder with parameters has.
/// Empty when progenitor fails on the probe (the backstop still checks).
pub fn reserved(hand: &HandWritten) -> Reserved {
    let probe = json!({
        "openapi": "3.0.3",
        "info": {"title": "probe", "version": "1"},
        "paths": {"/probe/{ozProbePath}": {"get": {
            "operationId": PROBE,
            "parameters": [
                {"name": "ozProbePath", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "ozProbeQuery", "in": "query", "schema": {"type": "integer"}}
            ],
            "responses": {"200": {"description": "ok"}}
        }}}
    });
    let Ok(openapi) = serde_json::from_value::<openapiv3::OpenAPI>(probe.clone()) else {
        return Reserved::default();
    };
    let Ok(mut code) = crate::generate::generate(&probe, &openapi, "probe") else {
        return Reserved::default();
    };
    let mut out = Reserved {
        builders: builder_names_taken(&code),
        ..Reserved::default()
    };
    crate::mock::add(&crate::model::Api::new(&probe, &probe), &mut code);
    let probe_method = method_name(PROBE);
    let methods = all_methods(&code, hand);
    for (_, defined) in methods
        .iter()
        .filter(|(_, m)| m.iter().any(|m| m.name == probe_method))
    {
        for m in defined.iter().filter(|m| m.name != probe_method) {
            let by = m.by.replace("the generated code:", "progenitor's");
            out.methods.entry(m.name.clone()).or_insert(by);
        }
    }
    for name in calls_on(code.into_token_stream(), "client") {
        out.methods
            .entry(name.clone())
            .or_insert_with(|| format!("progenitor's `send` (it calls `client.{name}(..)`)"));
    }
    out
}

/// The names in progenitor's `mod builder` of `code` (the probe's output) a
/// builder struct may not take: those it imports, and those it writes as a
/// bare one-segment path (types, expressions, traits), the probe's own
/// builder excepted. `name -> why`.
fn builder_names_taken(code: &syn::File) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(items) = code.items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    }) else {
        return out;
    };
    for name in imported_names(items) {
        out.insert(
            name.clone(),
            format!("progenitor's `mod builder` (it imports `{name}`)"),
        );
    }
    let mut uses = BareUses::default();
    for item in items {
        uses.visit_item_mut(&mut item.clone());
    }
    let own = builder_name(PROBE);
    for name in uses.paths.into_iter().filter(|name| *name != own) {
        out.entry(name.clone())
            .or_insert_with(|| format!("progenitor's `mod builder` (it writes `{name}` bare)"));
    }
    out
}

/// The names non-glob `use` items among `items` bring into their module
/// (`use a::{b, c as d, e::{self}}`: `b`, `d`, `e`; `as _` brings none).
fn imported_names(items: &[Item]) -> Vec<String> {
    fn walk(tree: &syn::UseTree, last: Option<&syn::Ident>, out: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(p) => walk(&p.tree, Some(&p.ident), out),
            syn::UseTree::Name(n) if n.ident == "self" => out.extend(last.map(|l| l.to_string())),
            syn::UseTree::Name(n) => out.push(n.ident.to_string()),
            syn::UseTree::Rename(r) if r.rename == "_" => {}
            syn::UseTree::Rename(r) => out.push(r.rename.to_string()),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| walk(t, last, out)),
            syn::UseTree::Glob(_) => {}
        }
    }
    let mut out = Vec::new();
    for item in items {
        if let Item::Use(u) = item {
            walk(&u.tree, None, &mut out);
        }
    }
    out
}

/// The names one module's code (its nested modules excepted) writes bare.
/// Read with `VisitMut` on a copy: the workspace's syn has no `visit`.
#[derive(Default)]
struct BareUses {
    /// Every path of one segment without a leading `::`, wherever it is.
    paths: BTreeSet<String>,
    /// Looked up in the value namespace: a one-segment expression or
    /// pattern path (`Ok(x)`, `None`), `name -> as written`.
    values: BTreeMap<String, String>,
    /// Looked up in the type namespace other than as a type: the first
    /// segment of a longer expression path (`Default::default()`), a trait
    /// (`impl Default for`, `T: Default`), `name -> as written`.
    traits: BTreeMap<String, String>,
}

impl BareUses {
    fn expression(&mut self, path: &syn::Path) {
        if path.leading_colon.is_some() {
            return;
        }
        let written = path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect::<Vec<_>>()
            .join("::");
        match path.segments.len() {
            1 => self.values.entry(path.segments[0].ident.to_string()),
            _ => self.traits.entry(path.segments[0].ident.to_string()),
        }
        .or_insert(written);
    }

    fn as_trait(&mut self, path: &syn::Path, written: impl Fn(&str) -> String) {
        if path.leading_colon.is_none()
            && let Some(first) = path.segments.first()
        {
            let name = first.ident.to_string();
            let shown = written(&name);
            self.traits.entry(name).or_insert(shown);
        }
    }
}

impl VisitMut for BareUses {
    fn visit_item_mod_mut(&mut self, _: &mut syn::ItemMod) {}

    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        if path.leading_colon.is_none() && path.segments.len() == 1 {
            self.paths.insert(path.segments[0].ident.to_string());
        }
        visit_mut::visit_path_mut(self, path);
    }

    fn visit_expr_path_mut(&mut self, e: &mut syn::ExprPath) {
        if e.qself.is_none() {
            self.expression(&e.path);
        }
        visit_mut::visit_expr_path_mut(self, e);
    }

    fn visit_pat_tuple_struct_mut(&mut self, p: &mut syn::PatTupleStruct) {
        if p.qself.is_none() {
            self.expression(&p.path);
        }
        visit_mut::visit_pat_tuple_struct_mut(self, p);
    }

    fn visit_pat_ident_mut(&mut self, p: &mut syn::PatIdent) {
        // `None` in a pattern is the prelude's unless something shadows it.
        if p.subpat.is_none() {
            let name = p.ident.to_string();
            self.values.entry(name.clone()).or_insert(name);
        }
        visit_mut::visit_pat_ident_mut(self, p);
    }

    fn visit_trait_bound_mut(&mut self, b: &mut syn::TraitBound) {
        self.as_trait(&b.path, |name| format!(": {name}"));
        visit_mut::visit_trait_bound_mut(self, b);
    }

    fn visit_item_impl_mut(&mut self, i: &mut syn::ItemImpl) {
        if let Some((path, _)) = &i.trait_ {
            self.as_trait(path, |name| format!("impl {name} for"));
        }
        visit_mut::visit_item_impl_mut(self, i);
    }
}

/// The Rust standard prelude's names (language-defined, 2021 edition and
/// later): an item of one of these names shadows the prelude's in its module.
const PRELUDE: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "ToString",
    "ToOwned",
    "Clone",
    "Copy",
    "Default",
    "Drop",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "Extend",
    "Send",
    "Sync",
    "Sized",
    "Unpin",
    "From",
    "Into",
    "TryFrom",
    "TryInto",
    "AsRef",
    "AsMut",
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "FromIterator",
    "drop",
    "Future",
    "IntoFuture",
];

/// The methods called on the variable `receiver` (`receiver.m(..)`) in `tokens`.
fn calls_on(tokens: TokenStream, receiver: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Group(g) => out.extend(calls_on(g.stream(), receiver)),
            // `receiver.m(..)`, not `x.receiver.m(..)` (a field of that name).
            TokenTree::Ident(r)
                if r == receiver
                    && !matches!(i.checked_sub(1).map(|j| &tokens[j]),
                        Some(TokenTree::Punct(p)) if p.as_char() == '.') =>
            {
                if let [
                    TokenTree::Punct(dot),
                    TokenTree::Ident(m),
                    TokenTree::Group(args),
                    ..,
                ] = &tokens[i + 1..]
                    && dot.as_char() == '.'
                    && args.delimiter() == proc_macro2::Delimiter::Parenthesis
                {
                    out.insert(m.to_string());
                }
            }
            _ => {}
        }
    }
    out
}

/// Renames every operation whose method name is reserved: `<id>_operation`
/// (`client` -> `client_operation`). Returns a warning for each.
pub fn rename_operations(spec: &mut Value, reserved: &Reserved, file: &str) -> Vec<String> {
    let mut renames = Vec::new();
    for op in operations(spec) {
        let Some(id) = op.id() else { continue };
        let taken = reserved
            .methods
            .get(&method_name(id))
            .map(|by| (method_name(id), by))
            .or_else(|| {
                let builder = builder_name(id);
                reserved
                    .builders
                    .get(&builder)
                    .map(|by| (format!("builder::{builder}"), by))
            });
        if let Some((name, by)) = taken {
            let new = format!("{id}_operation");
            renames.push((
                format!("{}/operationId", op.pointer),
                id.to_string(),
                new,
                name,
                by.clone(),
            ));
        }
    }
    renames
        .into_iter()
        .map(|(at, id, new, name, by)| {
            if let Some(node) = spec.pointer_mut(&at) {
                *node = Value::String(new.clone());
            }
            format!(
                "{file}#{at}: operationId `{id}` is generated as `{}`: `{name}` is taken by {by}",
                method_name(&new),
            )
        })
        .collect()
}

/// The backstop: refuses a name defined twice in one scope of `code` (the
/// final, patched code) together with the hand-written layer, at the spec
/// item (of `spec`, the remodelled document; pointed at in `published`, the
/// fixed one) it came from.
pub fn check(
    published: &Value,
    api: &Api,
    code: &syn::File,
    hand: &HandWritten,
    file: &str,
) -> Result<()> {
    if let Some(clash) = duplicate_item(&code.items, &mut Vec::new()) {
        return Err(refuse(api, published, file, clash));
    }
    for (key, methods) in all_methods(code, hand) {
        let inherent: Vec<&Method> = methods.iter().filter(|m| m.inherent).collect();
        for (i, m) in inherent.iter().enumerate() {
            if let Some(first) = inherent[..i].iter().find(|f| f.name == m.name) {
                let twice = format!("{} and {}", first.by, m.by);
                return Err(refuse(
                    api,
                    published,
                    file,
                    Clash::Method(key, m.name.clone(), twice),
                ));
            }
        }
    }
    Ok(())
}

/// A name defined twice, with where.
enum Clash {
    /// An item of a module: (module, name).
    Item(String, String),
    /// A field of a struct: (struct key, field).
    Field(Key, String),
    /// A variant of an enum: (enum key, variant).
    Variant(Key, String),
    /// A method of a type: (type key, method, who defines it).
    Method(Key, String, String),
    /// An item of a module named like a prelude name the module's code uses
    /// bare as a value or trait: (module, name, the use as written).
    Prelude(String, String, String),
}

fn duplicate_item(items: &[Item], module: &mut Vec<String>) -> Option<Clash> {
    let mut types = BTreeSet::new();
    let mut values = BTreeSet::new();
    let here = module.join("::");
    // A name a `use` brings in is defined here too, in whichever namespace it
    // has there: counted in both.
    for name in imported_names(items) {
        let new_type = types.insert(name.clone());
        let new_value = values.insert(name.clone());
        if !(new_type && new_value) {
            return Some(Clash::Item(here, name));
        }
    }
    // Items named like the prelude: (name, defines a type, defines a value).
    let mut prelude = Vec::new();
    for item in items {
        // (type namespace, value namespace)
        let (ty, value) = match item {
            Item::Struct(s) => {
                let key = (here.clone(), s.ident.to_string());
                let mut fields = BTreeSet::new();
                for f in s.fields.iter().filter_map(|f| f.ident.as_ref()) {
                    if !fields.insert(f.to_string()) {
                        return Some(Clash::Field(key, f.to_string()));
                    }
                }
                let value = !matches!(s.fields, syn::Fields::Named(_));
                (Some(&s.ident), value.then_some(&s.ident))
            }
            Item::Enum(e) => {
                let mut variants = BTreeSet::new();
                for v in &e.variants {
                    if !variants.insert(v.ident.to_string()) {
                        let key = (here.clone(), e.ident.to_string());
                        return Some(Clash::Variant(key, v.ident.to_string()));
                    }
                }
                (Some(&e.ident), None)
            }
            Item::Type(t) => (Some(&t.ident), None),
            Item::Trait(t) => (Some(&t.ident), None),
            Item::Fn(f) => (None, Some(&f.sig.ident)),
            Item::Const(c) if c.ident != "_" => (None, Some(&c.ident)),
            Item::Static(s) => (None, Some(&s.ident)),
            Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    module.push(m.ident.to_string());
                    let clash = duplicate_item(inner, module);
                    module.pop();
                    if clash.is_some() {
                        return clash;
                    }
                }
                (Some(&m.ident), None)
            }
            _ => (None, None),
        };
        let clash = ty
            .filter(|t| !types.insert(t.to_string()))
            .or(value.filter(|v| !values.insert(v.to_string())));
        if let Some(name) = clash {
            return Some(Clash::Item(here, name.to_string()));
        }
        if let Some(name) = ty.or(value).map(ToString::to_string)
            && PRELUDE.contains(&name.as_str())
        {
            prelude.push((name, ty.is_some(), value.is_some()));
        }
    }
    if prelude.is_empty() {
        return None;
    }
    // The prelude's name, used bare as a value (`Ok(x)`) or a trait
    // (`Default::default()`, `impl Default for`) in this module's own code,
    // now means the item. A type-position use means the item as a type,
    // which is what the generators write it for (schemas `Option`, `String`).
    let mut uses = BareUses::default();
    for item in items {
        uses.visit_item_mut(&mut item.clone());
    }
    prelude.into_iter().find_map(|(name, ty, value)| {
        let written = value
            .then(|| uses.values.get(&name))
            .flatten()
            .or(ty.then(|| uses.traits.get(&name)).flatten())?;
        Some(Clash::Prelude(here.clone(), name, written.clone()))
    })
}

const HINT: &str = "rename it with a fix in spec/oz-api.fixes.yaml (a schema name with its $refs; \
    a path parameter in the path template too), or remove it there; a query or header \
    parameter's name is what is sent: rename the hand-written item instead";

/// The located refusal of `clash`: the spec item whose Rust name it is.
fn refuse(api: &Api, published: &Value, file: &str, clash: Clash) -> Error {
    let (at, what) = match &clash {
        Clash::Item(module, name) => (
            item_of(api, module, name),
            format!("`{name}` is defined twice in module `{}`", shown(module)),
        ),
        Clash::Prelude(module, name, written) => {
            let at = item_of(api, module, name);
            let what = if at.ends_with("/operationId") {
                "operationId"
            } else {
                "schema"
            };
            return Error::at(
                file,
                at,
                format!(
                    "`{module}::{name}` shadows the Rust prelude's `{name}`, which the code \
                     generated in module `{}` writes bare (`{written}`), so the generated crate \
                     would not compile",
                    shown(module)
                ),
                format!(
                    "rename the {what} with a fix in spec/oz-api.fixes.yaml (a schema name \
                     with its $refs), e.g. `{name}` -> `{name}Value`"
                ),
            );
        }
        Clash::Field((module, ty), field) | Clash::Method((module, ty), field, _)
            if module == "builder" =>
        {
            let by = match &clash {
                Clash::Method(.., by) => format!(" ({by})"),
                _ => String::new(),
            };
            (
                parameter_of(api, ty, field).unwrap_or_else(|| "/paths".into()),
                format!("operation builder `builder::{ty}` has `{field}` twice{by}"),
            )
        }
        Clash::Field((module, ty), field) => (
            schema_of(api, ty)
                .map(|schema| property_of(schema, field))
                .unwrap_or_else(|| "/components/schemas".into()),
            format!("`{}::{ty}` has the field `{field}` twice", shown(module)),
        ),
        Clash::Variant((module, ty), variant) => (
            schema_of(api, ty)
                .map(schema_at)
                .unwrap_or_else(|| "/components/schemas".into()),
            format!(
                "`{}::{ty}` has the variant `{variant}` twice",
                shown(module)
            ),
        ),
        Clash::Method((module, ty), method, by) => (
            operation_of(api, method)
                .filter(|_| !module.starts_with("types"))
                .or_else(|| schema_of(api, ty).map(|schema| property_of(schema, method)))
                .unwrap_or_else(|| "/paths".into()),
            format!("`{}::{ty}::{method}` is defined twice: {by}", shown(module)),
        ),
    };
    // remodel renames the problem body `Error`: point where the spec has it.
    let renamed = pointer(["components", "schemas", crate::remodel::ERROR_BODY]);
    let at = match at.strip_prefix(&renamed) {
        Some(rest)
            if published.pointer("/components/schemas/Error").is_some()
                && published.pointer(&renamed).is_none() =>
        {
            format!("/components/schemas/Error{rest}")
        }
        _ => at,
    };
    Error::at(
        file,
        at,
        format!("{what}, so the generated crate would not compile"),
        HINT,
    )
}

fn shown(module: &str) -> &str {
    if module.is_empty() { "crate" } else { module }
}

/// The spec item an item `name` of `module` came from: an operation's
/// builder in `builder`, else a schema; else the schemas' section.
fn item_of(api: &Api, module: &str, name: &str) -> String {
    let operation = (module == "builder")
        .then(|| api.operations.iter().find(|op| op.builder == name))
        .flatten()
        .map(|op| format!("{}/operationId", op.pointer));
    operation
        .or_else(|| schema_of(api, name).map(schema_at))
        .unwrap_or_else(|| "/components/schemas".into())
}

/// The component schema that becomes the Rust type `ty` (or its builder `tyBuilder`).
fn schema_of<'a>(api: &'a Api, ty: &str) -> Option<&'a Schema> {
    let base = ty.strip_suffix("Builder");
    let schemas = &api.types.schemas;
    (schemas.iter().find(|s| s.rust == ty))
        .or_else(|| schemas.iter().find(|s| Some(s.rust.as_str()) == base))
}

fn schema_at(schema: &Schema) -> String {
    pointer(["components", "schemas", schema.name.as_str()])
}

/// The schema's own property that becomes `field`, else the schema.
fn property_of(schema: &Schema, field: &str) -> String {
    let own = schema.fields.iter().filter(|f| !f.merged);
    match own.map(|f| &f.name).find(|p| field_name(p) == field) {
        Some(name) => format!(
            "{}/properties/{}",
            schema_at(schema),
            crate::spec::escape(name)
        ),
        None => schema_at(schema),
    }
}

fn operation_of(api: &Api, method: &str) -> Option<String> {
    let op = api.operations.iter().find(|op| op.method_name == method)?;
    Some(format!("{}/operationId", op.pointer))
}

/// The parameter (or request body) of the operation whose builder is `builder`
/// that becomes `name` (one the operation lists itself first); else the operation.
fn parameter_of(api: &Api, builder: &str, name: &str) -> Option<String> {
    let op = api.operations.iter().find(|op| op.builder == builder)?;
    let own = format!("{}/parameters/", op.pointer);
    let parameter = (op.parameters.iter())
        .filter(|p| p.setter == name)
        .min_by_key(|p| !p.pointer.starts_with(&own));
    Some(match parameter {
        Some(p) => p.pointer.clone(),
        None if op.body_media_type.is_some() => format!("{}/requestBody", op.pointer),
        None => op.pointer.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`check`] of `code` generated from `spec`, with no hand-written layer.
    fn unowned_check(spec: &Value, code: &syn::File) -> Result<()> {
        check(
            spec,
            &Api::new(spec, spec),
            code,
            &HandWritten(Vec::new()),
            "spec",
        )
    }

    fn workspace() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
    }

    #[test]
    fn reserved_names_come_from_progenitor_and_the_hand_written_layer() {
        let reserved = reserved(&hand_written(workspace()));
        for name in [
            "baseurl",
            "client",
            "api_version",
            "inner",
            "new",
            "post",
            "pre",
            "exec",
            "with_options",
            "wait_for_run",
            "from_env",
            "builder",
            "mount",
            "start",
        ] {
            assert!(
                reserved.methods.contains_key(name),
                "{name} not reserved: {reserved:#?}"
            );
        }
        assert!(
            reserved.methods["with_options"].contains("oz-api/src/options.rs"),
            "{reserved:#?}"
        );
        // Operations the hand-written layer calls, and fields read by `send`, are not.
        for name in ["list_runs", "get_run", "get", "send"] {
            assert!(
                !reserved.methods.contains_key(name),
                "{name} reserved: {reserved:#?}"
            );
        }
    }

    /// A method added to a hand-written `impl Client` is reserved without a
    /// list: an operation of that name is renamed, and the crate keeps both.
    #[test]
    fn a_new_hand_written_method_renames_the_operation_named_like_it() {
        let root = tempfile::tempdir().unwrap();
        for file in [crate::SPEC, crate::FIXES] {
            let to = root.path().join(file);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(workspace().join(file), to).unwrap();
        }
        let src = root.path().join(HAND_WRITTEN);
        std::fs::create_dir_all(&src).unwrap();
        let spec_path = root.path().join(crate::SPEC);
        let text = std::fs::read_to_string(&spec_path).unwrap();
        let mut spec = crate::load::parse(&text, "spec").unwrap();
        spec["paths"]["/agent/frobs"] = json!({"get": {
            "operationId": "frobnicate",
            "responses": {"204": {"description": "ok"}}
        }});
        // JSON is YAML.
        std::fs::write(&spec_path, spec.to_string()).unwrap();

        let generated = crate::run(root.path(), &spec_path).unwrap();
        assert!(crate::code::client_methods(&generated.code).contains_key("frobnicate"));

        std::fs::write(
            src.join("frobs.rs"),
            "use crate::Client;\nimpl Client {\n    pub fn frobnicate(&self) {}\n}\n",
        )
        .unwrap();
        assert!(
            reserved(&hand_written(root.path())).methods["frobnicate"]
                .contains("oz-api/src/frobs.rs")
        );
        let generated = crate::run(root.path(), &spec_path).unwrap();
        let methods = crate::code::client_methods(&generated.code);
        assert!(!methods.contains_key("frobnicate"), "{:?}", methods.keys());
        assert!(methods.contains_key("frobnicate_operation"));
        assert!(
            generated.warnings.iter().any(|w| w
                .contains("operationId `frobnicate` is generated as `frobnicate_operation`")
                && w.contains("oz-api/src/frobs.rs")),
            "{:?}",
            generated.warnings
        );
    }

    /// The backstop reads the hand-written layer too: a hand-written method
    /// on an operation builder that a parameter's setter meets is refused at
    /// the parameter.
    #[test]
    fn a_duplicate_is_refused_at_the_spec_item_it_came_from() {
        let spec = json!({"paths": {"/r/{id}": {"get": {
            "operationId": "getR",
            "parameters": [{"name": "id", "in": "path"}, {"name": "frob", "in": "query"}]
        }}}, "components": {"schemas": {"Thing": {"properties": {"frob": {}}}}}});
        let code: syn::File = syn::parse_quote! {
            pub mod builder {
                pub struct GetR<'a> { client: &'a super::Client, frob: Option<String> }
                impl<'a> GetR<'a> { pub fn frob(self) -> Self { self } }
            }
            pub mod types {
                pub struct Thing { pub frob: String, pub frob: String }
            }
        };
        let hand = HandWritten(vec![(
            "oz-api/src/frobs.rs".into(),
            syn::parse_quote! {
                use crate::builder;
                impl<'a> builder::GetR<'a> { pub fn frob(self) {} }
            },
        )]);
        let e = check(&spec, &Api::new(&spec, &spec), &code, &hand, "spec").unwrap_err();
        assert_eq!(
            e.location,
            crate::Location::Pointer("/components/schemas/Thing/properties/frob".into()),
            "{e}"
        );
        let code: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> GetR<'a> { pub fn frob(self) -> Self { self } }
            }
        };
        let e = check(&spec, &Api::new(&spec, &spec), &code, &hand, "spec").unwrap_err();
        assert_eq!(
            e.location,
            crate::Location::Pointer("/paths/~1r~1{id}/get/parameters/1".into()),
            "{e}"
        );
        assert!(
            e.message.contains("oz-api/src/frobs.rs `GetR::frob`"),
            "{e}"
        );
        assert!(unowned_check(&spec, &code).is_ok());
    }

    /// What progenitor's `mod builder` imports or writes bare is read from
    /// the probe: an operationId whose builder would shadow it is renamed.
    #[test]
    fn builder_names_progenitor_imports_or_writes_bare_rename_the_operation() {
        let reserved = reserved(&hand_written(workspace()));
        for name in [
            "Error",
            "ByteStream",
            "ClientHooks",
            "ClientInfo",
            "OperationInfo",
            "RequestBuilderExt",
            "ResponseValue",
            "Result",
            "Option",
            "String",
            "Ok",
            "Err",
        ] {
            assert!(
                reserved.builders.contains_key(name),
                "{name} not reserved: {:#?}",
                reserved.builders
            );
        }
        assert!(reserved.builders["Error"].contains("imports `Error`"));
        assert!(reserved.builders["Result"].contains("writes `Result` bare"));
        for name in ["OzProbeOperation", "ListRuns", "Client", "GetRun"] {
            assert!(!reserved.builders.contains_key(name), "{name} reserved");
        }
        let mut spec = json!({"paths": {
            "/e": {"get": {"operationId": "error"}},
            "/r": {"get": {"operationId": "result"}},
            "/b": {"get": {"operationId": "byteStream"}},
            "/l": {"get": {"operationId": "listThings"}}
        }});
        let warnings = rename_operations(&mut spec, &reserved, "spec");
        assert_eq!(warnings.len(), 3, "{warnings:#?}");
        assert_eq!(spec["paths"]["/e"]["get"]["operationId"], "error_operation");
        assert_eq!(
            spec["paths"]["/b"]["get"]["operationId"],
            "byteStream_operation"
        );
        assert_eq!(spec["paths"]["/l"]["get"]["operationId"], "listThings");
        assert!(
            warnings.iter().any(|w| w.contains(
                "operationId `result` is generated as `result_operation`: `builder::Result` is taken by progenitor's `mod builder`"
            )),
            "{warnings:#?}"
        );
    }

    /// A name a `use` brings into a module counts as defined there.
    #[test]
    fn an_item_named_like_an_import_of_its_module_is_refused_at_its_operation() {
        let spec = json!({"paths": {"/b": {"get": {"operationId": "byteStream"}}}});
        let code: syn::File = syn::parse_quote! {
            pub mod builder {
                use super::{types, ByteStream};
                pub struct ByteStream<'a> { client: &'a super::Client }
            }
        };
        let e = unowned_check(&spec, &code).unwrap_err();
        assert_eq!(
            e.location,
            crate::Location::Pointer("/paths/~1b/get/operationId".into()),
            "{e}"
        );
        assert!(
            e.message
                .contains("`ByteStream` is defined twice in module `builder`"),
            "{e}"
        );
        // `use a::{self}`, renames and globs.
        let code: syn::File = syn::parse_quote! {
            pub mod builder {
                use super::types::{self as t, Thing as Other};
                use super::*;
                pub struct Thing;
                pub struct types;
                pub struct GetThing { x: t::X, y: Other }
            }
        };
        assert!(unowned_check(&spec, &code).is_ok());
        let code: syn::File = syn::parse_quote! {
            pub mod builder {
                use super::types::{self};
                pub fn types() {}
            }
        };
        assert!(unowned_check(&spec, &code).is_err());
    }

    /// An item named like the prelude is refused where its module's own code
    /// uses that name bare as a value or trait; a use as a type is the item.
    #[test]
    fn an_item_shadowing_a_prelude_name_its_module_calls_is_refused() {
        let spec = json!({"components": {"schemas": {
            "Ok": {}, "Default": {}, "Option": {}, "Some": {}
        }}});
        let refused = |code: syn::File| unowned_check(&spec, &code).err();
        // A tuple struct is a value: `Ok(..)` calls it.
        let e = refused(syn::parse_quote! {
            pub mod types {
                pub struct Ok(pub String);
                fn f() -> Result<(), ()> { Ok(()) }
            }
        })
        .unwrap();
        assert_eq!(
            e.location,
            crate::Location::Pointer("/components/schemas/Ok".into()),
            "{e}"
        );
        assert!(e.message.contains("shadows the Rust prelude's `Ok`"), "{e}");
        assert!(e.message.contains("(`Ok`)"), "{e}");
        assert!(e.hint.contains("spec/oz-api.fixes.yaml"), "{e}");
        // A braced struct is no value: `Ok(..)` is still the prelude's.
        assert!(
            refused(syn::parse_quote! {
                pub mod types {
                    pub struct Ok { pub a: String }
                    fn f() -> Result<(), ()> { Ok(()) }
                }
            })
            .is_none()
        );
        // `Default::default()` and `impl Default for` look in the type namespace.
        for code in [
            syn::parse_quote! {
                pub mod types {
                    pub struct Default { pub a: String }
                    fn f() -> Thing { Default::default() }
                }
            },
            syn::parse_quote! {
                pub mod types {
                    pub struct Default { pub a: String }
                    impl Default for Thing { fn default() -> Self { Thing } }
                }
            },
            syn::parse_quote! {
                pub mod types {
                    pub struct Default { pub a: String }
                    fn f<T: Default>() {}
                }
            },
        ] {
            let e = refused(code).unwrap();
            assert_eq!(
                e.location,
                crate::Location::Pointer("/components/schemas/Default".into()),
                "{e}"
            );
        }
        // Type positions, and uses in a nested module, are not the prelude's.
        assert!(
            refused(syn::parse_quote! {
                pub mod types {
                    pub struct Option { pub a: String }
                    pub struct Some { pub b: Option }
                    pub struct Default { pub c: Default }
                    fn f(x: ::std::option::Option<Option>) -> Some {
                        match x { Some(o) => Some { b: o }, None => todo!() }
                    }
                    pub mod builder {
                        impl Default for Thing { fn default() -> Self { Default::default() } }
                    }
                }
            })
            .is_none()
        );
    }
}
