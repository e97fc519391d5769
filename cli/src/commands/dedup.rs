//! `salwatch dedup`.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::Context;

/// `salwatch dedup` arguments.
#[derive(Debug, Args)]
pub struct DedupArgs {}

/// Runs `salwatch dedup`.
pub async fn run(_ctx: &Context, _args: &DedupArgs) -> Result<ExitCode> {
    Err(crate::UsageError("not yet available".into()).into())
}
