//! `salwatch init`: a new workspace with a documented configuration to edit.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use salwatch_crawler::Workspace;

use super::Context;
use crate::UsageError;
use crate::args::InitArgs;
use crate::samples::SampleSource;

/// Creates the workspace directories and writes salwatch.toml and the sample site profiles.
pub fn run(ctx: &Context, args: &InitArgs) -> Result<ExitCode> {
    let ws = match &args.dir {
        Some(dir) => Workspace::new(dir.clone()),
        None => ctx.workspace(),
    };
    if ws.config_path().exists() && !args.force {
        return Err(UsageError(format!(
            "{} already exists; pass --force to overwrite it",
            ws.config_path().display()
        ))
        .into());
    }
    ws.create_dirs()
        .with_context(|| format!("cannot create the workspace {}", ws.root().display()))?;
    SampleSource::Embedded.write_config_files(ws.root())?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "Initialised workspace {}", ws.root().display())?;
    writeln!(
        out,
        "Edit {} (every key is documented there), then run `salwatch crawl -w {}`.",
        ws.config_path().display(),
        ws.root().display()
    )?;
    Ok(ExitCode::SUCCESS)
}
