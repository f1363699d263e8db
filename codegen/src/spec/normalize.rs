//! Spec stage 3 of 5, normalize: one canonical text for one meaning.
//!
//! Keys are sorted at every level and the JSON is pretty-printed with a final
//! newline, so YAML formatting, key order and line endings never reach the
//! diff a reviewer reads, and the SHA-256 of this text identifies the spec.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Returns `value` with every object's keys sorted, whatever map type serde_json uses.
pub fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), canonical(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// The canonical text: pretty JSON, sorted keys, `\n` line endings, final newline.
pub fn to_text(canonical: &Value) -> String {
    let mut text = serde_json::to_string_pretty(canonical).expect("a JSON value always serializes");
    text.push('\n');
    text
}

/// Hex SHA-256 of the canonical text.
pub fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_does_not_change_the_text_or_its_hash() {
        let a = to_text(&canonical(
            &json!({"b": 1, "a": {"d": [1, {"f": 2, "e": 3}], "c": null}}),
        ));
        let b = to_text(&canonical(
            &json!({"a": {"c": null, "d": [1, {"e": 3, "f": 2}]}, "b": 1}),
        ));
        assert_eq!(a, b);
        assert!(a.ends_with("}\n") && a.find("\"a\"") < a.find("\"b\""));
        assert_eq!(sha256(&a), sha256(&b));
        assert_eq!(sha256("").len(), 64);
    }
}
