"""Issue 12's worklog comment in Atlassian Document Format, and the text customers read.

Used by the unit, sandbox and integration tests so the example is written once.
"""

from __future__ import annotations

ISSUE_12_COMMENT = {
    "type": "doc",
    "version": 1,
    "content": [
        {
            "type": "paragraph",
            "content": [
                {"type": "text", "text": "Restarted spooler"},
                {"type": "hardBreak"},
                {"type": "text", "text": "Replaced toner"},
            ],
        },
        {
            "type": "bulletList",
            "content": [
                {
                    "type": "listItem",
                    "content": [{"type": "paragraph", "content": [{"type": "text", "text": t}]}],
                }
                for t in ("Tray 1", "Tray 2")
            ],
        },
        {
            "type": "paragraph",
            "content": [
                {"type": "text", "text": "Checked with "},
                {"type": "mention", "attrs": {"id": "acc-admin", "text": "@Site Admin"}},
                {"type": "text", "text": " "},
                {"type": "emoji", "attrs": {"shortName": ":thumbsup:", "text": "👍"}},
            ],
        },
    ],
}
ISSUE_12_TEXT = "Restarted spooler\nReplaced toner\nTray 1\nTray 2\nChecked with @Site Admin 👍"
