"""Page keys: the digests of the values a page sets (statusgen.render.pages._Digests)."""

from __future__ import annotations

from statusgen.render.pages import _Digests
from statusgen.render.views import LazyView, MonthGroup, Page


def views(*keys: str) -> tuple[LazyView, ...]:
    # Only a view's key is read to hash a listing: the view itself is never built.
    return tuple(LazyView(None, None, None, key) for key in keys)  # type: ignore[arg-type]


def test_a_page_of_views_is_hashed_by_its_fields_and_its_views_keys():
    of = _Digests().of
    page = of(Page(2, "history/page/2/index.html", views("a", "b")))
    assert page == of(Page(2, "history/page/2/index.html", views("a", "b")))  # equal values, made anew
    others = [Page(3, "history/page/2/index.html", views("a", "b")),
              Page(2, "history/page/3/index.html", views("a", "b")),
              Page(2, "history/page/2/index.html", views("a", "c")),
              Page(2, "history/page/2/index.html", views("b", "a")),
              Page(2, "history/page/2/index.html", views("a", "b", "c")),
              Page(2, "history/page/2/index.html", views("a"))]
    assert len({page, *(of(other) for other in others)}) == 1 + len(others)


def test_views_grouped_by_month_are_hashed_by_month_continuation_and_keys():
    of = _Digests().of
    groups = (MonthGroup((2026, 10), views("a"), True), MonthGroup((2026, 9), views("b", "c"), False))
    digest = of(groups)
    assert digest == of(tuple(MonthGroup(g.month, views(*(v.view_key for v in g.notices)), g.continued)
                              for g in groups))
    others = [(MonthGroup((2026, 10), views("a"), False), groups[1]),
              (MonthGroup((2026, 11), views("a"), True), groups[1]),
              (MonthGroup((2026, 10), views("a", "b"), True), MonthGroup((2026, 9), views("c"), False)),
              (groups[0],)]
    assert len({digest, *(of(other) for other in others)}) == 1 + len(others)
    assert of(Page(1, "x", views("a", "b", "c"))) != of((MonthGroup((1, 0), views("a", "b", "c"), False),))


def test_a_page_of_anything_else_is_pickled():
    of = _Digests().of
    assert of(Page(1, "x", ("a", "b"))) == of(Page(1, "x", ("a", "b")))
    assert of(Page(1, "x", ("a", "b"))) != of(Page(1, "x", ("a", "c")))
    assert of(Page(1, "x", ("a", "b"))) != of(Page(1, "x", views("a", "b")))


def test_a_tuple_many_pages_share_is_hashed_once(monkeypatch):
    digests = _Digests()
    links = (Page(1, "history/index.html", ()), Page(2, "history/page/2/index.html", ()))
    first = digests.of(links)
    pickled = []
    monkeypatch.setattr(digests, "_pickled", lambda value: pickled.append(value) or "again")
    assert [digests.of(links) for _ in range(3)] == [first] * 3  # the same tuple: not pickled again
    assert pickled == []
    assert digests.of(tuple(links)) == first  # tuple() of a tuple is the tuple itself
    assert digests.of((*links, Page(3, "history/page/3/index.html", ()))) == "again"  # another one is


def test_a_kept_page_is_the_page_the_dataclass_makes():
    from statusgen.render.pages import RenderedPage

    kept = RenderedPage.kept("k")
    assert kept == RenderedPage("k", None) and vars(kept) == vars(RenderedPage("k", None))
    assert kept.learned is not RenderedPage.kept("k").learned  # each its own, as the default factory gives
