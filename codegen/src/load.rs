//! Stage 1, load: YAML text -> `serde_json::Value`.
//!
//! We parse into `serde_yaml::Value` first and convert ourselves, so that
//! unquoted numeric keys (`200:` in `responses`) become the strings OpenAPI means.

use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Location, Result};

/// Reads and parses a YAML (or JSON) file. `name` is how the file is named in errors.
pub fn load_file(path: &Path, name: &str) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::new(
            name,
            Location::File,
            format!("cannot read file: {e}"),
            "check the path; pass an existing OpenAPI YAML file",
        )
    })?;
    parse(&text, name)
}

/// Parses YAML text into JSON.
pub fn parse(text: &str, name: &str) -> Result<Value> {
    if text.trim().is_empty() {
        return Err(Error::new(
            name,
            Location::File,
            "file is empty",
            "the file must hold an OpenAPI 3.0 document in YAML or JSON",
        ));
    }
    let yaml: serde_yaml::Value = serde_yaml::from_str(text)
        .map_err(|e| yaml_error(&e, name, "invalid YAML", "fix the YAML syntax at that line"))?;
    to_json(yaml, &mut String::new(), name)
}

/// A serde_yaml error as ours, located by line and column when serde_yaml knows them.
pub fn yaml_error(e: &serde_yaml::Error, name: &str, what: &str, hint: &str) -> Error {
    let location = e
        .location()
        .map(|l| Location::Line {
            line: l.line(),
            column: l.column(),
        })
        .unwrap_or(Location::File);
    // serde_yaml appends " at line X column Y"; the location already says it.
    let message = e.to_string();
    let message = message.split(" at line ").next().unwrap_or(&message);
    Error::new(name, location, format!("{what}: {message}"), hint)
}

fn to_json(yaml: serde_yaml::Value, at: &mut String, name: &str) -> Result<Value> {
    use serde_yaml::Value as Y;
    Ok(match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .ok_or_else(|| {
                        Error::at(
                            name,
                            at.clone(),
                            format!("number {f} cannot be represented in JSON"),
                            "use a finite number",
                        )
                    })?
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                out.push(to_json(item, at, name)?);
                at.truncate(len);
            }
            Value::Array(out)
        }
        Y::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    _ => {
                        return Err(Error::at(
                            name,
                            at.clone(),
                            "a mapping key is not a scalar",
                            "use string keys only",
                        ));
                    }
                };
                let len = at.len();
                at.push_str(&format!("/{}", crate::error::escape(&key)));
                let value = to_json(v, at, name)?;
                at.truncate(len);
                out.insert(key, value);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => to_json(tagged.value, at, name)?,
    })
}
