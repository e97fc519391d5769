//! The write side: [`Indexer`] runs the rules on listing pages and upserts them into the index
//! and the `idx_` tables of `state.db`, in batches committed together.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension};
use salwatch_crawler::{Page, Workspace};
use salwatch_rules::{Document, Extraction, RuleEngine};
use tantivy::collector::TopDocs;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, TantivyError};

use crate::checkpoint::Checkpointer;
use crate::document::{from_document, id_term, to_document};
use crate::error::IndexError;
use crate::listing::{self, Listing};
use crate::removed::RemovedMarkers;
use crate::schema::{self, Fields};
use crate::store::{self, CaptureSeen, HistoryEvent, ListingState};

/// Memory budget of the tantivy writer (shared by its threads).
const WRITER_HEAP_BYTES: usize = 64 * 1024 * 1024;

/// Indexing threads of the tantivy writer. One: a batch (10,000 listings in a crawl) then makes
/// one segment instead of one per core, so merges have half the segments to fold in, and the
/// thread keeps up with the calling thread's upserts. On 2 cores, 1 M listings took 10 % less
/// CPU than with two (docs/BENCHMARKS.md, "Index").
const WRITER_THREADS: usize = 1;

/// What an ingest did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestOutcome {
    /// A listing seen for the first time.
    New,
    /// A known listing whose price or text changed, that went away (404/410, or the profile's
    /// removed marker) or came back.
    Updated,
    /// A known listing seen again unchanged (or this very capture was already ingested).
    Unchanged,
    /// Not a listing page, not a successful response, or a gone page of an unknown listing:
    /// ignored.
    Skipped,
}

/// The write side of the index. One per workspace at a time (tantivy's writer lock).
pub struct Indexer {
    engine: Option<Arc<RuleEngine>>,
    index_dir: std::path::PathBuf,
    fields: Fields,
    writer: IndexWriter,
    reader: IndexReader,
    conn: Connection,
    /// States changed in the open batch (boxed: a node split of the map then moves pointers,
    /// not whole states).
    pending: BTreeMap<String, Box<ListingState>>,
    /// Listings written in the open batch (not yet searchable), boxed likewise.
    pending_listings: BTreeMap<String, Box<Listing>>,
    history: Vec<HistoryEvent>,
    captures: Vec<CaptureSeen>,
    pending_captures: HashSet<(String, String)>,
    dirty: bool,
    /// Dedup settings used at every commit.
    dedup: crate::dedup::DedupParams,
    /// False to skip the dedup update at commits (benchmarks of the index alone).
    dedup_enabled: bool,
    /// Site profiles whose removed markers make a 200 listing page count as gone.
    removed: RemovedMarkers,
    /// True when every document of the index has its listing in `state.db` (see
    /// [`Indexer::write_document`]): a listing never seen before then has no document to
    /// delete.
    index_matches_state: bool,
    /// Checkpoints `state.db` off the calling thread after each commit.
    checkpointer: Checkpointer,
}

impl std::fmt::Debug for Indexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexer")
            .field("index_dir", &self.index_dir)
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl Indexer {
    /// Opens (creating if missing) `index/` and the `idx_` tables in `state.db`. Fails with
    /// [`IndexError::Locked`] when another process writes the index.
    pub fn open(workspace: &Workspace, engine: Arc<RuleEngine>) -> Result<Self, IndexError> {
        Self::open_inner(workspace, Some(engine))
    }

    /// Opens the index for [`Indexer::ingest_extracted`] only (backtests, tests):
    /// [`Indexer::ingest`] then fails with [`IndexError::NoRuleEngine`].
    pub fn open_without_rules(workspace: &Workspace) -> Result<Self, IndexError> {
        Self::open_inner(workspace, None)
    }

    fn open_inner(
        workspace: &Workspace,
        engine: Option<Arc<RuleEngine>>,
    ) -> Result<Self, IndexError> {
        let index_dir = workspace.index_dir();
        let (index, fields) = schema::open_or_create(&index_dir)?;
        let writer = open_writer(&index, &index_dir)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(IndexError::tantivy("opening the indexer's reader"))?;
        let conn = store::open_rw(&workspace.state_db())?;
        let checkpointer = Checkpointer::start(&workspace.state_db())?;
        // The checkpointer thread checkpoints instead, so that a commit does not wait for it.
        conn.pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(IndexError::sqlite("turning automatic checkpoints off"))?;
        let removed = RemovedMarkers::of_workspace(workspace)?;
        // The index commits before `state.db`: a crash in between leaves documents of listings
        // that `state.db` does not know, and only then do the two counts differ.
        let index_matches_state = reader.searcher().num_docs() == store::count_listings(&conn)?;
        if !index_matches_state {
            tracing::info!(
                "the index holds listings that state.db does not know (an interrupted commit): \
                 every upsert replaces by id until they are ingested again"
            );
        }
        Ok(Self {
            engine,
            index_dir,
            fields,
            writer,
            reader,
            conn,
            pending: BTreeMap::new(),
            pending_listings: BTreeMap::new(),
            history: Vec::new(),
            captures: Vec::new(),
            pending_captures: HashSet::new(),
            dirty: false,
            dedup: crate::dedup::DedupParams::default(),
            dedup_enabled: true,
            removed,
            index_matches_state,
            checkpointer,
        })
    }

    /// Runs the rules on a listing page and upserts the listing by its stable id
    /// ([`listing::listing_id`]). Pages that are not listings, or not 2xx, are skipped. A re-crawl
    /// updates `last_seen` and records price and text changes as history; a 404/410 of a known
    /// listing, or a 2xx page showing its site profile's removed marker, records it as gone, and
    /// a later live 2xx as reappeared.
    pub fn ingest(&mut self, page: &Page) -> Result<IngestOutcome, IndexError> {
        if self.is_gone(page) {
            return self.mark_gone(page);
        }
        if !is_ingestible(page) {
            return Ok(IngestOutcome::Skipped);
        }
        let text = listing::listing_text(page);
        let id = listing::listing_id(page);
        let engine = self.engine.as_ref().ok_or(IndexError::NoRuleEngine)?;
        let extraction = engine.extract(&Document {
            id: &id,
            text: &text,
            default_region: page.phone_region.as_deref(),
        });
        let prepared = prepare(&self.fields, page, &text, extraction)?;
        self.upsert(page, prepared)
    }

    /// Replaces the site profiles whose `pages.removed_markers` make a 200 listing page count
    /// as gone (by default, those of the workspace's `salwatch.toml`).
    pub fn set_removed_markers(&mut self, removed: RemovedMarkers) {
        self.removed = removed;
    }

    /// True for a listing page that says its listing is gone: 404/410, or a 2xx page showing
    /// its site profile's removed marker.
    fn is_gone(&self, page: &Page) -> bool {
        page.is_listing
            && (is_gone_status(page.status)
                || ((200..300).contains(&page.status) && self.removed.is_removed(page)))
    }

    /// [`Indexer::ingest`] of several pages, in order, with the same outcomes; the rules run on
    /// the pages in parallel (one scoped thread per core), and the listings and their documents
    /// are built there too, before the listings are upserted one after the other. A crawl hands
    /// pages over in such chunks so that rule extraction, the costliest step, uses every core.
    pub fn ingest_many(&mut self, pages: &[Page]) -> Result<Vec<IngestOutcome>, IndexError> {
        let engine = self.engine.clone().ok_or(IndexError::NoRuleEngine)?;
        let fields = self.fields.clone();
        let work: Vec<(&Page, bool)> = pages
            .iter()
            .map(|p| (p, !self.is_gone(p) && is_ingestible(p)))
            .collect();
        let prepared = parallel_map(work, |(page, needed)| {
            needed.then(|| {
                let text = listing::listing_text(page);
                let id = listing::listing_id(page);
                let extraction = engine.extract(&Document {
                    id: &id,
                    text: &text,
                    default_region: page.phone_region.as_deref(),
                });
                prepare(&fields, page, &text, extraction)
            })
        });
        self.upsert_all(pages.iter().zip(prepared))
    }

    /// [`Indexer::ingest_extracted`] of several pages, in order, with the same outcomes; the
    /// listings and their documents (JSON of the stored listing included) are built in
    /// parallel (one scoped thread per core), the upserts follow one after the other.
    pub fn ingest_extracted_many(
        &mut self,
        items: Vec<(Page, Extraction)>,
    ) -> Result<Vec<IngestOutcome>, IndexError> {
        let fields = self.fields.clone();
        let work: Vec<((Page, Extraction), bool)> = items
            .into_iter()
            .map(|item| {
                let needed = !self.is_gone(&item.0) && is_ingestible(&item.0);
                (item, needed)
            })
            .collect();
        let prepared = parallel_map(work, |((page, extraction), needed)| {
            let prepared = needed.then(|| {
                let text = listing::listing_text(&page);
                prepare(&fields, &page, &text, extraction)
            });
            (page, prepared)
        });
        let mut outcomes = Vec::with_capacity(prepared.len());
        for (page, prepared) in prepared {
            outcomes.push(self.upsert_one(&page, prepared)?);
        }
        Ok(outcomes)
    }

    /// The upserts of pages prepared off the calling thread, in order.
    fn upsert_all<'p>(
        &mut self,
        items: impl Iterator<Item = (&'p Page, Option<Result<Prepared, IndexError>>)>,
    ) -> Result<Vec<IngestOutcome>, IndexError> {
        let mut outcomes = Vec::new();
        for (page, prepared) in items {
            outcomes.push(self.upsert_one(page, prepared)?);
        }
        Ok(outcomes)
    }

    /// One page of a chunk: its prepared listing upserted, or its gone page recorded.
    fn upsert_one(
        &mut self,
        page: &Page,
        prepared: Option<Result<Prepared, IndexError>>,
    ) -> Result<IngestOutcome, IndexError> {
        match prepared {
            Some(prepared) => self.upsert(page, prepared?),
            None if self.is_gone(page) => self.mark_gone(page),
            None => Ok(IngestOutcome::Skipped),
        }
    }

    /// Records that a known listing's page answered 404/410 (or showed the removed marker): a
    /// `gone` history event and the listing's `gone_at`. Unknown listings are skipped.
    fn mark_gone(&mut self, page: &Page) -> Result<IngestOutcome, IndexError> {
        let mut id = listing::listing_id(page);
        // A 404 page has no profile fields: when the id came from the page, find the listing
        // captured at the same path of the same site (listing ids ignore host and port).
        if page.fields.listing_id.is_none()
            && self.state(&id)?.is_none()
            && let Some(known) = listing_at_path(&self.conn, &page.site, &page.url)?
        {
            id = known;
        }
        if self.capture_seen(&id, &page.capture.record_id)? {
            return Ok(IngestOutcome::Unchanged);
        }
        let Some(mut state) = self.state(&id)? else {
            return Ok(IngestOutcome::Skipped);
        };
        let at = page.fetched_at;
        self.note_capture(&id, page);
        if state.gone_at.is_some() || at < state.last_seen {
            return Ok(IngestOutcome::Unchanged);
        }
        self.event(&id, at, "gone", None, None);
        state.gone_at = Some(at);
        self.pending.insert(id.clone(), Box::new(state));
        if let Some(mut current) = self.current_listing(&id)? {
            current.gone_at = Some(at);
            self.write_listing(current)?;
        }
        Ok(IngestOutcome::Updated)
    }

    /// Like [`Indexer::ingest`] with an extraction already computed over
    /// [`listing::listing_text`] of the page (tests, backtests).
    pub fn ingest_extracted(
        &mut self,
        page: &Page,
        extraction: Extraction,
    ) -> Result<IngestOutcome, IndexError> {
        if self.is_gone(page) {
            return self.mark_gone(page);
        }
        if !is_ingestible(page) {
            return Ok(IngestOutcome::Skipped);
        }
        let text = listing::listing_text(page);
        let prepared = prepare(&self.fields, page, &text, extraction)?;
        self.upsert(page, prepared)
    }

    /// Number of listings changed since the last commit.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Commits the index and the `idx_` tables together (index first: a crash in between is
    /// healed by the next ingest of the same listing). Call it every N pages and at the end.
    pub fn commit(&mut self) -> Result<(), IndexError> {
        if !self.dirty {
            return Ok(());
        }
        if self.dedup_enabled {
            self.apply_dedup()?;
        }
        let started = Instant::now();
        let timing = self.commit_both()?;
        self.checkpointer.request();
        self.reader
            .reload()
            .map_err(IndexError::tantivy("reloading the indexer's reader"))?;
        tracing::debug!(
            listings = self.pending.len(),
            events = self.history.len(),
            index_ms = timing.index.as_millis() as u64,
            state_staged_ms = timing.staged.as_millis() as u64,
            total_ms = started.elapsed().as_millis() as u64,
            "index batch committed"
        );
        self.pending.clear();
        self.pending_listings.clear();
        self.history.clear();
        self.captures.clear();
        self.pending_captures.clear();
        self.dirty = false;
        Ok(())
    }

    /// Commits the index and `state.db`, the index first, as one step that overlaps: the index
    /// commits on a helper thread (mostly waiting for tantivy's indexing threads to write their
    /// segments) while this thread writes the batch into an open `state.db` transaction, which
    /// it commits only once the index has committed. A crash before that leaves `state.db` as
    /// it was (the transaction is rolled back), as when the two commits ran one after the other.
    fn commit_both(&mut self) -> Result<CommitTiming, IndexError> {
        let Self {
            writer,
            conn,
            pending,
            pending_listings,
            history,
            captures,
            index_dir,
            ..
        } = self;
        // The batch's listings are no longer needed: the helper thread frees them too.
        let written = std::mem::take(pending_listings);
        std::thread::scope(|scope| {
            let index_commit = std::thread::Builder::new()
                .name("index-commit".into())
                .spawn_scoped(scope, move || {
                    let started = Instant::now();
                    let committed = writer.commit().map(|_| started.elapsed());
                    drop(written);
                    committed
                })
                .map_err(|source| IndexError::Io {
                    action: "start the index commit thread",
                    path: index_dir.clone(),
                    source,
                })?;
            let started = Instant::now();
            let staged = conn
                .transaction()
                .map_err(IndexError::sqlite("starting the batch transaction"))
                .and_then(|tx| {
                    store::stage_batch(&tx, pending.values().map(|s| &**s), history, captures)
                        .map(|()| tx)
                });
            let staged_in = started.elapsed();
            let index = match index_commit.join() {
                Ok(result) => result.map_err(IndexError::tantivy(format!(
                    "committing the index in {}",
                    index_dir.display()
                )))?,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            staged?
                .commit()
                .map_err(IndexError::sqlite("committing the batch transaction"))?;
            Ok(CommitTiming {
                index,
                staged: staged_in,
            })
        })
    }

    /// Turns the dedup update at each commit off (or back on): `salwatch bench index` uses it to
    /// measure the index alone. Clusters are then not maintained for the listings ingested.
    pub fn set_dedup_enabled(&mut self, enabled: bool) {
        self.dedup_enabled = enabled;
    }

    /// Sets the dedup settings used from the next commit on.
    pub fn set_dedup_params(&mut self, params: crate::dedup::DedupParams) {
        self.dedup = params;
    }

    /// Updates the dedup clusters with the listings of the open batch and writes the cluster id
    /// of every listing whose cluster changed (in the batch or not) into the index.
    fn apply_dedup(&mut self) -> Result<(), IndexError> {
        let listings: Vec<Listing> = self
            .pending_listings
            .values()
            .map(|l| Listing::clone(l))
            .collect();
        let docs: Vec<crate::dedup::DedupDoc<'_>> = listings
            .iter()
            .map(|l| crate::dedup::DedupDoc {
                listing_id: &l.listing_id,
                site: &l.site,
                first_seen: l.first_seen,
                text: format!("{}\n{}", l.title, l.body),
                images: &l.images,
                identifiers: l
                    .entities
                    .iter()
                    .filter(|e| crate::shared::IDENTIFIER_KINDS.contains(&e.kind.as_str()))
                    .map(|e| (e.kind.clone(), e.normalized.clone()))
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            })
            .collect();
        let mut changed = crate::dedup::update(&mut self.conn, &self.dedup, &docs)?;
        for mut listing in listings {
            let cluster = match changed.remove(&listing.listing_id) {
                Some(c) => Some(c),
                None => crate::dedup::store::cluster_of(&self.conn, &listing.listing_id)?,
            };
            if listing.cluster_id != cluster {
                listing.cluster_id = cluster;
                self.write_listing(listing)?;
            }
        }
        for (id, cluster) in changed {
            if let Some(mut listing) = self.current_listing(&id)?
                && listing.cluster_id.as_deref() != Some(cluster.as_str())
            {
                listing.cluster_id = Some(cluster);
                self.write_listing(listing)?;
            }
        }
        Ok(())
    }

    /// The upsert proper.
    fn upsert(&mut self, page: &Page, prepared: Prepared) -> Result<IngestOutcome, IndexError> {
        let Prepared {
            mut listing,
            doc,
            state: mut new_state,
        } = prepared;
        let id = listing.listing_id.clone();
        // A capture is recorded only with its listing's state (same batch, same transaction):
        // a listing without a state has no capture to look up.
        let prev = self.state(&id)?;
        if prev.is_some() && self.capture_seen(&id, &page.capture.record_id)? {
            return Ok(IngestOutcome::Unchanged);
        }
        let at = page.fetched_at;
        new_state.stored = prev.as_ref().is_some_and(|p| p.stored);
        let built_first_seen = listing.first_seen;
        let outcome = match prev {
            None => {
                self.event(&id, at, "first_seen", None, new_state.price_label());
                IngestOutcome::New
            }
            Some(prev) if at < prev.last_seen => {
                // An older capture than the one the index holds (archive read out of order): it
                // only widens first_seen; the newer content stays.
                self.event(&id, at, "seen", None, None);
                let mut state = prev.clone();
                if at < prev.first_seen {
                    state.first_seen = at;
                    if let Some(mut current) = self.current_listing(&id)? {
                        current.first_seen = at;
                        self.write_listing(current)?;
                    }
                }
                self.pending.insert(id.clone(), Box::new(state));
                self.note_capture(&id, page);
                return Ok(IngestOutcome::Unchanged);
            }
            Some(prev) => {
                listing.first_seen = prev.first_seen.min(at);
                new_state.first_seen = listing.first_seen;
                let (old_price, new_price) = (prev.price_label(), new_state.price_label());
                let price_changed = old_price != new_price;
                let text_changed = prev.text_sha256 != new_state.text_sha256;
                if price_changed {
                    self.event(&id, at, "price_changed", old_price, new_price);
                }
                if text_changed {
                    let old = Some(format!("sha256:{}", prev.text_sha256));
                    let new = Some(format!("sha256:{}", new_state.text_sha256));
                    self.event(&id, at, "text_changed", old, new);
                }
                let reappeared = prev.gone_at.is_some();
                if reappeared {
                    self.event(&id, at, "reappeared", prev.gone_at.map(store::ts), None);
                }
                if price_changed || text_changed || reappeared {
                    IngestOutcome::Updated
                } else {
                    self.event(&id, at, "seen", None, None);
                    IngestOutcome::Unchanged
                }
            }
        };
        self.pending.insert(id.clone(), Box::new(new_state));
        self.note_capture(&id, page);
        if listing.first_seen == built_first_seen {
            // The document built with the listing is still its document.
            let replaces = outcome != IngestOutcome::New || !self.index_matches_state;
            self.write_document(listing, doc, replaces)?;
        } else {
            self.write_listing(listing)?;
        }
        Ok(outcome)
    }

    /// True when this capture was already ingested for this listing.
    fn capture_seen(&self, id: &str, record_id: &str) -> Result<bool, IndexError> {
        Ok(self
            .pending_captures
            .contains(&(id.to_string(), record_id.to_string()))
            || store::capture_known(&self.conn, id, record_id)?)
    }

    /// The listing's state: from the open batch, else from `state.db`.
    fn state(&self, id: &str) -> Result<Option<ListingState>, IndexError> {
        match self.pending.get(id) {
            Some(s) => Ok(Some(ListingState::clone(s))),
            None => store::load_state(&self.conn, id),
        }
    }

    /// Replaces the listing's document (delete by id, then add).
    fn write_listing(&mut self, listing: Listing) -> Result<(), IndexError> {
        let doc = to_document(&self.fields, &listing)?;
        self.write_document(listing, doc, true)
    }

    /// Writes `doc`, built from `listing`; with `replaces`, deletes the listing's earlier
    /// document first. A listing new to `state.db` and to the open batch has none when the
    /// index holds only listings `state.db` knows (checked at open): its delete is skipped (a
    /// delete costs a term lookup in every segment at the commit).
    fn write_document(
        &mut self,
        listing: Listing,
        doc: TantivyDocument,
        replaces: bool,
    ) -> Result<(), IndexError> {
        if replaces {
            self.writer
                .delete_term(id_term(&self.fields, &listing.listing_id));
        }
        self.writer
            .add_document(doc)
            .map_err(IndexError::tantivy(format!(
                "adding listing {}",
                listing.listing_id
            )))?;
        self.pending_listings
            .insert(listing.listing_id.clone(), Box::new(listing));
        self.dirty = true;
        Ok(())
    }

    /// The listing as last written: from the open batch, else from the committed index.
    fn current_listing(&self, id: &str) -> Result<Option<Listing>, IndexError> {
        if let Some(l) = self.pending_listings.get(id) {
            return Ok(Some(Listing::clone(l)));
        }
        let searcher = self.reader.searcher();
        let query = TermQuery::new(id_term(&self.fields, id), IndexRecordOption::Basic);
        let top = searcher
            .search(&query, &TopDocs::with_limit(1))
            .map_err(IndexError::tantivy(format!("looking up listing {id}")))?;
        match top.first() {
            Some((_, addr)) => {
                let doc: TantivyDocument = searcher
                    .doc(*addr)
                    .map_err(IndexError::tantivy(format!("reading listing {id}")))?;
                from_document(&self.fields, &doc).map(Some)
            }
            None => Ok(None),
        }
    }

    fn event(
        &mut self,
        id: &str,
        at: chrono::DateTime<chrono::Utc>,
        event: &str,
        old: Option<String>,
        new: Option<String>,
    ) {
        self.history.push(HistoryEvent {
            listing_id: id.to_string(),
            at,
            event: event.to_string(),
            old,
            new,
        });
        self.dirty = true;
    }

    fn note_capture(&mut self, id: &str, page: &Page) {
        self.pending_captures
            .insert((id.to_string(), page.capture.record_id.clone()));
        self.captures.push(CaptureSeen {
            listing_id: id.to_string(),
            fetched_at: page.fetched_at,
            url: page.url.clone(),
            capture: page.capture.clone(),
        });
        self.dirty = true;
    }
}

/// The listing of `site` last captured at the path of `url` (any host or port), if any.
fn listing_at_path(conn: &Connection, site: &str, url: &str) -> Result<Option<String>, IndexError> {
    let Some(path) = url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
    else {
        return Ok(None);
    };
    let path = path.split('#').next().unwrap_or(path);
    let prefix = format!("{site}:");
    conn.prepare_cached(
        "SELECT c.listing_id FROM idx_captures c
         WHERE substr(c.listing_id, 1, length(?1)) = ?1
           AND substr(c.url, instr(c.url, '://') + 3 + instr(substr(c.url, instr(c.url, '://') + 3), '/') - 1) = ?2
         ORDER BY c.fetched_at DESC LIMIT 1",
    )
    .and_then(|mut st| {
        st.query_row(rusqlite::params![prefix, path], |r| r.get::<_, String>(0))
            .optional()
    })
    .map_err(IndexError::sqlite(format!("finding the listing captured at {url}")))
}

/// How long the two halves of a commit took (for the debug log).
struct CommitTiming {
    /// The index commit, on its helper thread.
    index: Duration,
    /// Writing the batch into the open `state.db` transaction, meanwhile.
    staged: Duration,
}

/// A page's listing, its document and its state, built before the upsert (off the calling
/// thread for a chunk).
struct Prepared {
    listing: Listing,
    doc: TantivyDocument,
    state: ListingState,
}

/// Builds the listing of a page from its extraction, its tantivy document and its state.
fn prepare(
    fields: &Fields,
    page: &Page,
    text: &str,
    extraction: Extraction,
) -> Result<Prepared, IndexError> {
    let listing = listing::build(page, text, extraction);
    let doc = to_document(fields, &listing)?;
    let state = state_of(&listing);
    Ok(Prepared {
        listing,
        doc,
        state,
    })
}

/// `f` over `items` on one scoped thread per core (consecutive runs of items, so the results
/// come back in the order of `items`).
fn parallel_map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if threads < 2 || items.len() < 2 {
        return items.into_iter().map(f).collect();
    }
    let per_thread = items.len().div_ceil(threads);
    let mut runs: Vec<Vec<T>> = Vec::with_capacity(threads);
    let mut rest = items;
    while rest.len() > per_thread {
        let tail = rest.split_off(per_thread);
        runs.push(rest);
        rest = tail;
    }
    runs.push(rest);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .into_iter()
            .map(|run| scope.spawn(move || run.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(v) => v,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// Statuses that say a listing was removed.
fn is_gone_status(status: u16) -> bool {
    matches!(status, 404 | 410)
}

/// Listing pages with a successful response.
fn is_ingestible(page: &Page) -> bool {
    page.is_listing && (200..300).contains(&page.status)
}

/// The remembered state of a freshly built listing.
fn state_of(l: &Listing) -> ListingState {
    let mut entities: Vec<(String, String)> = l
        .entities
        .iter()
        .map(|e| (e.kind.clone(), e.normalized.clone()))
        .collect();
    entities.sort();
    entities.dedup();
    ListingState {
        listing_id: l.listing_id.clone(),
        site: l.site.clone(),
        seller: l.seller.clone(),
        first_seen: l.first_seen,
        last_seen: l.last_seen,
        price_text: l.price_text.clone(),
        price_amount: l.price_amount,
        price_currency: l.price_currency.clone(),
        text_sha256: l.text_sha256.clone(),
        gone_at: l.gone_at,
        record_id: l.capture.record_id.clone(),
        entities: Some(entities),
        stored: false,
    }
}

/// Takes the writer lock, mapping a busy lock to [`IndexError::Locked`].
pub(crate) fn open_writer(index: &Index, dir: &std::path::Path) -> Result<IndexWriter, IndexError> {
    let writer = index.writer_with_num_threads(WRITER_THREADS, WRITER_HEAP_BYTES);
    writer.map_err(|e| match e {
        TantivyError::LockFailure(..) => IndexError::Locked {
            path: dir.to_path_buf(),
        },
        other => IndexError::Tantivy {
            context: format!("opening the index writer in {}", dir.display()),
            source: other,
        },
    })
}
