"""Comparing two renders of a page: equal unless the data on it changed."""

from __future__ import annotations

import re


def comparable(response) -> str:
    """The page without what differs between two renders of the same data: the forms' masked
    CSRF tokens, and the "… ago" of the Updated time (its instant, in the attribute, stays)."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r"(<time [^>]+>)[^<]*(</time>)", r"\1\2", text)
