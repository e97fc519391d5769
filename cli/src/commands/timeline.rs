//! `salwatch timeline`.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::Context;

/// `salwatch timeline` arguments.
#[derive(Debug, Args)]
pub struct TimelineArgs {}

/// Runs `salwatch timeline`.
pub async fn run(_ctx: &Context, _args: &TimelineArgs) -> Result<ExitCode> {
    Err(crate::UsageError("not yet available".into()).into())
}
