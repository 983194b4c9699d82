"""The store's tables, one schema for both databases (each fills in its own column types)."""

from __future__ import annotations

# one schema for both databases; each fills in its own column types. A store records the
# version it has; a later version of this schema bumps SCHEMA_VERSION, and setup() brings older
# stores up to it (today by the IF NOT EXISTS statements alone)
# 2: the shared crawl's tables (PostgreSQL); 3: learned templates; 4: listed metadata;
# 5: frontier.started (PostgreSQL); 6: dedup_superseded, field_sites and field_values, ledger_copies,
# clean_removed, clean_learned_lines, crawl_stats
SCHEMA_VERSION = 6
SCHEMA = """
CREATE TABLE IF NOT EXISTS boltwise_schema (
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    url TEXT PRIMARY KEY,
    site TEXT,
    title TEXT,
    published TEXT,
    modified TEXT,
    revision INTEGER NOT NULL,
    item {json} NOT NULL,
    stored_at TEXT NOT NULL
);
-- a site's articles in URL order: an export's batches by key range (--site)
CREATE INDEX IF NOT EXISTS articles_site_url ON articles (site, url);
CREATE TABLE IF NOT EXISTS article_revisions (
    url TEXT NOT NULL,
    revision INTEGER NOT NULL,
    item {json} NOT NULL,
    stored_at TEXT NOT NULL,
    PRIMARY KEY (url, revision)
);
CREATE TABLE IF NOT EXISTS ledger (
    url TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    reason TEXT,
    lastmod TEXT,
    etag TEXT,
    last_modified TEXT,
    updated_at TEXT NOT NULL
);
-- a state's URLs in URL order: the export of copies by key range
CREATE INDEX IF NOT EXISTS ledger_state_url ON ledger (state, url);
CREATE TABLE IF NOT EXISTS ledger_copies (
    url TEXT PRIMARY KEY,
    kind TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS crawl_stats (
    id {identity},
    spider TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT NOT NULL,
    stats {json} NOT NULL
);
CREATE TABLE IF NOT EXISTS clean_removed (
    site TEXT NOT NULL,
    rule TEXT NOT NULL,
    lines INTEGER NOT NULL,
    PRIMARY KEY (site, rule)
){without_rowid};
CREATE TABLE IF NOT EXISTS clean_learned_lines (
    site TEXT NOT NULL,
    line_hash {int64} NOT NULL,
    line TEXT NOT NULL,
    PRIMARY KEY (site, line_hash)
){without_rowid};
CREATE TABLE IF NOT EXISTS ledger_hints (
    url TEXT PRIMARY KEY,
    hints {json} NOT NULL
);
CREATE TABLE IF NOT EXISTS dedup_articles (
    id {identity},
    key TEXT NOT NULL UNIQUE,
    exact {int64} NOT NULL,
    signature {bytes} NOT NULL,
    shingles INTEGER NOT NULL,
    words INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    modified TEXT
);
CREATE INDEX IF NOT EXISTS dedup_articles_exact ON dedup_articles (exact);
CREATE TABLE IF NOT EXISTS dedup_buckets (
    bucket {int64} NOT NULL,
    article {int64} NOT NULL,
    PRIMARY KEY (bucket, article)
){without_rowid};
CREATE TABLE IF NOT EXISTS dedup_superseded (
    key TEXT PRIMARY KEY,
    kept TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dedup_superseded_kept ON dedup_superseded (kept);
CREATE TABLE IF NOT EXISTS boilerplate_sites (
    site TEXT PRIMARY KEY,
    articles INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS boilerplate_lines (
    site TEXT NOT NULL,
    line_hash {int64} NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (site, line_hash)
){without_rowid};
CREATE TABLE IF NOT EXISTS field_sites (
    site TEXT PRIMARY KEY,
    articles INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS field_values (
    site TEXT NOT NULL,
    value_hash {int64} NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (site, value_hash)
){without_rowid};
CREATE TABLE IF NOT EXISTS template_sites (
    site TEXT PRIMARY KEY,
    articles INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS template_slots (
    site TEXT NOT NULL,
    slot {int64} NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (site, slot)
){without_rowid}
"""
