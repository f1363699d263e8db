//! A read-modify-write conversion for every replacing `PUT`, from the type
//! the resource is read as to the update request, carrying unknown members
//! across.

use super::*;

/// `impl TryFrom<read> for update` for each of the model's read-modify-write pairs: by
/// way of JSON, so what the read type does not know (its `extra` members)
/// and members only the update request knows come across, and the
/// read-only members are left out; `crate::hooks::convert` names the member
/// that does not fit. Never fails: a pair whose types are not both in the
/// output gets no conversion.
pub(super) fn read_modify_write(api: &Api, types: &mut Vec<Item>) {
    let names: BTreeSet<String> = types.iter().filter_map(crate::code::item_name).collect();
    for pair in &api.types.read_modify_write {
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

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;

    #[test]
    fn each_pair_whose_types_exist_gets_a_conversion_leaving_out_what_is_read_only() {
        let body = |name: &str| json!({"content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}});
        let spec = json!({
            "paths": {
                "/things/{id}": {
                    "get": {"operationId": "getThing", "responses": {"200": body("Thing")}},
                    "put": {"operationId": "putThing", "requestBody": body("ThingUpdate"), "responses": {"200": body("Thing")}}
                },
                "/others/{id}": {
                    "put": {"operationId": "putOther", "requestBody": body("OtherUpdate"), "responses": {"200": body("Other")}}
                }
            },
            "components": {"schemas": {
                "Thing": {"properties": {"id": {}, "name": {}}},
                "ThingUpdate": {"properties": {"name": {}}},
                "Other": {"properties": {"name": {}}},
                "OtherUpdate": {"properties": {"name": {}}}
            }}
        });
        // `OtherUpdate` is not in the output: no conversion for it, and no error.
        let code = file(quote::quote! { pub mod types {
            pub struct Thing { pub id: String, pub name: String }
            pub struct ThingUpdate { pub name: String }
            pub struct Other { pub name: String }
        }});
        let model = api(&spec);
        let text = patched_however_printed(code, |code| {
            read_modify_write(&model, module_items_mut(code, "types").unwrap())
        })
        .replace(char::is_whitespace, "");
        assert!(
            text.contains("impl::std::convert::TryFrom<Thing>forThingUpdate{"),
            "{text}"
        );
        assert!(
            text.contains("letread_only:[&str;1usize]=[\"id\"];"),
            "{text}"
        );
        assert!(
            text.contains("crate::hooks::convert(\"Thing\",::serde_json::Value::Object(members))"),
            "{text}"
        );
        assert_eq!(text.matches("TryFrom<").count(), 1, "{text}");
    }
}
