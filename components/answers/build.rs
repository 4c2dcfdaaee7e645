//! Builds the KB index into the component: reads and checks `kb/` (a topic
//! missing a language or an article missing a field fails the build, with
//! every problem listed) and writes the index as Rust source to `OUT_DIR`.
//!
//! `HELP_CENTER_KB` points at another knowledge base (the benchmark's
//! synthetic one); by default it is the project's `kb/`.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=HELP_CENTER_KB");
    let kb = match std::env::var_os("HELP_CENTER_KB") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../kb"),
    };
    println!("cargo:rerun-if-changed={}", kb.display());
    for entry in std::fs::read_dir(&kb).into_iter().flatten().flatten() {
        println!("cargo:rerun-if-changed={}", entry.path().display());
    }
    let articles = match knowledge_base::build::load(&kb) {
        Ok(articles) => articles,
        Err(problems) => {
            eprintln!("{problems}");
            std::process::exit(1);
        }
    };
    let index = knowledge_base::build::index(&articles);
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("kb_index.rs");
    if let Err(e) = std::fs::write(&out, knowledge_base::build::to_rust(&index)) {
        eprintln!("cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
}
