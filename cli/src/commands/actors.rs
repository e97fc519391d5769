//! `salwatch actors` and `salwatch actor`.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::Context;

/// `salwatch actors` arguments.
#[derive(Debug, Args)]
pub struct ActorsArgs {}

/// `salwatch actor` arguments.
#[derive(Debug, Args)]
pub struct ActorArgs {}

/// Lists actors.
pub async fn list(_ctx: &Context, _args: &ActorsArgs) -> Result<ExitCode> {
    Err(crate::UsageError("not yet available".into()).into())
}

/// Shows one actor.
pub async fn show(_ctx: &Context, _args: &ActorArgs) -> Result<ExitCode> {
    Err(crate::UsageError("not yet available".into()).into())
}
