//! # salwatch-crawler
//!
//! The crawler is a leaf of the salwatch workspace (DESIGN.md §1): it knows nothing of rules.
//! It owns the transports, the frontier and politeness, robots.txt, site profiles and the WARC
//! capture archive (writer, reader, capture index). Every fetched page is written to the archive
//! first and only then handed downstream as a [`Page`], so nothing skips the archive.

pub mod config;
pub mod page;
pub mod workspace;

pub use config::{Config, SiteConfig};
pub use page::{CaptureRef, Page, PageFields, Route};
pub use workspace::Workspace;
