//! What the crawler hands downstream: one fetched page, its profile fields, and the capture
//! reference that proves it. The same [`Page`] is rebuilt from the archive alone
//! ([`crate::archive::read_pages`]), so nothing downstream ever depends on a live fetch.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a page was reached. Recorded in the WARC metadata record of every capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    /// Direct HTTP(S) from this machine.
    #[default]
    Clearnet,
    /// Through Tor.
    Tor,
}

/// Where a capture lives in the archive: enough to find, re-hash and cite the exact record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureRef {
    /// WARC file name, relative to the archive directory.
    pub warc_file: String,
    /// Byte offset of the record's gzip member in that file.
    pub offset: u64,
    /// Length in bytes of the record's gzip member.
    pub length: u64,
    /// `WARC-Record-ID` of the response record (`<urn:uuid:…>`).
    pub record_id: String,
    /// `WARC-Payload-Digest` of the response record (`sha256:<hex>`).
    pub payload_digest: String,
}

/// Fields a site profile extracted from a page (all optional: a generic page has only text).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PageFields {
    /// The site's own listing id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_id: Option<String>,
    /// Listing title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Price as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<String>,
    /// Listing body text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Seller name or handle as shown on the site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller: Option<String>,
    /// Absolute URL of the seller's page on the site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_link: Option<String>,
    /// Posted date as written (or as the `datetime` attribute gives it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posted: Option<String>,
    /// Absolute image URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    /// Breadcrumb / category path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breadcrumb: Vec<String>,
    /// Contact details shown in a dedicated field (phone, messenger), as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<String>,
}

/// One fetched page as the crawler hands it downstream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// Site name from the configuration.
    pub site: String,
    /// The URL fetched (canonical form).
    pub url: String,
    /// When the response was received.
    pub fetched_at: DateTime<Utc>,
    /// HTTP status.
    pub status: u16,
    /// Response content type (without parameters).
    pub content_type: String,
    /// Clearnet or Tor.
    pub route: Route,
    /// True when the site profile classifies this URL as a listing page.
    pub is_listing: bool,
    /// Fields from the site profile.
    pub fields: PageFields,
    /// The page's readable text (markup stripped, scripts and styles dropped), the input to the rules.
    pub text: String,
    /// Default phone region of the site (ISO 3166 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_region: Option<String>,
    /// The response record that proves this page.
    pub capture: CaptureRef,
}
