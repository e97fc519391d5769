//! The JSON body of a capture's metadata record: what the crawler knew when it captured.
//! [`crate::archive::read_pages`] rebuilds [`crate::Page`]s from it.

use serde::{Deserialize, Serialize};

use crate::page::{PageFields, Route};

/// What a capture was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaptureKind {
    /// A page (HTML or text).
    Page,
    /// A listing photo.
    Image,
    /// A robots.txt.
    Robots,
    /// A redirect hop.
    Redirect,
    /// A 304 Not Modified answer to a conditional revisit (a `revisit` record).
    Revisit,
    /// Anything else (error responses …).
    Other,
}

/// Metadata record body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureMeta {
    /// Tool that wrote it.
    pub software: String,
    /// Crawl job id.
    pub job: String,
    /// Site name.
    pub site: String,
    /// Clearnet or Tor.
    pub route: Route,
    /// What the capture is.
    pub kind: CaptureKind,
    /// True when a [`crate::Page`] was produced from this capture.
    pub page: bool,
    /// Listing page per the site profile.
    pub is_listing: bool,
    /// Profile fields.
    #[serde(default)]
    pub fields: PageFields,
    /// Site default phone region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_region: Option<String>,
    /// Link depth from a seed.
    pub depth: u32,
    /// Page the URL was found on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer: Option<String>,
    /// Site profile used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Perceptual hash of a listing photo (`dhash:` and 16 hex digits, see [`crate::photo`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dhash: Option<String>,
    /// Mean colour of a listing photo (`rgb:` and 6 hex digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_color: Option<String>,
    /// Why no page was produced from a page capture (decoding failed …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
