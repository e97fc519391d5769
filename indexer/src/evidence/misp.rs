//! The case as a MISP event for partner agencies: per listing a `url` object, a
//! `physical-object` for each weapon offered, and `phone-number`, `telegram-account`,
//! `user-account` (other messengers, the seller), `coin-address`, `pgp-meta` and
//! `tor-hiddenservice` objects for what the rules found, each referring to the listing's `url`
//! object; tagged `dark-web:topic="weapons"` and with the chosen TLP.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::collect::CaseMaterial;
use super::ids::stix_ts;
use crate::Listing;

/// `(name, meta-category, template uuid, template version)` of the MISP object templates used.
const TEMPLATES: [(&str, &str, &str, u32); 8] = [
    ("url", "network", "60efb77b-40b5-4c46-871b-ed1ed999fce5", 10),
    (
        "physical-object",
        "misc",
        "dc786f86-4a8f-4da9-82d1-130fcefc1453",
        1,
    ),
    (
        "coin-address",
        "financial",
        "d0e6997e-78da-4815-a6a1-cfc1c1cb8a46",
        7,
    ),
    (
        "pgp-meta",
        "misc",
        "4c9134c4-b3e8-4d9f-b3c0-c683e70ec1dd",
        1,
    ),
    (
        "telegram-account",
        "misc",
        "06f02ecf-5afb-42c5-9cb0-b362e222f52c",
        2,
    ),
    (
        "phone-number",
        "mobile",
        "c4b5a67c-63d2-11ec-90d6-0242ac120003",
        1,
    ),
    (
        "tor-hiddenservice",
        "misc",
        "cbac07d6-fbe9-43b8-8d91-d515812ce330",
        2,
    ),
    (
        "user-account",
        "misc",
        "49606b06-22f0-4ac8-8eee-2f12ad46f3d3",
        6,
    ),
];

fn new_uuid() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

/// One attribute: `(object_relation, type, category, value)`.
type Attr<'a> = (&'a str, &'a str, &'a str, String);

fn object(name: &str, comment: &str, attrs: &[Attr<'_>], refers_to: Option<&str>) -> Value {
    let (_, meta, template, version) = TEMPLATES
        .iter()
        .find(|t| t.0 == name)
        .copied()
        .unwrap_or(("", "misc", "", 1));
    let attributes: Vec<Value> = attrs
        .iter()
        .map(|(rel, ty, cat, value)| {
            json!({"uuid": new_uuid(), "object_relation": rel, "type": ty, "category": cat,
                   "value": value, "to_ids": false, "distribution": "5",
                   "disable_correlation": false})
        })
        .collect();
    let mut o = json!({
        "uuid": new_uuid(), "name": name, "meta-category": meta, "template_uuid": template,
        "template_version": version.to_string(), "description": comment, "comment": comment,
        "distribution": "5", "sharing_group_id": "0", "Attribute": attributes,
    });
    if let Some(target) = refers_to {
        o["ObjectReference"] = json!([{
            "uuid": new_uuid(), "referenced_uuid": target, "relationship_type": "observed-in",
            "comment": "found in this listing",
        }]);
    }
    o
}

/// MISP distribution for a TLP: red and amber stay in the organisation, green goes to the
/// community, clear to all.
fn distribution(tlp: &str) -> &'static str {
    match tlp {
        "clear" | "white" => "3",
        "green" => "1",
        _ => "0",
    }
}

/// The event of a case, marked `tlp`, created by `who`.
pub fn event(m: &CaseMaterial, tlp: &str, who: &str, now: DateTime<Utc>) -> Value {
    let mut objects = Vec::new();
    for l in &m.listings {
        objects.extend(listing_objects(l));
    }
    json!({"Event": {
        "uuid": new_uuid(),
        "info": format!("salwatch case {}: {} firearm listings", m.case.name, m.listings.len()),
        "date": now.format("%Y-%m-%d").to_string(),
        "timestamp": now.timestamp().to_string(),
        "threat_level_id": "2",
        "analysis": "1",
        "distribution": distribution(tlp),
        "published": false,
        "Orgc": {"name": "salwatch", "uuid": "3b1e8c52-7f0a-4d2e-9c61-5a8f0e2d4b17"},
        "Tag": [
            {"name": "dark-web:topic=\"weapons\""},
            {"name": format!("tlp:{tlp}")},
        ],
        "Attribute": [{
            "uuid": new_uuid(), "type": "comment", "category": "Other", "to_ids": false,
            "distribution": "5",
            "value": format!("Exported by {who} at {} from case {}", stix_ts(now), m.case.name),
        }],
        "Object": objects,
    }})
}

fn listing_objects(l: &Listing) -> Vec<Value> {
    let mut out = Vec::new();
    let comment = format!("listing {}", l.listing_id);
    let url = object(
        "url",
        &comment,
        &[
            ("url", "url", "Network activity", l.url.clone()),
            ("first-seen", "datetime", "Other", stix_ts(l.first_seen)),
            ("last-seen", "datetime", "Other", stix_ts(l.last_seen)),
            ("text", "text", "Other", l.title.clone()),
        ],
        None,
    );
    let url_uuid = url["uuid"].as_str().unwrap_or_default().to_string();
    out.push(url);
    let r = Some(url_uuid.as_str());
    if let Some(seller) = &l.seller {
        out.push(object(
            "user-account",
            &format!("seller on {}", l.site),
            &[
                ("username", "text", "Social network", seller.clone()),
                ("account-type", "text", "Social network", l.site.clone()),
            ],
            r,
        ));
    }
    let mut seen = BTreeSet::new();
    for e in &l.entities {
        if !seen.insert((e.kind.as_str(), e.normalized.as_str())) {
            continue;
        }
        let v = e.normalized.clone();
        let o = match e.kind.as_str() {
            "weapon" => {
                let mut attrs: Vec<Attr<'_>> = vec![
                    ("name", "text", "Other", e.value.clone()),
                    ("object-type", "text", "Other", "weapon".into()),
                ];
                if let Some(make) = &e.make {
                    attrs.push(("brand", "text", "Other", make.clone()));
                }
                if let Some(model) = &e.model {
                    attrs.push(("model", "text", "Other", model.clone()));
                }
                if let Some(p) = &l.price_text {
                    attrs.push(("description", "text", "Other", format!("offered for {p}")));
                }
                object("physical-object", "weapon offered", &attrs, r)
            }
            "phone" => object(
                "phone-number",
                &comment,
                &[("phone-number", "phone-number", "Person", v)],
                r,
            ),
            "telegram" => object(
                "telegram-account",
                &comment,
                &[("username", "text", "Social network", v)],
                r,
            ),
            "signal" | "wickr" | "session" | "threema" | "whatsapp" => object(
                "user-account",
                &comment,
                &[
                    ("username", "text", "Social network", v),
                    ("account-type", "text", "Social network", e.kind.clone()),
                ],
                r,
            ),
            "btc_address" => object(
                "coin-address",
                &comment,
                &[
                    ("address", "btc", "Financial fraud", v),
                    ("symbol", "text", "Financial fraud", "BTC".into()),
                ],
                r,
            ),
            "xmr_address" => object(
                "coin-address",
                &comment,
                &[
                    ("address-xmr", "xmr", "Financial fraud", v),
                    ("symbol", "text", "Financial fraud", "XMR".into()),
                ],
                r,
            ),
            k if k.ends_with("_address") => object(
                "coin-address",
                &comment,
                &[
                    ("address-crypto", "text", "Financial fraud", v),
                    (
                        "symbol",
                        "text",
                        "Financial fraud",
                        k.trim_end_matches("_address").to_uppercase(),
                    ),
                ],
                r,
            ),
            "pgp_fingerprint" => {
                let key_id = v
                    .get(v.len().saturating_sub(16)..)
                    .unwrap_or(&v)
                    .to_string();
                object(
                    "pgp-meta",
                    &format!("fingerprint {v}"),
                    &[("key-id", "text", "Other", key_id)],
                    r,
                )
            }
            "onion" => object(
                "tor-hiddenservice",
                &comment,
                &[("address", "onion-address", "Network activity", v)],
                r,
            ),
            "email" => object(
                "user-account",
                &comment,
                &[
                    ("username", "text", "Social network", v.clone()),
                    ("email", "email", "Social network", v),
                ],
                r,
            ),
            _ => continue,
        };
        out.push(o);
    }
    out
}
