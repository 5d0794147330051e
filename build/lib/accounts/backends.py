"""Sign-in by username (staff) or e-mail address (customers), case-insensitively."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class EmailOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        candidates = list(
            User._default_manager.filter(
                Q(username__iexact=username) | Q(email__iexact=username)
            ).order_by("-is_staff", "pk")[:2]
        )
        # An exact username match wins; otherwise only an unambiguous e-mail address counts.
        user = next((u for u in candidates if u.get_username() == username), None)
        if user is None and len(candidates) == 1:
            user = candidates[0]
        if user is None:
            # Run the hasher anyway so a wrong address takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
