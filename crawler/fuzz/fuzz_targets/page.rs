//! Fuzz target: a fetched page as the crawler reads it — content decoding (gzip, deflate,
//! charsets), the depth-bounded HTML parse, a sample site profile's fields and links, and the
//! readable text — must not panic, must stop (if it stops) inside the document, must keep
//! only http(s) links without fragments, and must give the same text as the plain text path.
//!
//! The first byte picks the content encoding (low 2 bits) and the content type (next 2 bits);
//! the rest is the body. `cargo fuzz run page -s none` (stable Rust). Seeds: `corpus/page`.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use salwatch_crawler::SiteProfile;
use salwatch_crawler::fetch::decode::{decode_body, page_text};
use url::Url;

fn profile() -> &'static SiteProfile {
    static PROFILE: OnceLock<SiteProfile> = OnceLock::new();
    PROFILE.get_or_init(|| {
        SiteProfile::parse(
            include_str!("../../../samples/profiles/classifieds.toml"),
            Path::new("classifieds.toml"),
        )
        .expect("the sample profile parses")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&head, body)) = data.split_first() else {
        return;
    };
    let encoding =
        [None, Some("gzip"), Some("deflate"), Some("gzip, deflate")][usize::from(head & 3)];
    let media = [
        Some("text/html"),
        Some("text/html; charset=windows-1251"),
        Some("text/html; charset=utf-16le"),
        None,
    ][usize::from((head >> 2) & 3)];
    // A 64 KiB cap keeps bombs cheap here; the crawler itself caps at 50 MiB.
    let Ok(doc) = decode_body(body, media, encoding, 64 << 10) else {
        return;
    };
    let url = Url::parse("http://classifieds.example/shpallje/1042/").expect("url");
    let out = profile().extract(&url, &doc);
    if let Some(at) = out.stopped_at {
        assert!(at <= doc.len(), "stopped at {at} of {}", doc.len());
    }
    for link in out
        .listing_links
        .iter()
        .chain(&out.pagination_links)
        .chain(&out.follow_links)
    {
        assert!(matches!(link.scheme(), "http" | "https"), "{link}");
        assert!(link.fragment().is_none(), "{link}");
    }
    assert!(!out.text.contains("\n\n"), "blank line in the text");
    assert_eq!(page_text("text/html", &doc), out.text);
});
