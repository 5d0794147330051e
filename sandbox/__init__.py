"""The sandbox: a local emulator of Tempo Cloud and Jira Cloud / JSM for development and tests.

It is a separate Django project with its own settings and database, run as its own process
(`python sandbox/manage.py runserver`). The app reaches it only over HTTP, exactly as it
reaches the real services. This package is also the `sandbox_core` app: faults, request
counting and the loopback-only control endpoint shared by every emulated service.
"""
