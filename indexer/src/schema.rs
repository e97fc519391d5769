//! The tantivy schema of the listing index, and opening or creating it with the `salwatch`
//! tokenizer registered.
//!
//! The whole [`Listing`](crate::Listing) is kept as JSON in the stored field `listing`, so a hit
//! and `salwatch show` render without re-running the rules; every other field is for searching,
//! filtering, sorting or counting.

use std::path::Path;

use tantivy::directory::MmapDirectory;
use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, FacetOptions, Field, INDEXED, IndexRecordOption, STORED,
    STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, TantivyError};

use crate::error::IndexError;
use crate::tokenizer::{self, TOKENIZER_NAME};

/// Field names used in queries, filters and fast-field access.
pub mod names {
    /// Stable listing id (raw, the upsert key).
    pub const LISTING_ID: &str = "listing_id";
    /// Site name (raw, fast).
    pub const SITE: &str = "site";
    /// Title (salwatch tokenizer).
    pub const TITLE: &str = "title";
    /// Body (salwatch tokenizer).
    pub const BODY: &str = "body";
    /// Seller (salwatch tokenizer).
    pub const SELLER: &str = "seller";
    /// Categories (raw, fast, multi-valued).
    pub const CATEGORIES: &str = "categories";
    /// Categories as a facet (`/firearm/pistol`), so a parent category matches its children.
    pub const CATEGORY_FACET: &str = "category_facet";
    /// EU category (raw, fast).
    pub const EU_CATEGORY: &str = "eu_category";
    /// Flags (raw, fast, multi-valued).
    pub const FLAGS: &str = "flags";
    /// Language (raw, fast).
    pub const LANGUAGE: &str = "language";
    /// `kind:normalized` of every entity (raw).
    pub const ENTITY: &str = "entity";
    /// Price in EUR (f64, indexed, fast).
    pub const PRICE_EUR: &str = "price_eur";
    /// Posted date (indexed, fast).
    pub const POSTED_AT: &str = "posted_at";
    /// First seen (indexed, fast).
    pub const FIRST_SEEN: &str = "first_seen";
    /// Last seen (indexed, fast).
    pub const LAST_SEEN: &str = "last_seen";
    /// Posted date, else first seen: what "newest" sorts on (indexed, fast).
    pub const LISTED_AT: &str = "listed_at";
    /// Relevance score (f64, fast).
    pub const SCORE: &str = "score";
    /// Relevant flag (bool, indexed, fast).
    pub const RELEVANT: &str = "relevant";
    /// The listing as JSON (stored only).
    pub const LISTING: &str = "listing";
    /// Dedup cluster id (raw, fast): `cluster:c1a2b3c4d5` filters, `--collapse` groups on it.
    pub const CLUSTER: &str = "cluster";
}

/// Handles of every field of the schema.
#[derive(Debug, Clone)]
pub struct Fields {
    pub(crate) listing_id: Field,
    pub(crate) site: Field,
    pub(crate) title: Field,
    pub(crate) body: Field,
    pub(crate) seller: Field,
    pub(crate) categories: Field,
    pub(crate) category_facet: Field,
    pub(crate) eu_category: Field,
    pub(crate) flags: Field,
    pub(crate) language: Field,
    pub(crate) entity: Field,
    pub(crate) price_eur: Field,
    pub(crate) posted_at: Field,
    pub(crate) first_seen: Field,
    pub(crate) last_seen: Field,
    pub(crate) listed_at: Field,
    pub(crate) score: Field,
    pub(crate) relevant: Field,
    pub(crate) listing: Field,
    pub(crate) cluster: Field,
}

/// Builds the schema and its field handles.
pub fn build_schema() -> (Schema, Fields) {
    use names::*;
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let keyword = STRING.set_fast(Some("raw"));
    let date = DateOptions::from(INDEXED)
        .set_fast()
        .set_precision(DateTimePrecision::Seconds);
    let fields = Fields {
        listing_id: b.add_text_field(LISTING_ID, STRING),
        site: b.add_text_field(SITE, keyword.clone()),
        title: b.add_text_field(TITLE, text.clone()),
        body: b.add_text_field(BODY, text.clone()),
        seller: b.add_text_field(SELLER, text),
        categories: b.add_text_field(CATEGORIES, keyword.clone()),
        category_facet: b.add_facet_field(CATEGORY_FACET, FacetOptions::default()),
        eu_category: b.add_text_field(EU_CATEGORY, keyword.clone()),
        flags: b.add_text_field(FLAGS, keyword.clone()),
        language: b.add_text_field(LANGUAGE, keyword),
        entity: b.add_text_field(ENTITY, STRING),
        price_eur: b.add_f64_field(PRICE_EUR, INDEXED | FAST),
        posted_at: b.add_date_field(POSTED_AT, date.clone()),
        first_seen: b.add_date_field(FIRST_SEEN, date.clone()),
        last_seen: b.add_date_field(LAST_SEEN, date.clone()),
        listed_at: b.add_date_field(LISTED_AT, date),
        score: b.add_f64_field(SCORE, FAST),
        relevant: b.add_bool_field(RELEVANT, INDEXED | FAST),
        listing: b.add_text_field(LISTING, STORED),
        cluster: b.add_text_field(CLUSTER, STRING.set_fast(Some("raw"))),
    };
    (b.build(), fields)
}

/// Registers the `salwatch` tokenizer on an index (needed every time an index is opened).
pub fn register_tokenizer(index: &Index) {
    index
        .tokenizers()
        .register(TOKENIZER_NAME, tokenizer::analyzer());
}

/// Opens the index in `dir` for reading (no writer lock): missing, corrupt or foreign indexes
/// give errors that carry the rebuild hint.
pub fn open_existing(dir: &Path) -> Result<(Index, Fields), IndexError> {
    if !dir.join("meta.json").is_file() {
        return Err(IndexError::Missing {
            path: dir.to_path_buf(),
        });
    }
    let index = Index::open_in_dir(dir).map_err(|e| corrupt(dir, e))?;
    let (schema, fields) = build_schema();
    if index.schema() != schema {
        return Err(IndexError::Corrupt {
            path: dir.to_path_buf(),
            reason: "its schema is from another salwatch version".into(),
        });
    }
    check_segment_files(&index, dir)?;
    register_tokenizer(&index);
    Ok((index, fields))
}

/// The magic number that ends every tantivy file (after its footer).
const FOOTER_MAGIC: u32 = 1337;

/// Checks that every file of every segment ends with a well-formed tantivy footer (only the last
/// eight bytes of each are read). A truncated or overwritten file is then a clear
/// [`IndexError::Corrupt`] instead of a failure deep inside tantivy when it is first read.
fn check_segment_files(index: &Index, dir: &Path) -> Result<(), IndexError> {
    use std::io::{Read, Seek, SeekFrom};
    let metas = index
        .searchable_segment_metas()
        .map_err(|e| corrupt(dir, e))?;
    for path in metas.iter().flat_map(|m| m.list_files()) {
        let full = dir.join(&path);
        let Ok(mut file) = std::fs::File::open(&full) else {
            continue; // not every component exists (e.g. no deletes); tantivy checks the rest
        };
        let bad = |reason: String| IndexError::Corrupt {
            path: dir.to_path_buf(),
            reason: format!("{}: {reason}", path.display()),
        };
        let len = file.metadata().map_err(|e| bad(e.to_string()))?.len();
        let mut tail = [0u8; 8];
        if len < 8 {
            return Err(bad(format!("truncated to {len} bytes")));
        }
        file.seek(SeekFrom::End(-8))
            .and_then(|_| file.read_exact(&mut tail))
            .map_err(|e| bad(e.to_string()))?;
        let footer_len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
        let magic = u32::from_le_bytes([tail[4], tail[5], tail[6], tail[7]]);
        if magic != FOOTER_MAGIC || footer_len + 8 > len {
            return Err(bad(
                "its footer is missing (truncated or overwritten)".into()
            ));
        }
    }
    Ok(())
}

/// Opens the index in `dir`, creating the directory and an empty index when there is none.
pub fn open_or_create(dir: &Path) -> Result<(Index, Fields), IndexError> {
    if dir.join("meta.json").is_file() {
        return open_existing(dir);
    }
    std::fs::create_dir_all(dir).map_err(|source| IndexError::Io {
        action: "create the index directory",
        path: dir.to_path_buf(),
        source,
    })?;
    let (schema, fields) = build_schema();
    let directory = MmapDirectory::open(dir).map_err(|e| corrupt(dir, e.into()))?;
    let index = Index::create(directory, schema, Default::default()).map_err(
        IndexError::tantivy(format!("creating the index in {}", dir.display())),
    )?;
    register_tokenizer(&index);
    Ok((index, fields))
}

/// An open failure as a corrupt-index error.
fn corrupt(dir: &Path, e: TantivyError) -> IndexError {
    IndexError::Corrupt {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_index_has_hint() {
        let dir = tempfile::tempdir().unwrap();
        let err = open_existing(&dir.path().join("index")).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, IndexError::Missing { .. }));
        assert!(msg.contains("salwatch index rebuild"), "{msg}");
    }

    #[test]
    fn corrupt_index_has_hint() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("meta.json"), "{not json").unwrap();
        let err = open_existing(dir.path()).unwrap_err();
        assert!(matches!(err, IndexError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("salwatch index rebuild"));
    }

    #[test]
    fn damaged_segment_file_is_corrupt_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let idx = dir.path().join("index");
        let (index, fields) = open_or_create(&idx).unwrap();
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        let mut doc = tantivy::TantivyDocument::new();
        doc.add_text(fields.listing_id, "a:1");
        writer.add_document(doc).unwrap();
        writer.commit().unwrap();
        drop(writer);
        open_existing(&idx).unwrap();
        let segment_file = std::fs::read_dir(&idx)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "store"))
            .unwrap();
        for damage in [&b"1234567"[..], &b""[..], &[0u8; 64][..]] {
            std::fs::write(&segment_file, damage).unwrap();
            let err = open_existing(&idx).unwrap_err();
            assert!(matches!(err, IndexError::Corrupt { .. }), "{err}");
            assert!(err.to_string().contains("salwatch index rebuild"), "{err}");
        }
    }

    #[test]
    fn create_then_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let idx = dir.path().join("index");
        open_or_create(&idx).unwrap();
        open_existing(&idx).unwrap();
    }
}
