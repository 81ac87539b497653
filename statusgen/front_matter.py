"""Changes to an incident file's front matter made as text insertions and replacements.

A YAML round trip (even ruamel's) re-indents and re-quotes; authors expect `statusgen update`
to leave every byte they wrote alone. So the YAML is only *parsed* here, for positions, and
each change is spliced into the original text. Afterwards the result is parsed again and
compared with the intended data: any surprise is refused rather than written.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from statusgen.content import ContentLoader, front_matter_bounds
from statusgen.errors import StatusgenError

_UTC_TIME = re.compile(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")


def render_scalar(text: str) -> str:
    """One line of YAML meaning exactly `text`: plain where safe, else quoted."""
    if _UTC_TIME.match(text):
        return text  # the files' own style; the content loader reads timestamps as text
    dumped = yaml.safe_dump(text, allow_unicode=True, width=2**31, default_flow_style=False)
    dumped = dumped.removesuffix("\n").removesuffix("\n...").rstrip("\n")
    if "\n" in dumped:
        return json.dumps(text, ensure_ascii=False)
    return dumped


def render_value_lines(key: str, text: str, indent: int, newline: str) -> str:
    """`key: text` at `indent`; several lines become a literal block scalar."""
    pad = " " * indent
    lines = text.split("\n")
    if len(lines) == 1:
        return f"{pad}{key}: {render_scalar(text)}{newline}"
    inner = " " * (indent + 2)
    body = "".join(f"{inner}{line.rstrip()}{newline}" if line.strip() else newline for line in lines)
    return f"{pad}{key}: |{newline}{body}"


@dataclass
class _Edit:
    start: int
    end: int
    text: str
    last: bool = False  # a new top-level key at the very end: after any item added to a list there


class FrontMatterEditor:
    """Collects changes to one file's front matter; `result()` applies and verifies them."""

    def __init__(self, text: str, source: str):
        self.text, self.source = text, source
        bounds = front_matter_bounds(text)
        if bounds is None:
            raise StatusgenError(f"{source}: no front matter; expected the file to start with '---', "
                                 "YAML fields, then '---'")
        self.start, self.end = bounds
        self.yaml = text[self.start:self.end]
        self.newline = "\r\n" if "\r\n" in text[:self.end] else "\n"
        # The loader the build reads with (libyaml), so what builds can be edited: the pure-Python
        # parser refuses some layouts libyaml accepts, such as a tab after 'title:'.
        self.root = yaml.compose(self.yaml, Loader=ContentLoader)
        self.expected = yaml.load(self.yaml, Loader=ContentLoader)
        if not isinstance(self.root, MappingNode) or self.root.flow_style or not isinstance(self.expected, dict):
            raise StatusgenError(f"{source}: front matter is not a block mapping; expected 'field: value' lines")
        self.expected = copy.deepcopy(self.expected)
        self.edits: list[_Edit] = []
        self._appended_message: str | None = None

    # -- positions ---------------------------------------------------------------------------

    def _value(self, mapping: MappingNode, key: str) -> Node | None:
        found = None
        for key_node, value_node in mapping.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                found = value_node  # duplicate keys: YAML keeps the last, so do we
        return found

    def _end(self, node: Node) -> int:
        """Index just after the last character the node itself occupies (no trailing blank lines)."""
        if isinstance(node, ScalarNode):
            end = node.end_mark.index
            if node.style in ("|", ">"):
                while end > node.start_mark.index and self.yaml[end - 1] in " \t\r\n":
                    end -= 1
            return end
        if node.flow_style or not node.value:
            return node.end_mark.index
        if isinstance(node, SequenceNode):
            return self._end(node.value[-1])
        return max(max(self._end(k), self._end(v)) for k, v in node.value)

    def _line_after(self, index: int) -> int:
        """Where a new line goes to follow the line holding `index` (after any trailing comment)."""
        newline = self.yaml.find("\n", index)
        return len(self.yaml) if newline == -1 else newline + 1

    def _insert_lines(self, at: int, lines: str, last: bool = False) -> None:
        if at == len(self.yaml) and self.yaml and not self.yaml.endswith("\n"):
            lines = self.newline + lines
        self.edits.append(_Edit(at, at, lines, last))

    # -- changes ---------------------------------------------------------------------------

    def set_top_level(self, key: str, value: str, after: tuple[str, ...] = ()) -> None:
        """Set a top-level scalar: replace its value if the key is present, else add a line
        after the first of `after` that exists (or at the end of the front matter)."""
        self.set_top_level_literal(key, render_scalar(value), value, after)

    def set_top_level_literal(self, key: str, literal: str, value, after: tuple[str, ...] = ()) -> None:
        """Like set_top_level, with the YAML text written as given (`true`, `null`) and the
        value it must read back as."""
        self.expected[key] = value
        node = self._value(self.root, key)
        if node is not None:
            if not isinstance(node, ScalarNode) or node.style in ("|", ">"):
                raise StatusgenError(f"{self.source}: {key}: expected a single value to replace")
            prefix = " " if node.start_mark.index == node.end_mark.index else ""
            self.edits.append(_Edit(node.start_mark.index, node.end_mark.index, prefix + literal))
            return
        indent = self.root.value[0][0].start_mark.column if self.root.value else 0
        line = " " * indent + f"{key}: {literal}{self.newline}"
        for anchor in after:
            anchor_node = self._value(self.root, anchor)
            if anchor_node is not None:
                self._insert_lines(self._line_after(self._end(anchor_node)), line)
                return
        self._insert_lines(len(self.yaml), line, last=True)

    def set_in_mapping(self, key: str, entries: list[tuple[str, str]], after: tuple[str, ...] = ()) -> None:
        """Set `key.<sub>: value` for each entry of a top-level mapping (e.g. components)."""
        if not entries:
            return
        node = self._value(self.root, key)
        current = self.expected.get(key)
        if node is None or (isinstance(node, ScalarNode) and current is None):
            self.expected[key] = dict(entries)
            indent = (self.root.value[0][0].start_mark.column if self.root.value else 0) + 2
            block = "".join(render_value_lines(k, v, indent, self.newline) for k, v in entries)
            if node is None:
                anchor = next((n for n in (self._value(self.root, a) for a in after) if n is not None), None)
                if anchor is not None:
                    self._insert_lines(self._line_after(self._end(anchor)), f"{key}:{self.newline}{block}")
                else:
                    self._insert_lines(len(self.yaml), f"{key}:{self.newline}{block}", last=True)
            else:  # `components:` or `components: null` -> a block under the key
                self.edits.append(_Edit(node.start_mark.index, node.end_mark.index,
                                        self.newline + block.removesuffix(self.newline)))
            return
        if not isinstance(node, MappingNode) or not isinstance(current, dict):
            raise StatusgenError(f"{self.source}: {key}: found {current!r}; expected a mapping, e.g. 'api: partial_outage'")
        additions = []
        for sub, value in entries:
            current[sub] = value
            value_node = self._value(node, sub)
            if value_node is None:
                additions.append((sub, value))
            elif isinstance(value_node, ScalarNode) and value_node.style not in ("|", ">"):
                prefix = " " if value_node.start_mark.index == value_node.end_mark.index else ""
                self.edits.append(_Edit(value_node.start_mark.index, value_node.end_mark.index,
                                        prefix + render_scalar(value)))
            else:
                raise StatusgenError(f"{self.source}: {key}.{sub}: expected a single value to replace")
        if not additions:
            return
        if node.flow_style or not node.value:
            closing = node.end_mark.index - 1
            text = ", ".join(f"{render_scalar(k)}: {render_scalar(v)}" for k, v in additions)
            self.edits.append(_Edit(closing, closing, (", " if node.value else "") + text))
            return
        indent = node.value[0][0].start_mark.column
        block = "".join(render_value_lines(k, v, indent, self.newline) for k, v in additions)
        self._insert_lines(self._line_after(self._end(node)), block)

    def append_update(self, at: str, status: str, message: str, components: list[tuple[str, str]]) -> None:
        """Add an item at the end of the `updates` list, indented like the items before it."""
        message = message.strip()
        item: dict[str, object] = {"at": at, "status": status, "message": message}
        if components:
            item["components"] = dict(components)
        node = self._value(self.root, "updates")
        updates = self.expected.get("updates")
        if not isinstance(node, SequenceNode) or not isinstance(updates, list):
            raise StatusgenError(f"{self.source}: updates: expected a list of updates to add to")
        updates.append(item)
        self._appended_message = message
        if node.flow_style:
            closing = node.end_mark.index - 1
            fields = [f"at: {at}", f"status: {status}", f"message: {json.dumps(message, ensure_ascii=False)}"]
            if components:
                fields.append("components: {" + ", ".join(f"{k}: {v}" for k, v in components) + "}")
            self.edits.append(_Edit(closing, closing, (", " if node.value else "") + "{" + ", ".join(fields) + "}"))
            return
        dash = node.start_mark.column
        last = node.value[-1]
        indent = last.start_mark.column if isinstance(last, MappingNode) and not last.flow_style else dash + 2
        lines = [" " * dash + "-" + " " * (indent - dash - 1) + f"at: {at}{self.newline}",
                 render_value_lines("status", status, indent, self.newline),
                 render_value_lines("message", message, indent, self.newline)]
        if components:
            lines.append(" " * indent + f"components:{self.newline}")
            lines += [render_value_lines(k, v, indent + 2, self.newline) for k, v in components]
        self._insert_lines(self._line_after(self._end(node)), "".join(lines))

    # -- result ----------------------------------------------------------------------------

    def result(self) -> str:
        """The whole file with every change applied; refuses if the YAML no longer means what was intended."""
        new_yaml = self.yaml
        # From the end, so earlier positions stay valid; of two insertions at one place the one
        # asked for first must end up first, so it is applied last.
        ordered = sorted(enumerate(self.edits), reverse=True,
                         key=lambda pair: (pair[1].start, pair[1].end, pair[1].last, pair[0]))
        for _, edit in ordered:
            new_yaml = new_yaml[:edit.start] + edit.text + new_yaml[edit.end:]
        try:
            data = yaml.load(new_yaml, Loader=ContentLoader)
        except yaml.YAMLError as exc:
            raise StatusgenError(f"{self.source}: could not change the file in place without breaking its YAML "
                                 f"({exc}); nothing was written. Edit the file by hand instead.") from None
        if self._appended_message is not None and isinstance(data, dict):
            updates = data.get("updates")
            if isinstance(updates, list) and updates and isinstance(updates[-1], dict):
                written = updates[-1].get("message")
                if isinstance(written, str) and written.strip() == self._appended_message:
                    updates[-1]["message"] = self._appended_message
        if data != self.expected:
            raise StatusgenError(f"{self.source}: could not change the file in place without changing other "
                                 "fields (unusual layout); nothing was written. Edit the file by hand instead.")
        return self.text[:self.start] + new_yaml + self.text[self.end:]
