//! A timeline as one self-contained HTML page: an inline SVG time chart (one lane per listing,
//! one mark per event) and the event table. No scripts, no external resources (a
//! Content-Security-Policy forbids loading anything), every text escaped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::Event;

/// Chart geometry (px).
const WIDTH: f64 = 960.0;
const LEFT: f64 = 230.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 30.0;
const LANE: f64 = 22.0;

/// Colour of each event kind.
fn colour(event: &str) -> &'static str {
    match event {
        "first_seen" => "#2b7bba",
        "price_changed" => "#e08214",
        "text_changed" => "#8073ac",
        "gone" => "#d7301f",
        "reappeared" => "#1a9850",
        "reposted" => "#c51b7d",
        "identifier_first_used" => "#4d4d4d",
        _ => "#999999",
    }
}

/// HTML escaping for text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn parse(at: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(at)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The page for `events` under the heading `title`.
pub fn render(title: &str, events: &[Event]) -> String {
    let mut lanes: BTreeMap<&str, usize> = BTreeMap::new();
    for e in events {
        let n = lanes.len();
        lanes.entry(e.listing_id.as_str()).or_insert(n);
    }
    let times: Vec<i64> = events
        .iter()
        .filter_map(|e| parse(&e.at))
        .map(|t| t.timestamp())
        .collect();
    let (t0, t1) = match (times.iter().min(), times.iter().max()) {
        (Some(&a), Some(&b)) if b > a => (a, b),
        (Some(&a), _) => (a - 43_200, a + 43_200),
        _ => (0, 1),
    };
    let span = (t1 - t0) as f64;
    let x = |t: i64| LEFT + (t - t0) as f64 / span * (WIDTH - LEFT - RIGHT);
    let height = TOP + LANE * lanes.len().max(1) as f64 + 30.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"time chart\">"
    );
    // Axis with six ticks.
    let axis_y = height - 22.0;
    let _ = writeln!(
        svg,
        "<line x1=\"{LEFT}\" y1=\"{axis_y}\" x2=\"{}\" y2=\"{axis_y}\" stroke=\"#555\"/>",
        WIDTH - RIGHT
    );
    for i in 0..=5 {
        let t = t0 + (t1 - t0) * i / 5;
        let tx = x(t);
        let label = DateTime::from_timestamp(t, 0)
            .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        let _ = writeln!(
            svg,
            "<line x1=\"{tx:.1}\" y1=\"{TOP}\" x2=\"{tx:.1}\" y2=\"{axis_y}\" stroke=\"#eee\"/>\
             <text x=\"{tx:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            axis_y + 14.0,
            escape(&label)
        );
    }
    for (listing, lane) in &lanes {
        let y = TOP + LANE * *lane as f64 + LANE / 2.0;
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>\
             <line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>",
            LEFT - 8.0,
            y + 4.0,
            escape(listing),
            WIDTH - RIGHT
        );
    }
    for e in events {
        let (Some(t), Some(lane)) = (parse(&e.at), lanes.get(e.listing_id.as_str())) else {
            continue;
        };
        let y = TOP + LANE * *lane as f64 + LANE / 2.0;
        let _ = writeln!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"6\" fill=\"{}\" class=\"ev-{}\">\
             <title>{} {}: {}</title></circle>",
            x(t.timestamp()),
            colour(&e.event),
            escape(&e.event),
            escape(&e.at),
            escape(&e.listing_id),
            escape(&e.detail)
        );
    }
    svg.push_str("</svg>\n");
    let mut legend = String::new();
    for kind in [
        "first_seen",
        "price_changed",
        "text_changed",
        "reposted",
        "gone",
        "reappeared",
        "identifier_first_used",
    ] {
        let _ = write!(
            legend,
            "<span class=\"key\"><svg width=\"12\" height=\"12\"><circle cx=\"6\" cy=\"6\" r=\"5\" \
             fill=\"{}\"/></svg> {}</span> ",
            colour(kind),
            kind.replace('_', " ")
        );
    }
    let mut rows = String::new();
    for e in events {
        let _ = writeln!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&e.at),
            escape(&e.event),
            escape(&e.listing_id),
            escape(&e.site),
            escape(&e.detail)
        );
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
<title>{t}</title>\n<style>\nbody{{font-family:sans-serif;margin:1.5em;color:#222}}\n\
table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ccc;padding:3px 6px;text-align:left}}\n\
.key{{margin-right:1em;font-size:13px}}\n</style>\n</head>\n<body>\n<h1>{t}</h1>\n\
<p>{n} events, {l} listings. Generated by salwatch; hover a mark for its details.</p>\n\
<p>{legend}</p>\n{svg}<table>\n<tr><th>when (UTC)</th><th>event</th><th>listing</th><th>site</th><th>detail</th></tr>\n{rows}</table>\n\
</body>\n</html>\n",
        t = escape(title),
        n = events.len(),
        l = lanes.len(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(at: &str, event: &str, id: &str, detail: &str) -> Event {
        Event {
            at: at.into(),
            event: event.into(),
            listing_id: id.into(),
            site: "forum".into(),
            old: None,
            new: None,
            detail: detail.into(),
        }
    }

    #[test]
    fn page_is_self_contained_and_escaped() {
        let events = vec![
            ev(
                "2026-11-01T10:00:00.000000Z",
                "first_seen",
                "forum:1",
                "first",
            ),
            ev(
                "2026-11-03T10:00:00.000000Z",
                "price_changed",
                "forum:1",
                "<script>alert(1)</script>",
            ),
            ev("2026-11-02T10:00:00.000000Z", "gone", "forum:2", "gone"),
        ];
        let page = render("Case <x>", &events);
        assert!(!page.contains("<script"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(1)"));
        assert!(page.contains("Case &lt;x&gt;"));
        assert!(!page.contains("src=") && !page.contains("href="));
        assert!(!page.contains("https://"));
        assert_eq!(page.matches("class=\"ev-").count(), 3);
        assert!(page.contains("class=\"ev-price_changed\""));
        assert!(page.contains("<svg xmlns"));
    }

    #[test]
    fn single_event_gets_a_span() {
        let page = render("x", &[ev("2026-11-01T10:00:00Z", "gone", "a:1", "d")]);
        assert!(page.contains("class=\"ev-gone\""));
    }
}
