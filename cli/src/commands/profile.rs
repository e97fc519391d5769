//! `salwatch profile`.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Subcommand;
use salwatch_crawler::inspect::{self, InspectError, ProfileReport};

use super::{Context, load_config};
use crate::UsageError;
use crate::args::Format;
use crate::output::Table;

/// `salwatch profile …` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Show what a site's profile extracts from one page: is it a listing, every field, the
    /// links by class (and whether a crawl would follow each), and the text length.
    ///
    /// PAGE is an http(s) URL, fetched once with the site's headers and the crawl's limits and
    /// address guard (nothing is archived or recorded), or a saved HTML file (`.gz` is
    /// gunzipped), taken to be at --url (default: the site's first seed).
    ///
    /// Examples:
    ///   salwatch profile test classifieds http://127.0.0.1:8481/shpallje/1042/
    ///   salwatch profile test forum saved/thread.html --url http://forum.example/t/77/
    ///   salwatch profile test market http://127.0.0.1:8483/ --format json
    #[command(verbatim_doc_comment)]
    Test {
        /// Site name from salwatch.toml (its profile is used).
        site: String,
        /// URL to fetch, or a saved page file.
        page: String,
        /// The URL a page file was saved from (relative links resolve against it).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// Runs a `profile` subcommand.
pub async fn run(ctx: &Context, cmd: ProfileCommand) -> Result<ExitCode> {
    match cmd {
        ProfileCommand::Test {
            site,
            page,
            url,
            format,
        } => test(ctx, &site, &page, url.as_deref(), format).await,
    }
}

async fn test(
    ctx: &Context,
    site: &str,
    page: &str,
    at: Option<&str>,
    format: Format,
) -> Result<ExitCode> {
    let ws = ctx.existing_workspace()?;
    let config = load_config(&ws)?;
    let Some(site_config) = config.sites.iter().find(|s| s.name == site) else {
        let names: Vec<&str> = config.sites.iter().map(|s| s.name.as_str()).collect();
        return Err(UsageError(format!(
            "no site named {site:?} in {} (sites: {})",
            ws.config_path().display(),
            names.join(", ")
        ))
        .into());
    };
    let parsed = url::Url::parse(page)
        .ok()
        .filter(|u| u.scheme() == "http" || u.scheme() == "https");
    let result = match parsed {
        Some(url) => inspect::test_url(&config, site, &url).await,
        None => {
            let path = PathBuf::from(page);
            if !path.is_file() {
                return Err(UsageError(format!(
                    "{page:?} is neither an http(s) URL nor a readable file"
                ))
                .into());
            }
            let base = match at {
                Some(u) => url::Url::parse(u)
                    .map_err(|e| UsageError(format!("--url {u:?} is not a URL: {e}")))?,
                None => site_config
                    .seeds
                    .first()
                    .and_then(|s| url::Url::parse(s).ok())
                    .ok_or_else(|| UsageError(format!("site {site:?} has no usable seed")))?,
            };
            inspect::test_file(&config, site, &path, &base)
        }
    };
    let report = match result {
        Ok(r) => r,
        Err(e @ (InspectError::UnknownSite(_) | InspectError::Site(_))) => {
            return Err(UsageError(e.to_string()).into());
        }
        Err(e) => return Err(e).context("profile test failed"),
    };
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        Format::Ndjson => {
            serde_json::to_writer(&mut out, &report)?;
            writeln!(out)?;
        }
        Format::Table => table(&report).write_table(&mut out)?,
        Format::Csv => table(&report).write_csv(&mut out)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Key/value rows: the page, each field, each link (`link.<class>`), the text.
fn table(r: &ProfileReport) -> Table {
    let mut t = Table::new(vec!["key", "value", "note"]);
    let mut row = |k: &str, v: String, note: &str| t.row(vec![k.to_string(), v, note.to_string()]);
    row("site", r.site.clone(), "");
    row("profile", r.profile.clone(), "");
    row("url", r.url.clone(), r.source);
    if let Some(s) = r.status {
        row("status", s.to_string(), "");
    }
    row("content_type", r.content_type.clone(), "");
    row("is_listing", r.is_listing.to_string(), "pages.listing_url");
    let f = &r.fields;
    let missing = || "(none)".to_string();
    for (key, value) in [
        ("listing_id", &f.listing_id),
        ("title", &f.title),
        ("price", &f.price),
        ("description", &f.description),
        ("seller", &f.seller),
        ("seller_link", &f.seller_link),
        ("posted", &f.posted),
    ] {
        row(
            &format!("field.{key}"),
            value.clone().unwrap_or_else(missing),
            "",
        );
    }
    for (key, values) in [
        ("images", &f.images),
        ("breadcrumb", &f.breadcrumb),
        ("contacts", &f.contacts),
    ] {
        if values.is_empty() {
            row(&format!("field.{key}"), missing(), "");
        }
        for v in values {
            row(&format!("field.{key}"), v.clone(), "");
        }
    }
    for l in &r.links {
        let mut note = if l.followed {
            "followed"
        } else {
            "not followed (scope or skip_url)"
        }
        .to_string();
        if l.listing_url {
            note.push_str(", listing url");
        }
        row(&format!("link.{}", l.class), l.url.clone(), &note);
    }
    row("text_length", r.text_length.to_string(), "characters");
    row("text", r.text_preview.clone(), "first 300 characters");
    t
}
