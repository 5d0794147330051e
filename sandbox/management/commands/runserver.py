"""`runserver` with static files (as usual) on the sandbox's own server class."""

from __future__ import annotations

from django.contrib.staticfiles.management.commands.runserver import (
    Command as StaticfilesRunserverCommand,
)

from sandbox.server import SandboxWSGIServer


class Command(StaticfilesRunserverCommand):
    server_cls = SandboxWSGIServer
