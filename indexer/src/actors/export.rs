//! Exports of the actor graph for link-analysis tools: GraphML (Gephi, yEd, Cytoscape) and two
//! CSV tables, entities and links (the import shape of i2-style link-analysis tools).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Actor;

/// One node of the exported graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Node id (`account:site/handle`, `phone:+389…`, `actor:a…`).
    pub id: String,
    /// `actor`, `account` or the identifier kind.
    pub node_type: String,
    /// Display label.
    pub label: String,
    /// The actor it belongs to.
    pub actor: String,
    /// Site (accounts only).
    pub site: String,
    /// First seen (RFC 3339).
    pub first_seen: String,
}

/// One edge of the exported graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Source node id.
    pub source: String,
    /// Target node id.
    pub target: String,
    /// `member` (actor – account), `strong` or `weak`.
    pub edge_type: String,
    /// Weight.
    pub weight: f64,
    /// The listing that proves it (empty for `member`).
    pub listing: String,
    /// When it was first seen.
    pub first_seen: String,
}

/// Nodes and edges of a set of actors (each node once).
pub fn graph(actors: &[Actor]) -> (Vec<Node>, Vec<Edge>) {
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    let mut edges: Vec<Edge> = Vec::new();
    for a in actors {
        let actor_node = format!("actor:{}", a.actor_id);
        nodes.entry(actor_node.clone()).or_insert_with(|| Node {
            id: actor_node.clone(),
            node_type: "actor".into(),
            label: a.actor_id.clone(),
            actor: a.actor_id.clone(),
            site: String::new(),
            first_seen: a.first_seen.clone(),
        });
        for acc in &a.accounts {
            let id = format!("account:{}", acc.key);
            nodes.entry(id.clone()).or_insert_with(|| Node {
                id: id.clone(),
                node_type: "account".into(),
                label: format!(
                    "{} @ {}",
                    acc.seller.clone().unwrap_or_else(|| "(no seller)".into()),
                    acc.site
                ),
                actor: a.actor_id.clone(),
                site: acc.site.clone(),
                first_seen: acc.first_seen.clone(),
            });
            edges.push(Edge {
                source: actor_node.clone(),
                target: id,
                edge_type: "member".into(),
                weight: 1.0,
                listing: String::new(),
                first_seen: acc.first_seen.clone(),
            });
        }
        for link in &a.links {
            let (kind, value) = link.via.split_once(':').unwrap_or((link.via.as_str(), ""));
            let target = if matches!(kind, "near" | "exact") {
                format!("listing:{value}")
            } else {
                link.via.clone()
            };
            nodes.entry(target.clone()).or_insert_with(|| Node {
                id: target.clone(),
                node_type: if matches!(kind, "near" | "exact") {
                    "listing"
                } else {
                    kind
                }
                .into(),
                label: value.to_string(),
                actor: a.actor_id.clone(),
                site: String::new(),
                first_seen: link.first_seen.clone(),
            });
            edges.push(Edge {
                source: format!("account:{}", link.account),
                target,
                edge_type: link.strength.clone(),
                weight: link.weight,
                listing: link.listing_id.clone(),
                first_seen: link.first_seen.clone(),
            });
        }
    }
    (nodes.into_values().collect(), edges)
}

/// XML text escaping.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The graph as GraphML (undirected; node and edge attributes declared as keys).
pub fn graphml(actors: &[Actor]) -> String {
    let (nodes, edges) = graph(actors);
    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str("<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n");
    for (id, target, name, ty) in [
        ("type", "node", "type", "string"),
        ("label", "node", "label", "string"),
        ("actor", "node", "actor", "string"),
        ("site", "node", "site", "string"),
        ("first_seen", "node", "first_seen", "string"),
        ("etype", "edge", "type", "string"),
        ("weight", "edge", "weight", "double"),
        ("listing", "edge", "listing", "string"),
        ("efirst_seen", "edge", "first_seen", "string"),
    ] {
        let _ = writeln!(
            s,
            "  <key id=\"{id}\" for=\"{target}\" attr.name=\"{name}\" attr.type=\"{ty}\"/>"
        );
    }
    s.push_str("  <graph id=\"salwatch-actors\" edgedefault=\"undirected\">\n");
    for n in &nodes {
        let _ = writeln!(s, "    <node id=\"{}\">", xml(&n.id));
        for (k, v) in [
            ("type", &n.node_type),
            ("label", &n.label),
            ("actor", &n.actor),
            ("site", &n.site),
            ("first_seen", &n.first_seen),
        ] {
            let _ = writeln!(s, "      <data key=\"{k}\">{}</data>", xml(v));
        }
        s.push_str("    </node>\n");
    }
    for (i, e) in edges.iter().enumerate() {
        let _ = writeln!(
            s,
            "    <edge id=\"e{i}\" source=\"{}\" target=\"{}\">",
            xml(&e.source),
            xml(&e.target)
        );
        let _ = writeln!(s, "      <data key=\"etype\">{}</data>", xml(&e.edge_type));
        let _ = writeln!(s, "      <data key=\"weight\">{}</data>", e.weight);
        let _ = writeln!(s, "      <data key=\"listing\">{}</data>", xml(&e.listing));
        let _ = writeln!(
            s,
            "      <data key=\"efirst_seen\">{}</data>",
            xml(&e.first_seen)
        );
        s.push_str("    </edge>\n");
    }
    s.push_str("  </graph>\n</graphml>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::{Account, ActorLink};

    fn actor() -> Actor {
        Actor {
            actor_id: "a0123456789".into(),
            sites: vec!["forum".into()],
            accounts: vec![Account {
                key: "forum/<b>&co".into(),
                site: "forum".into(),
                seller: Some("<B>&co".into()),
                listings: vec!["forum:1".into()],
                first_seen: "2026-11-01T00:00:00.000000Z".into(),
            }],
            identifiers: vec![],
            links: vec![ActorLink {
                account: "forum/<b>&co".into(),
                strength: "strong".into(),
                via: "phone:+38970123456".into(),
                listing_id: "forum:1".into(),
                first_seen: "2026-11-01T00:00:00.000000Z".into(),
                weight: 1.0,
                other_actor: None,
            }],
            first_seen: "2026-11-01T00:00:00.000000Z".into(),
            listings: 1,
        }
    }

    #[test]
    fn graphml_escapes_and_declares_keys() {
        let g = graphml(&[actor()]);
        assert!(
            g.contains("<node id=\"account:forum/&lt;b&gt;&amp;co\">"),
            "{g}"
        );
        assert!(g.contains("<node id=\"phone:+38970123456\">"));
        assert!(g.contains("attr.name=\"weight\" attr.type=\"double\""));
        assert_eq!(g.matches("<edge ").count(), 2);
    }

    #[test]
    fn graph_has_each_node_once() {
        let (nodes, edges) = graph(&[actor(), actor()]);
        assert_eq!(nodes.len(), 3);
        assert_eq!(edges.len(), 4);
    }
}
