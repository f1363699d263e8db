//! Generation step 7 of 7, docs: text from the spec stays text.
//!
//! Descriptions, summaries and titles of the (untrusted) spec reach the
//! generated code as `#[doc]` attributes, and rustdoc compiles and runs every
//! code block in a doc as a doctest: Rust in a spec description would run on the
//! maintainer's machine and in CI. So in the final code, every code block of
//! every doc (fenced with any info string or none, or indented) is rewritten as
//! a fenced `text` block, which rustdoc renders and never runs. Our own docs get
//! the same treatment: progenitor's usage examples are `ignore` blocks, which
//! `cargo test -- --ignored` would still compile and run.
//!
//! A documented node's fragments are read as rustdoc reads them (unindented
//! together, joined with newlines) and parsed with pulldown-cmark, the parser
//! rustdoc uses; only the code blocks' bytes change, the prose stays as written.
//! Docs without a code block keep their attributes untouched.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use syn::visit_mut::VisitMut;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Meta};

/// Rewrites the docs of every item, impl/trait/foreign item, field, variant and
/// module of `code`, and of the file itself.
pub fn make_text(code: &mut syn::File) {
    rewrite(&mut code.attrs);
    Docs.visit_file_mut(code);
}

/// The info strings of the code blocks in `doc` as rustdoc parses it: a
/// rewritten doc has only `text` ones. `None` for an indented block.
pub fn code_blocks(doc: &str) -> Vec<Option<String>> {
    Parser::new_ext(doc, options())
        .filter_map(|event| match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                Some(Some(info.to_string()))
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => Some(None),
            _ => None,
        })
        .collect()
}

/// What rustdoc's doc parser enables that can hold a code block (footnotes).
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
}

struct Docs;

impl VisitMut for Docs {
    fn visit_item_mut(&mut self, item: &mut syn::Item) {
        use syn::Item as I;
        let attrs = match item {
            I::Const(i) => Some(&mut i.attrs),
            I::Enum(i) => Some(&mut i.attrs),
            I::ExternCrate(i) => Some(&mut i.attrs),
            I::Fn(i) => Some(&mut i.attrs),
            I::ForeignMod(i) => Some(&mut i.attrs),
            I::Impl(i) => Some(&mut i.attrs),
            I::Macro(i) => Some(&mut i.attrs),
            I::Mod(i) => Some(&mut i.attrs),
            I::Static(i) => Some(&mut i.attrs),
            I::Struct(i) => Some(&mut i.attrs),
            I::Trait(i) => Some(&mut i.attrs),
            I::TraitAlias(i) => Some(&mut i.attrs),
            I::Type(i) => Some(&mut i.attrs),
            I::Union(i) => Some(&mut i.attrs),
            I::Use(i) => Some(&mut i.attrs),
            _ => None,
        };
        if let Some(attrs) = attrs {
            rewrite(attrs);
        }
        syn::visit_mut::visit_item_mut(self, item);
    }

    fn visit_impl_item_mut(&mut self, item: &mut syn::ImplItem) {
        use syn::ImplItem as I;
        match item {
            I::Const(i) => rewrite(&mut i.attrs),
            I::Fn(i) => rewrite(&mut i.attrs),
            I::Type(i) => rewrite(&mut i.attrs),
            I::Macro(i) => rewrite(&mut i.attrs),
            _ => {}
        }
        syn::visit_mut::visit_impl_item_mut(self, item);
    }

    fn visit_trait_item_mut(&mut self, item: &mut syn::TraitItem) {
        use syn::TraitItem as I;
        match item {
            I::Const(i) => rewrite(&mut i.attrs),
            I::Fn(i) => rewrite(&mut i.attrs),
            I::Type(i) => rewrite(&mut i.attrs),
            I::Macro(i) => rewrite(&mut i.attrs),
            _ => {}
        }
        syn::visit_mut::visit_trait_item_mut(self, item);
    }

    fn visit_foreign_item_mut(&mut self, item: &mut syn::ForeignItem) {
        use syn::ForeignItem as I;
        match item {
            I::Fn(i) => rewrite(&mut i.attrs),
            I::Static(i) => rewrite(&mut i.attrs),
            I::Type(i) => rewrite(&mut i.attrs),
            I::Macro(i) => rewrite(&mut i.attrs),
            _ => {}
        }
        syn::visit_mut::visit_foreign_item_mut(self, item);
    }

    fn visit_field_mut(&mut self, field: &mut syn::Field) {
        rewrite(&mut field.attrs);
        syn::visit_mut::visit_field_mut(self, field);
    }

    fn visit_variant_mut(&mut self, variant: &mut syn::Variant) {
        rewrite(&mut variant.attrs);
        syn::visit_mut::visit_variant_mut(self, variant);
    }
}

/// The string of a `#[doc = "..."]` attribute.
fn doc_text(attr: &Attribute) -> Option<String> {
    match &attr.meta {
        Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

/// Replaces the doc fragments of one node by one attribute whose code blocks are
/// text, when the doc has a code block or characters a doc comment cannot hold.
fn rewrite(attrs: &mut Vec<Attribute>) {
    let fragments: Vec<(usize, String)> = attrs
        .iter()
        .enumerate()
        .filter_map(|(i, a)| doc_text(a).map(|t| (i, t)))
        .collect();
    let Some(&(first, _)) = fragments.first() else {
        return;
    };
    let texts: Vec<&str> = fragments.iter().map(|(_, t)| t.as_str()).collect();
    let raw = texts.join("\n");
    let unsafe_chars = raw.chars().any(|c| c == '\r' || is_bidi(c));
    // A code block needs a fence or 4 columns of indentation (4 spaces or a
    // tab): most docs have neither and are not parsed (regen time).
    let may_hold_code = ["```", "~~~", "    ", "\t"].iter().any(|p| raw.contains(p));
    if !unsafe_chars && !may_hold_code {
        return;
    }
    let doc = unindent(&texts);
    // Either reading (unindented or not) may be rustdoc's, depending on how the
    // fragments are printed: rewrite when either has a code block.
    if !unsafe_chars && code_blocks(&doc).is_empty() && code_blocks(&raw).is_empty() {
        return;
    }
    let text = as_text(&clean(&doc));
    let mut attr = attrs[first].clone();
    if let Meta::NameValue(nv) = &mut attr.meta {
        nv.value = Expr::Lit(ExprLit {
            attrs: Vec::new(),
            lit: Lit::Str(LitStr::new(&text, proc_macro2::Span::call_site())),
        });
    }
    let mut i = 0;
    attrs.retain(|_| {
        let keep = !fragments.iter().any(|(f, _)| *f == i);
        i += 1;
        keep
    });
    attrs.insert(first, attr);
}

/// The fragments as rustdoc joins them: the indentation common to every
/// non-blank line (a tab counts 4) removed, then joined with newlines.
fn unindent(fragments: &[&str]) -> String {
    let width = |line: &str| -> usize {
        line.chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .map(|c| if c == '\t' { 4 } else { 1 })
            .sum()
    };
    let min = fragments
        .iter()
        .flat_map(|f| f.lines())
        .filter(|l| !l.trim().is_empty())
        .map(width)
        .min()
        .unwrap_or(0);
    let strip = |line: &str| -> String {
        let mut removed = 0;
        let mut rest = line;
        while removed < min {
            match rest.chars().next() {
                Some(' ') => removed += 1,
                Some('\t') => removed += 4,
                _ => break,
            }
            rest = &rest[1..];
        }
        rest.to_string()
    };
    let lines: Vec<String> = fragments
        .iter()
        .flat_map(|f| f.split('\n'))
        .map(strip)
        .collect();
    lines.join("\n")
}

/// A doc comment cannot hold a bare carriage return (a compile error), and
/// rustc denies text direction overrides in comments and literals: those become
/// a newline and their `\u{…}` escape.
fn clean(doc: &str) -> String {
    let doc = doc.replace("\r\n", "\n").replace('\r', "\n");
    doc.chars()
        .map(|c| {
            if is_bidi(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A text direction override or isolate (U+202A–E, U+2066–9), which rustc
/// denies in comments and literals.
pub(crate) fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `doc` with every code block rewritten as a fenced `text` block. When the
/// result still parses with another code block (a shape the rewrite did not
/// foresee), the whole doc becomes one text block: prose lost, nothing runs.
fn as_text(doc: &str) -> String {
    let rewritten = rewrite_blocks(doc);
    if code_blocks(&rewritten).iter().all(is_text) {
        rewritten
    } else {
        fenced(doc, "")
    }
}

fn is_text(info: &Option<String>) -> bool {
    info.as_deref() == Some("text")
}

/// Replaces each code block's source range by a fenced `text` block holding its
/// contents, each new line under the prefix of the containers (quote, list) the
/// block sits in.
fn rewrite_blocks(doc: &str) -> String {
    let mut out = String::new();
    let mut copied = 0;
    let mut block: Option<(std::ops::Range<usize>, String)> = None;
    for (event, mut range) in Parser::new_ext(doc, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                // An indented block's range starts after its indentation: the
                // fence goes where the indentation starts.
                if let CodeBlockKind::Indented = kind {
                    let line_start = doc[..range.start].rfind('\n').map_or(0, |i| i + 1);
                    let before = &doc[line_start..range.start];
                    let indent = before.len() - before.trim_end_matches([' ', '\t']).len();
                    range.start -= indent.min(if before.ends_with('\t') { 1 } else { 4 });
                }
                block = Some((range, String::new()));
            }
            Event::Text(text) => {
                if let Some((_, contents)) = &mut block {
                    contents.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                let Some((range, contents)) = block.take() else {
                    continue;
                };
                if range.start < copied {
                    continue;
                }
                let line_start = doc[..range.start].rfind('\n').map_or(0, |i| i + 1);
                // Continuation lines keep the quote markers; list markers become spaces.
                let prefix: String = doc[line_start..range.start]
                    .chars()
                    .map(|c| if c == '>' || c == '\t' { c } else { ' ' })
                    .collect();
                out.push_str(&doc[copied..range.start]);
                let mut block = fenced(&contents, &prefix);
                if !doc[range.clone()].ends_with('\n') {
                    block.pop();
                }
                out.push_str(&block);
                copied = range.end;
            }
            _ => {}
        }
    }
    out.push_str(&doc[copied..]);
    out
}

/// `contents` as a fenced `text` block (ending in a newline) whose fence is
/// longer than any backtick run inside, so nothing inside can close it; lines
/// after the first start with `prefix`.
fn fenced(contents: &str, prefix: &str) -> String {
    let longest = contents
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    let mut out = format!("{fence}text\n");
    for line in contents.lines() {
        out.push_str(prefix);
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(prefix);
    out.push_str(&fence);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(code: &str) -> syn::File {
        syn::parse_str(code).unwrap()
    }

    /// Every doc of `code` after the stage, one per documented node.
    fn docs_after(code: &str) -> Vec<String> {
        let mut code = file(code);
        make_text(&mut code);
        let printed = prettyplease::unparse(&code);
        // What is printed must parse back (`*/`, carriage returns).
        let reparsed: syn::File =
            syn::parse_str(&printed).unwrap_or_else(|e| panic!("{e}\n{printed}"));
        let mut docs = Vec::new();
        collect(&reparsed.attrs, &mut docs);
        for item in &reparsed.items {
            if let syn::Item::Struct(s) = item {
                collect(&s.attrs, &mut docs);
                for field in &s.fields {
                    collect(&field.attrs, &mut docs);
                }
            }
        }
        docs
    }

    fn collect(attrs: &[Attribute], docs: &mut Vec<String>) {
        let fragments: Vec<String> = attrs.iter().filter_map(doc_text).collect();
        if !fragments.is_empty() {
            docs.push(fragments.join("\n"));
        }
    }

    #[track_caller]
    fn only_text(doc: &str) {
        let blocks = code_blocks(doc);
        assert!(blocks.iter().all(is_text), "{blocks:?} in:\n{doc}");
    }

    #[test]
    fn every_kind_of_code_block_becomes_text_and_prose_stays() {
        let docs = docs_after(
            r#"
            #[doc = " Runs a thing."]
            #[doc = ""]
            #[doc = " ```rust"]
            #[doc = " panic!(\"spec code ran\");"]
            #[doc = " ```"]
            #[doc = " ~~~"]
            #[doc = " compile_error!(\"tilde\");"]
            #[doc = " ~~~"]
            #[doc = ""]
            #[doc = "     indented_code();"]
            #[doc = ""]
            #[doc = " ```json"]
            #[doc = " {\"a\": \"```\"}"]
            #[doc = " ```"]
            #[doc = " > ```"]
            #[doc = " > quoted();"]
            #[doc = " > ```"]
            #[doc = " - item"]
            #[doc = ""]
            #[doc = "   ```ignore"]
            #[doc = "   listed();"]
            #[doc = "   ```"]
            #[doc = " Closing */ and /* opening."]
            #[doc = " ```should_panic"]
            #[doc = " unclosed();"]
            struct S {
                #[doc = "```\nfield();\n```"]
                f: u8,
                #[doc = "plain prose"]
                g: u8,
            }
            "#,
        );
        assert_eq!(docs.len(), 3, "{docs:?}");
        for doc in &docs {
            only_text(doc);
        }
        assert_eq!(code_blocks(&docs[0]).len(), 7, "{}", docs[0]);
        assert!(docs[0].starts_with("Runs a thing.\n"), "{}", docs[0]);
        assert!(docs[0].contains("Closing */ and /* opening."));
        assert!(docs[0].contains("panic!(\"spec code ran\");"));
        assert!(docs[0].contains("> quoted();"), "{}", docs[0]);
        assert!(
            docs[0].contains("````text\n{\"a\": \"```\"}\n````"),
            "{}",
            docs[0]
        );
        // A doc without code keeps its attribute as it was.
        assert_eq!(docs[2], "plain prose");
    }

    #[test]
    fn fences_split_across_fragments_and_carriage_returns_are_read_as_rustdoc_does() {
        let docs = docs_after(
            "#![doc = \"```\"]\n#![doc = \"inner();\"]\n#![doc = \"```\"]\n\
             #[doc = \"a\\r\\n```rust\\rcr();\\r```\\u{202E}\"]\nstruct S;",
        );
        assert_eq!(docs.len(), 2, "{docs:?}");
        for doc in &docs {
            only_text(doc);
            assert!(!doc.contains('\r') && !doc.contains('\u{202E}'), "{doc:?}");
        }
        assert_eq!(docs[0], "```text\ninner();\n```");
    }

    #[test]
    fn a_doc_the_rewrite_cannot_handle_becomes_one_text_block() {
        let doc = "x\n```rust\n`````\ncode()\n";
        assert_eq!(
            fenced(doc, ""),
            "``````text\nx\n```rust\n`````\ncode()\n``````\n"
        );
        only_text(&as_text(doc));
    }
}
