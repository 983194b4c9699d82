import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from boltwise.items import Article, Page
from boltwise.pipelines import CleanPipeline, ExtractPipeline, TooShort, WrongLanguage

from .conftest import seed_lines

ENGLISH = "The defence ministers met on Tuesday to discuss security guarantees for Ukraine and further support."


def clean_pipeline(tmp_path, **settings):
    crawler = get_crawler(settings_dict={"BOLTWISE_STORE_URI": f"sqlite:///{tmp_path}/s.sqlite3", **settings})
    crawler.stats.open_spider()
    return crawler, CleanPipeline.from_crawler(crawler)


def test_stages_can_be_turned_off():
    with pytest.raises(NotConfigured, match="BOLTWISE_CLEAN_ENABLED"):
        CleanPipeline.from_crawler(get_crawler(settings_dict={"BOLTWISE_CLEAN_ENABLED": False}))
    with pytest.raises(NotConfigured, match="BOLTWISE_EXTRACT_ENABLED"):
        ExtractPipeline.from_crawler(get_crawler(settings_dict={"BOLTWISE_EXTRACT_ENABLED": False}))


def test_clean_item_fields_and_stats(tmp_path):
    crawler, pipeline = clean_pipeline(tmp_path)
    text = "\n".join(seed_lines("000_8393ffbcd8907b3d.txt"))
    item = pipeline.process_item(Article(source="a.txt", text=text))
    assert item.site == "it-boltwise.de" and item.language == "de"
    assert item.word_count == len(item.text.split()) < len(text.split())
    assert crawler.stats.get_value("boltwise/clean/removed/jobs") == 5
    assert crawler.stats.get_value("boltwise/clean/mined/title") == 1
    page = Page(source="p.html", html="<p>x</p>")
    assert pipeline.process_item(page) is page  # extraction off upstream: passed on untouched


def test_quality_gates(tmp_path):
    _, pipeline = clean_pipeline(tmp_path, BOLTWISE_LANGUAGES="de", BOLTWISE_MIN_WORDS=10)
    with pytest.raises(TooShort, match=r"fewer than BOLTWISE_MIN_WORDS=10: short\.txt"):
        pipeline.process_item(Article(source="short.txt", text="Nur ein paar Worte."))
    with pytest.raises(WrongLanguage, match="'en' not in BOLTWISE_LANGUAGES"):
        pipeline.process_item(Article(source="en.txt", text=ENGLISH))
    _, keep_all = clean_pipeline(tmp_path)
    assert keep_all.process_item(Article(source="en.txt", text=ENGLISH)).language == "en"
