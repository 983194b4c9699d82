"""The add-on: what it installs, and that an ordinary crawl is not told about what it left out."""

from scrapy.settings import Settings

from boltwise.addon import NEEDS, SWITCHED, Boltwise


def installed(**overrides: str) -> set[str]:
    settings = Settings({"BOLTWISE_EXTRACT_ENABLED": False, **overrides})  # no fork server here
    Boltwise().update_settings(settings)
    return {*settings["ITEM_PIPELINES"], *settings["DOWNLOADER_MIDDLEWARES"], *settings["EXTENSIONS"]}


def test_components_that_need_a_setting_are_installed_only_with_one(tmp_path):
    plain = installed()
    assert "boltwise.pipelines.ExtractPipeline" in plain
    assert "boltwise.extensions.QuickExit" in plain
    for component, settings in NEEDS.items():
        assert component not in plain
        for setting in settings:  # any one of them
            assert component in installed(**{setting: str(tmp_path)})


def test_components_that_need_a_switch_are_installed_only_when_it_is_on():
    for component, switch in SWITCHED.items():
        assert component in installed()  # the add-on's own safe default turns ROBOTSTXT_OBEY on
        assert component not in installed(**{switch: "False"})
