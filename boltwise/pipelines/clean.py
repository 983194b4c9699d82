"""The cleaning stage: site boilerplate out, metadata mined, text normalised, quality gates."""

from __future__ import annotations

import logging
from collections import Counter

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from boltwise import config
from boltwise.clean.cleaner import Cleaner
from boltwise.clean.language import detect_language
from boltwise.clean.learned import BoilerplateModel, line_hash
from boltwise.clean.sitefields import SiteFields, SiteFieldsModel
from boltwise.cputime import charged
from boltwise.items import Article, Extracted, Page
from boltwise.layout import Layout
from boltwise.spiders.sharedfrontier import shared_crawl
from boltwise.store import Store, store_for
from boltwise.store.boilerplate import FIELDS, LINES, TEMPLATES, Tables

logger = logging.getLogger(__name__)


class TooShort(DropItem):
    """Fewer words than ``BOLTWISE_MIN_WORDS`` after cleaning."""


class WrongLanguage(DropItem):
    """Not one of ``BOLTWISE_LANGUAGES``."""


class CleanPipeline:
    """Removes site boilerplate, mines metadata, normalises text and applies the quality gates."""

    def __init__(
        self,
        crawler: Crawler,
        cleaner: Cleaner,
        min_words: int,
        languages: frozenset[str],
        site_fields: SiteFieldsModel | None = None,
    ) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.cleaner = cleaner
        self.site_fields = site_fields
        # since the last save: lines removed per (site, rule), and the text of learned lines removed
        self.removed: Counter[tuple[str, str]] = Counter()
        self.learned_lines: dict[tuple[str, int], str] = {}
        self.min_words = min_words
        self.languages = languages
        self.store: Store | None = None
        self.shared = False  # a shared crawl's decider cleans, in order (boltwise.decider)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        settings = crawler.settings
        if not config.getbool(settings, "BOLTWISE_CLEAN_ENABLED"):
            raise NotConfigured("BOLTWISE_CLEAN_ENABLED is off")
        model = None
        if config.getbool(settings, "BOLTWISE_CLEAN_LEARN_ENABLED"):
            model = BoilerplateModel(
                min_articles=config.getint(settings, "BOLTWISE_CLEAN_LEARN_MIN_ARTICLES"),
                min_support=config.getint(settings, "BOLTWISE_CLEAN_LEARN_MIN_SUPPORT"),
                max_share=config.getfloat(settings, "BOLTWISE_CLEAN_LEARN_MAX_SHARE"),
            )
        templates = None
        if config.getbool(settings, "BOLTWISE_CLEAN_TEMPLATES_ENABLED"):
            templates = BoilerplateModel(
                min_articles=config.getint(settings, "BOLTWISE_CLEAN_TEMPLATES_MIN_PAGES"),
                min_support=1,
                min_share=config.getfloat(settings, "BOLTWISE_CLEAN_TEMPLATES_MIN_SHARE"),
                max_share=config.getfloat(settings, "BOLTWISE_CLEAN_LEARN_MAX_SHARE"),
            )
        site_fields = None
        if config.getbool(settings, "BOLTWISE_CLEAN_FIELDS_ENABLED"):
            site_fields = SiteFieldsModel(
                BoilerplateModel(
                    min_articles=config.getint(settings, "BOLTWISE_CLEAN_FIELDS_MIN_PAGES"),
                    min_support=2,  # a value on two pages at the least, however few the share asks
                    min_share=config.getfloat(settings, "BOLTWISE_CLEAN_FIELDS_MIN_SHARE"),
                )
            )
        languages = frozenset(lang.lower() for lang in config.getlist(settings, "BOLTWISE_LANGUAGES"))
        cleaner = Cleaner(model, rules=config.getlist(settings, "BOLTWISE_CLEAN_RULES"), templates=templates)
        return cls(crawler, cleaner, config.getint(settings, "BOLTWISE_MIN_WORDS"), languages, site_fields)

    decider_stage = from_crawler  # the decider's own instance (boltwise.decider)

    def _models(self) -> list[tuple[BoilerplateModel, Tables]]:
        """The learned models in use, with the store tables each is kept in."""
        models = [
            (self.cleaner.learned, LINES),
            (self.cleaner.templates, TEMPLATES),
            (self.site_fields.model if self.site_fields else None, FIELDS),
        ]
        return [(model, tables) for model, tables in models if model is not None]

    async def open_spider(self) -> None:
        self.shared = shared_crawl(self.crawler)
        if not self.shared:
            await self.open_decider(await store_for(self.crawler))

    async def open_decider(self, store: Store) -> None:
        self.store = store
        for model, tables in self._models():
            await store.load_boilerplate(model, tables)

    async def save(self) -> None:
        """Write what was learned, and what was removed per site (for the crawl report)."""
        if self.store is not None:
            for model, tables in self._models():
                await self.store.save_boilerplate(model, tables)
            await self.store.save_removals(self.removed, self.learned_lines)
        self.removed, self.learned_lines = Counter(), {}

    async def close_spider(self) -> None:
        if not self.shared:
            await self.save()

    def process_item(self, item: Page | Article) -> Page | Article:
        if isinstance(item, Page) or self.shared:
            return item  # extraction is off (nothing to clean yet), or the decider cleans
        return self._decide(item)

    async def decide(self, item: Article) -> Article:
        return self._decide(item)

    def _decide(self, item: Article) -> Article:
        with charged(self.stats, "clean"):
            return self._clean(item)

    def _clean_fields(self, adapter: ItemAdapter) -> None:
        """Drop the tags, categories, description and title end the site gives all its pages."""
        assert self.site_fields is not None
        fields = SiteFields(
            adapter.get("title"),
            adapter.get("description"),
            adapter.get("tags") or [],
            adapter.get("categories") or [],
        )
        cleaned = self.site_fields.clean(adapter.get("site"), fields)
        self.site_fields.observe(adapter.get("site"), fields)
        for kind, value in cleaned.removed:
            self.stats.inc_value(f"boltwise/clean/fields/{kind}")
            logger.debug("Removed (site-wide %s) from %s: %s", kind, adapter["source"], value)
        adapter.update(
            title=cleaned.title, description=cleaned.description, tags=cleaned.tags, categories=cleaned.categories
        )

    def _clean(self, item: Article) -> Article:
        layout = None
        if isinstance(item, Extracted):  # the layout was for this stage only: out goes an Article
            layout = Layout.from_dict(item.layout)
            item = item.article()
        adapter = ItemAdapter(item)
        if self.site_fields is not None:
            self._clean_fields(adapter)  # first: a slogan for a description is no lost lede
        result = self.cleaner.clean(
            adapter["text"],
            site=adapter.get("site"),
            title=adapter.get("title"),
            description=adapter.get("description"),
            layout=layout,
        )
        site = result.site or ""
        for rule, line in result.removed:
            self.stats.inc_value(f"boltwise/clean/removed/{rule}")
            self.removed[site, rule] += 1
            if rule == "learned":
                self.learned_lines.setdefault((site, line_hash(line)), line)
            logger.debug("Removed (%s) from %s: %s", rule, adapter["source"], line)
        for rule, line in result.added:
            self.stats.inc_value(f"boltwise/clean/added/{rule}")
            logger.debug("Added (%s) to %s: %s", rule, adapter["source"], line)
        for what in result.mined:
            self.stats.inc_value(f"boltwise/clean/mined/{what}")
        adapter.update(
            text=result.text,
            title=result.title,
            site=result.site,
            dateline=result.dateline,
            word_count=len(result.text.split()),
        )
        if not adapter.get("language"):
            adapter["language"] = detect_language(result.text)
        self.stats.inc_value("boltwise/clean/items")
        if adapter["word_count"] < self.min_words:
            self.stats.inc_value("boltwise/clean/dropped/too_short")
            raise TooShort(
                f"{adapter['word_count']} words after cleaning, fewer than BOLTWISE_MIN_WORDS="
                f"{self.min_words}: {adapter['source']}"
            )
        if self.languages and adapter["language"] and adapter["language"] not in self.languages:
            self.stats.inc_value("boltwise/clean/dropped/wrong_language")
            raise WrongLanguage(f"language {adapter['language']!r} not in BOLTWISE_LANGUAGES: {adapter['source']}")
        return item
