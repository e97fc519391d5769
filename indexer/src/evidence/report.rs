//! `salwatch/report.html`: the package for a human reader. One self-contained page (inline CSS,
//! no scripts, no external resources); every captured text is HTML-escaped.

use std::fmt::Write as _;

use super::collect::CaseMaterial;
use super::photos::Photo;
use crate::timeline::html::escape;

/// What the report says about the package itself.
#[derive(Debug, Clone)]
pub struct ReportMeta<'a> {
    /// When exported.
    pub exported_at: &'a str,
    /// By whom.
    pub exported_by: &'a str,
    /// Tool and version.
    pub tool: &'a str,
    /// Public key, PEM.
    pub public_pem: &'a str,
    /// Public key fingerprint.
    pub fingerprint: &'a str,
    /// The listings' photos.
    pub photos: &'a [Photo],
}

/// Raster formats embedded (never SVG: it can carry scripts).
const EMBEDDABLE: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

fn photo_html(h: &mut String, listing_id: &str, photos: &[Photo]) {
    for p in photos.iter().filter(|p| p.listing_id == listing_id) {
        match &p.data {
            Some(data) if EMBEDDABLE.contains(&p.mime.as_str()) => {
                let _ = writeln!(
                    h,
                    "<figure><img alt=\"photo\" style=\"max-width:20em\" src=\"data:{};base64,{}\"><figcaption class=\"k\">{}<br>{}</figcaption></figure>",
                    p.mime,
                    data_encoding::BASE64.encode(data),
                    escape(&p.url),
                    escape(&p.capture.capture.payload_digest)
                );
            }
            _ => {
                let _ = writeln!(
                    h,
                    "<p class=\"k\">photo {} ({}, in the WARC only)</p>",
                    escape(&p.url),
                    escape(&p.mime)
                );
            }
        }
    }
}

const STYLE: &str = "body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}\
table{border-collapse:collapse;width:100%;margin:1em 0}td,th{border:1px solid #bbb;padding:.3em;\
text-align:left;vertical-align:top;font-size:.9em}th{background:#eee}pre{white-space:pre-wrap;\
background:#f6f6f6;padding:.5em}.k{font-family:monospace;word-break:break-all}";

/// Renders the report.
pub fn render(m: &CaseMaterial, meta: &ReportMeta<'_>) -> String {
    let mut h = String::new();
    let case = &m.case;
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
<title>Evidence package: case {name}</title><style>{STYLE}</style></head><body>\n\
<h1>Evidence package: case {name}</h1>\n<p>Exported {at} by {by} with {tool}. \
Created {created} by {cby}.</p>\n",
        name = escape(&case.name),
        at = escape(meta.exported_at),
        by = escape(meta.exported_by),
        tool = escape(meta.tool),
        created = escape(&case.created_at),
        cby = escape(&case.created_by),
    );
    if let Some(d) = &case.description {
        let _ = writeln!(h, "<p>{}</p>", escape(d));
    }
    let _ = writeln!(
        h,
        "<h2>Signature</h2><p>The package is signed with Ed25519. Public key fingerprint: \
<span class=\"k\">{}</span></p><pre>{}</pre>",
        escape(meta.fingerprint),
        escape(meta.public_pem)
    );
    let _ = writeln!(
        h,
        "<h2>Listings ({})</h2><table><tr><th>Listing</th><th>Site</th><th>Title</th><th>Price</th>\
<th>Seller</th><th>First seen</th><th>Last seen</th><th>Capture</th></tr>",
        m.listings.len()
    );
    for l in &m.listings {
        let _ = writeln!(
            h,
            "<tr><td class=\"k\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
<td class=\"k\">{} @{}<br>{}</td></tr>",
            escape(&l.listing_id),
            escape(&l.site),
            escape(&l.title),
            escape(l.price_text.as_deref().unwrap_or("")),
            escape(l.seller.as_deref().unwrap_or("")),
            l.first_seen.to_rfc3339(),
            l.last_seen.to_rfc3339(),
            escape(&l.capture.warc_file),
            l.capture.offset,
            escape(&l.capture.payload_digest),
        );
    }
    h.push_str("</table>\n");
    for l in &m.listings {
        let packs: Vec<String> = l
            .rule_packs
            .iter()
            .map(|p| format!("{} {}", p.id, p.version))
            .collect();
        let _ = writeln!(
            h,
            "<h3>{}</h3><p>URL (not a link): <span class=\"k\">{}</span><br>Rule packs: {}</p><pre>{}</pre>",
            escape(&l.listing_id),
            escape(&l.url),
            escape(&packs.join(", ")),
            escape(&l.body)
        );
        photo_html(&mut h, &l.listing_id, meta.photos);
    }
    let _ = writeln!(
        h,
        "<h2>Entities ({})</h2><table><tr><th>Kind</th><th>Value</th><th>Listings</th></tr>",
        m.entities.len()
    );
    for e in &m.entities {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"k\">{}</td><td class=\"k\">{}</td></tr>",
            escape(&e.kind),
            escape(&e.value),
            escape(&e.listings.join(" "))
        );
    }
    h.push_str("</table>\n");
    let _ = writeln!(h, "<h2>Actors ({})</h2><ul>", m.actors.len());
    for a in &m.actors {
        let accounts: Vec<&str> = a.accounts.iter().map(|x| x.key.as_str()).collect();
        let _ = writeln!(
            h,
            "<li><span class=\"k\">{}</span>: {}</li>",
            escape(&a.actor_id),
            escape(&accounts.join(", "))
        );
    }
    h.push_str("</ul>\n");
    let _ = writeln!(
        h,
        "<h2>Timeline ({})</h2><table><tr><th>When</th><th>Event</th><th>Listing</th><th>Detail</th></tr>",
        m.timeline.len()
    );
    for e in &m.timeline {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"k\">{}</td><td>{}</td></tr>",
            escape(&e.at),
            escape(&e.event),
            escape(&e.listing_id),
            escape(&e.detail)
        );
    }
    h.push_str("</table>\n<h2>Notes and audit log</h2><ul>\n");
    for n in &case.notes {
        let _ = writeln!(
            h,
            "<li>{} {}: {}</li>",
            escape(&n.at),
            escape(&n.analyst),
            escape(&n.text)
        );
    }
    for a in &case.audit {
        let _ = writeln!(
            h,
            "<li>{} {} {}: {}</li>",
            escape(&a.at),
            escape(&a.analyst),
            escape(&a.action),
            escape(&a.detail)
        );
    }
    h.push_str(
        "</ul>\n<h2>How to verify</h2><p>See <code>salwatch/VERIFY.txt</code> in this package: \
every file's SHA-256 is in <code>datapackage.json</code>, whose own SHA-256 and Ed25519 \
signature are in <code>datapackage-digest.json</code>.</p>\n</body></html>\n",
    );
    h
}
