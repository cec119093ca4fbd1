//! Checks the sandbox's layout: which of its modules each file uses (its
//! `use super::…`, `super::x::…` and `crate::sandbox::x::…` paths, and
//! `mod.rs`'s paths into its children), and what it uses outside the
//! sandbox (`crate::x::…`). The graph must have no cycle, no module may
//! use `mod.rs`, and it must be the one `mod.rs`'s docs draw.
//!
//! It reads the source text, without comments, strings and character
//! literals, so doc links and messages do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// File (`mod.rs` for the root) -> what it uses: sibling files, or
/// `crate::x` outside the sandbox.
type Graph = BTreeMap<String, BTreeSet<String>>;

const ROOT: &str = "mod.rs";

/// `source` with comments, strings and character literals blanked out.
fn strip(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        // Where a word starts; `b` may lead a raw string (br"…").
        let starts_word = |at: usize| at == 0 || !ident(chars[at - 1]);
        let raw_start = starts_word(i) || (i > 0 && chars[i - 1] == 'b' && starts_word(i - 1));
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && raw_start && matches!(next, Some('"' | '#')) {
            // A raw string: r"…", r#"…"# (a raw identifier, r#type, is not).
            let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            i += 2 + hashes;
            while i < chars.len() {
                if chars[i] == '"'
                    && chars[i + 1..].iter().take_while(|&&c| c == '#').count() >= hashes
                {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            // A character literal; a lifetime (`'a`) has no closing quote.
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Words, `::`, and single punctuation characters.
fn tokens(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            tokens.push("::".into());
            i += 2;
        } else {
            if !c.is_whitespace() {
                tokens.push(c.to_string());
            }
            i += 1;
        }
    }
    tokens
}

/// The first word of each item of the `{…}` group opening at `open`.
fn group_heads(tokens: &[String], open: usize) -> Vec<&str> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut item_start = true;
    for token in &tokens[open..] {
        match token.as_str() {
            "{" => {
                depth += 1;
                if depth == 1 {
                    item_start = true;
                    continue;
                }
            }
            "}" => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            "," if depth == 1 => {
                item_start = true;
                continue;
            }
            _ => {}
        }
        if depth == 1 && item_start {
            heads.push(token.as_str());
        }
        item_start = false;
    }
    heads
}

/// What one file uses. `file` is `mod.rs` or a child's name; `children`
/// are the sandbox's modules.
fn uses(file: &str, source: &str, children: &BTreeSet<String>) -> BTreeSet<String> {
    let tokens = tokens(&strip(source));
    let root = file == ROOT;
    let mut found = BTreeSet::new();
    // Names at the sandbox's level: a child, or an item of mod.rs.
    let mut at_sandbox = |name: &str| {
        let target = match name {
            "self" | "*" => ROOT.to_owned(),
            name if children.contains(name) => name.to_owned(),
            _ => ROOT.to_owned(),
        };
        if target != file {
            found.insert(target);
        }
    };
    // One entry per open brace: whether it opens an inline module.
    let mut braces: Vec<bool> = Vec::new();
    let mut outside = BTreeSet::new();
    for (i, token) in tokens.iter().enumerate() {
        let before = |n: usize| i.checked_sub(n).map(|j| tokens[j].as_str());
        match token.as_str() {
            "{" => braces.push(before(2) == Some("mod")),
            "}" => {
                braces.pop();
            }
            _ => {}
        }
        if before(1) == Some("::") || before(1) == Some("mod") {
            continue;
        }
        // The path's words, up to a group or a glob.
        let mut words = vec![token.as_str()];
        let mut j = i + 1;
        while tokens.get(j).map(String::as_str) == Some("::") {
            match tokens.get(j + 1) {
                Some(next) => words.push(next),
                None => break,
            }
            j += 2;
        }
        if words.len() < 2 {
            continue;
        }
        // Where the name after the prefix is: (at the sandbox, its index).
        let inline = braces.iter().filter(|&&m| m).count();
        let supers = words.iter().take_while(|&&w| w == "super").count();
        let (sandbox_level, at) = match words[0] {
            "super" => {
                let up_to_sandbox = if root { inline } else { inline + 1 };
                if supers < up_to_sandbox {
                    continue;
                }
                (supers == up_to_sandbox, supers)
            }
            "crate" if words[1] == "sandbox" => (true, 2),
            "crate" => (false, 1),
            "self" if root && inline == 0 => (true, 1),
            first if root && inline == 0 && children.contains(first) => (true, 0),
            _ => continue,
        };
        let Some(&name) = words.get(at) else {
            continue;
        };
        // A group's items, each named by its first word.
        let names = if name == "{" {
            group_heads(&tokens, j - 1)
        } else {
            vec![name]
        };
        for name in names {
            if sandbox_level {
                at_sandbox(name);
            } else {
                outside.insert(format!("crate::{name}"));
            }
        }
    }
    found.extend(outside);
    found
}

/// The graph of the files in `dir`.
fn graph(dir: &Path) -> Graph {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = if name == "mod" { ROOT.to_owned() } else { name };
            let source = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            files.insert(name, source);
        }
    }
    let children: BTreeSet<String> = files.keys().filter(|n| *n != ROOT).cloned().collect();
    files
        .iter()
        .map(|(name, source)| (name.clone(), uses(name, source, &children)))
        .collect()
}

/// A cycle among the sandbox's files, if there is one.
fn cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if graph.contains_key(next) {
                if let Some(cycle) = visit(next, graph, path, done) {
                    return Some(cycle);
                }
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// The graph `mod.rs`'s docs draw: the `text` block after `# Layout`, a
/// line per file (`name  a, b, …`, or `-`), continued on indented lines.
fn documented(mod_rs: &str) -> Graph {
    let docs: Vec<&str> = mod_rs
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    let start = docs
        .iter()
        .position(|l| *l == "# Layout")
        .and_then(|at| {
            docs[at..]
                .iter()
                .position(|l| *l == "```text")
                .map(|p| at + p + 1)
        })
        .unwrap_or_else(|| panic!("mod.rs's docs have no `# Layout` text block"));
    let mut graph = Graph::new();
    let mut current = String::new();
    for line in docs[start..].iter().take_while(|l| **l != "```") {
        let rest = if line.starts_with(' ') {
            line.trim()
        } else {
            let (name, rest) = line.split_once(' ').unwrap_or((line, ""));
            current = name.to_owned();
            graph.entry(current.clone()).or_default();
            rest.trim()
        };
        let uses = graph.entry(current.clone()).or_default();
        for name in rest.split(',').map(str::trim) {
            if !name.is_empty() && name != "-" {
                uses.insert(name.to_owned());
            }
        }
    }
    graph
}

/// A graph as `mod.rs`'s docs write it.
fn draw(graph: &Graph) -> String {
    graph
        .iter()
        .map(|(name, uses)| {
            let uses: Vec<&str> = uses.iter().map(String::as_str).collect();
            let uses = if uses.is_empty() {
                "-".to_owned()
            } else {
                uses.join(", ")
            };
            format!("{name:<16}{uses}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandbox_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join("sandbox")
    }

    #[test]
    fn the_sandbox_modules_form_no_cycle_and_match_the_docs() {
        let dir = sandbox_dir();
        let graph = graph(&dir);
        assert!(graph.len() > 20, "{graph:?}");
        if let Some(cycle) = cycle(&graph) {
            panic!("the sandbox's modules form a cycle: {}", cycle.join(" -> "));
        }
        let up: Vec<&String> = graph
            .iter()
            .filter(|(_, uses)| uses.contains(ROOT))
            .map(|(name, _)| name)
            .collect();
        assert!(up.is_empty(), "these modules use mod.rs: {up:?}");
        let mod_rs = std::fs::read_to_string(dir.join("mod.rs")).unwrap_or_default();
        assert!(
            documented(&mod_rs) == graph,
            "mod.rs's `# Layout` is not the graph of the code; the code's is:\n{}",
            draw(&graph)
        );
    }

    #[test]
    fn only_the_site_reference_is_taken_from_the_client() {
        let outside: BTreeSet<String> = graph(&sandbox_dir())
            .into_values()
            .flatten()
            .filter(|name| name.starts_with("crate::"))
            .collect();
        assert_eq!(outside, BTreeSet::from(["crate::site".to_owned()]));
    }

    fn children(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn paths_are_read_as_rust_resolves_them() {
        let kids = children(&["a", "b", "c", "d"]);
        let source = r#"
            //! [link](super::d::X) in a doc comment does not count
            use super::a::{self, A};
            use super::{b, Shared};
            use crate::site::SiteRef;
            const URL: &str = "super::c::ignored, in a string";
            pub(super) fn f<'x>(c: char) -> bool { c == '"' && super::c::g('\'') }
            #[cfg(test)]
            mod tests {
                use super::*;
                use super::super::d::Y;
            }
        "#;
        let found: Vec<String> = uses("a2", source, &kids).into_iter().collect();
        assert_eq!(found, ["a", "b", "c", "crate::site", "d", "mod.rs"]);
        let root = "mod a;\nmod b;\nuse a::A;\nfn f() { let b = 1; c::g(b); self::d::h() }";
        let found: Vec<String> = uses(ROOT, root, &kids).into_iter().collect();
        assert_eq!(found, ["a", "c", "d"]);
    }

    #[test]
    fn a_cycle_is_found() {
        let graph: Graph = [("a", &["b"][..]), ("b", &["c"]), ("c", &["a"]), ("d", &[])]
            .iter()
            .map(|(n, uses)| (n.to_string(), uses.iter().map(|u| u.to_string()).collect()))
            .collect();
        assert_eq!(
            cycle(&graph),
            Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
        );
        let mut fixed = graph;
        fixed.insert("c".into(), BTreeSet::new());
        assert_eq!(cycle(&fixed), None);
    }
}
