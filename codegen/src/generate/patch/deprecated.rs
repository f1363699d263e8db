//! `#[deprecated]` where the spec says so: operations' methods and fields.
//! Fails (a generator error) when progenitor's output lacks a target.

use super::*;

pub(super) fn deprecated_operations(spec: &Value, code: &mut syn::File) -> Result<()> {
    for op in operations(spec) {
        if op.value.get("deprecated") != Some(&Value::Bool(true)) {
            continue;
        }
        let Some(id) = op.id() else { continue };
        let name = method_name(id);
        let note = format!(
            "`{} {}` is deprecated in the Oz API spec",
            op.method.to_uppercase(),
            op.path
        );
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
pub(super) fn deprecated_fields(spec: &Value, types: &mut [Item]) -> Result<()> {
    for (schema_name, schema) in schemas(spec) {
        let mut parts = vec![schema];
        for member in schema["allOf"].as_array().into_iter().flatten() {
            parts.push(deref(spec, member));
        }
        let deprecated: Vec<(&String, &Value)> = parts
            .iter()
            .filter_map(|part| part.get("properties").and_then(Value::as_object))
            .flatten()
            .filter(|(_, p)| p.get("deprecated") == Some(&Value::Bool(true)))
            .collect();
        if deprecated.is_empty() {
            continue;
        }
        let rust = type_name(schema_name);
        let Some(item) = types
            .iter_mut()
            .find(|item| crate::code::item_name(item).as_deref() == Some(&rust))
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
        for (property, value) in deprecated {
            let note = value
                .get("description")
                .and_then(Value::as_str)
                .map(|d| d.trim().to_string())
                .unwrap_or_else(|| format!("`{property}` is deprecated in the Oz API spec"));
            let field = item
                .fields
                .iter_mut()
                .find(|f| wire_name(&f.attrs, f.ident.as_ref()).as_deref() == Some(property))
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
