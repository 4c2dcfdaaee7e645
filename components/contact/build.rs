//! The KB's topic ids, from the file names of `kb/en`, so that `topic` is
//! checked against the knowledge base itself rather than a copy of its list.

use std::path::Path;

fn main() {
    let kb = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kb/en");
    println!("cargo::rerun-if-changed={}", kb.display());
    let mut topics: Vec<String> = std::fs::read_dir(&kb)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", kb.display()))
        .filter_map(|entry| {
            entry
                .ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".md")
                .map(str::to_string)
        })
        .collect();
    topics.sort();
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("kb_topics.rs");
    std::fs::write(
        &out,
        format!("/// Every KB topic id, sorted.\npub const KB_TOPICS: &[&str] = &{topics:?};\n"),
    )
    .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
