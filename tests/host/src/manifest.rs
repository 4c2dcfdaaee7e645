//! The parts of a Spin manifest (`spin.toml`, manifest version 2) this host runs.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    spin_manifest_version: u32,
    application: Application,
    #[serde(default)]
    variables: BTreeMap<String, VariableDecl>,
    #[serde(default)]
    trigger: Triggers,
    #[serde(default)]
    component: BTreeMap<String, Component>,
}

/// `[application]`; only the name is used, the rest is accepted as Spin accepts it.
#[derive(Debug, Deserialize)]
pub struct Application {
    pub name: String,
}

/// An application variable: `name = { default = "..." }`, `{ required = true }`, `secret = true`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableDecl {
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
    /// Secret values are never logged; this host logs no values at all.
    #[serde(default)]
    pub secret: bool,
    #[serde(default, rename = "description")]
    _description: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Triggers {
    #[serde(default)]
    http: Vec<HttpTrigger>,
}

#[derive(Debug, Deserialize)]
struct HttpTrigger {
    route: RouteSetting,
    component: String,
    #[serde(default)]
    executor: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RouteSetting {
    Path(String),
    Private { private: bool },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub source: String,
    #[serde(default, rename = "description")]
    _description: Option<String>,
    #[serde(default)]
    pub key_value_stores: Vec<String>,
    #[serde(default)]
    pub allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub ai_models: Vec<String>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    #[serde(default)]
    pub build: Option<BuildSetting>,
}

/// `[component.X.build]`, as `spin build` runs it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildSetting {
    pub command: String,
    #[serde(default)]
    pub workdir: Option<String>,
    /// Used by `spin watch`, which this host does not offer.
    #[serde(default, rename = "watch")]
    _watch: Vec<String>,
}

/// How a component is reached over HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Public(String),
    /// `route = { private = true }`: only reachable through `<id>.spin.internal`.
    Private,
}

#[derive(Debug)]
pub struct Manifest {
    /// The folder holding `spin.toml`; component sources and build workdirs are relative to it.
    pub dir: PathBuf,
    pub application: Application,
    pub variables: BTreeMap<String, VariableDecl>,
    /// In manifest order.
    pub http_triggers: Vec<(Route, String)>,
    pub components: BTreeMap<String, Component>,
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the Spin manifest {}", path.display()))?;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Self::parse(&text, dir).with_context(|| format!("invalid Spin manifest {}", path.display()))
    }

    pub fn parse(text: &str, dir: PathBuf) -> Result<Self> {
        let raw: RawManifest = toml::from_str(text)?;
        if raw.spin_manifest_version != 2 {
            bail!(
                "spin_manifest_version is {}; this host runs version 2 manifests",
                raw.spin_manifest_version
            );
        }
        let mut http_triggers = Vec::new();
        for trigger in raw.trigger.http {
            if !raw.component.contains_key(&trigger.component) {
                bail!(
                    "a [[trigger.http]] names component {:?}, which has no [component.{}] table",
                    trigger.component,
                    trigger.component
                );
            }
            if trigger.executor.is_some() {
                bail!(
                    "component {:?}: custom HTTP executors are not supported; spin-sdk 5 components use the default (wasi:http) executor",
                    trigger.component
                );
            }
            let route = match trigger.route {
                RouteSetting::Path(path) => {
                    if !path.starts_with('/') {
                        bail!("route {path:?} must start with '/'");
                    }
                    Route::Public(path)
                }
                RouteSetting::Private { private: true } => Route::Private,
                RouteSetting::Private { private: false } => {
                    bail!("route = {{ private = false }} is not a route; give a path instead")
                }
            };
            http_triggers.push((route, trigger.component));
        }
        for (id, component) in &raw.component {
            for name in component.variables.keys() {
                if !is_valid_variable_name(name) {
                    bail!(
                        "component {id:?}: variable name {name:?} must be lower-case letters, digits and '_', starting with a letter"
                    );
                }
            }
        }
        for (name, decl) in &raw.variables {
            if !is_valid_variable_name(name) {
                bail!(
                    "application variable name {name:?} must be lower-case letters, digits and '_', starting with a letter"
                );
            }
            if decl.required == decl.default.is_some() {
                bail!(
                    "application variable {name:?} needs exactly one of `default = \"...\"` or `required = true`"
                );
            }
        }
        Ok(Self {
            dir,
            application: raw.application,
            variables: raw.variables,
            http_triggers,
            components: raw.component,
        })
    }

    pub fn component_source(&self, id: &str) -> PathBuf {
        self.dir.join(&self.components[id].source)
    }
}

/// Spin's rule for variable names: `[a-z][a-z0-9_]*`.
pub fn is_valid_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"
spin_manifest_version = 2
[application]
name = "demo"
[variables]
region = { default = "eu-west" }
key = { required = true, secret = true }
[[trigger.http]]
route = "/api/..."
component = "api"
[[trigger.http]]
route = { private = true }
component = "worker"
[component.api]
source = "api.wasm"
key_value_stores = ["default"]
[component.api.variables]
region = "{{ region }}"
[component.worker]
source = "worker.wasm"
"#;

    #[test]
    fn parses_triggers_in_order_with_private_routes() {
        let m = Manifest::parse(MANIFEST, PathBuf::from("/app")).unwrap();
        assert_eq!(
            m.http_triggers,
            vec![
                (Route::Public("/api/...".into()), "api".into()),
                (Route::Private, "worker".into())
            ]
        );
        assert_eq!(m.component_source("api"), PathBuf::from("/app/api.wasm"));
        assert!(m.variables["key"].required);
    }

    #[test]
    fn rejects_a_trigger_for_a_missing_component() {
        let text = MANIFEST.replace("component = \"worker\"", "component = \"nobody\"");
        let err = Manifest::parse(&text, PathBuf::new()).unwrap_err();
        assert!(err.to_string().contains("nobody"), "{err}");
    }

    #[test]
    fn rejects_other_manifest_versions() {
        let text = MANIFEST.replace("spin_manifest_version = 2", "spin_manifest_version = 1");
        assert!(Manifest::parse(&text, PathBuf::new()).is_err());
    }
}
