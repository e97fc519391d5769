//! `salwatch crawl status`.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::Context;
use crate::args::Format;

/// `salwatch crawl status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Prints the crawl state of the workspace.
pub fn run(_ctx: &Context, _args: &StatusArgs) -> Result<ExitCode> {
    Err(crate::UsageError("not yet available".into()).into())
}
