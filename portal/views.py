from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    """The customer's list of Worklog Reports (the per-project reports arrive with the sync)."""
    return render(request, "portal/home.html", {"projects": []})
