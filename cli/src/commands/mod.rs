//! One module per subcommand; shared plumbing (workspace, configuration, rule engine) here.

pub mod actors;
pub mod archive;
pub mod bench;
pub mod case;
pub mod crawl;
pub mod crawl_status;
pub mod dedup;
pub mod demo;
pub mod evidence;
pub mod export;
pub mod extract;
pub mod index;
pub mod init;
pub mod profile;
pub mod rules;
pub mod samples;
pub mod search;
pub mod timeline;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result};
use salwatch_crawler::{Config, Workspace};
use salwatch_rules::RuleEngine;

use crate::UsageError;

/// What every command needs to know about how it was called.
#[derive(Debug, Clone)]
pub struct Context {
    workspace: Option<PathBuf>,
    /// True when progress bars must stay hidden.
    pub quiet: bool,
}

impl Context {
    /// From the global flags.
    pub fn new(workspace: Option<PathBuf>, quiet: bool) -> Self {
        Self { workspace, quiet }
    }

    /// The workspace given with --workspace, if any.
    pub fn explicit_workspace(&self) -> Option<&Path> {
        self.workspace.as_deref()
    }

    /// The workspace to use: --workspace, else the current directory.
    pub fn workspace(&self) -> Workspace {
        Workspace::new(self.workspace.clone().unwrap_or_else(|| PathBuf::from(".")))
    }

    /// The workspace, which must have been initialised (it has a salwatch.toml).
    pub fn existing_workspace(&self) -> Result<Workspace> {
        let ws = self.workspace();
        if !ws.config_path().is_file() {
            return Err(UsageError(format!(
                "{} is not a salwatch workspace (no salwatch.toml); create one with `salwatch init {}` or pass --workspace DIR",
                ws.root().display(),
                ws.root().display()
            ))
            .into());
        }
        Ok(ws)
    }
}

/// Loads the workspace's salwatch.toml.
pub fn load_config(ws: &Workspace) -> Result<Config> {
    Ok(Config::load(&ws.config_path())?)
}

/// The built-in pack plus the packs named in the configuration and on the command line.
pub fn rule_engine(config: Option<&Config>, extra: &[PathBuf]) -> Result<Arc<RuleEngine>> {
    load_rule_engine(config, extra).map(Arc::new)
}

/// [`rule_engine`] before it is shared, for a command that sets it up further.
pub fn load_rule_engine(config: Option<&Config>, extra: &[PathBuf]) -> Result<RuleEngine> {
    let mut packs: Vec<PathBuf> = config
        .map(|c| c.rules.packs.iter().map(|p| c.resolve(p)).collect())
        .unwrap_or_default();
    packs.extend(extra.iter().cloned());
    let engine = RuleEngine::with_packs(&packs).context("cannot load the rule packs")?;
    Ok(match config.and_then(|c| c.rules.max_entities) {
        Some(limit) => engine.with_entity_limit(entity_limit(limit)),
        None => engine,
    })
}

/// An entity limit as the user writes it (0: none) as the engine takes it.
pub fn entity_limit(limit: usize) -> usize {
    match limit {
        0 => usize::MAX,
        n => n,
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use salwatch_crawler::Config;
    use salwatch_rules::Document;

    /// Entities reported for ten ads by the engine `[rules]` of `rules` sets up.
    fn reported(rules: &str) -> (usize, usize) {
        let text =
            format!("{rules}\n[[sites]]\nname = \"shop\"\nseeds = [\"http://127.0.0.1:1/\"]\n");
        let config = Config::parse(&text, Path::new("salwatch.toml"), PathBuf::from("."))
            .expect("configuration parses");
        let engine = super::load_rule_engine(Some(&config), &[]).expect("engine loads");
        let ads = "Prodajem Glock 19, 350 eur, tel 064 123 4567. ".repeat(10);
        let x = engine.extract(&Document {
            id: "t",
            text: &ads,
            default_region: None,
        });
        (x.entities.len(), x.entities_omitted)
    }

    /// `[rules] max_entities` reaches the engine a crawl uses: N entities reported, 0 for no
    /// limit, the rules' default when absent.
    #[test]
    fn max_entities_of_the_configuration_limits_the_engine() {
        let (all, none_omitted) = reported("[rules]\nmax_entities = 0");
        assert!(all > 20, "{all}");
        assert_eq!(none_omitted, 0);
        assert_eq!(reported("[rules]\nmax_entities = 3"), (3, all - 3));
        assert_eq!(reported(""), (all, 0));
    }
}
