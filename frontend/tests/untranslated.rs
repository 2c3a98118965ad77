//! No words for people outside the catalogue: this test reads the UI's
//! source (pages, components and the view-state modules) and fails on a
//! string literal that a person would read but that does not go through
//! `orderboard_frontend::i18n`.
//!
//! A literal counts as words for people when it is
//! - a text node of a `view!` (`<h1>"Ready"</h1>`),
//! - the value of a `title`, `aria-label`, `placeholder` or `alt` attribute,
//! - an argument of `set_title(…)`, or
//! - any literal that starts like a sentence (a capital then a small letter:
//!   `"Offline since"`, `format!("Order {}")`),
//!
//! and contains a letter. Literals without letters (`"×"`, `"·"`, `"{}:{}"`)
//! are symbols and pass; CSS classes, test ids, storage keys and message ids
//! are lower-case and pass. Code under `#[cfg(test)]` is not read. The few
//! names that are the same in every language are in `ALLOWED`.

use std::fs;
use std::path::{Path, PathBuf};

/// Words that are not translated: the product's name, a URL scheme, the names of the
/// languages in themselves (the language switch lists them so), and
/// `KeyboardEvent.key` values the shortcuts match (never shown).
const ALLOWED: &[&str] = &[
    "Orderboard",
    "https://",
    "English",
    "Deutsch",
    "Español",
    "Enter",
    "Escape",
    "ArrowUp",
    "ArrowDown",
    "ArrowLeft",
    "ArrowRight",
    "Backspace",
    "U",
];

/// Source that is not UI: test fixtures (`#[cfg(test)] mod fixtures`).
const NOT_UI: &[&str] = &["state/fixtures.rs"];

/// The staff pages' parts whose words are still English-only: the workshop
/// (a lab for comparing transports), the reports, and the dispatcher's
/// integration panels, new-order form and API error notices. Each is to
/// move to the catalogue and leave this list; the check fails on any file
/// not named here, and on a name here that is already clean (so the list
/// only shrinks).
const NOT_YET_TRANSLATED: &[&str] = &[
    "components/connection_wall.rs",
    "components/drill_panel.rs",
    "components/line_chart.rs",
    "pages/workshop.rs",
    "state/api_keys.rs",
    "state/comparison_form.rs",
    "state/demo_form.rs",
    "state/drill_view.rs",
    "state/kitchen_form.rs",
    "state/new_order_form.rs",
    "state/report_summary.rs",
    "state/reports_view.rs",
    "state/transports.rs",
    "state/webhooks.rs",
    "state/workshop_state.rs",
];

const PEOPLE_ATTRIBUTES: &[&str] = &["title", "aria-label", "placeholder", "alt"];

#[derive(Debug)]
struct Literal {
    line: usize,
    text: String,
    /// The source just before and after the literal, whitespace skipped.
    before: String,
    after: char,
}

/// The string literals of Rust source, comments and char literals skipped.
fn literals(src: &str) -> Vec<Literal> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let prev_context = |chars: &[char], start: usize| -> String {
        let mut j = start;
        while j > 0 && chars[j - 1].is_whitespace() {
            j -= 1;
        }
        let from = j.saturating_sub(40);
        chars[from..j].iter().collect()
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
        }
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                if chars[i] == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 2;
            continue;
        }
        if c == '\'' {
            // A char literal ('x', '\n', '\'') or a lifetime ('a).
            if chars.get(i + 1) == Some(&'\\') {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
                continue;
            }
            if chars.get(i + 2) == Some(&'\'') {
                i += 3;
                continue;
            }
            i += 1;
            continue;
        }
        let raw = c == 'r'
            && matches!(chars.get(i + 1), Some('"') | Some('#'))
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'));
        if c == '"' || raw {
            let start = i;
            let mut text = String::new();
            if raw {
                let mut hashes = 0;
                i += 1;
                while chars.get(i) == Some(&'#') {
                    hashes += 1;
                    i += 1;
                }
                i += 1;
                loop {
                    if i >= chars.len() {
                        break;
                    }
                    if chars[i] == '"' && (0..hashes).all(|h| chars.get(i + 1 + h) == Some(&'#')) {
                        i += 1 + hashes;
                        break;
                    }
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    text.push(chars[i]);
                    i += 1;
                }
            } else {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    if chars.get(i) == Some(&'\n') {
                        line += 1;
                    }
                    if let Some(&ch) = chars.get(i) {
                        text.push(ch);
                    }
                    i += 1;
                }
                i += 1;
            }
            let mut k = i;
            while k < chars.len() && chars[k].is_whitespace() {
                k += 1;
            }
            out.push(Literal {
                line,
                text,
                before: prev_context(&chars, start),
                after: chars.get(k).copied().unwrap_or(' '),
            });
            continue;
        }
        i += 1;
    }
    out
}

/// Why a literal is words for people, if it is.
fn for_people(lit: &Literal) -> Option<&'static str> {
    if !lit.text.chars().any(char::is_alphabetic) || ALLOWED.contains(&lit.text.trim()) {
        return None;
    }
    let before = lit.before.trim_end();
    // A text node: after a tag (`<h1>"…"`) or after a placeable
    // (`{n}" orders"`), before a tag, a placeable or another text.
    let after_node = before.ends_with('>') || before.ends_with('}');
    if after_node && (lit.after == '<' || lit.after == '"' || lit.after == '{') {
        return Some("a text node");
    }
    if let Some(attr) = before.strip_suffix('=') {
        let name = attr
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("");
        if PEOPLE_ATTRIBUTES.contains(&name) {
            return Some("a title, aria-label, placeholder or alt");
        }
    }
    if before.ends_with("set_title(") {
        return Some("a page title");
    }
    let mut cs = lit.text.trim_start().chars();
    if let (Some(a), Some(b)) = (cs.next(), cs.next()) {
        if a.is_uppercase() && b.is_lowercase() {
            return Some("a sentence");
        }
    }
    None
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("the UI's source is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The untranslated literals of one file, as `path:line: text (why)`.
fn findings(path: &Path, src: &str) -> Vec<String> {
    // Test modules come last in a file: what follows `#[cfg(test)]` is not UI.
    let code = src.split("#[cfg(test)]").next().unwrap_or(src);
    literals(code)
        .into_iter()
        .filter_map(|lit| {
            for_people(&lit)
                .map(|why| format!("{}:{}: {:?} ({why})", path.display(), lit.line, lit.text))
        })
        .collect()
}

#[test]
fn every_word_on_a_page_comes_from_the_catalogue() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for dir in ["pages", "components", "state"] {
        sources(&root.join(dir), &mut files);
    }
    files.sort();
    assert!(files.len() > 20, "the UI's source was found");
    let name = |f: &PathBuf| {
        f.strip_prefix(&root)
            .expect("under src/")
            .to_string_lossy()
            .replace('\\', "/")
    };
    let mut found = Vec::new();
    let mut clean_but_listed = Vec::new();
    for f in &files {
        let n = name(f);
        if NOT_UI.contains(&n.as_str()) {
            continue;
        }
        let in_file = findings(f, &fs::read_to_string(f).expect("readable source"));
        if NOT_YET_TRANSLATED.contains(&n.as_str()) {
            if in_file.is_empty() {
                clean_but_listed.push(n);
            }
        } else {
            found.extend(in_file);
        }
    }
    assert!(
        clean_but_listed.is_empty(),
        "translated now: take {clean_but_listed:?} off NOT_YET_TRANSLATED"
    );
    assert!(
        found.is_empty(),
        "{} string(s) for people that bypass the catalogue (frontend/locales/*/*.ftl via orderboard_frontend::i18n):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_check_finds_what_it_should() {
    let src = r##"
        fn page() -> impl IntoView {
            set_title("Your order");
            view! {
                <h1>"Preparing"</h1>
                <button title="Close it" aria-label=move || t("close")>"×"</button>
                <p class="track-final">{format!("Order {} is ready", n)}</p>
                <span class="brand-name">"Orderboard"</span>
                <p>{move || t("board-empty")}</p>
                <li>{n}" orders"</li>
                // <p>"A comment"</p>
            }
        }
    "##;
    let found = findings(Path::new("page.rs"), src);
    let texts: Vec<&str> = found
        .iter()
        .map(|f| f.split(": ").nth(1).unwrap_or(""))
        .collect();
    assert_eq!(
        texts,
        vec![
            "\"Your order\" (a page title)",
            "\"Preparing\" (a text node)",
            "\"Close it\" (a title, aria-label, placeholder or alt)",
            "\"Order {} is ready\" (a sentence)",
            "\" orders\" (a text node)",
        ],
        "{found:#?}"
    );
}
