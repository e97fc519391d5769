//! `salwatch profile test`: what a site's profile extracts from one page, so that profiles are
//! written by looking rather than guessing. The page is fetched once with the real transport
//! (same headers, limits and address guard as a crawl; nothing is archived or recorded) or read
//! from a file, then decoded and run through the same profile code the crawl uses.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use url::Url;

use crate::canon::canonicalize;
use crate::config::Config;
use crate::crawl::{CrawlError, SiteRuntime};
use crate::fetch::decode::{decode_body, is_html, page_text};
use crate::fetch::transport::media_type;
use crate::fetch::{ClearnetTransport, FetchError, FetchLimits, FetchRequest, Transport};
use crate::page::PageFields;

/// Errors of a profile test.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InspectError {
    /// No site of that name in the configuration.
    #[error("no site named {0:?} in the configuration")]
    UnknownSite(String),
    /// The site (profile, seeds, scope) could not be resolved.
    #[error(transparent)]
    Site(#[from] CrawlError),
    /// The page could not be fetched.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The file could not be read.
    #[error("cannot read page file {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The body could not be decoded (compression bomb, corrupt gzip …).
    #[error("{url}: {message}")]
    Decode {
        /// The URL.
        url: String,
        /// Why.
        message: String,
    },
}

/// One link the profile found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkReport {
    /// `listing`, `pagination` or `follow` (the profile's class of the link).
    pub class: &'static str,
    /// Absolute URL as found (fragment removed).
    pub url: String,
    /// True when a crawl would queue it (in the site's scope, not skipped by `pages.skip_url`).
    pub followed: bool,
    /// True when the URL matches `pages.listing_url`.
    pub listing_url: bool,
}

/// What a profile extracts from one page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileReport {
    /// Site name.
    pub site: String,
    /// Profile name (`generic` for the fallback).
    pub profile: String,
    /// The URL the page is taken to be at.
    pub url: String,
    /// `fetched` or `file`.
    pub source: &'static str,
    /// HTTP status when fetched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Media type of the page.
    pub content_type: String,
    /// True when the URL matches `pages.listing_url`.
    pub is_listing: bool,
    /// Every field the profile extracted.
    pub fields: PageFields,
    /// Links by class.
    pub links: Vec<LinkReport>,
    /// Characters of readable text (the input to the rules).
    pub text_length: usize,
    /// The first 300 characters of that text.
    pub text_preview: String,
}

/// Resolves a site of the configuration.
pub fn site_runtime(config: &Config, site: &str) -> Result<SiteRuntime, InspectError> {
    let sc = config
        .sites
        .iter()
        .find(|s| s.name == site)
        .ok_or_else(|| InspectError::UnknownSite(site.to_string()))?;
    Ok(SiteRuntime::new(config, sc)?)
}

/// Fetches `url` once with the site's headers and the configured limits, and runs the profile.
/// Nothing is archived and the state database is not touched.
pub async fn test_url(
    config: &Config,
    site: &str,
    url: &Url,
) -> Result<ProfileReport, InspectError> {
    let rt = site_runtime(config, site)?;
    let c = &config.crawl;
    let transport: Arc<dyn Transport> = Arc::new(ClearnetTransport::new(
        &c.user_agent,
        Duration::from_secs(c.connect_timeout_secs.max(1)),
        c.allow_private_addresses,
    )?);
    let request = FetchRequest {
        url: url.clone(),
        headers: rt.headers.clone(),
        limits: FetchLimits {
            first_byte_timeout: Duration::from_secs(c.first_byte_timeout_secs.max(1)),
            total_timeout: Duration::from_secs(c.total_timeout_secs.max(1)),
            max_body_bytes: c.max_body_bytes,
            content_types: Vec::new(),
        },
    };
    let resp = transport.fetch(&request).await?;
    let ct = resp.header("content-type");
    let ce = resp.header("content-encoding");
    let mut report = inspect(
        &rt,
        url,
        &resp.body,
        ct.as_deref(),
        ce.as_deref(),
        c.max_decompressed_bytes,
    )?;
    report.source = "fetched";
    report.status = Some(resp.status);
    Ok(report)
}

/// Reads a saved page from `path` (taken to be at `url`) and runs the profile. The charset comes
/// from a BOM or `<meta>`, else UTF-8; a `.gz` file is gunzipped.
pub fn test_file(
    config: &Config,
    site: &str,
    path: &Path,
    url: &Url,
) -> Result<ProfileReport, InspectError> {
    let rt = site_runtime(config, site)?;
    let body = std::fs::read(path).map_err(|source| InspectError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let ce = path
        .extension()
        .is_some_and(|e| e == "gz")
        .then_some("gzip");
    let lower = path.to_string_lossy().to_ascii_lowercase();
    let ct = if lower.ends_with(".txt") || lower.ends_with(".txt.gz") {
        "text/plain"
    } else {
        "text/html"
    };
    inspect(
        &rt,
        url,
        &body,
        Some(ct),
        ce,
        config.crawl.max_decompressed_bytes,
    )
}

/// Runs a site's profile over a raw body (content encoding and charset undone here).
pub fn inspect(
    site: &SiteRuntime,
    url: &Url,
    body: &[u8],
    content_type: Option<&str>,
    content_encoding: Option<&str>,
    decompress_limit: u64,
) -> Result<ProfileReport, InspectError> {
    let doc = decode_body(body, content_type, content_encoding, decompress_limit).map_err(|e| {
        InspectError::Decode {
            url: url.to_string(),
            message: e.to_string(),
        }
    })?;
    let media = media_type(content_type.unwrap_or("text/html"));
    let profile = &site.profile;
    let mut report = ProfileReport {
        site: site.name.clone(),
        profile: profile.name.clone(),
        url: url.to_string(),
        source: "file",
        status: None,
        content_type: media.clone(),
        is_listing: profile.is_listing_url(url),
        fields: PageFields::default(),
        links: Vec::new(),
        text_length: 0,
        text_preview: String::new(),
    };
    let text = if is_html(&media) {
        let out = profile.extract(url, &doc);
        report.fields = out.fields;
        for (class, links) in [
            ("listing", &out.listing_links),
            ("pagination", &out.pagination_links),
            ("follow", &out.follow_links),
        ] {
            for link in links {
                let c = canonicalize(link);
                report.links.push(LinkReport {
                    class,
                    url: link.to_string(),
                    followed: site.in_scope(&c) && !profile.is_skipped(&c),
                    listing_url: profile.is_listing_url(&c),
                });
            }
        }
        out.text
    } else {
        page_text(&media, &doc)
    };
    report.text_length = text.chars().count();
    report.text_preview = text.chars().take(300).collect();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: &str = r#"
name = "shop"
[pages]
listing_url = ['^/ad/\d+$']
skip_url = ['^/login']
[links]
listings = ["a.ad"]
pagination = ["a.next"]
follow = ["nav a"]
[fields]
title = "h1"
price = ".price"
images = ["img@src"]
"#;

    fn config(dir: &Path) -> Config {
        std::fs::write(dir.join("shop.toml"), PROFILE).expect("write profile");
        Config::parse(
            "[[sites]]\nname = \"shop\"\nprofile = \"shop.toml\"\nseeds = [\"http://shop.test/\"]\n",
            Path::new("salwatch.toml"),
            dir.to_path_buf(),
        )
        .expect("config")
    }

    #[test]
    fn file_shows_fields_links_by_class_and_text() {
        let dir = tempfile::tempdir().expect("tmp");
        let config = config(dir.path());
        let page = dir.path().join("ad.html");
        std::fs::write(
            &page,
            r#"<nav><a href="/login">in</a><a href="/cat/">cat</a></nav><h1>Glock 19</h1>
            <span class="price">350€</span><img src="/p/1.jpg"><a class="ad" href="/ad/2">2</a>
            <a class="next" href="/?page=2">n</a><a class="ad" href="http://other.test/ad/3">x</a>"#,
        )
        .expect("write page");
        let url = Url::parse("http://shop.test/ad/1").expect("url");
        let r = test_file(&config, "shop", &page, &url).expect("report");
        assert!(r.is_listing);
        assert_eq!(r.profile, "shop");
        assert_eq!(r.fields.title.as_deref(), Some("Glock 19"));
        assert_eq!(r.fields.price.as_deref(), Some("350€"));
        assert_eq!(r.fields.images, vec!["http://shop.test/p/1.jpg"]);
        let got: Vec<(&str, &str, bool)> = r
            .links
            .iter()
            .map(|l| (l.class, l.url.as_str(), l.followed))
            .collect();
        assert_eq!(
            got,
            vec![
                ("listing", "http://shop.test/ad/2", true),
                ("listing", "http://other.test/ad/3", false),
                ("pagination", "http://shop.test/?page=2", true),
                ("follow", "http://shop.test/login", false),
                ("follow", "http://shop.test/cat/", true),
            ]
        );
        assert!(r.text_preview.contains("Glock 19"));
        assert_eq!(r.text_length, r.text_preview.chars().count());
        assert!(matches!(
            test_file(&config, "nope", &page, &url),
            Err(InspectError::UnknownSite(_))
        ));
    }
}
