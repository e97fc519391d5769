//! Counts over the index: facets of a search and the analyst's summary. Computed with tantivy
//! terms aggregations over the keyword fast fields, so deleted (replaced) documents never count.

use serde::{Deserialize, Serialize};
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::{AggregationCollector, AggregationLimitsGuard};
use tantivy::query::{AllQuery, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Searcher, Term};

use crate::error::IndexError;
use crate::schema::{Fields, names};

/// Most distinct values counted per field.
const MAX_BUCKETS: u32 = 10_000;

/// How many listings carry one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueCount {
    /// The value (site, category, flag …).
    pub value: String,
    /// Listings carrying it.
    pub count: u64,
}

/// Counts of the matches of a search, most frequent first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FacetCounts {
    /// Per site.
    pub sites: Vec<ValueCount>,
    /// Per category.
    pub categories: Vec<ValueCount>,
    /// Per EU category.
    pub eu_categories: Vec<ValueCount>,
    /// Per flag.
    pub flags: Vec<ValueCount>,
    /// Per language.
    pub languages: Vec<ValueCount>,
}

/// Listings of one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteCount {
    /// Site name.
    pub site: String,
    /// All its listings.
    pub listings: u64,
    /// Its relevant listings.
    pub relevant: u64,
}

/// An analyst's summary of the whole index.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// All listings.
    pub listings: u64,
    /// Relevant listings.
    pub relevant: u64,
    /// Per site, by site name.
    pub sites: Vec<SiteCount>,
    /// Per category (all listings), most frequent first.
    pub categories: Vec<ValueCount>,
    /// Per EU category (all listings), most frequent first.
    pub eu_categories: Vec<ValueCount>,
    /// Per flag (all listings), most frequent first.
    pub flags: Vec<ValueCount>,
}

/// Facet counts of the matches of `query`.
pub fn counts(searcher: &Searcher, query: &dyn Query) -> Result<FacetCounts, IndexError> {
    let fields = [
        names::SITE,
        names::CATEGORIES,
        names::EU_CATEGORY,
        names::FLAGS,
        names::LANGUAGE,
    ];
    let mut by = terms(searcher, query, &fields)?;
    let mut take = |i: usize| std::mem::take(&mut by[i]);
    Ok(FacetCounts {
        sites: take(0),
        categories: take(1),
        eu_categories: take(2),
        flags: take(3),
        languages: take(4),
    })
}

/// The summary of the whole index.
pub fn summary(searcher: &Searcher, fields: &Fields) -> Result<Summary, IndexError> {
    let all = terms(
        searcher,
        &AllQuery,
        &[
            names::SITE,
            names::CATEGORIES,
            names::EU_CATEGORY,
            names::FLAGS,
        ],
    )?;
    let relevant_query = TermQuery::new(
        Term::from_field_bool(fields.relevant, true),
        IndexRecordOption::Basic,
    );
    let relevant = terms(searcher, &relevant_query, &[names::SITE])?;
    let count = |q: &dyn Query| {
        searcher
            .search(q, &tantivy::collector::Count)
            .map(|n| n as u64)
            .map_err(IndexError::tantivy("counting listings"))
    };
    let mut sites: Vec<SiteCount> = all[0]
        .iter()
        .map(|v| SiteCount {
            site: v.value.clone(),
            listings: v.count,
            relevant: relevant[0]
                .iter()
                .find(|r| r.value == v.value)
                .map_or(0, |r| r.count),
        })
        .collect();
    sites.sort_by(|a, b| a.site.cmp(&b.site));
    Ok(Summary {
        listings: count(&AllQuery)?,
        relevant: count(&relevant_query)?,
        sites,
        categories: all[1].clone(),
        eu_categories: all[2].clone(),
        flags: all[3].clone(),
    })
}

/// Terms aggregation of each field over the matches of `query`: values most frequent first
/// (ties by value).
fn terms(
    searcher: &Searcher,
    query: &dyn Query,
    fields: &[&str],
) -> Result<Vec<Vec<ValueCount>>, IndexError> {
    let request: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|f| {
            let agg = serde_json::json!({ "terms": { "field": f, "size": MAX_BUCKETS } });
            (f.to_string(), agg)
        })
        .collect();
    let aggs: Aggregations = serde_json::from_value(serde_json::Value::Object(request))
        .map_err(|e| agg_error(format!("building the aggregation request: {e}")))?;
    let collector = AggregationCollector::from_aggs(aggs, AggregationLimitsGuard::default());
    let result = searcher
        .search(query, &collector)
        .map_err(IndexError::tantivy("counting facets"))?;
    let json = serde_json::to_value(&result)
        .map_err(|e| agg_error(format!("reading the aggregation result: {e}")))?;
    Ok(fields
        .iter()
        .map(|f| {
            let mut values: Vec<ValueCount> = json[*f]["buckets"]
                .as_array()
                .map(|buckets| {
                    buckets
                        .iter()
                        .filter_map(|b| {
                            Some(ValueCount {
                                value: match &b["key"] {
                                    serde_json::Value::String(s) => s.clone(),
                                    other => other.to_string(),
                                },
                                count: b["doc_count"].as_u64()?,
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            values
        })
        .collect())
}

fn agg_error(reason: String) -> IndexError {
    IndexError::Tantivy {
        context: "counting facets".into(),
        source: tantivy::TantivyError::InternalError(reason),
    }
}
