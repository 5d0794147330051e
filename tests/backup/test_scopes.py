"""What the stored credentials can read, one probe per scope, cached."""

from __future__ import annotations

from backup.datasets import SCOPE_NAMES, SCOPE_PROBES
from backup.scopes import checked_at, readable_scopes


def test_one_probe_per_scope_all_readable(tempo, integration):
    found = readable_scopes(integration)
    assert [s.scope for s in found] == list(SCOPE_PROBES)
    assert all(s.state == "readable" and s.sentence == "Readable." for s in found)
    assert len(tempo.calls) == len(SCOPE_PROBES)
    assert tempo.calls_to("/4/periods") == [{"from": "2026-11-18", "to": "2026-11-18"}]
    assert dict((s.scope, s.data_sets) for s in found)["teams"] == (
        "teams",
        "team-memberships",
        "roles",
    )
    assert checked_at(integration) is not None


def test_the_second_call_is_cached_and_refresh_probes_again(tempo, integration):
    readable_scopes(integration)
    tempo.calls.clear()
    tempo.scopes = {"worklogs"}
    cached = readable_scopes(integration)
    assert tempo.calls == []
    assert all(s.state == "readable" for s in cached)
    fresh = readable_scopes(integration, refresh=True)
    assert len(tempo.calls) == len(SCOPE_PROBES)
    states = {s.scope: s.state for s in fresh}
    assert states.pop("worklogs") == "readable"
    assert set(states.values()) == {"refused"}


def test_a_403_is_refused_with_the_scope_sentence_and_404_unavailable(tempo, integration):
    tempo.scopes -= {"teams"}
    tempo.status["/4/programs"] = 404
    by_scope = {s.scope: s for s in readable_scopes(integration)}
    assert by_scope["teams"].state == "refused"
    assert by_scope["teams"].sentence == f"The token has no {SCOPE_NAMES['teams']} scope."
    assert by_scope["plans"].state == "unavailable"
    assert by_scope["plans"].sentence == "Tempo answered 404: not available on this Tempo plan."


def test_tempo_unreachable_is_unknown_and_never_raises(tempo, integration):
    for route, _ in SCOPE_PROBES.values():
        tempo.status[route] = 503
    found = readable_scopes(integration)
    assert {s.state for s in found} == {"unknown"}
    # One attempt, and no more probes once Tempo is out of reach: a page never waits on it.
    assert len(tempo.calls) == 1
    assert {s.sentence for s in found[1:]} == {"Not checked: Tempo could not be reached."}
