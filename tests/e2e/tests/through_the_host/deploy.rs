//! The per-region deployment files in `deploy/` stay true to `spin.toml`: a
//! store added to the app, or a variable renamed, breaks a test here instead
//! of a region at start-up (or silently, for a variable that is then ignored).

use end_to_end::*;
use spin_host::{KeyValueStoreConfig, Manifest, RuntimeConfig};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn manifest() -> Manifest {
    Manifest::load(&repo_root().join("spin.toml")).expect("spin.toml loads")
}

/// Every store label some component of spin.toml lists.
fn stores_used(manifest: &Manifest) -> BTreeSet<String> {
    manifest
        .components
        .values()
        .flat_map(|c| c.key_value_stores.iter().cloned())
        .collect()
}

/// `deploy/<folder>/<file>` for every folder that has the file.
fn deploy_files(file: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(repo_root().join("deploy"))
        .expect("deploy/ exists")
        .filter_map(|entry| Some(entry.ok()?.path().join(file)))
        .filter(|path| path.is_file())
        .collect();
    found.sort();
    found
}

/// The two example regions the issue asks for.
const REGIONS: [&str; 2] = ["eu-west", "us-east"];

fn folder_name(path: &Path) -> String {
    path.parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string()
}

/// A `variables.env`: `SPIN_VARIABLE_<NAME>="value"` lines, comments and
/// blank lines. Values are double-quoted and free of `$`, backslashes, quotes
/// and backticks, so a shell, systemd and compose all read the same value.
fn read_variables_file(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut variables = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = format!("{}:{}", path.display(), number + 1);
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("{at}: not NAME=\"value\""));
        let name = key
            .strip_prefix("SPIN_VARIABLE_")
            .unwrap_or_else(|| panic!("{at}: {key} is not SPIN_VARIABLE_<NAME>"));
        assert_eq!(
            name,
            name.to_ascii_uppercase(),
            "{at}: Spin upper-cases variable names in the environment"
        );
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or_else(|| panic!("{at}: quote the value"));
        assert!(
            !value.contains(['"', '$', '\\', '`']),
            "{at}: the value must not need escaping"
        );
        assert!(
            variables
                .insert(name.to_ascii_lowercase(), value.to_string())
                .is_none(),
            "{at}: {name} is set twice"
        );
    }
    variables
}

#[test]
fn every_runtime_config_defines_every_store_the_app_uses() {
    let manifest = manifest();
    let used = stores_used(&manifest);
    assert!(
        used.contains("sessions") && used.contains("cases"),
        "{used:?}"
    );
    let files = deploy_files("runtime-config.toml");
    let folders: Vec<String> = files.iter().map(|f| folder_name(f)).collect();
    for region in REGIONS.iter().chain(&["local"]) {
        assert!(
            folders.iter().any(|f| f == region),
            "deploy/{region}/runtime-config.toml is missing"
        );
    }
    let state = temp_dir("deploy-runtime-configs");
    for file in &files {
        let config = RuntimeConfig::load(file, &state)
            .unwrap_or_else(|e| panic!("{}: {e:#}", file.display()));
        for label in &used {
            assert!(
                config.key_value_stores.contains_key(label),
                "{} does not define the store {label:?}",
                file.display()
            );
        }
        if folder_name(file) == "local" {
            continue;
        }
        // Several instances share a region's state, so a region keeps it in
        // Redis; Redis keys are stored as they are, so each label needs its own database.
        let mut urls = BTreeSet::new();
        for label in &used {
            match &config.key_value_stores[label] {
                KeyValueStoreConfig::Redis { url } => {
                    assert!(
                        urls.insert(url.clone()),
                        "{}: {label:?} shares {url} with another store",
                        file.display()
                    )
                }
                other => panic!("{}: {label:?} is {other:?}, not Redis", file.display()),
            }
        }
        assert!(
            config.llm.is_some(),
            "{} has no [llm_compute] example",
            file.display()
        );
    }
}

#[test]
fn every_variables_file_names_only_variables_spin_toml_declares() {
    let manifest = manifest();
    let files = deploy_files("variables.env");
    let folders: Vec<String> = files.iter().map(|f| folder_name(f)).collect();
    assert_eq!(folders, REGIONS, "one variables.env per region");
    for file in &files {
        let variables = read_variables_file(file);
        for name in variables.keys() {
            let declared = manifest.variables.get(name).unwrap_or_else(|| {
                panic!(
                    "{} sets {name:?}, which spin.toml does not declare (renamed?)",
                    file.display()
                )
            });
            assert!(
                !declared.secret,
                "{} sets the secret {name:?}: secrets come from a secret store",
                file.display()
            );
        }
        assert_eq!(
            variables["region"],
            folder_name(file),
            "{}: region",
            file.display()
        );
        for name in ["timezone", "chat_hours", "phone_hours", "holidays"] {
            assert!(
                variables.get(name).is_some_and(|v| !v.is_empty()),
                "{} does not set {name}",
                file.display()
            );
        }
    }
}

/// The lines of a YAML block scalar (`key: |`) under `key`, dedented.
fn block_scalar(yaml: &str, key: &str) -> String {
    let mut lines = yaml.lines().skip_while(|l| l.trim() != format!("{key}: |"));
    let header = lines
        .next()
        .unwrap_or_else(|| panic!("no `{key}: |` block"));
    let indent = header.len() - header.trim_start().len() + 2;
    let mut text = String::new();
    for line in lines {
        if !line.trim().is_empty() && line.len() - line.trim_start().len() < indent {
            break;
        }
        text.push_str(line.get(indent..).unwrap_or(""));
        text.push('\n');
    }
    text
}

/// The `data:` entries of a ConfigMap whose values are double-quoted (JSON-compatible) strings.
fn config_map_data(yaml: &str) -> BTreeMap<String, String> {
    yaml.lines()
        .skip_while(|l| *l != "data:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| {
            let (key, value) = l
                .trim()
                .split_once(": ")
                .unwrap_or_else(|| panic!("not `key: \"value\"`: {l}"));
            (
                key.to_string(),
                serde_json::from_str(value).unwrap_or_else(|e| panic!("{l}: {e}")),
            )
        })
        .collect()
}

/// The SpinApp's `variables:` bindings: (variable, key it reads) in order.
fn spinapp_bindings(yaml: &str) -> Vec<(String, String)> {
    let mut bindings = Vec::new();
    let mut name = None;
    for line in yaml
        .lines()
        .skip_while(|l| l.trim() != "variables:")
        .skip(1)
    {
        let line = line.trim();
        if let Some(n) = line.strip_prefix("- name: ") {
            name = Some(n.to_string());
        } else if let Some(key) = line.strip_prefix("key: ") {
            bindings.push((name.take().expect("a key under a name"), key.to_string()));
        }
    }
    bindings
}

#[test]
fn kubernetes_manifests_carry_each_regions_files() {
    let manifest = manifest();
    for region in REGIONS {
        let dir = repo_root().join("deploy/kubernetes").join(region);
        let read = |file: &str| {
            std::fs::read_to_string(dir.join(file))
                .unwrap_or_else(|e| panic!("{region}/{file}: {e}"))
        };

        let secret = read("runtime-config-secret.yaml");
        let runtime_config = std::fs::read_to_string(
            repo_root()
                .join("deploy")
                .join(region)
                .join("runtime-config.toml"),
        )
        .unwrap();
        assert_eq!(
            block_scalar(&secret, "runtime-config.toml"),
            runtime_config,
            "{region}: the Secret's runtime config differs from the file"
        );

        let config_map = config_map_data(&read("variables-configmap.yaml"));
        let variables = read_variables_file(
            &repo_root()
                .join("deploy")
                .join(region)
                .join("variables.env"),
        );
        assert_eq!(
            config_map, variables,
            "{region}: the ConfigMap differs from variables.env"
        );

        let app = read("spinapp.yaml");
        assert!(
            app.contains("apiVersion: core.spinkube.dev/v1alpha1") && app.contains("kind: SpinApp"),
            "{region}"
        );
        assert!(app.contains("replicas: 2"), "{region}: two replicas");
        assert!(
            secret.contains(&format!("name: help-center-{region}-runtime-config")),
            "{region}"
        );
        assert!(
            app.contains(&format!(
                "loadFromSecret: help-center-{region}-runtime-config"
            )),
            "{region}"
        );
        let bindings = spinapp_bindings(&app);
        let secret_variables = read("variables-secret.yaml");
        for (name, key) in &bindings {
            assert_eq!(name, key, "{region}: {name} reads another key");
            let declared = manifest
                .variables
                .get(name)
                .unwrap_or_else(|| panic!("{region}: SpinApp binds undeclared {name:?}"));
            if declared.secret {
                assert!(
                    secret_variables.contains(&format!("  {name}: ")),
                    "{region}: the Secret lacks {name}"
                );
            } else {
                assert!(
                    config_map.contains_key(name),
                    "{region}: the ConfigMap lacks {name}"
                );
            }
        }
        let bound: BTreeSet<&String> = bindings.iter().map(|(name, _)| name).collect();
        for name in config_map.keys() {
            assert!(
                bound.contains(name),
                "{region}: the SpinApp does not bind {name}"
            );
        }
    }
}

/// Each region's values are ones the app accepts: the contact component
/// checks every schedule variable on each request and names a malformed one in a `500`.
#[tokio::test(flavor = "multi_thread")]
async fn each_regions_variables_are_accepted_by_the_app() {
    for region in REGIONS {
        let state = temp_dir(&format!("deploy-{region}"));
        let mut options = app_options(&state);
        options.log_requests = false;
        options.clock = spin_host::Clock::fixed("2026-11-24T15:00:00Z".parse().unwrap());
        options.variables = read_variables_file(
            &repo_root()
                .join("deploy")
                .join(region)
                .join("variables.env"),
        );
        let app = Running::start(options).await.unwrap();
        let token = app.sign_in("anna@example.com").await;
        let reply = app.get_as(&token, "/api/contact-options?lang=es").await;
        assert_eq!(reply.status, 200, "{region}: {}", reply.text);
        assert!(
            reply.json()["options"]
                .as_array()
                .is_some_and(|o| !o.is_empty()),
            "{region}: {}",
            reply.text
        );
        let health = app.get("/api/health").await;
        assert_eq!(
            (health.status, health.json()["region"].as_str()),
            (200, Some(region)),
            "{}",
            health.text
        );
        app.shutdown().await;
    }
}
