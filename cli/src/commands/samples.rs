//! `salwatch samples serve`.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use salwatch_crawler::{Config, Workspace};

use crate::args::{SamplesCommand, ServeArgs};
use crate::samples::{SampleServer, SampleSource};

/// Serves the samples until Ctrl-C.
pub async fn run(cmd: SamplesCommand) -> Result<ExitCode> {
    let SamplesCommand::Serve(args) = cmd;
    serve(&args).await
}

async fn serve(args: &ServeArgs) -> Result<ExitCode> {
    let source = match &args.dir {
        Some(dir) => SampleSource::Disk(dir.clone()),
        None => SampleSource::Embedded,
    };
    let server = SampleServer::start(source.clone(), args.addr.ip(), args.addr.port()).await?;
    if let Some(dir) = &args.init {
        let ws = Workspace::new(dir.clone());
        init_sample_workspace(&source, &ws, &server)?;
        eprintln!(
            "workspace {} points at these sites; run `salwatch crawl -w {}`",
            ws.root().display(),
            ws.root().display()
        );
    }
    {
        // A script reads these lines to learn the ports; "ready" ends them.
        let mut out = std::io::stdout().lock();
        for (name, url) in &server.sites {
            writeln!(out, "{name}\t{url}")?;
        }
        writeln!(out, "ready")?;
        out.flush()?;
    }
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    server.shutdown();
    Ok(ExitCode::SUCCESS)
}

/// Writes the sample configuration and profiles into `ws`, with every sample site pointed at the
/// port it is served on now.
pub fn init_sample_workspace(
    source: &SampleSource,
    ws: &Workspace,
    server: &SampleServer,
) -> Result<Config> {
    ws.create_dirs()
        .with_context(|| format!("cannot create the workspace {}", ws.root().display()))?;
    let path = source.write_config_files(ws.root())?;
    let mut config = Config::load(&path)?;
    for (name, url) in &server.sites {
        config.rebase_site(name, url);
    }
    let text = rebased_config_text(&std::fs::read_to_string(&path)?, &config)?;
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Config::load(&path)?)
}

/// Rewrites the seeds of the documented sample configuration, keeping its comments.
fn rebased_config_text(original: &str, config: &Config) -> Result<String> {
    let mut doc: toml_edit::DocumentMut = original
        .parse()
        .context("the sample salwatch.toml is not valid TOML")?;
    if let Some(sites) = doc
        .get_mut("sites")
        .and_then(toml_edit::Item::as_array_of_tables_mut)
    {
        for table in sites.iter_mut() {
            let name = table
                .get("name")
                .and_then(|n| n.as_str())
                .unwrap_or_default();
            if let Some(site) = config.sites.iter().find(|s| s.name == name) {
                let seeds: toml_edit::Array = site.seeds.iter().map(String::as_str).collect();
                table["seeds"] = toml_edit::value(seeds);
            }
        }
    }
    Ok(doc.to_string())
}
