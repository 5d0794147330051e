"""Plain text from an Atlassian Document Format (ADF) document: Jira's worklog comments.

Jira Cloud's REST API v3 writes a worklog's ``comment`` as ADF (docs/outside-apis.md §3, §6): a
``doc`` node whose ``content`` is a tree of block nodes (paragraphs, lists, tables, panels,
...) around inline nodes (text, hard breaks, mentions, emoji, dates, ...). The node types and
their attributes are Atlassian's specification,
https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/ (JSON schema:
http://go.atlassian.com/adf-json-schema).

The text is what a person reads on the page, for a customer's worklog line:

- every block (paragraph, heading, list item, task, decision, table row, code block, the
  title of an expand, a media caption, ...) is a line of its own; empty blocks leave no
  empty line;
- inline nodes stay on their line; a ``hardBreak`` breaks it;
- list items, tasks and decisions carry no bullet, number or check box; a table row is its
  cells joined by `` | ``; a ``rule`` is no text at all;
- ``mention`` and ``status`` show ``attrs.text``; ``emoji`` ``attrs.text`` (the character),
  else ``attrs.shortName`` (``:thumbsup:``); ``date`` its ``attrs.timestamp`` (milliseconds
  since the epoch) as an ISO date, in UTC as Atlassian's own renderer shows it;
  ``inlineCard``, ``blockCard`` and ``embedCard`` their ``attrs.url``; ``media`` and
  ``mediaInline`` their ``attrs.alt`` (a file's name), else an external image's ``url``;
- marks (bold, links, colours, ...) are formatting: their text stays, the mark goes;
- a ``placeholder`` is the editor's prompt in an empty template (what the author was asked to
  fill in), not something they wrote: it is left out;
- a node this module does not know (Atlassian adds some now and then, and extensions are
  apps' own) keeps its text: its children's text, else its ``text``, else ``attrs.text``.

Library or not: the ADF packages on PyPI in November 2026 either convert ADF to Markdown
(``pyadf``: an alpha, a 3 MB compiled extension; ``atlas-doc-parser``: one maintainer,
Markdown only, refuses unknown nodes unless told to ignore them), build documents
(``adf-lib``, ``atlassian-doc-builder``), or extract text but were abandoned in 2021
(``adftotxt`` 0.0.18, which also drops mentions' and emoji's text). Markdown is not what a
customer should read (``- Tray 1``, ``**bold**``), so this is a small walker of our own,
complete for the node types of the specification and tested node by node
(tests/jsm/test_adf.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

# Nodes that hold other blocks: each child block is on its own line(s).
CONTAINERS = frozenset(
    {
        "doc",
        "blockquote",
        "bulletList",
        "orderedList",
        "listItem",
        "panel",
        "taskList",
        "decisionList",
        "layoutSection",
        "layoutColumn",
        "mediaSingle",
        "mediaGroup",
        "bodiedExtension",
        "multiBodiedExtension",
        "extensionFrame",
        "tableCell",
        "tableHeader",
        "blockTaskItem",
    }
)
# Nodes whose content is inline: one line, broken only by `hardBreak`s.
LINES = frozenset({"paragraph", "heading", "codeBlock", "taskItem", "decisionItem", "caption"})
# Other block nodes: a table, its rows, expands, and blocks that show one value.
BLOCK_ATOMS = frozenset(
    {
        "table",
        "tableRow",
        "expand",
        "nestedExpand",
        "media",
        "blockCard",
        "embedCard",
        "extension",
        "rule",
    }
)
# Inline nodes: part of a line.
INLINES = frozenset(
    {
        "text",
        "hardBreak",
        "mention",
        "emoji",
        "date",
        "status",
        "inlineCard",
        "mediaInline",
        "inlineExtension",
        "placeholder",
    }
)
# Nodes that show nothing in plain text.
SILENT = frozenset({"rule", "placeholder"})
CELL_SEPARATOR = " | "


def plain_text(document: Any) -> str:
    """The text of an ADF document (or of any one of its nodes), one line per block.

    Anything that is not a node (None, a number, a list) is no text; a plain string, as the
    older REST API v2 writes a comment, is its own text.
    """
    if isinstance(document, str):
        return "\n".join(_non_empty(document.split("\n")))
    return "\n".join(_lines(document))


def _lines(node: Any) -> Iterator[str]:
    """The node's lines, none of them empty."""
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind in SILENT:
        return
    if kind in CONTAINERS:
        for child in _children(node):
            yield from _lines(child)
    elif kind in ("expand", "nestedExpand"):
        yield from _non_empty(str(_attrs(node).get("title") or "").splitlines())
        for child in _children(node):
            yield from _lines(child)
    elif kind == "table":
        for row in _children(node):
            yield from _non_empty([_row(row)])
    elif kind == "tableRow":
        yield from _non_empty([_row(node)])
    elif kind == "codeBlock":  # code keeps its indentation
        yield from _non_empty(_inline(node).split("\n"), indented=True)
    elif kind in LINES:
        yield from _non_empty(_inline(node).split("\n"))
    elif kind in ("media", "blockCard", "embedCard", "extension"):
        yield from _non_empty([_atom(node)])
    elif _is_inline(kind):
        yield from _non_empty(_atom(node).split("\n"))
    else:
        yield from _unknown(node)


def _inline(node: dict) -> str:
    """The text of a node whose children are inline nodes, `hardBreak`s as new lines."""
    return "".join(_atom(child) for child in _children(node))


def _atom(node: Any) -> str:
    """The text of one inline node (or of a block node that shows one value)."""
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    attrs = _attrs(node)
    if kind == "text":
        return str(node.get("text") or "")
    if kind == "hardBreak":
        return "\n"
    if kind in ("mention", "status"):
        return str(attrs.get("text") or "")
    if kind == "emoji":
        return str(attrs.get("text") or attrs.get("shortName") or "")
    if kind == "date":
        return _date(attrs.get("timestamp"))
    if kind in ("inlineCard", "blockCard", "embedCard"):
        return str(attrs.get("url") or "")
    if kind in ("media", "mediaInline"):
        external = attrs.get("url") if attrs.get("type") == "external" else ""
        return str(attrs.get("alt") or external or "")
    if kind in SILENT:
        return ""
    if kind in ("extension", "inlineExtension"):
        return str(attrs.get("text") or "")
    # An unknown node inside a line: its text, on the same line.
    return " ".join(_unknown(node))


def _row(row: Any) -> str:
    """One table row: each cell's lines joined by spaces, cells by `` | ``."""
    cells = [" ".join(_lines(cell)) for cell in _children(row)]
    return CELL_SEPARATOR.join(cell for cell in cells if cell)


def _unknown(node: dict) -> Iterator[str]:
    """A node of a type not in the specification above: whatever text it carries."""
    children = _children(node)
    if children:
        if any(_is_block(child.get("type")) for child in children if isinstance(child, dict)):
            for child in children:
                yield from _lines(child)
        else:  # inline content, known or not: one line
            yield from _non_empty(_inline(node).split("\n"))
        return
    text = node.get("text") or _attrs(node).get("text")
    if isinstance(text, str):
        yield from _non_empty(text.split("\n"))


def _is_block(kind: Any) -> bool:
    return kind in CONTAINERS or kind in LINES or kind in BLOCK_ATOMS


def _is_inline(kind: Any) -> bool:
    return kind in INLINES


def _date(timestamp: Any) -> str:
    """`attrs.timestamp` (milliseconds since the epoch, as a string) as `2026-10-31` (UTC)."""
    try:
        moment = dt.datetime.fromtimestamp(int(str(timestamp)) / 1000, tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return ""
    return moment.date().isoformat()


def _children(node: Any) -> list:
    content = node.get("content") if isinstance(node, dict) else None
    return content if isinstance(content, list) else []


def _attrs(node: dict) -> dict:
    attrs = node.get("attrs")
    return attrs if isinstance(attrs, dict) else {}


def _non_empty(lines: list[str], *, indented: bool = False) -> Iterator[str]:
    """The lines without the spaces around them (only after them when `indented`), empty
    ones left out."""
    for line in lines:
        line = line.rstrip() if indented else line.strip()
        if line:
            yield line
