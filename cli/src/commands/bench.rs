//! `salwatch bench`.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use super::Context;

/// `salwatch bench …` subcommands.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Not yet available.
    Todo,
}

/// Runs a `bench` subcommand.
pub async fn run(_ctx: &Context, cmd: BenchCommand) -> Result<ExitCode> {
    match cmd {
        BenchCommand::Todo => Err(crate::UsageError("not yet available".into()).into()),
    }
}
