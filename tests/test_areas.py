"""Tags and authors a page gives only in its furniture: sidebars, comments, menus, footers."""

from lxml import html

from boltwise.areas import furniture_links, furniture_names, in_furniture

ARTICLE = """
<html><body class="single one-sidebar sidebar-second comments-open">
<div class="content-sidebar-wrap">
 <main class="content">
  <article class="post hentry">
   <h1>Neue Radwege</h1>
   <div class="entry-meta"><span class="author vcard"><a href="/autor/jana">Jana Berg</a></span></div>
   <p>Die Stadt baut neue Radwege.</p>
   <footer class="entry-footer"><a href="/tag/verkehr/" rel="tag">Verkehr</a>
    <a href="/tag/radwege/" rel="tag">Radwege</a></footer>
   <aside class="c-article-body__aside"><p class="author">Redaktion Stadtblatt</p></aside>
  </article>
  <ol class="commentlist"><li class="comment"><div class="comment-author vcard">
   <cite class="fn"><a href="/u/k">klaus77</a></cite> said on August 3</div><p>Toll!</p></li></ol>
 </main>
 <aside class="sidebar"><div class="widget widget_tag_cloud"><div class="tagcloud">
  <a href="/tag/verkehr/">Verkehr</a><a href="/tag/wahlen/">Wahlen</a><a href="/tag/sport/">Sport</a>
 </div></div>
 <div class="widget widget_recent_comments"><span class="comment-author-link">Tim</span></div></aside>
</div>
<footer id="colophon" class="site-footer"><ul class="credit"><li class="theme-author">Theme Rogue von xwolf</li></ul>
 <a href="/tag/impressum/">Impressum</a></footer>
</body></html>
"""


def test_a_tag_cloud_and_a_menu_are_furniture_the_articles_own_footer_is_not():
    tree = html.fromstring(ARTICLE)
    values = ["Verkehr", "Radwege", "Wahlen", "Sport", "Impressum", "Nirgends"]
    # "Verkehr" is in the cloud too, but also the article's own tag; "Nirgends" is on no link:
    # nothing says where it came from, so it stays
    assert furniture_links(tree, values) == {"Wahlen", "Sport", "Impressum"}


def test_commenters_and_theme_credits_are_furniture_a_byline_in_an_articles_aside_is_not():
    tree = html.fromstring(ARTICLE)
    names = ["Jana Berg", "Klaus77 Said", "Tim", "Theme Rogue von xwolf", "Redaktion Stadtblatt", "Ohne Ort"]
    assert furniture_names(tree, names) == {"Klaus77 Said", "Tim", "Theme Rogue von xwolf"}


def test_a_wordpress_comment_article_is_furniture_a_blogger_post_in_its_widget_is_not():
    comment = html.fromstring(
        "<div id='comments'><article class='comment-body'><b class='fn'>Eva</b></article></div>"
    )
    assert in_furniture(comment.xpath("//b")[0])
    blogger = html.fromstring(
        "<div class='widget Blog'><div class='post hentry'><span class='post-author vcard'>Der Michel</span>"
        "</div></div>"
    )
    assert not in_furniture(blogger.xpath("//span")[0])


def test_a_post_in_a_category_named_like_furniture_keeps_its_own_tags_and_author():
    # WordPress's post_class adds the post's categories and tags as classes
    tree = html.fromstring(
        "<html><body><article class='post type-post category-commentary tag-comments tag-sharing'>"
        "<h1>Meinung</h1><p>Text.</p><footer class='entry-footer'><span class='byline'>"
        "<span class='author vcard'>Jana Berg</span></span><a href='/tag/verkehr/' rel='tag'>Verkehr</a>"
        "</footer></article></body></html>"
    )
    assert furniture_links(tree, ["Verkehr"]) == set()
    assert furniture_names(tree, ["Jana Berg"]) == set()


def test_an_author_who_answers_in_the_comments_keeps_the_byline():
    tree = html.fromstring(
        "<html><body><div class='content'><h1>Radwege</h1><span class='posted-by'>Jana Berg</span>"
        "<p>Text.</p></div><ol class='commentlist'><li class='comment'>"
        "<span class='comment-author'>Jana Berg</span><p>Danke!</p></li></ol></body></html>"
    )
    assert furniture_names(tree, ["Jana Berg"]) == set()
