//! Embeds every file of `assets/` in the component: generates a table of
//! `(name, include_bytes!(..), content hash)` and one version for all of them,
//! so adding an asset needs no code change and any change moves the version
//! the page's asset URLs carry.

use std::fmt::Write as _;
use std::path::Path;

/// FNV-1a, 64 bits: a fingerprint for caching, not a security boundary.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("components/web/assets exists")
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort();
    let mut table = String::from(
        "/// Every file of `assets/`: name, bytes, fingerprint.\npub static ASSETS: &[Asset] = &[\n",
    );
    let mut version = 0xcbf2_9ce4_8422_2325_u64;
    for name in &names {
        let path = dir.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        let bytes = std::fs::read(&path).expect("an asset is readable");
        let hash = fnv1a(&bytes);
        version = fnv1a(&[version.to_le_bytes(), hash.to_le_bytes()].concat());
        writeln!(
            table,
            "    Asset {{ name: {name:?}, bytes: include_bytes!({:?}), hash: \"{hash:016x}\" }},",
            path.display().to_string()
        )
        .expect("writing to a String");
    }
    table.push_str("];\n");
    writeln!(table, "/// Changes whenever any asset changes: the page's asset URLs carry it.\npub const VERSION: &str = \"{:012x}\";", version >> 16)
        .expect("writing to a String");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("assets.rs");
    std::fs::write(out, table).expect("OUT_DIR is writable");
}
