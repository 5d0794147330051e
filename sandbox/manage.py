#!/usr/bin/env python
"""The sandbox's command-line utility: `python sandbox/manage.py migrate|seed_sandbox|runserver`."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    # Run as a script, Python puts sandbox/ on sys.path; the project imports `sandbox.*` from
    # the repository root instead.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    # Forced, not defaulted: a shell or test run that exported the app's settings module must
    # not turn this into the app's manage.py.
    os.environ["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
