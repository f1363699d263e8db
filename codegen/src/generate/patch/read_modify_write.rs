//! A read-modify-write conversion for every replacing `PUT`, from the type
//! the resource is read as to the update request, carrying unknown members
//! across.

use super::*;

/// A read-modify-write pair: `PUT path` replaces the resource with an
/// `update` body, and the resource is read (by `GET path`, else by the
/// `PUT`'s own answer) as `read`.
#[derive(Debug, PartialEq)]
pub struct ReadModifyWrite {
    pub operation: String,
    pub read: String,
    pub update: String,
    /// Members `read` knows and `update` does not: read-only, not sent back.
    pub read_only: Vec<String>,
}

/// Every replacing `PUT` whose body and read type are different component schemas.
pub fn read_modify_write_pairs(spec: &Value) -> Vec<ReadModifyWrite> {
    let json_ref = |node: Option<&Value>| {
        let schema = node?.pointer("/content/application~1json/schema")?;
        schema_ref(schema).map(str::to_string)
    };
    let ops = operations(spec);
    let mut pairs = Vec::new();
    for put in ops.iter().filter(|op| op.method == "put") {
        let Some(update) = json_ref(deref(spec, &put.value["requestBody"]).into()) else {
            continue;
        };
        let answer = |op: &crate::spec::Operation| {
            let responses = op.value.get("responses")?.as_object()?;
            responses
                .iter()
                .filter(|(code, _)| code.starts_with('2'))
                .find_map(|(_, r)| json_ref(Some(deref(spec, r))))
        };
        let get = ops
            .iter()
            .find(|op| op.method == "get" && op.path == put.path);
        let Some(read) = get.and_then(answer).or_else(|| answer(put)) else {
            continue;
        };
        let (Some(id), true) = (put.id(), read != update) else {
            continue;
        };
        let properties = |name: &str| -> BTreeSet<String> {
            spec.pointer(&crate::spec::pointer([
                "components",
                "schemas",
                name,
                "properties",
            ]))
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
        };
        let writable = properties(&update);
        pairs.push(ReadModifyWrite {
            operation: id.to_string(),
            read_only: properties(&read).difference(&writable).cloned().collect(),
            read,
            update,
        });
    }
    pairs
}

/// `impl TryFrom<read> for update` for each [`read_modify_write_pairs`]: by
/// way of JSON, so what the read type does not know (its `extra` members)
/// and members only the update request knows come across, and the
/// read-only members are left out; `crate::hooks::convert` names the member
/// that does not fit. Never fails: a pair whose types are not both in the
/// output gets no conversion.
pub(super) fn read_modify_write(spec: &Value, types: &mut Vec<Item>) {
    let names: BTreeSet<String> = types.iter().filter_map(crate::code::item_name).collect();
    for pair in read_modify_write_pairs(spec) {
        let (read, update) = (type_name(&pair.read), type_name(&pair.update));
        if !names.contains(&read) || !names.contains(&update) {
            continue;
        }
        let (Some(read_ident), Some(update_ident)) =
            (crate::code::ident(&read), crate::code::ident(&update))
        else {
            continue;
        };
        let read_only = &pair.read_only;
        let count = read_only.len();
        let doc = format!(
            " For a read-modify-write through `{}` (a `PUT` replaces the whole \
             resource): `{read}` as read, less what only the server sets \
             ({}), with every member this client does not know kept, so a \
             newer server's settings survive the update. A member kept that \
             `{update}` types otherwise fails the conversion, naming the member, \
             its value and what is allowed.",
            pair.operation,
            if read_only.is_empty() {
                "nothing".to_string()
            } else {
                read_only
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        );
        let convert = hook("convert");
        types.push(parse_quote! {
            #[doc = #doc]
            impl ::std::convert::TryFrom<#read_ident> for #update_ident {
                type Error = ::serde_json::Error;
                // Compiled where it is called, like generic code: the
                // conversion instantiates the read type's serializers and
                // the update request's deserializers a second time (through
                // `serde_path_to_error`), which a crate that never calls it
                // does not build (a third of oz-api's LLVM IR; BENCHMARKS.md).
                #[inline]
                fn try_from(value: #read_ident) -> ::std::result::Result<Self, Self::Error> {
                    let mut members = match ::serde_json::to_value(value)? {
                        ::serde_json::Value::Object(members) => members,
                        other => return ::serde_json::from_value(other),
                    };
                    let read_only: [&str; #count] = [#(#read_only),*];
                    for member in read_only {
                        members.remove(member);
                    }
                    #convert(#read, ::serde_json::Value::Object(members))
                }
            }
        });
    }
}
