//! `salwatch case …`.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use super::Context;

/// `salwatch case …` subcommands.
#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Not yet available.
    Todo,
}

/// Runs a `case` subcommand.
pub async fn run(_ctx: &Context, cmd: CaseCommand) -> Result<ExitCode> {
    match cmd {
        CaseCommand::Todo => Err(crate::UsageError("not yet available".into()).into()),
    }
}
