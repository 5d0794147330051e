"""The sync's lifecycle, in one place (docs/architecture.md).

What a run of the Jira or Tempo sync is, whoever starts it: the lock that keeps two runs of a
kind apart (`locks`), the record the Sync tab shows (`models.SyncRun`), progress and log lines
(`progress`, `log`), and `runs.run_all()`, the Jira-then-Tempo sequence the `sync` command, the
django-tasks task and the tests all call. The domain apps (`jsm.sync`, `tempo_integration.sync`)
do the reading and writing and know nothing of runs; this app calls them.
"""
