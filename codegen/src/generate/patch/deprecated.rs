//! `#[deprecated]` where the spec says so: operations' methods and fields.
//! Fails (a generator error) when progenitor's output lacks a target.

use super::*;

pub(super) fn deprecated_operations(api: &Api, code: &mut syn::File) -> Result<()> {
    for op in api.operations.iter().filter(|op| op.deprecated) {
        let (id, name) = (&op.id, &op.method_name);
        let note = format!("`{}` is deprecated in the Oz API spec", op.template());
        let method = code
            .items
            .iter_mut()
            .filter_map(|item| match item {
                Item::Impl(block)
                    if block.trait_.is_none() && is_type(&block.self_ty, "Client") =>
                {
                    Some(block)
                }
                _ => None,
            })
            .flat_map(|block| block.items.iter_mut())
            .find_map(|member| match member {
                syn::ImplItem::Fn(f) if f.sig.ident == name => Some(f),
                _ => None,
            })
            .ok_or_else(|| {
                Error::generator(
                    "deprecated_operations",
                    format!(
                        "method `Client::{name}` for deprecated operation `{id}` (#{})",
                        op.pointer
                    ),
                )
            })?;
        method.attrs.push(parse_quote!(#[deprecated(note = #note)]));
    }
    Ok(())
}

/// Properties marked `deprecated` in component schemas (and the `allOf`
/// members they merge) get `#[deprecated]` on their field. Inline object
/// schemas are not marked (typify names them by context); their fields keep
/// the spec's description.
pub(super) fn deprecated_fields(api: &Api, types: &mut [Item]) -> Result<()> {
    for schema in &api.types.schemas {
        let deprecated: Vec<_> = schema.fields.iter().filter(|f| f.deprecated).collect();
        if deprecated.is_empty() {
            continue;
        }
        let (schema_name, rust) = (&schema.name, &schema.rust);
        let Some(item) = types
            .iter_mut()
            .find(|item| crate::code::item_name(item).as_ref() == Some(rust))
        else {
            return Err(Error::generator(
                "deprecated_fields",
                format!("type `{rust}` for schema #/components/schemas/{schema_name}"),
            ));
        };
        // A schema with properties that typify made an enum (merged with a
        // oneOf, say) or a newtype (`nullable`, a `type` other than object)
        // has no fields to mark.
        let Item::Struct(item) = item else { continue };
        if !matches!(item.fields, Fields::Named(_)) {
            continue;
        }
        for field in deprecated {
            let property = &field.name;
            let note = field
                .description
                .as_deref()
                .map(|d| d.trim().to_string())
                .unwrap_or_else(|| format!("`{property}` is deprecated in the Oz API spec"));
            let field = item
                .fields
                .iter_mut()
                .find(|f| wire_name(&f.attrs, f.ident.as_ref()).as_ref() == Some(property))
                .ok_or_else(|| {
                    Error::generator(
                        "deprecated_fields",
                        format!("field `{rust}::{property}` for deprecated property #/components/schemas/{schema_name}/properties/{property}"),
                    )
                })?;
            if !field.attrs.iter().any(|a| a.path().is_ident("deprecated")) {
                field.attrs.push(parse_quote!(#[deprecated(note = #note)]));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;

    #[test]
    fn deprecated_operations_and_fields_are_marked_where_the_spec_says() {
        let spec = json!({
            "paths": {"/old": {"get": {"operationId": "getOld", "deprecated": true}}},
            "components": {"schemas": {
                "Base": {"type": "object", "properties": {"task_id": {"type": "string", "deprecated": true, "description": "Use run_id."}}},
                "Run": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {"old": {"deprecated": true}}}]}
            }}
        });
        let code = file(quote::quote! {
            impl Client { pub fn get_old(&self) {} }
            pub mod types {
                pub struct Base { pub task_id: Option<String> }
                pub struct Run { pub task_id: Option<String>, #[serde(rename = "old")] pub old_: Option<String> }
            }
        });
        let model = api(&spec);
        let text = patched_however_printed(code, |code| patch(&model, code).unwrap());
        assert!(text.contains("#[deprecated(note = \"`GET /old` is deprecated in the Oz API spec\")]\n    pub fn get_old"), "{text}");
        assert_eq!(
            text.matches("#[deprecated(note = \"Use run_id.\")]")
                .count(),
            2,
            "{text}"
        );
        assert!(
            text.contains(
                "#[deprecated(note = \"`old` is deprecated in the Oz API spec\")]\n        pub old_"
            ),
            "{text}"
        );
        assert_eq!(text.matches("#[non_exhaustive]").count(), 2, "{text}");

        // The method is gone from progenitor's output: a generator error.
        let mut code = file(quote::quote! { impl Client {} pub mod types {} });
        let e = patch(&api(&spec), &mut code).unwrap_err();
        assert_eq!(
            e.location,
            Location::Generator {
                step: "deprecated_operations"
            }
        );
    }
}
