//! `salwatch profile`.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use super::Context;

/// `salwatch profile …` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Not yet available.
    Todo,
}

/// Runs a `profile` subcommand.
pub async fn run(_ctx: &Context, cmd: ProfileCommand) -> Result<ExitCode> {
    match cmd {
        ProfileCommand::Todo => Err(crate::UsageError("not yet available".into()).into()),
    }
}
