//! What a response means for the crawl: its kind, the page (fields, text), and the URLs it adds
//! to the frontier. Pure: the live crawl and crash recovery call the same function, so a capture
//! recovered from the archive has exactly the effect it would have had live.

use std::collections::HashSet;

use url::Url;

use super::site::SiteRuntime;
use crate::archive::{CaptureKind, CaptureMeta};
use crate::canon::canonicalize;
use crate::fetch::decode::{decode_body, is_html, page_text};
use crate::fetch::transport::media_type;
use crate::page::PageFields;
use crate::state::{FrontierRow, NewUrl, UrlKind, priority};

/// The parts of a response analysis needs (live or from the archive).
#[derive(Debug, Clone, Copy)]
pub struct ResponseView<'a> {
    /// URL fetched.
    pub url: &'a Url,
    /// Status.
    pub status: u16,
    /// `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// `Content-Encoding` header.
    pub content_encoding: Option<&'a str>,
    /// `Location` header.
    pub location: Option<&'a str>,
    /// Raw body.
    pub body: &'a [u8],
}

/// Result of analysing one response.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Metadata record body.
    pub meta: CaptureMeta,
    /// Media type.
    pub media: String,
    /// Page text when a page is produced.
    pub text: Option<String>,
    /// URLs to add.
    pub found: Vec<NewUrl>,
    /// Error class and message when the capture is a failure for the log.
    pub error: Option<(&'static str, String)>,
    /// True when a listing page answered 2xx but its text carries one of the profile's
    /// `pages.removed_markers` (the ad was taken down): logged as `gone`, like a 404/410.
    pub removed: bool,
}

/// Analyses a response of a frontier row.
pub fn analyze(
    site: &SiteRuntime,
    job: &str,
    row: &FrontierRow,
    resp: ResponseView<'_>,
    max_redirects: u32,
    decompress_limit: u64,
    fetch_images: bool,
) -> Analysis {
    let media = media_type(resp.content_type.unwrap_or(""));
    let mut meta = CaptureMeta {
        software: concat!("salwatch-crawler/", env!("CARGO_PKG_VERSION")).to_string(),
        job: job.to_string(),
        site: site.name.clone(),
        route: site.route,
        kind: if row.kind == UrlKind::Image {
            CaptureKind::Image
        } else {
            CaptureKind::Other
        },
        page: false,
        is_listing: false,
        fields: PageFields::default(),
        phone_region: site.phone_region.clone(),
        depth: row.depth,
        referrer: row.referrer.clone(),
        profile: Some(site.profile.name.clone()),
        dhash: None,
        photo_color: None,
        error: None,
    };
    let mut out = Analysis {
        meta: meta.clone(),
        media: media.clone(),
        text: None,
        found: Vec::new(),
        error: None,
        removed: false,
    };
    if resp.status == 304 {
        // The answer to a conditional revisit: the page is as last captured.
        meta.kind = CaptureKind::Revisit;
    } else if (300..400).contains(&resp.status) {
        meta.kind = CaptureKind::Redirect;
        let target = resp
            .location
            .and_then(|l| resp.url.join(l.trim()).ok())
            .map(|u| canonicalize(&u));
        match target {
            None => {
                out.error = Some((
                    "redirect",
                    format!("{}: redirect without a usable Location", resp.url),
                ))
            }
            Some(t)
                if &t == resp.url
                    || (row.hops > 0 && row.referrer.as_deref() == Some(t.as_str())) =>
            {
                out.error = Some((
                    "redirect_loop",
                    format!("{}: redirect loop back to {t}", resp.url),
                ));
            }
            Some(_) if row.hops >= max_redirects => {
                out.error = Some((
                    "redirect_limit",
                    format!("{}: more than {max_redirects} redirects", resp.url),
                ));
            }
            Some(t) => {
                if row.kind == UrlKind::Image || site.in_scope(&t) {
                    out.found.push(NewUrl {
                        url: t.to_string(),
                        depth: row.depth,
                        priority: row.priority,
                        kind: row.kind,
                        referrer: Some(resp.url.to_string()),
                        hops: row.hops + 1,
                    });
                } else {
                    tracing::debug!(from = %resp.url, to = %t, "redirect out of scope not followed");
                }
            }
        }
    } else if row.kind == UrlKind::Page
        && (200..300).contains(&resp.status)
        && (is_html(&media) || media == "text/plain")
    {
        meta.kind = CaptureKind::Page;
        match decode_body(
            resp.body,
            resp.content_type,
            resp.content_encoding,
            decompress_limit,
        ) {
            Err(e) => {
                meta.error = Some(e.to_string());
                out.error = Some(("decode", format!("{}: {e}", resp.url)));
            }
            Ok(doc) => {
                meta.page = true;
                meta.is_listing = site.profile.is_listing_url(resp.url);
                if is_html(&media) {
                    let po = site.profile.extract(resp.url, &doc);
                    // URLs already added, so a page of many links costs linear time.
                    let mut seen: HashSet<String> =
                        out.found.iter().map(|u| u.url.clone()).collect();
                    meta.fields = po.fields;
                    let next_depth = row.depth + 1;
                    if next_depth <= site.max_depth {
                        for (links, prio) in [
                            (&po.listing_links, priority::LISTING),
                            (&po.pagination_links, priority::PAGINATION),
                            (&po.follow_links, priority::FOLLOW),
                        ] {
                            for link in links {
                                let c = canonicalize(link);
                                if !site.in_scope(&c) || site.profile.is_skipped(&c) {
                                    continue;
                                }
                                let prio = if site.profile.is_listing_url(&c) {
                                    priority::LISTING
                                } else {
                                    prio
                                };
                                push_unique(
                                    &mut out.found,
                                    &mut seen,
                                    NewUrl {
                                        url: c.to_string(),
                                        depth: next_depth,
                                        priority: prio,
                                        kind: UrlKind::Page,
                                        referrer: Some(resp.url.to_string()),
                                        hops: 0,
                                    },
                                );
                            }
                        }
                    }
                    if fetch_images && meta.is_listing {
                        for img in &meta.fields.images {
                            if let Ok(u) = Url::parse(img) {
                                push_unique(
                                    &mut out.found,
                                    &mut seen,
                                    NewUrl {
                                        url: canonicalize(&u).to_string(),
                                        depth: next_depth,
                                        priority: priority::IMAGE,
                                        kind: UrlKind::Image,
                                        referrer: Some(resp.url.to_string()),
                                        hops: 0,
                                    },
                                );
                            }
                        }
                    }
                    out.text = Some(po.text);
                } else {
                    out.text = Some(page_text(&media, &doc));
                }
                out.removed = meta.is_listing
                    && out
                        .text
                        .as_deref()
                        .is_some_and(|t| site.profile.is_removed(t));
            }
        }
    } else if row.kind == UrlKind::Page
        && matches!(resp.status, 404 | 410)
        && site.profile.is_listing_url(resp.url)
    {
        // A listing page that is gone: handed downstream (status 404/410, no fields) so that the
        // listing's timeline records its disappearance.
        meta.kind = CaptureKind::Page;
        meta.page = true;
        meta.is_listing = true;
        let text = decode_body(
            resp.body,
            resp.content_type,
            resp.content_encoding,
            decompress_limit,
        )
        .map(|doc| page_text(&media, &doc))
        .unwrap_or_default();
        out.text = Some(text);
        out.error = Some(("http_status", format!("{}: HTTP {}", resp.url, resp.status)));
    } else if row.kind == UrlKind::Image && (200..300).contains(&resp.status) {
        match crate::photo::fingerprint(resp.body) {
            Ok(f) => {
                meta.dhash = Some(f.dhash.to_string());
                meta.photo_color = Some(f.color.to_string());
            }
            Err(e) => {
                meta.error = Some(e.to_string());
                out.error = Some((e.class(), format!("{}: {e}", resp.url)));
            }
        }
    } else if resp.status >= 400 {
        out.error = Some(("http_status", format!("{}: HTTP {}", resp.url, resp.status)));
    }
    out.meta = meta;
    out
}

fn push_unique(v: &mut Vec<NewUrl>, seen: &mut HashSet<String>, u: NewUrl) {
    if seen.insert(u.url.clone()) {
        v.push(u);
    }
}
