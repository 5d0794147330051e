"""Plain text of Atlassian Document Format comments (jsm/adf.py), node type by node type.

The node shapes are those of Atlassian's specification,
https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/.
"""

from __future__ import annotations

import pytest

from jsm.adf import plain_text


def doc(*content):
    return {"type": "doc", "version": 1, "content": list(content)}


def text(value, *marks):
    node = {"type": "text", "text": value}
    if marks:
        node["marks"] = [{"type": mark} for mark in marks]
    return node


def paragraph(*content):
    return {"type": "paragraph", "content": list(content)}


def item(*content):
    return {"type": "listItem", "content": list(content)}


def cell(kind, *content):
    return {"type": kind, "attrs": {}, "content": list(content)}


HARD_BREAK = {"type": "hardBreak"}


def test_the_issue_example():
    comment = doc(
        paragraph(text("Restarted spooler"), HARD_BREAK, text("Replaced toner")),
        {
            "type": "bulletList",
            "content": [item(paragraph(text("Tray 1"))), item(paragraph(text("Tray 2")))],
        },
        paragraph(
            text("Checked with "),
            {"type": "mention", "attrs": {"id": "5b10ac8d82e05b22cc7d4ef5", "text": "@Site Admin"}},
            text(" "),
            {"type": "emoji", "attrs": {"shortName": ":thumbsup:", "id": "1f44d", "text": "👍"}},
        ),
    )
    assert plain_text(comment) == (
        "Restarted spooler\nReplaced toner\nTray 1\nTray 2\nChecked with @Site Admin 👍"
    )


def test_paragraphs_are_lines_and_empty_ones_leave_none():
    comment = doc(
        paragraph(text("One")), paragraph(), paragraph(text("  ")), paragraph(text("Two"))
    )
    assert plain_text(comment) == "One\nTwo"


def test_marks_are_formatting_and_their_text_stays():
    link = {"type": "link", "attrs": {"href": "https://example.com"}}
    bold = text("bold", "strong")
    linked = {"type": "text", "text": "the site", "marks": [link]}
    comment = doc(paragraph(text("A "), bold, text(" word on "), linked, text(".")))
    assert plain_text(comment) == "A bold word on the site."


def test_heading():
    comment = doc({"type": "heading", "attrs": {"level": 2}, "content": [text("Steps")]})
    assert plain_text(comment) == "Steps"


def test_ordered_and_nested_lists_carry_no_numbers_or_bullets():
    nested = {"type": "bulletList", "content": [item(paragraph(text("1a")))]}
    comment = doc(
        {
            "type": "orderedList",
            "attrs": {"order": 1},
            "content": [item(paragraph(text("First")), nested), item(paragraph(text("Second")))],
        }
    )
    assert plain_text(comment) == "First\n1a\nSecond"


def test_blockquote_and_panel_hold_their_paragraphs():
    comment = doc(
        {"type": "blockquote", "content": [paragraph(text("Quoted"))]},
        {"type": "panel", "attrs": {"panelType": "info"}, "content": [paragraph(text("Note"))]},
    )
    assert plain_text(comment) == "Quoted\nNote"


def test_code_block_keeps_its_lines_and_indentation():
    code = {
        "type": "codeBlock",
        "attrs": {"language": "sh"},
        "content": [text("lpstat -t\n  cancel -a")],
    }
    assert plain_text(doc(code)) == "lpstat -t\n  cancel -a"


def test_rule_shows_nothing():
    comment = doc(paragraph(text("Above")), {"type": "rule"}, paragraph(text("Below")))
    assert plain_text(comment) == "Above\nBelow"


def test_table_rows_are_lines_of_cells():
    table = {
        "type": "table",
        "attrs": {"isNumberColumnEnabled": False, "layout": "default"},
        "content": [
            {
                "type": "tableRow",
                "content": [
                    cell("tableHeader", paragraph(text("Printer"))),
                    cell("tableHeader", paragraph(text("Fix"))),
                ],
            },
            {
                "type": "tableRow",
                "content": [
                    cell("tableCell", paragraph(text("HP 4"))),
                    cell("tableCell", paragraph(text("Toner")), paragraph(text("and drum"))),
                ],
            },
        ],
    }
    assert plain_text(doc(table)) == "Printer | Fix\nHP 4 | Toner and drum"


def test_media_shows_its_alt_text_or_external_url_and_its_caption():
    comment = doc(
        {
            "type": "mediaSingle",
            "attrs": {"layout": "center"},
            "content": [
                {
                    "type": "media",
                    "attrs": {"id": "abc", "type": "file", "collection": "c", "alt": "error.png"},
                },
                {"type": "caption", "content": [text("The error")]},
            ],
        },
        {
            "type": "mediaGroup",
            "content": [
                {"type": "media", "attrs": {"id": "def", "type": "file", "collection": "c"}},
                {
                    "type": "media",
                    "attrs": {"type": "external", "url": "https://example.com/a.png"},
                },
            ],
        },
    )
    assert plain_text(comment) == "error.png\nThe error\nhttps://example.com/a.png"


def test_expand_and_nested_expand_show_their_title_and_content():
    nested = {
        "type": "nestedExpand",
        "attrs": {"title": "Inner"},
        "content": [paragraph(text("Deep"))],
    }
    comment = doc(
        {"type": "expand", "attrs": {"title": "Details"}, "content": [paragraph(text("Hidden"))]},
        {"type": "expand", "attrs": {"title": ""}, "content": [nested]},
    )
    assert plain_text(comment) == "Details\nHidden\nInner\nDeep"


def test_tasks_and_decisions_are_lines():
    comment = doc(
        {
            "type": "taskList",
            "attrs": {"localId": "t"},
            "content": [
                {
                    "type": "taskItem",
                    "attrs": {"localId": "1", "state": "DONE"},
                    "content": [text("Call")],
                },
                {
                    "type": "taskItem",
                    "attrs": {"localId": "2", "state": "TODO"},
                    "content": [text("Mail")],
                },
            ],
        },
        {
            "type": "decisionList",
            "attrs": {"localId": "d"},
            "content": [
                {
                    "type": "decisionItem",
                    "attrs": {"localId": "3", "state": "DECIDED"},
                    "content": [text("Replace it")],
                }
            ],
        },
    )
    assert plain_text(comment) == "Call\nMail\nReplace it"


def test_layout_columns_in_order():
    comment = doc(
        {
            "type": "layoutSection",
            "content": [
                {
                    "type": "layoutColumn",
                    "attrs": {"width": 50},
                    "content": [paragraph(text("Left"))],
                },
                {
                    "type": "layoutColumn",
                    "attrs": {"width": 50},
                    "content": [paragraph(text("Right"))],
                },
            ],
        }
    )
    assert plain_text(comment) == "Left\nRight"


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({"type": "mention", "attrs": {"id": "x", "text": "@Ana", "accessLevel": ""}}, "@Ana"),
        ({"type": "emoji", "attrs": {"shortName": ":smile:", "text": "😄"}}, "😄"),
        (
            {"type": "emoji", "attrs": {"shortName": ":awthanks:", "id": "atlassian-awthanks"}},
            ":awthanks:",
        ),
        # 1 November 2026, 00:00 UTC, in milliseconds, as a string (the spec's form).
        ({"type": "date", "attrs": {"timestamp": "1793491200000"}}, "2026-11-01"),
        ({"type": "status", "attrs": {"text": "In progress", "color": "blue"}}, "In progress"),
        (
            {"type": "inlineCard", "attrs": {"url": "https://acme.example/ticket/7"}},
            "https://acme.example/ticket/7",
        ),
        ({"type": "placeholder", "attrs": {"text": "Type your notes here"}}, ""),
    ],
)
def test_inline_nodes(node, expected):
    assert plain_text(doc(paragraph(text("["), node, text("]")))) == f"[{expected}]"


def test_block_card_shows_its_url():
    comment = doc({"type": "blockCard", "attrs": {"url": "https://acme.example/kb/12"}})
    assert plain_text(comment) == "https://acme.example/kb/12"


def test_a_bad_date_is_left_out():
    node = {"type": "date", "attrs": {"timestamp": "soon"}}
    assert plain_text(doc(paragraph(text("Due "), node))) == "Due"


def test_unknown_nodes_keep_their_text():
    comment = doc(
        {"type": "futureBlock", "content": [paragraph(text("Inside a new block"))]},
        paragraph(text("A "), {"type": "futureInline", "attrs": {"text": "chip"}}, text(" here")),
        {
            "type": "futureWrapper",
            "content": [text("inline "), {"type": "futureLeaf", "text": "kids"}],
        },
        {"type": "extension", "attrs": {"extensionKey": "k", "text": "Macro text"}},
    )
    assert plain_text(comment) == "Inside a new block\nA chip here\ninline kids\nMacro text"


@pytest.mark.parametrize("value", [None, 42, [], {}, {"type": "doc"}, {"content": "x"}])
def test_what_is_not_a_document_is_no_text(value):
    assert plain_text(value) == ""


def test_a_plain_string_is_its_own_text():
    assert plain_text("  Old API v2 comment \n") == "Old API v2 comment"
