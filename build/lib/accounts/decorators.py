"""Access rules for pages (docs/product.md §1). Portal pages use
``portal.decorators.portal_access_required``: the portal decides who is revoked."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def staff_required(view):
    """Anonymous visitors go to the sign-in page; signed-in customers get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
