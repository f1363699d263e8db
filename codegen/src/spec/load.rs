//! Spec stage 1 of 5, load: YAML text -> `serde_json::Value`, within bounds.
//!
//! The spec comes from the internet, so loading is bounded before anything
//! else runs: the file's size ([`Limits::max_spec_bytes`], checked before it is
//! read), the document's size once YAML aliases are expanded (twice that
//! number, counted as [`NODE_COST`] per node plus the bytes of every scalar and
//! key: today's spec counts 131 KB for its 120 KB), and its nesting depth
//! ([`MAX_DEPTH`]). serde_yaml replays an alias by visiting its
//! anchor's events again, so building the JSON value in our own visitor, which
//! charges every visit, stops a quadratic or billion-laughs alias file after at
//! most the limit's worth of work instead of after it has filled memory
//! (serde_yaml's own repetition limit, 100 alias jumps per event of the file,
//! stops only small files early: a padded one reached 2.9 GB before it).
//!
//! Unquoted numeric keys (`200:` in `responses`) become the strings OpenAPI
//! means; tags (`!foo value`) are dropped, keeping the value.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, VariantAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Error, Location, Result};

/// The default of [`Limits::max_spec_bytes`]: 4 MiB, 35 times today's spec
/// (120 KB). Regen of a spec this large stays within seconds (BENCHMARKS.md).
pub const DEFAULT_MAX_SPEC_BYTES: u64 = 4 << 20;

/// How deeply mappings and sequences may nest. Today's spec nests 12 deep;
/// every stage after this one walks the document recursively, so this also
/// bounds their stack use.
pub const MAX_DEPTH: usize = 64;

/// What one node (mapping, sequence, scalar) counts towards the expanded size,
/// besides its bytes: about what the smallest one costs in memory, so that a
/// document of many tiny nodes is bounded as one of long strings is.
pub const NODE_COST: usize = 16;

/// How to raise the size limit, named in its errors.
pub const RAISE_SIZE: &str = "pass `cargo xtask regen --max-spec-bytes N` (or set OZ_REGEN_MAX_SPEC_BYTES) \
     if a genuine spec is this large";

/// Bounds on what regen accepts from a spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest spec file read, in bytes. The document, once YAML aliases
    /// are expanded, may measure twice this ([`NODE_COST`] per node plus scalar bytes).
    pub max_spec_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_spec_bytes: DEFAULT_MAX_SPEC_BYTES,
        }
    }
}

/// Reads and parses a YAML (or JSON) file. `name` is how the file is named in errors.
pub fn load_file(path: &Path, name: &str) -> Result<Value> {
    load_file_with(path, name, &Limits::default())
}

/// [`load_file`] within `limits`.
pub fn load_file_with(path: &Path, name: &str, limits: &Limits) -> Result<Value> {
    let unreadable = |e: std::io::Error| {
        Error::new(
            name,
            Location::File,
            format!("cannot read file: {e}"),
            "check the path; pass an existing OpenAPI YAML file",
        )
    };
    // Read at most one byte more than the limit: a device or a growing file
    // cannot make us read forever.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| {
            file.take(limits.max_spec_bytes.saturating_add(1))
                .read_to_end(&mut bytes)
        })
        .map_err(unreadable)?;
    if bytes.len() as u64 > limits.max_spec_bytes {
        return Err(Error::new(
            name,
            Location::File,
            format!(
                "the spec is larger than the limit of {} bytes",
                limits.max_spec_bytes
            ),
            RAISE_SIZE,
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        unreadable(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "stream did not contain valid UTF-8 (at byte {})",
                e.utf8_error().valid_up_to()
            ),
        ))
    })?;
    parse_with(&text, name, limits)
}

/// Parses YAML text into JSON.
pub fn parse(text: &str, name: &str) -> Result<Value> {
    parse_with(text, name, &Limits::default())
}

/// [`parse`] within `limits`.
pub fn parse_with(text: &str, name: &str, limits: &Limits) -> Result<Value> {
    if text.trim().is_empty() {
        return Err(Error::new(
            name,
            Location::File,
            "file is empty",
            "the file must hold an OpenAPI 3.0 document in YAML or JSON",
        ));
    }
    let state = State {
        name,
        budget: Cell::new(limits.max_spec_bytes.saturating_mul(2)),
        limit: limits.max_spec_bytes.saturating_mul(2),
        at: RefCell::new(String::new()),
        refused: RefCell::new(None),
        failed_at: RefCell::new(None),
    };
    let de = serde_yaml::Deserializer::from_str(text);
    let result = Node {
        state: &state,
        depth: 0,
    }
    .deserialize(de);
    let failed_at = state.failed_at.into_inner();
    match (result, state.refused.into_inner()) {
        // Our own refusal, located by pointer (or by line, for the limits).
        (Err(e), Some(mut error)) => {
            if let (Location::File, Some(l)) = (&error.location, e.location()) {
                error.location = Location::Line {
                    line: l.line(),
                    column: l.column(),
                };
            }
            Err(error)
        }
        // serde_yaml's own bound on alias replays (a "billion laughs" file).
        (Err(e), None) if e.to_string().starts_with("repetition limit exceeded") => {
            let mut error = yaml_error(
                &e,
                name,
                "the YAML aliases expand too much",
                "use fewer aliases; a spec needs none",
            );
            if let (Location::File, Some(at)) = (&error.location, failed_at) {
                error.location = Location::Pointer(at);
            }
            Err(error)
        }
        (Err(e), None) => Err(yaml_error(
            &e,
            name,
            "invalid YAML",
            "fix the YAML syntax at that line",
        )),
        (Ok(value), _) => Ok(value),
    }
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

/// What one load shares across the visitor's recursion.
struct State<'a> {
    name: &'a str,
    /// What is left of the expanded-size limit.
    budget: Cell<u64>,
    limit: u64,
    /// JSON pointer of the node being built.
    at: RefCell<String>,
    /// Set with our error before a visitor fails (serde's errors are strings).
    refused: RefCell<Option<Error>>,
    /// Where the first error (ours or serde_yaml's) happened.
    failed_at: RefCell<Option<String>>,
}

impl State<'_> {
    fn refuse<E: de::Error>(&self, error: Error) -> E {
        let message = error.message.clone();
        *self.refused.borrow_mut() = Some(error);
        E::custom(message)
    }

    /// Charges `units` against the expanded-size limit.
    fn charge<E: de::Error>(&self, units: usize) -> std::result::Result<(), E> {
        let left = self.budget.get().checked_sub(units as u64);
        match left {
            Some(left) => {
                self.budget.set(left);
                Ok(())
            }
            // Located by line: serde_yaml adds the position of the event.
            None => Err(self.refuse(Error::new(
                self.name,
                Location::File,
                format!(
                    "the document's content exceeds {} bytes (twice the size limit; a node \
                     counts {NODE_COST} plus its text, YAML aliases expanded) at {}",
                    self.limit,
                    pointer_or_root(&self.at.borrow())
                ),
                format!("use fewer or smaller aliases (a spec needs none); {RAISE_SIZE}"),
            ))),
        }
    }

    fn at_error<E: de::Error>(&self, message: String, hint: &str) -> E {
        let at = self.at.borrow().clone();
        self.refuse(Error::at(self.name, at, message, hint))
    }
}

fn pointer_or_root(at: &str) -> &str {
    if at.is_empty() {
        "the document root"
    } else {
        at
    }
}

/// One node of the document, at `depth`.
struct Node<'s, 'a> {
    state: &'s State<'a>,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Node<'_, '_> {
    fn child(&self) -> Self {
        Node {
            state: self.state,
            depth: self.depth + 1,
        }
    }

    fn enter<E: de::Error>(&self) -> std::result::Result<(), E> {
        self.state.charge(NODE_COST)?;
        if self.depth >= MAX_DEPTH {
            let at = self.state.at.borrow().clone();
            return Err(self.state.refuse(Error::at(
                self.state.name,
                at,
                format!("the document nests deeper than {MAX_DEPTH} levels"),
                "an OpenAPI document needs far fewer; name deeply nested schemas \
                 in components/schemas and `$ref` them",
            )));
        }
        Ok(())
    }

    /// Builds a child at `segment` of the current pointer.
    fn nested<T, E>(
        &self,
        segment: &str,
        build: impl FnOnce(Self) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let len = self.state.at.borrow().len();
        self.state
            .at
            .borrow_mut()
            .push_str(&format!("/{}", crate::error::escape(segment)));
        let out = build(self.child());
        if out.is_err() && self.state.failed_at.borrow().is_none() {
            *self.state.failed_at.borrow_mut() = Some(self.state.at.borrow().clone());
        }
        self.state.at.borrow_mut().truncate(len);
        out
    }
}

impl<'de> Visitor<'de> for Node<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<Value, E> {
        self.state.charge(NODE_COST)?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> std::result::Result<Value, E> {
        self.visit_unit()
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> std::result::Result<Value, E> {
        self.state.charge(NODE_COST)?;
        Ok(Value::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, i: i64) -> std::result::Result<Value, E> {
        self.state.charge(NODE_COST)?;
        Ok(Value::from(i))
    }

    fn visit_u64<E: de::Error>(self, u: u64) -> std::result::Result<Value, E> {
        self.state.charge(NODE_COST)?;
        Ok(Value::from(u))
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> std::result::Result<Value, E> {
        self.state.charge(NODE_COST)?;
        serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| {
                self.state.at_error(
                    format!("number {f} cannot be represented in JSON"),
                    "use a finite number",
                )
            })
    }

    fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Value, E> {
        self.state.charge(NODE_COST + s.len())?;
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> std::result::Result<Value, E> {
        self.state.charge(NODE_COST + s.len())?;
        Ok(Value::String(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        self.enter()?;
        let mut out = Vec::new();
        loop {
            let index = out.len().to_string();
            match self.nested(&index, |child| seq.next_element_seed(child))? {
                Some(item) => out.push(item),
                None => return Ok(Value::Array(out)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        self.enter()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(self.child())? {
            let key = match key {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => {
                    return Err(self.state.at_error(
                        "a mapping key is not a scalar".into(),
                        "use string keys only",
                    ));
                }
            };
            if out.contains_key(&key) {
                return self.nested(&key, |child| {
                    Err(child
                        .state
                        .at_error(format!("duplicate key `{key}`"), "keep one entry per key"))
                });
            }
            let value = self.nested(&key, |child| map.next_value_seed(child))?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }

    /// A tagged value (`!foo value`): the value, without the tag.
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> std::result::Result<Value, A::Error> {
        let (_tag, variant): (de::IgnoredAny, _) = data.variant()?;
        variant.newtype_variant_seed(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(text: &str, max: u64) -> Result<Value> {
        parse_with(
            text,
            "s.yaml",
            &Limits {
                max_spec_bytes: max,
            },
        )
    }

    #[test]
    fn keys_tags_and_numbers_load_as_before() {
        let value = parse("200: ok\ntrue: yes\nt: !Custom {a: 1}\nf: 1.5\n", "s.yaml").unwrap();
        assert_eq!(
            value,
            serde_json::json!({"200": "ok", "true": "yes", "t": {"a": 1}, "f": 1.5})
        );
        let error = parse("a:\n  b: .inf\n", "s.yaml").unwrap_err();
        assert_eq!(error.location, Location::Pointer("/a/b".into()));
        let error = parse("a:\n  [1]: x\n", "s.yaml").unwrap_err();
        assert!(error.message.contains("not a scalar"), "{error}");
        let error = parse("a: 1\nb: {c: 1, c: 2}\n", "s.yaml").unwrap_err();
        assert_eq!(
            error.to_string().lines().next().unwrap(),
            "s.yaml#/b/c: duplicate key `c`"
        );
        assert!(
            parse("a: [", "s.yaml")
                .unwrap_err()
                .message
                .starts_with("invalid YAML")
        );
    }

    #[test]
    fn expansion_is_charged_per_visit_and_located() {
        // The sequence of 10 zeros costs 11 x 16 = 176, and again at each alias:
        // the document 2,002, over a budget of 2 x 900 and under 2 x 1100.
        let text = "a: &z [0,0,0,0,0,0,0,0,0,0]\nb: [*z,*z,*z,*z,*z,*z,*z,*z,*z,*z]\n";
        assert!(small(text, 1100).is_ok());
        let error = small(text, 900).unwrap_err();
        assert!(
            matches!(error.location, Location::Line { line: 1, .. }),
            "{error}"
        );
        assert!(
            error.message.contains("exceeds 1800 bytes") && error.message.contains("at /b/"),
            "{error}"
        );
        assert!(error.hint.contains("--max-spec-bytes"), "{error}");
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = format!(
            "a: {}{}",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(parse(&ok, "s.yaml").is_ok());
        let deep = format!("a: {}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        let error = parse(&deep, "s.yaml").unwrap_err();
        assert!(error.message.contains("deeper than 64"), "{error}");
        assert!(matches!(error.location, Location::Pointer(ref p) if p.starts_with("/a/0/0")));
    }
}
