"""Markdown rendering: sanitised, and the fast path for plain text equals Python-Markdown."""

from __future__ import annotations

import random

import markdown

from statusgen.render.markdown import plain_paragraphs, render_markdown

FULL = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"], output_format="html")
ALPHABET = "abcXYZ019 ,.;:'\"?!()/%-\n"


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 60)))


def test_fast_path_agrees_with_python_markdown_on_random_text():
    rng = random.Random(20261126)
    taken = 0
    for _ in range(20000):
        text = random_text(rng)
        fast = plain_paragraphs(text)
        if fast is not None:
            taken += 1
            assert fast == FULL.reset().convert(text), repr(text)
    assert taken > 2000  # the comparison really exercised the fast path


def test_fast_path_agrees_on_realistic_updates():
    texts = [
        "We are investigating elevated error rates (HTTP 502) on the public API.",
        "A faulty deploy was rolled back.\nError rates are normal.",
        "First paragraph.\n\n\nSecond one: done; 100% back?",
        "\n\nLeading and trailing blank lines.\n\n",
    ]
    for text in texts:
        assert plain_paragraphs(text) == FULL.reset().convert(text)


def test_markdown_syntax_takes_the_full_path():
    for text in ["**bold**", "- item", "1. first", "# Title", "`code`", "a  \nb", "    code", "x & y", "<b>x</b>",
                 "line\n---", "[link](https://x.example)", "> quote", "a_b_c"]:
        assert plain_paragraphs(text) is None, text


def test_rendered_markdown_is_sanitised():
    html = render_markdown('Hi <script>alert(1)</script> <a href="javascript:alert(1)">x</a> <img src=x onerror=alert(1)>')
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html and "<img" not in html
    assert str(render_markdown("Plain words.")) == "<p>Plain words.</p>"


PIECES = ["word", "Word", " ", " ", "\n", "\n\n", "*", "**", "_", "__", "`", "``", "[", "]", "(", ")",
          "[link](https://x.example/a?b=1&c=2)", "![alt](https://x.example/i.png)", "[ref]", "[ref][id]",
          "\n[id]: https://x.example/ref\n", "\n[ref]: https://x.example/r \"T\"\n", "<https://x.example>",
          "<ops@x.example>", "<b>", "</b>", "<!-- c -->", "&amp;", "&#38;", "&", "<", ">", "\\", "\\*", "!",
          "  \n", "\t", "\r\n", "\r", "- ", "1. ", "# ", "## ", "```\n", "~~~\n", "> ", "    ", "|a|b|\n|-|-|\n|1|2|\n",
          "---\n", ":", "\"", "'", "é", "\u00a0"]


def random_markdown(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40)))


def test_converting_with_only_the_inline_patterns_a_text_can_use_gives_python_markdowns_html():
    from statusgen.render.markdown import _engine_for

    rng = random.Random(20261127)
    pruned = 0
    for _ in range(3000):
        text = random_markdown(rng)
        engine = _engine_for(text)
        pruned += len(engine.inlinePatterns) < len(FULL.inlinePatterns)
        assert engine.reset().convert(text) == FULL.reset().convert(text), repr(text)
    assert pruned > 1000  # most texts really went through an instance with fewer patterns
