"""The paging arithmetic of the emulated Jira, without a server."""

from __future__ import annotations

import pytest

from sandbox.jira.errors import JiraError
from sandbox.jira.paging import SearchCursor, whole_milliseconds


def test_a_short_list_is_the_last_page():
    rows = [(1, 10), (2, 11)]

    assert whole_milliseconds(rows, 3) == (rows, True)


def test_a_full_page_ending_between_milliseconds_is_kept():
    rows = [(1, 10), (2, 11), (3, 12)]

    assert whole_milliseconds(rows, 2) == ([(1, 10), (2, 11)], False)


def test_a_page_never_ends_inside_a_millisecond():
    rows = [(1, 10), (2, 11), (3, 11), (4, 11)]

    assert whole_milliseconds(rows, 3) == ([(1, 10)], False)


def test_a_millisecond_longer_than_a_page_gives_an_empty_page_that_is_not_the_last():
    rows = [(1, 10), (2, 10), (3, 10)]

    assert whole_milliseconds(rows, 2) == ([], False)


def test_search_cursor_round_trip():
    token = SearchCursor(200, "project = ITSD").token()

    assert SearchCursor.read(token, "project = ITSD") == SearchCursor(200, "project = ITSD")
    assert SearchCursor.read(None, "project = ITSD").offset == 0
    assert token.isascii() and "=" not in token


@pytest.mark.parametrize("token", ["garbage", "e30", SearchCursor(5, "project = SUP").token()])
def test_a_token_of_another_query_or_no_token_at_all_is_400(token):
    with pytest.raises(JiraError) as caught:
        SearchCursor.read(token, "project = ITSD")

    assert caught.value.status == 400
