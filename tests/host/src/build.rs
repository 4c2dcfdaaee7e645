//! `spin build`: runs each component's `[component.X.build]` command.

use crate::manifest::Manifest;
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

pub fn build(manifest_path: &Path) -> Result<()> {
    let manifest = Manifest::load(manifest_path)?;
    for (id, component) in &manifest.components {
        let Some(build) = &component.build else {
            eprintln!("{id}: no build command, using {}", component.source);
            continue;
        };
        let workdir = match &build.workdir {
            Some(dir) => manifest.dir.join(dir),
            None => manifest.dir.clone(),
        };
        eprintln!("Building component {id} with `{}`", build.command);
        let status = Command::new("sh")
            .arg("-c")
            .arg(&build.command)
            .current_dir(&workdir)
            .status()
            .with_context(|| format!("cannot run the build command of {id:?}"))?;
        if !status.success() {
            bail!("building component {id:?} failed ({status}); its command was `{}`", build.command);
        }
    }
    Ok(())
}
