//! The arrows between the layers (DESIGN.md, "The layers"): every `src/**/*.rs` is read, what
//! it imports from the crate is collected, and the test fails listing each import that points
//! the wrong way.
//!
//! Module level (a module is the first path segment under `src/`):
//! - `domain` and `clock` import nothing of ours;
//! - `rules`, `store` and `import` import only `domain` and `clock`;
//! - `vision` imports none of `recognize`, `import`, `training`;
//! - nothing imports `cmds` but `cmds` and `main.rs`;
//! - nothing imports `pipeline` but `cmds`, `web` and `pipeline`.
//!
//! File level: no two files import each other.
//!
//! What counts as an import of file B by file A: a `use` (grouped or not, `pub use` included)
//! or a path in code (`crate::store::Store::open(…)`) in A that names B's module or something
//! in it, through `crate::`, `self::`, `super::`, a child module A declares (`pub use
//! child::X`, `child::f()`), or a name A imported (`use crate::vision; vision::faces::F`).
//! `mod child;` itself is not an import; a glob (`use super::*`) is an import of the module it
//! names. `#[cfg(test)] mod tests { … }` blocks count like the rest. A path names the deepest
//! file it reaches: `crate::a::b::C` is `src/a/b.rs` (or `src/a/b/mod.rs`) when there is one,
//! else `src/a.rs` (or `src/a/mod.rs`). Comments and string literals are not read.
//!
//! This is a small hand reader over tokens, not a Rust parser: it sees the paths written in the
//! files, not what a glob import brings into scope or what a macro expands to.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The modules each layer may not import, as (importer, imported) → the rule broken, or
/// `None` when the arrow is allowed.
fn broken_rule(from: &str, to: &str) -> Option<&'static str> {
    if from == to {
        return None;
    }
    match from {
        "domain" | "clock" => return Some("domain and clock import nothing of ours"),
        "rules" | "store" | "import" if !matches!(to, "domain" | "clock") => {
            return Some("rules, store and import import only domain and clock");
        }
        "vision" if matches!(to, "recognize" | "import" | "training") => {
            return Some("vision imports none of recognize, import, training");
        }
        _ => {}
    }
    if to == "cmds" && from != "main.rs" {
        return Some("nothing imports cmds but main.rs (and cmds itself)");
    }
    if to == "pipeline" && !matches!(from, "cmds" | "web") {
        return Some("nothing imports pipeline but cmds and web (and pipeline itself)");
    }
    None
}

#[test]
fn imports_point_down_the_layers_and_no_two_files_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let crate_ = Crate::read(&src);
    let imports = crate_.imports();
    assert!(
        imports.len() > 100,
        "the reader found only {} imports in {}: it is broken",
        imports.len(),
        src.display()
    );

    let mut report = String::new();

    // module level: rule → (from module, to module) → evidence
    let mut by_rule: BTreeMap<&str, BTreeMap<(String, String), Vec<String>>> = BTreeMap::new();
    for i in &imports {
        let (from, to) = (top_module(&i.from), top_module(&i.to));
        if let Some(rule) = broken_rule(&from, &to) {
            by_rule
                .entry(rule)
                .or_default()
                .entry((from, to))
                .or_default()
                .push(format!("{}:{} `{}`", i.from, i.line, i.path));
        }
    }
    let mut module_violations = 0;
    for (rule, pairs) in &by_rule {
        let _ = writeln!(report, "\nRULE: {rule}");
        for ((from, to), evidence) in pairs {
            module_violations += 1;
            let _ = writeln!(report, "  {from} → {to}:");
            for e in evidence {
                let _ = writeln!(report, "      {e}");
            }
        }
    }

    // file level: pairs of files importing each other
    let mut edges: BTreeMap<(&str, &str), Vec<&Import>> = BTreeMap::new();
    for i in &imports {
        edges.entry((&i.from, &i.to)).or_default().push(i);
    }
    let mut cycles = 0;
    let show = |list: &[&Import]| {
        let names: BTreeSet<String> = list.iter().map(|i| format!("`{}`", i.path)).collect();
        let lines: BTreeSet<usize> = list.iter().map(|i| i.line).collect();
        let lines: Vec<String> = lines.iter().map(usize::to_string).collect();
        format!(
            "{} (line {})",
            names.into_iter().collect::<Vec<_>>().join(", "),
            lines.join(", ")
        )
    };
    for (&(a, b), ab) in &edges {
        if a < b
            && let Some(ba) = edges.get(&(b, a))
        {
            if cycles == 0 {
                let _ = writeln!(report, "\nRULE: no two files import each other");
            }
            cycles += 1;
            let _ = writeln!(report, "  {a} ⇄ {b}:");
            let _ = writeln!(report, "      {a} uses {}", show(ab));
            let _ = writeln!(report, "      {b} uses {}", show(ba));
        }
    }

    assert!(
        report.is_empty(),
        "{module_violations} module arrows and {cycles} pairs of files point the wrong way \
         (DESIGN.md, \"The layers\"):\n{report}"
    );
}

/// An import of one file of `src/` by another.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Import {
    /// The importing file, relative to the crate root: `src/store/people.rs`.
    from: String,
    /// The imported file.
    to: String,
    line: usize,
    /// The path as it reads in the importing file: `super::StoreError`.
    path: String,
}

/// `domain` for `src/domain/event.rs`, `clock` for `src/clock.rs`, `main.rs`, `lib.rs`.
fn top_module(file: &str) -> String {
    let rest = file.strip_prefix("src/").unwrap_or(file);
    match rest.split_once('/') {
        Some((first, _)) => first.to_owned(),
        None if rest == "main.rs" || rest == "lib.rs" => rest.to_owned(),
        None => rest.trim_end_matches(".rs").to_owned(),
    }
}

/// The crate's files and the module path of each.
struct Crate {
    /// module path (`["store", "people"]`) → file (`src/store/people.rs`); `[]` is lib.rs.
    modules: BTreeMap<Vec<String>, String>,
    /// file → its text
    files: BTreeMap<String, String>,
}

impl Crate {
    fn read(src: &Path) -> Crate {
        let mut found = Vec::new();
        walk(src, &mut found);
        let root = src.parent().expect("src/ has a parent");
        let mut modules = BTreeMap::new();
        let mut files = BTreeMap::new();
        for path in found {
            let rel = path
                .strip_prefix(root)
                .expect("under the crate root")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            if rel != "src/main.rs" {
                modules.insert(module_path(&rel), rel.clone());
            }
            files.insert(rel, text);
        }
        Crate { modules, files }
    }

    fn imports(&self) -> Vec<Import> {
        let mut all = Vec::new();
        for (file, text) in &self.files {
            all.extend(self.imports_of(file, text));
        }
        all
    }

    /// The file a module path names: the deepest module of it that is a file.
    fn resolve(&self, path: &[String]) -> Option<&str> {
        (1..=path.len())
            .rev()
            .find_map(|n| self.modules.get(&path[..n]))
            .map(String::as_str)
    }

    fn imports_of(&self, file: &str, text: &str) -> Vec<Import> {
        let is_main = file == "src/main.rs";
        let here = if is_main {
            Vec::new()
        } else {
            module_path(file)
        };
        let read = read_file(text);
        let scope = Scope {
            here: &here,
            is_main,
            children: &read.children,
        };
        // what each `use` binds, for the paths in code that start with that name
        let mut bindings: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut paths = Vec::new();
        for u in &read.uses {
            let Some(abs) = scope.absolute(&u.segments, &u.inline, &BTreeMap::new()) else {
                continue;
            };
            if let Some(name) = &u.binds {
                bindings.insert(name.clone(), abs.clone());
            }
            paths.push((abs, u.line, u.segments.join("::")));
        }
        // a `use` of a name another `use` bound (`use crate::store; use store::Store;`)
        for u in &read.uses {
            if scope
                .absolute(&u.segments, &u.inline, &BTreeMap::new())
                .is_none()
                && let Some(abs) = scope.absolute(&u.segments, &u.inline, &bindings)
            {
                paths.push((abs, u.line, u.segments.join("::")));
            }
        }
        for p in &read.paths {
            let Some(abs) = scope.absolute(&p.segments, &p.inline, &bindings) else {
                continue;
            };
            // `StoreError::Invalid` after `use super::StoreError`: the `use` already says it
            let through_use = scope
                .absolute(&p.segments, &p.inline, &BTreeMap::new())
                .is_none();
            if through_use && self.resolve(&abs) == self.resolve(&bindings[&p.segments[0]]) {
                continue;
            }
            paths.push((abs, p.line, p.segments.join("::")));
        }
        paths
            .into_iter()
            .filter_map(|(abs, line, path)| {
                let to = self.resolve(&abs)?;
                (to != file && to != "src/lib.rs").then(|| Import {
                    from: file.to_owned(),
                    to: to.to_owned(),
                    line,
                    path,
                })
            })
            .collect()
    }
}

/// Where a file's paths start from.
struct Scope<'a> {
    /// the file's module path
    here: &'a [String],
    /// src/main.rs: its `crate`, `self` and `super` are the binary's; `gateward::` is ours
    is_main: bool,
    /// the modules the file declares (`mod child;`)
    children: &'a BTreeSet<String>,
}

impl Scope<'_> {
    /// The module path from the crate root that `segments` names, written inside the inline
    /// modules `inline`; `None` when it is not ours (std, another crate, a local name).
    fn absolute(
        &self,
        segments: &[String],
        inline: &[String],
        bindings: &BTreeMap<String, Vec<String>>,
    ) -> Option<Vec<String>> {
        let first = segments.first()?.as_str();
        let rest = || segments[1..].to_vec();
        let mut base: Vec<String> = self.here.to_vec();
        base.extend(inline.iter().cloned());
        match first {
            "gateward" if self.is_main => Some(rest()),
            "crate" | "self" | "super" if self.is_main => None,
            "crate" => Some(rest()),
            "self" => {
                base.extend(rest());
                Some(base)
            }
            "super" => {
                let ups = segments.iter().take_while(|s| *s == "super").count();
                for _ in 0..ups {
                    base.pop()?;
                }
                base.extend(segments[ups..].iter().cloned());
                Some(base)
            }
            _ if inline.is_empty() && self.children.contains(first) => {
                base.extend(segments.iter().cloned());
                Some(base)
            }
            _ => {
                let mut abs = bindings.get(first)?.clone();
                abs.extend(rest());
                Some(abs)
            }
        }
    }
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// `src/a/b.rs` and `src/a/b/mod.rs` → `["a", "b"]`; `src/lib.rs` → `[]`.
fn module_path(file: &str) -> Vec<String> {
    let rest = file.strip_prefix("src/").unwrap_or(file);
    let rest = rest.strip_suffix(".rs").unwrap_or(rest);
    let mut parts: Vec<String> = rest.split('/').map(str::to_owned).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

// ----- the reader -----------------------------------------------------------------------------

/// What a file says about modules, comments and strings left out.
#[derive(Debug, Default)]
struct ReadFile {
    /// `mod child;` declarations at the file's top level
    children: BTreeSet<String>,
    /// every leaf of every `use`
    uses: Vec<UseLeaf>,
    /// every path of two or more segments in code
    paths: Vec<CodePath>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct UseLeaf {
    /// `["super", "StoreError"]`; a glob ends at the module it names
    segments: Vec<String>,
    /// the name it brings into scope (the last segment, or its `as` name); none for a glob
    binds: Option<String>,
    line: usize,
    /// the inline modules (`mod tests { … }`) it is written in
    inline: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct CodePath {
    segments: Vec<String>,
    line: usize,
    inline: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
}

fn read_file(text: &str) -> ReadFile {
    let toks = tokens(&strip(text));
    let mut out = ReadFile::default();
    // inline modules open: (name, brace depth inside it)
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let ident = |i: usize| match toks.get(i) {
        Some((Tok::Ident(s), _)) => Some(s.as_str()),
        _ => None,
    };
    let is = |i: usize, t: Tok| toks.get(i).is_some_and(|(x, _)| *x == t);
    let names = |inline: &[(String, usize)]| inline.iter().map(|(n, _)| n.clone()).collect();
    let mut i = 0;
    while i < toks.len() {
        let (tok, line) = (&toks[i].0, toks[i].1);
        match tok {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth = depth.saturating_sub(1);
                while inline.last().is_some_and(|(_, d)| *d > depth) {
                    inline.pop();
                }
            }
            Tok::Ident(kw) if kw == "mod" => {
                if let Some(name) = ident(i + 1) {
                    if is(i + 2, Tok::Punct(';')) && inline.is_empty() {
                        out.children.insert(name.to_owned());
                    } else if is(i + 2, Tok::Punct('{')) {
                        inline.push((name.to_owned(), depth + 1));
                    }
                    i += 2;
                    continue;
                }
            }
            Tok::Ident(kw) if kw == "use" && !is(i + 1, Tok::Punct('<')) => {
                let mut leaves = Vec::new();
                let end = use_tree(&toks, i + 1, &mut Vec::new(), &mut leaves);
                for (segments, binds, line) in leaves {
                    out.uses.push(UseLeaf {
                        segments,
                        binds,
                        line,
                        inline: names(&inline),
                    });
                }
                i = end;
                continue;
            }
            Tok::Ident(first) if is(i + 1, Tok::PathSep) && !(i > 0 && is(i - 1, Tok::PathSep)) => {
                let mut segments = vec![first.clone()];
                let mut j = i + 1;
                while is(j, Tok::PathSep)
                    && let Some(s) = ident(j + 1)
                {
                    segments.push(s.to_owned());
                    j += 2;
                }
                if segments.len() > 1 {
                    out.paths.push(CodePath {
                        segments,
                        line,
                        inline: names(&inline),
                    });
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Reads the use tree starting at token `i` with the segments before it in `prefix`; pushes
/// its leaves (segments, name bound, line) and returns the index after the tree.
fn use_tree(
    toks: &[(Tok, usize)],
    mut i: usize,
    prefix: &mut Vec<String>,
    leaves: &mut Vec<(Vec<String>, Option<String>, usize)>,
) -> usize {
    let pushed = prefix.len();
    // a leading `::` names an external crate: nothing of ours
    let external = matches!(toks.get(i), Some((Tok::PathSep, _)));
    if external {
        i += 1;
    }
    loop {
        match toks.get(i) {
            Some((Tok::Ident(s), line)) => {
                let line = *line;
                let name = s.clone();
                i += 1;
                if matches!(toks.get(i), Some((Tok::PathSep, _))) {
                    prefix.push(name);
                    i += 1;
                    continue;
                }
                let mut binds = if name == "self" {
                    prefix.last().cloned()
                } else {
                    Some(name.clone())
                };
                if matches!(toks.get(i), Some((Tok::Ident(k), _)) if k == "as") {
                    if let Some((Tok::Ident(alias), _)) = toks.get(i + 1) {
                        binds = (alias != "_").then(|| alias.clone());
                    }
                    i += 2;
                }
                let mut segments = prefix.clone();
                if name != "self" {
                    segments.push(name);
                }
                if !external {
                    leaves.push((segments, binds, line));
                }
                break;
            }
            Some((Tok::Punct('*'), line)) => {
                if !external && !prefix.is_empty() {
                    leaves.push((prefix.clone(), None, *line));
                }
                i += 1;
                break;
            }
            Some((Tok::Punct('{'), _)) => {
                i += 1;
                while let Some((t, _)) = toks.get(i) {
                    match t {
                        Tok::Punct('}') => {
                            i += 1;
                            break;
                        }
                        Tok::Punct(',') => i += 1,
                        _ => {
                            let before = leaves.len();
                            let next = use_tree(toks, i, prefix, leaves);
                            if external {
                                leaves.truncate(before);
                            }
                            i = next.max(i + 1);
                        }
                    }
                }
                break;
            }
            _ => break,
        }
    }
    prefix.truncate(pushed);
    if matches!(toks.get(i), Some((Tok::Punct(';'), _))) && pushed == 0 {
        i += 1;
    }
    i
}

/// The text with comments, string literals and character literals blanked (newlines kept, so
/// line numbers stay right).
fn strip(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, from: &[char]| {
        for &ch in from {
            out.push(if ch == '\n' { '\n' } else { ' ' });
        }
    };
    let ident_char = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let prev_ident = i > 0 && ident_char(c[i - 1]);
        // line comment
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            let end = c[i..]
                .iter()
                .position(|&x| x == '\n')
                .map_or(c.len(), |p| i + p);
            blank(&mut out, &c[i..end]);
            i = end;
            continue;
        }
        // block comment, nested
        if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let (mut j, mut nest) = (i + 2, 1);
            while j < c.len() && nest > 0 {
                if c[j] == '/' && c.get(j + 1) == Some(&'*') {
                    nest += 1;
                    j += 2;
                } else if c[j] == '*' && c.get(j + 1) == Some(&'/') {
                    nest -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            let j = j.min(c.len());
            blank(&mut out, &c[i..j]);
            i = j;
            continue;
        }
        // raw strings: r"…", r#"…"#, br#"…"#, cr"…"
        if !prev_ident && matches!(c[i], 'r' | 'b' | 'c') {
            let mut j = i;
            if c[j] != 'r' && c.get(j + 1) == Some(&'r') {
                j += 1;
            }
            if c[j] == 'r' {
                let hashes = c[j + 1..].iter().take_while(|&&x| x == '#').count();
                if c.get(j + 1 + hashes) == Some(&'"') {
                    let mut k = j + 2 + hashes;
                    while k < c.len() {
                        if c[k] == '"'
                            && c[k + 1..]
                                .iter()
                                .take(hashes)
                                .filter(|&&x| x == '#')
                                .count()
                                == hashes
                        {
                            k += 1 + hashes;
                            break;
                        }
                        k += 1;
                    }
                    let k = k.min(c.len());
                    blank(&mut out, &c[i..k]);
                    i = k;
                    continue;
                }
            }
        }
        // strings "…", b"…", c"…"
        let quote_at = if c[i] == '"' {
            Some(i)
        } else if !prev_ident && matches!(c[i], 'b' | 'c') && c.get(i + 1) == Some(&'"') {
            Some(i + 1)
        } else {
            None
        };
        if let Some(q) = quote_at {
            let mut k = q + 1;
            while k < c.len() && c[k] != '"' {
                k += if c[k] == '\\' { 2 } else { 1 };
            }
            let k = (k + 1).min(c.len());
            blank(&mut out, &c[i..k]);
            i = k;
            continue;
        }
        // character literals 'x', '\n', '\u{4e2d}', b'x' (not lifetimes 'a)
        let tick = if c[i] == '\'' {
            Some(i)
        } else if !prev_ident && c[i] == 'b' && c.get(i + 1) == Some(&'\'') {
            Some(i + 1)
        } else {
            None
        };
        if let Some(t) = tick {
            let end = if c.get(t + 1) == Some(&'\\') {
                // the escaped character may be a quote itself: '\''
                let mut k = t + 3;
                while k < c.len() && c[k] != '\'' {
                    k += 1;
                }
                Some(k + 1)
            } else if c.get(t + 2) == Some(&'\'') {
                Some(t + 3)
            } else {
                None
            };
            if let Some(end) = end {
                let end = end.min(c.len());
                blank(&mut out, &c[i..end]);
                i = end;
                continue;
            }
        }
        out.push(c[i]);
        i += 1;
    }
    out
}

/// Identifiers (`$crate` read as `crate`, `r#type` as `type`), `::` and single punctuation,
/// each with its line.
fn tokens(text: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let ident_char = |ch: char| ch.is_alphanumeric() || ch == '_';
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            out.push((Tok::PathSep, line));
            i += 2;
        } else if ident_char(ch) || (ch == '$' && c.get(i + 1).is_some_and(|&x| ident_char(x))) {
            let start = i;
            i += 1;
            while i < c.len() && ident_char(c[i]) {
                i += 1;
            }
            let mut word: String = c[start..i].iter().collect();
            if word == "r" && c.get(i) == Some(&'#') && c.get(i + 1).is_some_and(|&x| ident_char(x))
            {
                let s = i + 1;
                i = s;
                while i < c.len() && ident_char(c[i]) {
                    i += 1;
                }
                word = c[s..i].iter().collect();
            }
            if word == "$crate" {
                word = "crate".to_owned();
            }
            out.push((Tok::Ident(word), line));
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

// ----- the reader's own tests -----------------------------------------------------------------

fn leaves(text: &str) -> Vec<(String, Option<String>)> {
    read_file(text)
        .uses
        .into_iter()
        .map(|u| (u.segments.join("::"), u.binds))
        .collect()
}

#[test]
fn grouped_and_nested_uses_are_read_leaf_by_leaf() {
    let got = leaves(
        "pub(crate) use crate::{a::b, c::{d, e as f, self}, g::*};\nuse ::ext::x;\nuse std::io;",
    );
    let want = [
        ("crate::a::b", Some("b")),
        ("crate::c::d", Some("d")),
        ("crate::c::e", Some("f")),
        ("crate::c", Some("c")),
        ("crate::g", None),
        ("std::io", Some("io")),
    ];
    let want: Vec<(String, Option<String>)> = want
        .iter()
        .map(|(p, b)| (p.to_string(), b.map(str::to_owned)))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn comments_strings_and_chars_are_not_read_but_lifetimes_are_kept() {
    let text = r###"
// use crate::commented;
/* use crate::blocked; /* nested */ use crate::still_blocked; */
fn f<'a>(x: &'a str) -> char { let _ = "crate::in_a_string"; let _ = r#"crate::raw"#; '{' }
fn g() { crate::real::path(); }
"###;
    let r = read_file(text);
    assert!(r.uses.is_empty(), "{:?}", r.uses);
    let paths: Vec<String> = r.paths.iter().map(|p| p.segments.join("::")).collect();
    assert_eq!(paths, ["crate::real::path"]);
    assert_eq!(r.paths[0].line, 5);
}

#[test]
fn super_in_an_inline_module_is_the_file_itself() {
    let text = "mod child;\npub use child::X;\n#[cfg(test)]\nmod tests {\n    use super::*;\n    fn t() { super::super::other::f(); }\n}\nfn h() { child::g(); }\n";
    let r = read_file(text);
    assert_eq!(r.children, BTreeSet::from(["child".to_owned()]));
    let here = vec!["a".to_owned(), "b".to_owned()];
    let scope = Scope {
        here: &here,
        is_main: false,
        children: &r.children,
    };
    let abs = |segs: &[String], inline: &[String]| {
        scope
            .absolute(segs, inline, &BTreeMap::new())
            .map(|p| p.join("::"))
    };
    let uses: Vec<_> = r.uses.iter().map(|u| abs(&u.segments, &u.inline)).collect();
    assert_eq!(
        uses,
        [Some("a::b::child::X".to_owned()), Some("a::b".to_owned())]
    );
    let paths: Vec<_> = r
        .paths
        .iter()
        .map(|p| abs(&p.segments, &p.inline))
        .collect();
    assert_eq!(
        paths,
        [
            Some("a::other::f".to_owned()),
            Some("a::b::child::g".to_owned())
        ]
    );
}

#[test]
fn module_paths_and_top_modules_of_files() {
    assert_eq!(module_path("src/store/mod.rs"), ["store"]);
    assert_eq!(
        module_path("src/web/manage/people.rs"),
        ["web", "manage", "people"]
    );
    assert!(module_path("src/lib.rs").is_empty());
    assert_eq!(top_module("src/domain/event.rs"), "domain");
    assert_eq!(top_module("src/clock.rs"), "clock");
    assert_eq!(top_module("src/main.rs"), "main.rs");
    assert_eq!(
        broken_rule("store", "training"),
        Some("rules, store and import import only domain and clock")
    );
    assert_eq!(broken_rule("web", "pipeline"), None);
    assert_eq!(broken_rule("main.rs", "cmds"), None);
}
