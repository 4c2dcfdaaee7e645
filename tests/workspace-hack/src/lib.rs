//! Nothing to use: this crate exists for its `Cargo.toml`, which asks for
//! the features every native build of the workspace needs (see there).

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::process::Command;

    /// Each crate of a `cargo tree`, by `name version`, with the feature
    /// sets of its nodes (a crate that build scripts link too has two).
    type Features = BTreeMap<String, BTreeSet<BTreeSet<String>>>;

    fn features_of(selection: &[&str]) -> Features {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let output = Command::new(cargo)
            .args(["tree", "--prefix", "none", "--format", "{p} [{f}]"])
            .args(selection)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cannot run `cargo tree`");
        assert!(
            output.status.success(),
            "`cargo tree {}` failed: {}",
            selection.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        let mut features = Features::new();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let Some((package, list)) = line.split_once(" [") else { continue };
            let mut words = package.split_whitespace();
            let (Some(name), Some(version)) = (words.next(), words.next()) else { continue };
            let list = list.split(']').next().unwrap_or_default();
            features
                .entry(format!("{name} {version}"))
                .or_default()
                .insert(list.split(',').filter(|f| !f.is_empty()).map(String::from).collect());
        }
        features
    }

    /// What `other` turns on that no node of the host's build has: the
    /// crates it would compile a second time. A node of `other` with fewer
    /// features than one of the host's is one the host does not build (a
    /// build script's copy), not a difference.
    fn more_than_the_host(host: &Features, other: &Features) -> Vec<String> {
        let mut differences = Vec::new();
        for (package, host_sets) in host {
            for set in other.get(package).into_iter().flatten() {
                if !host_sets.iter().any(|h| set.is_subset(h)) {
                    let extra: Vec<_> = host_sets
                        .iter()
                        .map(|h| set.difference(h).cloned().collect::<Vec<_>>().join(","))
                        .collect();
                    differences.push(format!("{package}: also [{}]", extra.join("] or [")));
                }
            }
        }
        differences
    }

    /// The commands of the README and `tests/run` that compile wasmtime.
    #[test]
    fn one_feature_set_for_every_command() {
        let host = features_of(&["-p", "spin-host", "-e", "normal,build"]);
        assert!(host.keys().any(|p| p.starts_with("wasmtime ")), "no wasmtime in the host's tree");
        for selection in [
            &["--workspace", "-e", "normal,build,dev"][..],
            &["-p", "end-to-end", "-e", "normal,build,dev"][..],
            &["-p", "end-to-end", "-e", "normal,build"][..],
        ] {
            let differences = more_than_the_host(&host, &features_of(selection));
            assert!(
                differences.is_empty(),
                "`cargo tree {}` turns on features `cargo run -p spin-host` does not, so the \
                 two compile these crates, and every crate above them, separately; add them \
                 to tests/workspace-hack/Cargo.toml:\n{}",
                selection.join(" "),
                differences.join("\n")
            );
        }
    }

    #[test]
    fn fewer_features_are_no_difference_but_more_are() {
        let set = |list: &[&str]| list.iter().map(|f| f.to_string()).collect::<BTreeSet<_>>();
        let host = Features::from([("jiff 0.2".into(), BTreeSet::from([set(&["std", "tz-fat"])]))]);
        let fewer = Features::from([("jiff 0.2".into(), BTreeSet::from([set(&["std"])]))]);
        let more = Features::from([("jiff 0.2".into(), BTreeSet::from([set(&["std", "tz-fat", "perf"])]))]);
        assert!(more_than_the_host(&host, &fewer).is_empty());
        assert_eq!(more_than_the_host(&host, &more), ["jiff 0.2: also [perf]"]);
    }
}
