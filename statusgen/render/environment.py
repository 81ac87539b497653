"""The Jinja environment: the built-in theme and the repository's overrides, and where a
template's problems are reported.

A file in the status repository's ``templates/`` replaces the built-in template of the same
name. Prefixing a name with ``!`` always loads the built-in one, so an override can extend
what it replaces: ``{% extends "!base.html" %}`` (Pelican's convention).
"""

from __future__ import annotations

import marshal
import os
import traceback
from functools import lru_cache
from pathlib import Path
from types import CodeType
from weakref import WeakSet

from jinja2 import (
    BaseLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    meta,
    nodes,
)
from jinja2.visitor import NodeTransformer

from statusgen.config import load_config
from statusgen.errors import Problem, StatusgenError
from statusgen.i18n import Language, resolve_language, translations
from statusgen.reading import unlistable_folders
from statusgen.render.filters import ENGLISH, Words, install_filters

THEME_DIR = Path(__file__).resolve().parent.parent / "theme"
BUILTIN_PREFIX = "!"


class OverridingLoader(BaseLoader):
    """The repository's templates/ first, then the built-in theme; `!name` is always built-in."""

    def __init__(self, override_dir: Path | None):
        self.builtin = FileSystemLoader(str(THEME_DIR))
        self.override = FileSystemLoader(str(override_dir)) if override_dir else None

    def get_source(self, environment, template):
        if template.startswith(BUILTIN_PREFIX):
            return self.builtin.get_source(environment, template[len(BUILTIN_PREFIX):])
        if self.override is None:
            return self.builtin.get_source(environment, template)
        try:
            return self.override.get_source(environment, template)
        except TemplateNotFound:
            pass
        source, filename, builtin_uptodate = self.builtin.get_source(environment, template)
        # An override added later (while `serve` runs) must replace the cached built-in one.
        candidate = Path(self.override.searchpath[0], *template.split("/"))
        return source, filename, lambda: builtin_uptodate() and not _may_exist(candidate)


def _may_exist(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a folder that cannot be searched: `check` reports it
        return True


# Every environment made here has the same settings, filter names and extension: they differ in
# language and overrides only. So each template source is parsed once and compiled once per
# process (by `check`, before any worker process forks), and what it reads is taken from that same
# parse. The code of a built-in template holds its constant messages translated (see _Translated),
# so it is compiled once per language; the code of an override is the same in every language.
_compiled: dict[tuple[str, str | None, str | None, Language | None], CodeType] = {}
_facts: dict[str, tuple[list[str], list[str | None]]] = {}


class ThemeEnvironment(Environment):
    language: Language = ENGLISH
    words: Words | None = None  # the templates' `_()`, set once the filters are installed

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        if raw or defer_init or not isinstance(source, str):
            return super().compile(source, name, filename, raw, defer_init)
        builtin = filename is not None and Path(filename).is_relative_to(THEME_DIR)
        key = (source, name, filename, self.language if builtin else None)
        code = _compiled.get(key)
        if code is None:
            try:  # as Environment.compile does, keeping the tree it parses
                tree = self._parse(source, name, filename)
                _facts.setdefault(source, _read_facts(tree))  # first: compiling folds constants in the tree
                if builtin and self.words is not None:
                    tree = _Translated(self.words).visit(tree)
                code = self._compile(self._generate(tree, name, filename), filename or "<template>")
            except TemplateSyntaxError:
                self.handle_exception(source=source)
            if len(_compiled) > 512:  # `serve` compiles each edit of an override
                _compiled.clear()
            _compiled[key] = code
        return code


class _Translated(NodeTransformer):
    """`_("constant")` and `{% trans %}constant{% endtrans %}` as the text they translate to, so
    a page does not call gettext for each of its words. Only in the built-in templates, which
    never name anything else `_` or `gettext`."""

    def __init__(self, words: Words):
        self.words = words

    def visit_Call(self, call: nodes.Call) -> nodes.Node:
        node = self.generic_visit(call)
        if (isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in ("_", "gettext")
                and len(node.args) == 1 and isinstance(node.args[0], nodes.Const) and isinstance(node.args[0].value, str)
                and not node.kwargs and node.dyn_args is None and node.dyn_kwargs is None):
            try:
                text = self.words(node.args[0].value)
            except (KeyError, ValueError, TypeError):  # a stray placeholder: fails where the page renders
                return node
            return nodes.MarkSafe(nodes.Const(str(text), lineno=node.lineno), lineno=node.lineno)
        return node


def compiled_templates() -> tuple[dict, dict]:
    """The templates this process compiled, and what each reads: for another process of this
    same statusgen to adopt (`adopt_compiled`) instead of compiling them again. Code goes as
    marshal data, only ever between a build and the process it forked: never to or from disk."""
    return {key: marshal.dumps(code) for key, code in _compiled.items()}, dict(_facts)


def adopt_compiled(codes: dict, facts: dict) -> None:
    for key, data in codes.items():
        _compiled.setdefault(key, marshal.loads(data))
    for source, found in facts.items():
        _facts.setdefault(source, found)


def template_facts(env: Environment, source: str) -> tuple[list[str], list[str | None]]:
    """(the names a template source leaves undeclared, sorted; the templates it names, None for
    a dynamic name), from the parse that compiled it when there was one."""
    facts = _facts.get(source)
    if facts is None:
        facts = _read_facts(env.parse(source))
        if len(_facts) > 512:
            _facts.clear()
        _facts[source] = facts
    return facts


def _read_facts(tree: nodes.Template) -> tuple[list[str], list[str | None]]:
    return sorted(meta.find_undeclared_variables(tree)), list(meta.find_referenced_templates(tree))


@lru_cache(maxsize=8)
def environment(override_dir: Path | None, language: Language = ENGLISH) -> Environment:
    """One environment per templates folder, language and process, so each template compiles once.

    Each build reads every template file again (reload_templates), so `serve` and any other
    long-lived process pick up edited overrides. Templates translate with `{% trans %}` and `_()`
    (Jinja's i18n extension, new-style gettext: placeholders are named and escaped).
    """
    env = ThemeEnvironment(
        loader=OverridingLoader(override_dir),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.language, env.words = language, install_filters(env, language)
    _environments.add(env)
    return env


_environments: WeakSet[Environment] = WeakSet()


def reload_templates() -> None:
    """Forget the templates every environment has loaded, so that each is read from its file
    again. Jinja's own check compares a file's modification time, which an edit within one tick
    of the file system's clock leaves as it was: a page would be rendered by the old template
    and recorded under the key of the new one. An unchanged template is not compiled again (its
    code is kept by source, see ThemeEnvironment.compile)."""
    for env in list(_environments):
        if env.cache is not None:
            env.cache.clear()


def override_dir(root: Path) -> Path | None:
    folder = Path(root) / "templates"
    return folder.resolve() if folder.is_dir() else None


def template_problems(root: Path) -> list[Problem]:
    """Compile every template, built-in and override, as `check` and `build` must before
    rendering: each syntax error, or a template that is extended, included or imported but does
    not exist, names its file and line.

    Each file is compiled under the name pages load it by (a built-in one under `!name` only
    when an override replaces it), so the pages render with these very templates."""
    reload_templates()
    overrides = override_dir(root)
    env = environment(overrides, site_language(root))
    builtin = {_template_name(path, THEME_DIR) for path in _template_files(THEME_DIR)}
    own = {_template_name(path, overrides) for path in _template_files(overrides)} if overrides is not None else set()
    # (built-in file first, its name, the name to load it by)
    files = sorted([(0, name, name if name not in own else BUILTIN_PREFIX + name) for name in builtin]
                   + [(1, name, name) for name in own])
    problems = [Problem(display_path(folder, root) + "/", "", f"cannot be read ({why}); expected a folder of "
                        "templates statusgen can list, or none")
                for folder, why in (unlistable_folders(overrides, hidden=False) if overrides is not None else [])]
    if overrides is None and os.path.lexists(Path(root) / "templates"):  # its overrides would be passed over
        problems.append(Problem("templates", "", "not a folder; expected a folder of templates, or none"))
    for _, _, name in files:
        try:
            source, filename = template_source(env, name)
            shown_name = display_path(filename or name, root)
            env.get_template(name)
            _, references = template_facts(env, source)
        except TemplateSyntaxError as exc:
            problems.append(Problem(display_path(exc.filename or name, root), f"line {exc.lineno}", exc.message or ""))
            continue
        except UnicodeDecodeError:
            where = f"templates/{name}" if name in own else name
            problems.append(Problem(where, "", "not UTF-8 text"))
            continue
        except OSError as exc:
            problems.append(Problem(display_path(exc.filename or name, root), "", f"cannot be read ({exc.strerror or exc})"))
            continue
        for referenced in references:
            if referenced is None:
                continue
            try:
                template_source(env, referenced)
            except TemplateNotFound:
                problems.append(Problem(shown_name, "", f"uses the template {referenced!r}, which does not exist; "
                                        "expected a file in templates/ or a built-in template name"))
            except OSError:
                pass  # a file that cannot be read: reported as itself
    return problems


def site_language(root: Path) -> Language:
    """The language the pages are written in: `check` compiles the templates in it."""
    try:
        config = load_config(root)
        return resolve_language(config.site.language, config.root)
    except (StatusgenError, ValueError):  # reported by `check` on its own
        return ENGLISH


def _template_files(folder: Path) -> list[Path]:
    """The templates of a folder: not its static files, its README, or an editor's hidden and
    backup files (a swap file or lock beside a template being edited, `base.html~`), as `serve`
    does not watch them; those load only if a template names them."""
    files = []
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if path.is_file() and parts[0] != "static" and path.name != "README.md" and not path.name.endswith("~") \
                and not any(part.startswith(".") for part in parts):
            files.append(path)
    return files


def _template_name(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


def display_path(filename: str, root: Path) -> str:
    """A template's file as the user knows it: templates/base.html, or the theme's own."""
    path = Path(filename)
    for base, shown in ((Path(root).resolve(), ""), (THEME_DIR, "built-in theme: ")):
        if path.is_absolute() and path.is_relative_to(base):
            return shown + path.relative_to(base).as_posix()
    return filename


def template_location(exc: BaseException) -> str:
    """'templates/base.html: line 12' for the innermost template frame of an exception's
    traceback (Jinja rewrites those frames to point at template lines), else ''."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename)
        if path.is_absolute() and path.suffix != ".py":
            if path.is_relative_to(THEME_DIR):
                return f"built-in theme: {path.relative_to(THEME_DIR).as_posix()}: line {frame.lineno}"
            parts = path.parts
            where = len(parts) - 1 - parts[::-1].index("templates") if "templates" in parts else len(parts) - 1
            return f"{'/'.join(parts[where:])}: line {frame.lineno}"
    return ""


def template_source(env: Environment, name: str) -> tuple[str, str | None]:
    """(source, file name) of a template, from the environment's loader (which every one here has)."""
    assert env.loader is not None
    source, filename, _ = env.loader.get_source(env, name)
    return source, filename
