//! `salwatch rules`.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use super::Context;

/// `salwatch rules …` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Not yet available.
    Todo,
}

/// Runs a `rules` subcommand.
pub async fn run(_ctx: &Context, cmd: RulesCommand) -> Result<ExitCode> {
    match cmd {
        RulesCommand::Todo => Err(crate::UsageError("not yet available".into()).into()),
    }
}
