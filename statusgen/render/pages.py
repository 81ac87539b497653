"""Pages rendered on demand, each with a key that hashes every input its template can read.

A template can only read the names its source (and the templates it extends, imports or
includes) leaves undeclared, so a page's key is: statusgen's version, the source of each of
those templates, and the pickled value of each of those names. Equal keys mean equal bytes,
which lets a build reuse the previous file instead of rendering again. When the key cannot be
computed (a dynamic template name, a value that does not pickle) the page is always rendered.
"""

from __future__ import annotations

import io
import json
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial

import jinja2
from jinja2 import Environment, TemplateSyntaxError

from statusgen import __version__
from statusgen.cache import Memo, digest
from statusgen.errors import StatusgenError
from statusgen.parallel import ForkedMap
from statusgen.render.environment import template_facts, template_location, template_source
from statusgen.render.views import LazyView, MonthGroup, NoticeView, Page

# Below this many pages a process pool costs more than it saves.
PARALLEL_THRESHOLD = 400


@dataclass(frozen=True)
class PendingPage:
    key: Callable[[], str | None]  # None: cannot be cached, always render
    render: Callable[[], bytes]


class KeyedRenderer:
    """Renders templates with a shared context and computes each page's input key."""

    def __init__(self, env: Environment, shared: dict, memo: Memo | None = None):
        self.env, self.shared, self.memo = env, shared, memo
        self._closure: dict[str, tuple[frozenset[str], str] | None] = {}
        self._bases: dict[tuple[str, tuple[str, ...]], str | None] = {}
        self._layouts: dict[tuple[str, tuple[str, ...]], tuple[tuple[str, ...], str | None]] = {}  # see _layout
        self._shared_digests: dict[str, str | None] = {}
        self._digests = _Digests()

    def page(self, template: str, extra: dict) -> PendingPage:
        self._template_closure(template)  # here, before any fork: worker processes inherit it
        return PendingPage(lambda: self._key(template, extra), lambda: self.render(template, extra))

    def reads(self, template: str) -> frozenset[str] | None:
        """The names the template and everything it pulls in may read; None: it cannot be keyed."""
        closure = self._template_closure(template)
        return None if closure is None else closure[0]

    def render(self, template: str, extra: dict) -> bytes:
        try:
            return self.env.get_template(template).render(**self.shared, **extra).encode("utf-8")
        except TemplateSyntaxError as exc:
            raise StatusgenError(f"template {exc.name or template}: line {exc.lineno}: {exc.message}") from None
        except Exception as exc:  # a template override that fails while rendering is the user's to fix
            where = template_location(exc) or f"template {template}"
            raise StatusgenError(f"{where}: rendering {extra.get('page_path')} failed: "
                                 f"{type(exc).__name__}: {exc}") from None

    def _key(self, template: str, extra: dict) -> str | None:
        layout = (template, tuple(extra))  # the pages of one kind set the same names
        known = self._layouts.get(layout)
        if known is None:
            known = self._layouts[layout] = self._layout(template, extra)
        own, base = known
        if base is None:
            return None
        parts = [base]
        for name in own:
            value = extra[name]
            if type(value) is str:  # most names a page sets (its path, root, address): as they are
                parts += (name, "text", value)
                continue
            value_digest = self._digests.of(value)
            if value_digest is None:
                return None
            parts += (name, "digest", value_digest)
        return digest(*parts)

    def _layout(self, template: str, extra: dict) -> tuple[tuple[str, ...], str | None]:
        """(the names the page sets that its template reads, the digest of all else it reads;
        None: it cannot be keyed), the same for every page of the template setting these names."""
        closure = self._template_closure(template)
        if closure is None:
            return (), None
        own = tuple(sorted(closure[0] & extra.keys()))
        return own, self._base_digest(template, own)

    def _base_digest(self, template: str, own: tuple[str, ...]) -> str | None:
        """What every page of `template` setting the names `own` shares: statusgen's version,
        the templates' sources and each other name's value in the shared context."""
        if (template, own) not in self._bases:
            names, sources = self._template_closure(template) or ((), "")
            parts = [__version__, sources]
            for name in sorted(set(names) - set(own)):
                if name not in self._shared_digests:  # each shared value pickled once, for every template
                    self._shared_digests[name] = plain_digest(self.shared[name]) if name in self.shared else "-"
                    # "-": undefined, the template fails or tests for it, the same each time
                value_digest = self._shared_digests[name]
                if value_digest is None:
                    self._bases[template, own] = None
                    break
                parts += [name, value_digest]
            else:
                self._bases[template, own] = digest(*parts)
        return self._bases[template, own]

    def _names(self, source: str) -> tuple[set[str], list[str | None]]:
        """(the names a template source leaves undeclared, the templates it names: None for a
        dynamic name), from the previous build when the same source was read by the same Jinja."""
        def compute() -> bytes:
            return json.dumps(template_facts(self.env, source)).encode()

        if self.memo is None:
            remembered = compute()
        else:
            remembered = self.memo.get(digest("template names", jinja2.__version__, source), compute)
        try:
            undeclared, references = json.loads(remembered)
            if (isinstance(undeclared, list) and isinstance(references, list)
                    and all(isinstance(n, str) for n in undeclared)
                    and all(r is None or isinstance(r, str) for r in references)):
                return set(undeclared), references
        except (ValueError, TypeError):
            pass
        undeclared, references = json.loads(compute())  # a damaged entry: not trusted
        return set(undeclared), references

    def _load(self, name: str) -> None:
        """Loads a template into the environment, so worker processes inherit it compiled (an
        error in it is reported where a page renders it)."""
        try:
            self.env.get_template(name)
        except TemplateSyntaxError:
            pass

    def _template_closure(self, template: str):
        """(names the template and everything it pulls in may read, digest of their sources)."""
        if template not in self._closure:
            names: set[str] = set()
            sources: list[str] = []
            pending, seen = [template], set()
            try:
                while pending:
                    name = pending.pop()
                    if name in seen:
                        continue
                    seen.add(name)
                    source, _ = template_source(self.env, name)
                    sources += [name, source]
                    self._load(name)
                    undeclared, references = self._names(source)
                    names |= undeclared
                    for referenced in references:
                        if referenced is None:
                            raise LookupError("dynamic template name")
                        pending.append(referenced)
                self._closure[template] = (frozenset(names), digest(*sources))
            except LookupError:
                self._closure[template] = None
        return self._closure[template]


def plain_digest(value) -> str | None:
    try:
        return digest(pickle.dumps(value, protocol=5))
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return None


class _Digests:
    """Digests of pickled values, where a list of views pickles as the list of their digests. A
    view's digest is its LazyView.view_key where it has one: a hash of everything the view is
    made from (equal keys, equal views), so no page key builds or pickles a view. Any other view
    is pickled, once per process however many pages list it.

    Two shapes that history and component pages set are hashed without pickling: a page of
    views (views.Page) and its views grouped by month (views.MonthGroup), as their fields and
    their views' keys. A tuple that many pages share (the links to every page of a listing) is
    hashed once: the page builders make each value anew and never change it."""

    def __init__(self):
        self._views: dict[int, tuple[object, str]] = {}  # id -> (the view, kept alive; digest)
        self._tuples: dict[int, tuple[tuple, str | None]] = {}  # id -> (the tuple, kept alive; digest)
        # Only views go through Python code; every other object pickles as usual, in C.
        self._dispatch = {NoticeView: self._reduce_view, LazyView: self._reduce_view}

    def _reduce_view(self, view):
        return _view, (self.view(view),)

    def of(self, value) -> str | None:
        kind = type(value)
        if kind in (NoticeView, LazyView):
            return self.view(value)
        if kind is Page or (kind is tuple and value and type(value[0]) is MonthGroup):
            parts = _listing_parts(value)
            if parts is not None:
                return digest("listing", *parts)
        if kind is tuple:
            known = self._tuples.get(id(value))
            if known is None:
                known = self._tuples[id(value)] = (value, self._pickled(value))
            return known[1]
        return self._pickled(value)

    def _pickled(self, value) -> str | None:
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=5)
        pickler.dispatch_table = self._dispatch
        try:
            pickler.dump(value)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return None
        return digest(buffer.getvalue())

    def view(self, view: NoticeView | LazyView) -> str:
        if isinstance(view, LazyView) and view.view_key is not None:
            return view.view_key
        known = self._views.get(id(view))
        if known is None:
            known = self._views[id(view)] = (view, _view_digest(view.view if isinstance(view, LazyView) else view))
        return known[1]


def _listing_parts(value: Page | tuple) -> list[str] | None:
    """A Page, or a tuple of MonthGroups, as text: each field, and the key of each view it lists
    (None: something in it is not of those shapes, or a view without a key; it is pickled then)."""
    if isinstance(value, Page):
        keys = _view_keys(value.items)
        if keys is None or type(value.number) is not int or type(value.path) is not str:
            return None
        return ["page", str(value.number), value.path, str(len(keys)), *keys]
    parts = ["month groups"]
    for group in value:
        keys = _view_keys(group.notices) if type(group) is MonthGroup else None
        if (keys is None or type(group.month) is not tuple or len(group.month) != 2
                or not all(type(n) is int for n in group.month) or type(group.continued) is not bool):
            return None
        parts += [str(group.month[0]), str(group.month[1]), str(group.continued), str(len(keys)), *keys]
    return parts


def _view_keys(views) -> list[str] | None:
    if type(views) is not tuple:
        return None
    keys = [view.view_key if type(view) is LazyView else None for view in views]
    return None if None in keys else keys  # type: ignore[return-value]


def _view_digest(view: NoticeView) -> str:
    return digest("view", pickle.dumps(view, protocol=5))


def _view(view_digest: str):
    """Stands for a view in the pickles `_Digests` hashes (never unpickled)."""
    raise NotImplementedError


@dataclass(frozen=True)
class RenderedPage:
    key: str | None
    data: bytes | None  # None: the file on disk already holds these bytes (its key matched)
    learned: dict = field(default_factory=dict)  # memo entries computed on the way (in a worker)
    page: bool = True  # False: another keyed file (a feed), not counted among the pages rendered

    @classmethod
    def kept(cls, key: str) -> RenderedPage:
        """RenderedPage(key, None), made without the dataclass's __init__: a rebuild makes one for
        nearly every page of the site, and a frozen dataclass sets each field through a call."""
        page = object.__new__(cls)
        page.__dict__.update(key=key, data=None, learned={}, page=True)
        return page


def keep_or_render(item: PendingPage, recorded_key: str | None) -> RenderedPage:
    """A keyed file other than a page, worked out here: kept when the file on disk has its key."""
    key = item.key()
    return RenderedPage(key, None if key is not None and key == recorded_key else item.render(), page=False)


def _resolve(page: PendingPage, recorded_key: str | None, memo: Memo | None) -> RenderedPage:
    key = page.key()
    data = None if key is not None and key == recorded_key else page.render()
    return RenderedPage(key, data, memo.learned() if memo is not None else {})


class PageResolver(ForkedMap):
    """Computes each pending page's key and renders it unless the file on disk has that key.

    A page whose file on disk has a recorded key gets its key computed here first (cheap: each
    notice's view is pickled once): when it matches, the page needs nothing more. The others
    (all of them in a cold build) are keyed and rendered by worker processes when there are
    enough (statusgen.parallel), started on entering the `with` block, so the caller can do
    other work (feeds, calendars, the API) meanwhile.
    """

    def __init__(self, pages: dict[str, PendingPage], recorded_keys: dict[str, str | None],
                 jobs: int | None = None, memo: Memo | None = None):
        self.paths = list(pages)
        self.memo = memo
        self.reused: dict[str, RenderedPage] = {}
        for path in self.paths:
            recorded = recorded_keys.get(path)
            if recorded is not None and pages[path].key() == recorded:
                self.reused[path] = RenderedPage.kept(recorded)
        self.pending = [path for path in self.paths if path not in self.reused]
        super().__init__([partial(_resolve, pages[path], recorded_keys.get(path), memo) for path in self.pending],
                         jobs, PARALLEL_THRESHOLD)

    def iter_results(self) -> Iterator[tuple[str, RenderedPage]]:
        rendered = zip(self.pending, super().iter_results())
        for path in self.paths:
            if path in self.reused:
                yield path, self.reused[path]
                continue
            path, page = next(rendered)
            if self.memo is not None and page.learned:
                self.memo.adopt(page.learned)  # what a worker process worked out, for the next build
            yield path, page
