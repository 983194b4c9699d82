import pytest

from boltwise.fields import image_url

PAGE = "https://www.zeitung.example/politik/artikel.html"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://cdn.example/a.jpg", "https://cdn.example/a.jpg"),
        ("//cdn.example/b.jpg", "https://cdn.example/b.jpg"),  # protocol-relative
        ("/bilder/c.webp", "https://www.zeitung.example/bilder/c.webp"),
        ("d.png", "https://www.zeitung.example/politik/d.png"),
        ("  https://cdn.example/e.jpg  ", "https://cdn.example/e.jpg"),
        # placeholders and inline pixels are no article's picture
        ("https://www.zeitung.example/img/blank.jpg", None),
        ("/wp-content/spacer.gif", None),
        ("https://cdn.example/placeholder-2.png", None),
        ("data:image/gif;base64,R0lGODlhAQABAAAAACw=", None),
        # names that merely contain such a word stay
        ("https://cdn.example/blankenese-hafen.jpg", "https://cdn.example/blankenese-hafen.jpg"),
        ("https://cdn.example/pixel-art-ausstellung.jpg", "https://cdn.example/pixel-art-ausstellung.jpg"),
        ("javascript:alert(1)", None),
        ("", None),
        (None, None),
    ],
)
def test_image_url(value, expected):
    assert image_url(value, PAGE) == expected


def test_a_relative_image_without_a_page_url_is_dropped():
    assert image_url("/bilder/c.webp", None) is None
    assert image_url("https://cdn.example/a.jpg", None) == "https://cdn.example/a.jpg"
