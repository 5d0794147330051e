"""The JSON shapes of Tempo's and Jira's public APIs, as plain functions over plain values.

One builder per documented object (docs/outside-apis.md §1, §3): the sandbox's serializers
call them with values from their rows, and the tests' fakes (`tests/jsm/fake_jira.py`,
`tests/tempo_integration/fake_tempo.py`) with literal values, so an API change is one edit
here. Nothing in this package imports Django or any other sandbox module: it loads under
the app's settings as well as the sandbox's.
"""
