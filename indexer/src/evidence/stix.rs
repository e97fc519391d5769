//! The case as a STIX 2.1 bundle for partner agencies: one `observed-data` per listing with
//! SCOs for its URL, e-mail addresses, onion domains, messenger and seller accounts
//! (`user-account`) and cryptocurrency wallets (a `cryptocurrency-wallet` SCO declared by an
//! `extension-definition`), a `note` per listing with what the rules read (weapon, price,
//! phones, PGP keys), and a `report` for the case; everything marked with the chosen TLP.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::collect::CaseMaterial;
use super::ids::{STIX_SCO_NAMESPACE, stix_ts, uuid5};
use crate::Listing;

/// Id of the extension (a fixed version-4 id) that declares the `cryptocurrency-wallet` SCO.
pub const WALLET_EXTENSION: &str = "extension-definition--5a1d0a7c-3f5e-4c2a-9b1e-7d0c2f4a6b01";

/// The STIX 2.1 TLP 1.0 marking definitions (the spec's fixed objects): `(tlp, id)`.
const TLP: [(&str, &str); 4] = [
    (
        "white",
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    ),
    (
        "green",
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    ),
    (
        "amber",
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    ),
    (
        "red",
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
    ),
];

/// The STIX marking for a TLP 2.0 name: `clear` is TLP:WHITE, `amber+strict` is TLP:AMBER (the
/// strict part is stated in the report's labels).
fn tlp_marking(tlp: &str) -> Value {
    let name = match tlp {
        "clear" | "white" => "white",
        "green" => "green",
        "red" => "red",
        _ => "amber",
    };
    let id = TLP
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, id)| *id)
        .unwrap_or(TLP[2].1);
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": id,
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "name": format!("TLP:{}", name.to_uppercase()),
        "definition": {"tlp": name},
    })
}

/// Canonical JSON (sorted keys, no spaces) of the id-contributing properties.
fn sco_id(kind: &str, contributing: &Value) -> String {
    let text = serde_json::to_string(contributing).unwrap_or_default();
    format!("{kind}--{}", uuid5(&STIX_SCO_NAMESPACE, &text))
}

/// The identity of salwatch as the producer (a fixed version-4 id, stable across exports).
pub const IDENTITY: &str = "identity--3b1e8c52-7f0a-4d2e-9c61-5a8f0e2d4b17";

/// SDO ids are random version-4 UUIDs, as the spec recommends.
fn sdo_id(kind: &str) -> String {
    format!("{kind}--{}", uuid::Uuid::new_v4())
}

/// The SCO for one entity, if it has one.
fn entity_sco(kind: &str, value: &str) -> Option<Value> {
    let account = |account_type: &str, login: &str| {
        let c = json!({"account_login": login, "account_type": account_type});
        json!({"type": "user-account", "spec_version": "2.1", "id": sco_id("user-account", &c),
               "account_login": login, "account_type": account_type})
    };
    Some(match kind {
        "url" => {
            json!({"type": "url", "spec_version": "2.1", "id": sco_id("url", &json!({"value": value})), "value": value})
        }
        "email" => json!({"type": "email-addr", "spec_version": "2.1",
                          "id": sco_id("email-addr", &json!({"value": value})), "value": value}),
        "onion" => json!({"type": "domain-name", "spec_version": "2.1",
                          "id": sco_id("domain-name", &json!({"value": value})), "value": value}),
        "telegram" | "signal" | "wickr" | "session" | "threema" | "whatsapp" => {
            account(kind, value)
        }
        k if k.ends_with("_address") => {
            let currency = k.trim_end_matches("_address").to_uppercase();
            json!({"type": "cryptocurrency-wallet", "spec_version": "2.1",
                   "id": sco_id("cryptocurrency-wallet", &json!({"address": value})),
                   "address": value, "currency": currency,
                   "extensions": {WALLET_EXTENSION: {"extension_type": "new-sco"}}})
        }
        _ => return None,
    })
}

/// The bundle of a case, marked `tlp` (`clear`, `green`, `amber`, `amber+strict`, `red`).
pub fn bundle(m: &CaseMaterial, tlp: &str, now: DateTime<Utc>) -> Value {
    let ts = stix_ts(now);
    let marking = tlp_marking(tlp);
    let marking_id = marking["id"].clone();
    let identity_id = IDENTITY;
    let mut objects: Vec<Value> = vec![
        marking,
        json!({"type": "identity", "spec_version": "2.1", "id": identity_id, "created": ts,
               "modified": ts, "name": "salwatch", "identity_class": "system",
               "description": "salwatch firearm-listing monitoring (exporting unit's tool)"}),
        json!({"type": "extension-definition", "spec_version": "2.1", "id": WALLET_EXTENSION,
               "created_by_ref": identity_id, "created": "2026-01-01T00:00:00.000Z",
               "modified": "2026-01-01T00:00:00.000Z", "name": "cryptocurrency-wallet",
               "description": "A cryptocurrency wallet address seen in a listing: address (required) and currency.",
               "schema": "https://example.invalid/salwatch/stix/cryptocurrency-wallet.json",
               "version": "1.0.0", "extension_types": ["new-sco"]}),
    ];
    let mut scos: BTreeMap<String, Value> = BTreeMap::new();
    let mut report_refs: Vec<Value> = Vec::new();
    for l in &m.listings {
        let captures = m
            .captures
            .iter()
            .filter(|c| c.listing_id == l.listing_id)
            .count()
            .max(1);
        let mut refs: Vec<String> = Vec::new();
        let mut add = |sco: Value, refs: &mut Vec<String>| {
            let id = sco["id"].as_str().unwrap_or_default().to_string();
            if !refs.contains(&id) {
                refs.push(id.clone());
            }
            scos.entry(id).or_insert(sco);
        };
        if let Some(s) = entity_sco("url", &l.url) {
            add(s, &mut refs);
        }
        if let Some(seller) = &l.seller {
            let login = format!("{}/{}", l.site, seller);
            let c = json!({"account_login": login, "account_type": "seller"});
            add(
                json!({"type": "user-account", "spec_version": "2.1", "id": sco_id("user-account", &c),
                       "account_login": login, "account_type": "seller", "display_name": seller}),
                &mut refs,
            );
        }
        for e in &l.entities {
            if let Some(s) = entity_sco(&e.kind, &e.normalized) {
                add(s, &mut refs);
            }
        }
        let od_id = sdo_id("observed-data");
        objects.push(json!({
            "type": "observed-data", "spec_version": "2.1", "id": od_id,
            "created_by_ref": identity_id, "created": ts, "modified": ts,
            "first_observed": stix_ts(l.first_seen), "last_observed": stix_ts(l.last_seen),
            "number_observed": captures, "object_refs": refs,
            "object_marking_refs": [marking_id],
        }));
        let note_id = sdo_id("note");
        objects.push(json!({
            "type": "note", "spec_version": "2.1", "id": note_id,
            "created_by_ref": identity_id, "created": ts, "modified": ts,
            "abstract": format!("Listing {}", l.listing_id),
            "content": note_text(l),
            "object_refs": [od_id],
            "object_marking_refs": [marking_id],
        }));
        report_refs.push(json!(od_id));
        report_refs.push(json!(note_id));
    }
    objects.extend(scos.into_values());
    let mut labels = vec!["firearms-trafficking".to_string()];
    if tlp == "amber+strict" {
        labels.push("tlp:amber+strict".into());
    }
    objects.push(json!({
        "type": "report", "spec_version": "2.1",
        "id": sdo_id("report"),
        "created_by_ref": identity_id, "created": ts, "modified": ts,
        "name": format!("salwatch case {}", m.case.name),
        "description": m.case.description.clone().unwrap_or_else(|| format!(
            "Firearm listings of case {} ({} listings)", m.case.name, m.listings.len())),
        "report_types": ["observed-data"],
        "labels": labels,
        "published": ts,
        "object_refs": report_refs,
        "object_marking_refs": [marking_id],
    }));
    json!({
        "type": "bundle",
        "id": format!("bundle--{}", uuid::Uuid::new_v4()),
        "objects": objects,
    })
}

fn note_text(l: &Listing) -> String {
    let mut lines = vec![format!("{} ({})", l.title, l.url)];
    if let Some(p) = &l.price_text {
        lines.push(format!("price: {p}"));
    }
    let mut by_kind: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in &l.entities {
        let v = by_kind.entry(e.kind.as_str()).or_default();
        if !v.contains(&e.normalized.as_str()) {
            v.push(&e.normalized);
        }
    }
    for (k, v) in by_kind {
        lines.push(format!("{k}: {}", v.join(", ")));
    }
    lines.join("\n")
}
