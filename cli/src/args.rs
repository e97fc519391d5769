//! Command-line arguments. Parsing only: no I/O happens here.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// salwatch finds illicit firearm listings online: it crawls classifieds, forums, messenger
/// channel previews and onion markets under rate limits, archives every capture as WARC evidence,
/// extracts firearm-listing entities with versioned rule packs and indexes them for search.
///
/// Start with `salwatch demo`: it serves the synthetic sample sites on loopback, crawls,
/// extracts, indexes and prints what an analyst would see.
#[derive(Debug, Parser)]
#[command(
    name = "salwatch",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Workspace directory (salwatch.toml, archive/, state.db, index/); default: the current
    /// directory (`demo`: a new temporary directory, kept afterwards).
    #[arg(long, short = 'w', global = true, env = "SALWATCH_WORKSPACE")]
    pub workspace: Option<PathBuf>,

    /// Log verbosity: -v info, -vv debug, -vvv trace (or set RUST_LOG).
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Hide progress bars (they are hidden anyway when stderr is not a terminal).
    #[arg(long, global = true)]
    pub quiet: bool,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline on the built-in sample sites and print an analyst's summary.
    ///
    /// Serves the synthetic sample sites on 127.0.0.1, crawls them into a WARC archive, extracts
    /// with the default rule pack, indexes, and prints listings per site and category, example
    /// searches and sellers seen on more than one site. The workspace is kept for you to explore.
    Demo,
    /// Create a workspace with a documented salwatch.toml and the sample site profiles.
    Init(InitArgs),
    /// Crawl the sites of the workspace's salwatch.toml, archive every capture, extract and index.
    ///
    /// Resumable: run it again after an interruption and it continues where it stopped. Ctrl-C
    /// stops gracefully (fetches in flight finish and are archived, the index commits, the
    /// summary prints, exit code 130); a second Ctrl-C aborts at once (still resumable).
    /// Listing, seed and pagination pages are revisited after `recrawl_interval_hours` with
    /// conditional requests; each revisit is logged as unchanged, changed or gone.
    ///
    /// Examples:
    ///   salwatch -w ws crawl
    ///   salwatch -w ws crawl --site classifieds --no-index
    ///   salwatch -w ws crawl --recrawl          # revisit every scheduled page now
    ///   salwatch -w ws crawl status --format json
    #[command(verbatim_doc_comment)]
    Crawl(CrawlArgs),
    /// Run the rule packs over text, HTML or NDJSON and print extractions (DESIGN.md §3 contract).
    ///
    /// Invalid UTF-8 is replaced (U+FFFD) with a warning naming the file and line.
    ///
    /// Examples:
    ///   echo 'Продавам пиштол Глок 19, 350 евра' | salwatch extract
    ///   salwatch extract --html page.html --format json
    ///   salwatch extract --input ndjson docs.ndjson > extractions.ndjson
    #[command(verbatim_doc_comment)]
    Extract(ExtractArgs),
    /// Search the indexed listings.
    ///
    /// The query uses tantivy syntax (words, "phrases", AND/OR/NOT, field:value) and is folded
    /// like the listings: `пиштол глок` finds `pistoletë gl0ck`.
    ///
    /// Examples:
    ///   salwatch search 'glock' --site classifieds --relevant
    ///   salwatch search 'zoraki' --format json
    ///   salwatch search --entity phone:+38970123456
    ///   salwatch search --entity 'phone:070 123 456' --region MK
    ///   salwatch search pistol --category firearm/pistol --max-price 500 --sort price
    ///   salwatch search --since 2026-11-01 --sort newest --facets
    ///   salwatch search glock --format csv > hits.csv
    #[command(verbatim_doc_comment)]
    Search(SearchArgs),
    /// Print one listing with its entities, its history and every capture that saw it.
    ///
    /// History lists first seen, price and text changes, disappearance and reappearance across
    /// crawls; each capture names the WARC file, offset, record id and payload digest that prove
    /// it (check them with `salwatch archive verify`).
    ///
    /// Examples:
    ///   salwatch show classifieds:1042
    ///   salwatch show classifieds:1042 --format json
    #[command(verbatim_doc_comment)]
    Show(ShowArgs),
    /// Index maintenance.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Capture archive maintenance.
    #[command(subcommand)]
    Archive(ArchiveCommand),
    /// The synthetic sample sites.
    #[command(subcommand)]
    Samples(SamplesCommand),
    /// Rule packs: run their examples, lint them, explain a match, backtest a change.
    #[command(subcommand)]
    Rules(crate::commands::rules::RulesCommand),
    /// Site profiles: see what a profile extracts from a page before crawling with it.
    #[command(subcommand)]
    Profile(crate::commands::profile::ProfileCommand),
    /// Benchmarks and their synthetic inputs (method and results in docs/BENCHMARKS.md).
    #[command(subcommand)]
    Bench(crate::commands::bench::BenchCommand),
    /// Duplicate and reposted listings, grouped into clusters.
    Dedup(crate::commands::dedup::DedupArgs),
    /// Actors: site accounts linked by shared identifiers, across sites.
    Actors(crate::commands::actors::ActorsArgs),
    /// One actor with every account, identifier and link explained.
    Actor(crate::commands::actors::ActorArgs),
    /// Events in time order for a listing, an actor, a query or a case.
    Timeline(crate::commands::timeline::TimelineArgs),
    /// Cases: named collections of listings, actors and queries, with an audit log.
    #[command(subcommand)]
    Case(crate::commands::case::CaseCommand),
    /// Export a case: a signed evidence package (WACZ), a STIX 2.1 bundle or a MISP event.
    Export(crate::commands::export::ExportArgs),
    /// Evidence packages: verify one (hashes, signature, records, custody log).
    #[command(subcommand)]
    Evidence(crate::commands::evidence::EvidenceCommand),
}

/// `salwatch init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to create (default: the --workspace directory).
    pub dir: Option<PathBuf>,
    /// Overwrite an existing salwatch.toml.
    #[arg(long)]
    pub force: bool,
}

/// `salwatch crawl`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CrawlArgs {
    /// `status` instead of crawling.
    #[command(subcommand)]
    pub action: Option<CrawlAction>,
    /// Crawl only these sites (by name in salwatch.toml); default: all.
    #[arg(long = "site", value_name = "NAME")]
    pub sites: Vec<String>,
    /// Archive only; do not extract or index (run `salwatch index rebuild` later).
    #[arg(long)]
    pub no_index: bool,
    /// Revisit every scheduled page now (listing, seed and pagination pages), whatever
    /// `recrawl_interval_hours` says; conditional requests (ETag/Last-Modified) still apply.
    #[arg(long)]
    pub recrawl: bool,
}

/// `salwatch crawl …` subcommands.
#[derive(Debug, Subcommand)]
pub enum CrawlAction {
    /// Per-site counts, errors by kind, and the next scheduled visit.
    Status(crate::commands::crawl_status::StatusArgs),
}

/// Output formats for data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Comma-separated values with a header row.
    Csv,
}

/// How `extract` reads its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputKind {
    /// Each file (or stdin) is one document (up to 64 MiB).
    Text,
    /// Lines of `{"id": "...", "text": "..."}` (up to 128 MiB each).
    Ndjson,
}

/// `salwatch extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Files to read; none or `-` reads stdin.
    pub files: Vec<PathBuf>,
    /// Input kind.
    #[arg(long, value_enum, default_value_t = InputKind::Text)]
    pub input: InputKind,
    /// Strip HTML markup (scripts and styles dropped) before extracting.
    #[arg(long)]
    pub html: bool,
    /// Default phone region (ISO 3166 alpha-2, e.g. MK, XK, AL, RS) for numbers without a country code.
    #[arg(long, value_name = "CC")]
    pub region: Option<String>,
    /// Extra rule pack files or directories, loaded after the built-in salw-core.
    #[arg(long = "pack", value_name = "PATH")]
    pub packs: Vec<PathBuf>,
    /// Output format (table shows one line per entity). NDJSON streams: each extraction is
    /// written as soon as its batch is done, so memory stays bounded on any input size; the
    /// other formats print once everything is read.
    #[arg(long, value_enum, default_value_t = Format::Ndjson)]
    pub format: Format,
    /// Worker threads extracting in parallel (output keeps input order); 0 = one per core.
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    pub jobs: usize,
    /// Entities reported per document. Past it they are counted in `entities_omitted` (a
    /// warning names the document): a dumped or hostile page can hold hundreds of thousands,
    /// and memory grows with them. Raise it to read such a page whole; 0 = no limit.
    #[arg(long, value_name = "N", default_value_t = salwatch_rules::DEFAULT_ENTITY_LIMIT)]
    pub max_entities: usize,
}

/// Sort orders for search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Sort {
    /// Best match first.
    Relevance,
    /// Most recently posted (or first seen) first.
    Newest,
    /// Cheapest first (in EUR).
    Price,
}

/// `salwatch search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Query text (tantivy syntax; words are joined by AND, at most 512 of them, parentheses at
    /// most 12 deep; a word ending in `*` searches a prefix, folded like every word: `пиш*`,
    /// `glo*`); may be empty when filters are given.
    #[arg(default_value = "")]
    pub query: String,
    /// Only these sites.
    #[arg(long = "site", value_name = "NAME")]
    pub sites: Vec<String>,
    /// Only these categories (e.g. firearm/pistol, ammunition, explosive).
    #[arg(long = "category", value_name = "CATEGORY")]
    pub categories: Vec<String>,
    /// Only this EU Firearms Directive category (A, B, C, D).
    #[arg(long, value_name = "A-D")]
    pub eu_category: Option<String>,
    /// Only listings with this flag (converted, replica, wanted …).
    #[arg(long = "flag", value_name = "FLAG")]
    pub flags: Vec<String>,
    /// Exact identifier lookup, KIND:VALUE (phone:+38970123456, btc_address:bc1…, telegram:@name).
    /// The value is folded as the rules fold it: `phone:070 123 456 --region MK` and
    /// `phone:+389 70 123 456` are the same number, addresses and e-mails match in any case.
    #[arg(long, value_name = "KIND:VALUE")]
    pub entity: Option<String>,
    /// Region for a phone number typed without its country code in --entity (ISO 3166
    /// alpha-2: MK, AL, RS, XK …); default: the phone region of the --site, or of every site
    /// of salwatch.toml when they share one.
    #[arg(long, value_name = "CC")]
    pub region: Option<String>,
    /// Only listings the rules judged to be offers (hides airsoft, tools, news …).
    #[arg(long)]
    pub relevant: bool,
    /// Posted (or first seen) on or after this date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Posted (or first seen) before this date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Minimum price in EUR.
    #[arg(long, value_name = "EUR")]
    pub min_price: Option<f64>,
    /// Maximum price in EUR.
    #[arg(long, value_name = "EUR")]
    pub max_price: Option<f64>,
    /// Sort order.
    #[arg(long, value_enum, default_value_t = Sort::Relevance)]
    pub sort: Sort,
    /// Also count the matching listings per site, category, EU category, flag and language
    /// (under the table; with --format json the output becomes {total, hits, facets}).
    #[arg(long)]
    pub facets: bool,
    /// Hits to show.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Hits to skip (paging).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// One hit per duplicate cluster (reposts across sites), with the cluster's size and sites
    /// (see `salwatch dedup`).
    #[arg(long)]
    pub collapse: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `salwatch show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Listing id as printed by `search` (site:id).
    pub listing: String,
    /// Output format (table or json).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `salwatch index …`.
#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Recreate the index and listing history from the WARC archive alone.
    ///
    /// Refuses (and leaves the index as it is) when WARC files that captures.cdxj lists are not
    /// in archive/: a rebuild from part of the archive would drop their listings (a moved
    /// file, an archive disk not mounted). `--allow-missing-files` rebuilds from what is there.
    Rebuild {
        /// Extra rule pack files or directories, loaded after the built-in salw-core.
        #[arg(long = "pack", value_name = "PATH")]
        packs: Vec<PathBuf>,
        /// Rebuild even though WARC files listed in captures.cdxj are missing (their listings
        /// are dropped from the index).
        #[arg(long)]
        allow_missing_files: bool,
    },
}

/// `salwatch archive …`.
#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// Re-hash every record of every WARC file, check that every capture captures.cdxj lists is
    /// there, and name any mismatch, damaged record or missing capture (exit 1 if any).
    Verify {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Rebuild captures.cdxj (the index of captures that verify, index rebuild and evidence
    /// export consult) from the WARC records, when verify reports it missing or damaged. The old
    /// index is kept beside it as captures.cdxj.replaced-<UTC time>; the WARC files are only
    /// read. Run it while no crawl writes to the workspace (it refuses if the index grows
    /// meanwhile). Exit 1 if damaged records were skipped (verify names them).
    Reindex,
}

/// `salwatch samples …`.
#[derive(Debug, Subcommand)]
pub enum SamplesCommand {
    /// Serve the sample sites on loopback until interrupted, printing `NAME URL` per site.
    Serve(ServeArgs),
}

/// `salwatch samples serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address of the first site; port 0 gives every site an ephemeral port, otherwise the sites
    /// take consecutive ports in name order.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: SocketAddr,
    /// Serve a samples/ directory from disk instead of the copy built into the binary.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Also initialise this workspace with a salwatch.toml whose sites point at the served ports.
    #[arg(long, value_name = "WORKSPACE")]
    pub init: Option<PathBuf>,
}
