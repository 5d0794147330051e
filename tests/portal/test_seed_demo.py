"""`manage.py seed_demo`: the demo sign-ins, never on a real site by accident."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command


@pytest.mark.django_db
def test_it_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="runs only with DEBUG on"):
        call_command("seed_demo")
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_it_runs_with_debug_off_when_forced(settings):
    settings.DEBUG = False
    call_command("seed_demo", force=True)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("admin")


@pytest.mark.django_db
def test_it_runs_with_debug_on(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    assert get_user_model().objects.filter(is_staff=False).count() == 3
