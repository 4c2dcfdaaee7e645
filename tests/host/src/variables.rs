//! Spin application variables: declared in `[variables]`, exposed to a
//! component only through the templates of its `[component.X.variables]`,
//! valued from `--variable`, then `SPIN_VARIABLE_<NAME>`, then the default.

use crate::manifest::{Manifest, is_valid_variable_name};
use anyhow::{Result, bail};
use std::collections::{BTreeMap, HashMap};

/// The values of one component's variables, resolved at start-up.
pub type ComponentVariables = HashMap<String, String>;

/// Resolves every component's variables from the application's values;
/// fails when a template names an undeclared variable.
pub fn resolve(manifest: &Manifest, values: &HashMap<String, String>) -> Result<HashMap<String, ComponentVariables>> {
    let mut per_component = HashMap::new();
    for (id, component) in &manifest.components {
        let mut resolved = ComponentVariables::new();
        for (key, template) in &component.variables {
            resolved.insert(key.clone(), expand(template, values, &manifest.variables, id)?);
        }
        per_component.insert(id.clone(), resolved);
    }
    Ok(per_component)
}

/// Expands the templates in every component's `allowed_outbound_hosts`, as
/// Spin does: an entry may name application variables (`"{{ api_url }}"`),
/// valued like any other; entries without templates stay as they are.
pub fn allowed_outbound_hosts(manifest: &Manifest, values: &HashMap<String, String>) -> Result<HashMap<String, Vec<String>>> {
    let mut per_component = HashMap::new();
    for (id, component) in &manifest.components {
        let hosts = component
            .allowed_outbound_hosts
            .iter()
            .map(|entry| expand(entry, values, &manifest.variables, id))
            .collect::<Result<Vec<_>>>()?;
        per_component.insert(id.clone(), hosts);
    }
    Ok(per_component)
}

/// Every application variable's value: `--variable`, then the environment,
/// then the default; fails when a required variable has no value.
pub fn application_values(
    manifest: &Manifest,
    overrides: &BTreeMap<String, String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<HashMap<String, String>> {
    for name in overrides.keys() {
        if !manifest.variables.contains_key(name) {
            bail!("--variable {name}: the application declares no variable {name:?}");
        }
    }
    let mut values = HashMap::new();
    for (name, decl) in &manifest.variables {
        let value = overrides
            .get(name)
            .cloned()
            .or_else(|| env(&format!("SPIN_VARIABLE_{}", name.to_uppercase())))
            .or_else(|| decl.default.clone());
        match value {
            Some(value) => {
                values.insert(name.clone(), value);
            }
            None if decl.required => bail!(
                "the application variable {name:?} is required and has no value: set SPIN_VARIABLE_{} or pass --variable {name}=...",
                name.to_uppercase()
            ),
            None => {}
        }
    }
    Ok(values)
}

fn expand(
    template: &str,
    values: &HashMap<String, String>,
    declared: &BTreeMap<String, crate::manifest::VariableDecl>,
    component: &str,
) -> Result<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            bail!("component {component:?}: unclosed '{{{{' in variable template {template:?}");
        };
        let name = after[..end].trim();
        if !is_valid_variable_name(name) || !declared.contains_key(name) {
            bail!("component {component:?}: template {template:?} names {name:?}, which is not an application variable");
        }
        match values.get(name) {
            Some(value) => out.push_str(value),
            None => bail!("the application variable {name:?} has no value"),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn manifest(vars: &str) -> Manifest {
        let text = format!(
            r#"
spin_manifest_version = 2
[application]
name = "t"
[variables]
{vars}
[component.c]
source = "c.wasm"
[component.c.variables]
greeting = "hello {{{{ who }}}}!"
"#
        );
        Manifest::parse(&text, PathBuf::new()).unwrap()
    }

    #[test]
    fn template_uses_default_then_environment_then_override() {
        let m = manifest(r#"who = { default = "world" }"#);
        let none = |_: &str| None;
        assert_eq!(resolve(&m, &application_values(&m, &BTreeMap::new(), &none).unwrap()).unwrap()["c"]["greeting"], "hello world!");
        let env = |k: &str| (k == "SPIN_VARIABLE_WHO").then(|| "env".to_string());
        assert_eq!(resolve(&m, &application_values(&m, &BTreeMap::new(), &env).unwrap()).unwrap()["c"]["greeting"], "hello env!");
        let overrides = BTreeMap::from([("who".to_string(), "flag".to_string())]);
        assert_eq!(resolve(&m, &application_values(&m, &overrides, &env).unwrap()).unwrap()["c"]["greeting"], "hello flag!");
    }

    #[test]
    fn missing_required_variable_fails_naming_it() {
        let m = manifest(r#"who = { required = true, secret = true }"#);
        let err = application_values(&m, &BTreeMap::new(), &|_| None).unwrap_err().to_string();
        assert!(err.contains("\"who\" is required") && err.contains("SPIN_VARIABLE_WHO"), "{err}");
    }

    #[test]
    fn allowed_outbound_hosts_expand_application_variables() {
        let text = r#"
spin_manifest_version = 2
[application]
name = "t"
[variables]
api_url = { default = "https://api.example.com" }
[component.c]
source = "c.wasm"
allowed_outbound_hosts = ["{{ api_url }}", "http://self", "https://{{api_url_host}}"]
"#;
        let m = Manifest::parse(text, PathBuf::new()).unwrap();
        // A template naming an undeclared variable is a start-up error, as in Spin.
        assert!(allowed_outbound_hosts(&m, &application_values(&m, &BTreeMap::new(), &|_| None).unwrap()).is_err());
        let text = text.replace(", \"https://{{api_url_host}}\"", "");
        let m = Manifest::parse(&text, PathBuf::new()).unwrap();
        let hosts = allowed_outbound_hosts(&m, &application_values(&m, &BTreeMap::new(), &|_| None).unwrap()).unwrap();
        assert_eq!(hosts["c"], ["https://api.example.com", "http://self"]);
        let overrides = BTreeMap::from([("api_url".to_string(), "http://127.0.0.1:8080".to_string())]);
        assert_eq!(allowed_outbound_hosts(&m, &application_values(&m, &overrides, &|_| None).unwrap()).unwrap()["c"][0], "http://127.0.0.1:8080");
    }

    #[test]
    fn unknown_override_is_refused() {
        let m = manifest(r#"who = { default = "x" }"#);
        let overrides = BTreeMap::from([("nope".to_string(), "1".to_string())]);
        assert!(application_values(&m, &overrides, &|_| None).is_err());
    }
}
