//! `spin-host up` serves a Spin application; `spin-host build` builds it.

use anyhow::{Context, Result, bail};
use spin_host::{App, AppOptions, Clock, LogSink, Server};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

const USAGE: &str = "\
usage: spin-host build [--from spin.toml]
       spin-host up [--build] [--from spin.toml] [--listen 127.0.0.1:3000]
                    [--runtime-config-file FILE] [--state-dir DIR]
                    [--variable NAME=VALUE]... [--clock 2026-11-23T10:00:00Z]
                    [--request-timeout SECONDS] [--llm-timeout SECONDS]";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let mut manifest = PathBuf::from("spin.toml");
    let mut listen: SocketAddr = "127.0.0.1:3000".parse()?;
    let mut options_build = false;
    let mut runtime_config = None;
    let mut state_dir = None;
    let mut variables = std::collections::BTreeMap::new();
    let mut clock = Clock::system();
    let mut timeout = Duration::from_secs(30);
    let mut llm_timeout = Duration::from_secs(10);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .with_context(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--from" | "-f" => manifest = PathBuf::from(value("--from")?),
            "--listen" => {
                listen = value("--listen")?
                    .parse()
                    .context("--listen takes an address such as 127.0.0.1:3000")?
            }
            "--build" => options_build = true,
            "--runtime-config-file" => {
                runtime_config = Some(PathBuf::from(value("--runtime-config-file")?))
            }
            "--state-dir" => state_dir = Some(PathBuf::from(value("--state-dir")?)),
            "--variable" => {
                let pair = value("--variable")?;
                let (name, val) = pair
                    .split_once('=')
                    .context("--variable takes NAME=VALUE")?;
                variables.insert(name.to_string(), val.to_string());
            }
            "--clock" => {
                let at = value("--clock")?;
                clock = Clock::fixed(at.parse().with_context(|| {
                    format!("--clock {at:?} is not an RFC 3339 time such as 2026-11-23T10:00:00Z")
                })?);
            }
            "--request-timeout" => {
                timeout = Duration::from_secs(
                    value("--request-timeout")?
                        .parse()
                        .context("--request-timeout takes whole seconds")?,
                )
            }
            "--llm-timeout" => {
                llm_timeout = Duration::from_secs(
                    value("--llm-timeout")?
                        .parse()
                        .context("--llm-timeout takes whole seconds")?,
                )
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    match command.as_str() {
        "build" => spin_host::build::build(&manifest),
        "up" => {
            if options_build {
                spin_host::build::build(&manifest)?;
            }
            let options = AppOptions {
                manifest,
                runtime_config,
                state_dir,
                cache_dir: None,
                variables,
                clock,
                request_timeout: timeout,
                llm_timeout,
                listen_addr: listen,
                log_requests: true,
                log_sink: LogSink::Stderr,
            };
            serve(options)
        }
        _ => bail!("{USAGE}"),
    }
}

#[tokio::main]
async fn serve(options: AppOptions) -> Result<()> {
    let started = std::time::Instant::now();
    let listen = options.listen_addr;
    let app = App::load(options)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}: is another server using it? Pass --listen to pick another address"))?;
    let server = Server::start(app, listener).await?;
    println!(
        "Serving {} at http://{} (ready in {:.2}s)",
        server.app.name(),
        server.addr,
        started.elapsed().as_secs_f64()
    );
    tokio::signal::ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}
