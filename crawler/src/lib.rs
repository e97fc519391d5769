//! # salwatch-crawler
//!
//! The crawler is a leaf of the salwatch workspace (DESIGN.md §1): it knows nothing of rules.
//! It owns the transports, the frontier and politeness, robots.txt, site profiles and the WARC
//! capture archive (writer, reader, capture index). Every fetched page is written to the archive
//! first and only then handed downstream as a [`Page`], so nothing skips the archive.
//!
//! Modules, one job each:
//! - [`canon`]: URL canonicalization and host keys.
//! - [`fetch`]: the [`fetch::Transport`] trait, the clearnet transport, address guard, decoding.
//! - [`robots`]: robots.txt policies.
//! - [`profile`]: site profiles (TOML + CSS selectors) and the generic fallback.
//! - [`text`]: readable text from HTML.
//! - [`archive`]: WARC writer/reader, CDXJ, verify, rebuild of pages.
//! - [`state`]: the SQLite frontier, seen-set and fetch log.
//! - [`pacer`]: per-host token buckets, delays and back-off.
//! - [`crawl`]: the scheduler that ties it together.
//! - [`inspect`]: what a site profile extracts from one page (`salwatch profile test`).

pub mod archive;
pub mod canon;
pub mod config;
pub mod crawl;
pub mod fetch;
pub mod html;
pub mod inspect;
pub mod pacer;
pub mod page;
pub mod photo;
pub mod profile;
pub mod robots;
pub mod state;
pub mod text;
pub mod workspace;

#[cfg(test)]
mod testserver;

pub use archive::{ArchiveError, VerifyReport};
pub use canon::canonicalize;
pub use config::{Config, SiteConfig};
pub use crawl::{
    CrawlError, CrawlEvent, CrawlObserver, CrawlStats, Crawler, NoopObserver, SiteStats, StopHandle,
};
pub use fetch::{Transport, install_crypto_provider};
pub use page::{CaptureRef, Page, PageFields, Route};
pub use profile::{ProfileError, ProfileOutput, SiteProfile};
pub use text::html_to_text;
pub use workspace::Workspace;
