//! STIX 2.1 bundle of a case (to be completed).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::collect::CaseMaterial;

/// The bundle.
pub fn bundle(_m: &CaseMaterial, _tlp: &str, _now: DateTime<Utc>) -> Value {
    json!({})
}
