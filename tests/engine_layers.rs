//! Tidy tests of the engine's shape (after rust-analyzer's `tidy.rs`): they
//! read the source, not the compiled crate, so a rule broken anywhere fails
//! here with the file and the reason.
//!
//! - The modules of `src/engine/`, and those of `src/bindings/`, import each
//!   other one way: the graph of
//!   `use super::…`, `use crate::engine::…` and inline `super::x::` paths has
//!   no cycle. Each file is one node (`pull/attempt.rs` is `pull::attempt`,
//!   `pull/mod.rs` is `pull`); `src/engine/mod.rs` only re-exports, so it is
//!   not a node, and importing through it (`crate::engine::Error`) is refused:
//!   import from the module that owns the item, so the graph stays true.
//!   `src/bindings/` is held to the same rules (`crate::bindings::…`;
//!   its `mod.rs` holds only the exported free functions and re-exports).
//! - The engine knows nothing of JavaScript: no `wasm_bindgen`, `js_sys` or
//!   `web_sys` in its code.
//! - No file in `src/` is longer than 400 lines.
//!
//! `cargo test --test engine_layers -- --nocapture` prints the module graphs.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 400;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// `pull/attempt.rs` → `["pull", "attempt"]`; `pull/mod.rs` → `["pull"]`.
fn module_of(engine: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(engine).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code of a file without comments and without its `#[cfg(test)]`
/// module (whose `super` is the file itself, not a sibling).
fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap();
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Expands `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.len() - 1];
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(p).into_iter().map(move |e| format!("{prefix}{e}")))
        .collect()
}

/// Every path in `code` that names a module of `layer`: the trees of `use`
/// items, and inline `super::…` / `crate::<layer>::…` paths.
fn paths_in(code: &str, layer: &str) -> Vec<String> {
    let own = format!("crate::{layer}::");
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().last();
        rest = &rest[i + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest.find(';').unwrap_or(rest.len());
        paths.extend(expand(&rest[..end]));
        rest = &rest[end..];
    }
    // Inline paths (`super::sabotage::active(..)`), outside `use` items too.
    for start in ["super::", own.as_str()] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let at = from + i;
            let before = code[..at].chars().last();
            let end = code[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |e| at + e);
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                paths.push(code[at..end].to_owned());
            }
            from = end.max(at + start.len());
        }
    }
    paths
}

/// The module of `layer` a path points into, or `Err` for a path through
/// the layer's root (`crate::engine::Error`), which hides the owner.
fn target(
    layer: &str,
    from: &[String],
    path: &str,
    modules: &BTreeSet<Vec<String>>,
) -> Option<Result<Vec<String>, String>> {
    let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let (mut base, mut rest): (Vec<String>, &[&str]) = if segs.first() == Some(&"crate") {
        if segs.get(1) != Some(&layer) {
            return None;
        }
        (Vec::new(), &segs[2..])
    } else if segs.first() == Some(&"super") {
        // `super` is the parent module: of `pull::attempt` (pull/attempt.rs)
        // and of `pull` (pull/mod.rs) alike.
        let mut base = from.to_vec();
        let mut rest = &segs[..];
        while rest.first() == Some(&"super") {
            base.pop();
            rest = &rest[1..];
        }
        (base, rest)
    } else {
        // A relative path into a child module (`use background::run;` in
        // pull/mod.rs); anything else (`std::…`, `serde::…`) is not ours.
        let mut child = from.to_vec();
        child.push(segs.first()?.to_string());
        if !modules.contains(&child) {
            return None;
        }
        (from.to_vec(), &segs[..])
    };
    while let Some(seg) = rest.first() {
        let mut next = base.clone();
        next.push((*seg).to_owned());
        if !modules.contains(&next) {
            break;
        }
        base = next;
        rest = &rest[1..];
    }
    if base.is_empty() {
        return Some(Err(path.to_owned()));
    }
    Some(Ok(base))
}

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The module graph of `layer` (`engine`, `bindings`): module → the modules
/// it uses.
fn layer_graph(layer: &str) -> (Graph, Vec<String>) {
    let engine = src().join(layer);
    let mut files = Vec::new();
    rust_files(&engine, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&engine, f)).collect();
    let mut graph = Graph::new();
    let mut problems = Vec::new();
    for file in &files {
        let from = module_of(&engine, file);
        if from.is_empty() {
            continue;
        }
        let name = from.join("::");
        let code = code_of(&fs::read_to_string(file).unwrap());
        let edges = graph.entry(name.clone()).or_default();
        for path in paths_in(&code, layer) {
            match target(layer, &from, &path, &modules) {
                // A module's own items, or a folder module's re-export of
                // its children (`pull` → `pull::background`), is not an
                // edge to itself.
                None => {}
                Some(Ok(to)) if to == from => {}
                Some(Ok(to)) => {
                    edges.insert(to.join("::"));
                }
                Some(Err(p)) => problems.push(format!(
                    "{name}: `{p}` goes through src/{layer}/mod.rs; import from the module that owns it"
                )),
            }
        }
    }
    (graph, problems)
}

fn print_graph(layer: &str, graph: &Graph) {
    eprintln!("{layer} module graph (module -> modules it uses):");
    for (m, uses) in graph {
        let uses: Vec<&str> = uses.iter().map(String::as_str).collect();
        eprintln!("  {m} -> {}", uses.join(", "));
    }
}

/// One cycle of the graph, if it has any.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        done: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, done, stack) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(c) = visit(node, graph, &mut done, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

/// Fails with the problems or the cycle of `layer`'s module graph.
fn assert_one_way(layer: &str) {
    let (graph, problems) = layer_graph(layer);
    print_graph(layer, &graph);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "the modules of src/{layer} import each other in a cycle: {}",
            cycle.join(" -> ")
        );
    }
}

#[test]
fn engine_modules_import_one_way() {
    assert_one_way("engine");
}

/// The bindings too: `convert` (errors, values) below `schema` and
/// `options`, which use it; no circle.
#[test]
fn bindings_modules_import_one_way() {
    assert_one_way("bindings");
}

#[test]
fn engine_knows_no_javascript() {
    let engine = src().join("engine");
    let mut files = Vec::new();
    rust_files(&engine, &mut files);
    let mut found = Vec::new();
    for file in files {
        let code = code_of(&fs::read_to_string(&file).unwrap());
        for word in ["wasm_bindgen", "js_sys", "web_sys"] {
            if code.contains(word) {
                found.push(format!("{}: {word}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "JavaScript bindings in the engine:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_source_file_over_400_lines() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = fs::read_to_string(f).unwrap().lines().count();
            (n > MAX_LINES).then(|| format!("{}: {n} lines", f.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_checks_find_what_they_look_for() {
    // The parser itself: grouped uses, nested folders, `super` from a
    // folder module, and a cycle.
    assert_eq!(expand("super::{a::B, c::{d::E, F}}").len(), 3);
    let modules: BTreeSet<Vec<String>> = [
        vec!["pull".into()],
        vec!["pull".into(), "attempt".into()],
        vec!["context".into()],
    ]
    .into_iter()
    .collect();
    let attempt = vec!["pull".to_owned(), "attempt".to_owned()];
    assert_eq!(
        target(
            "engine",
            &attempt,
            "super::super::context::Context",
            &modules
        ),
        Some(Ok(vec!["context".to_owned()]))
    );
    assert_eq!(
        target(
            "engine",
            &["pull".to_owned()],
            "super::context::X",
            &modules
        ),
        Some(Ok(vec!["context".to_owned()]))
    );
    assert!(matches!(
        target("engine", &attempt, "crate::engine::Error", &modules),
        Some(Err(_))
    ));
    let mut g = Graph::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("a".into());
    assert!(find_cycle(&g).is_some());
}
