//! MISP event of a case (to be completed).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::collect::CaseMaterial;

/// The event.
pub fn event(_m: &CaseMaterial, _tlp: &str, _who: &str, _now: DateTime<Utc>) -> Value {
    json!({})
}
