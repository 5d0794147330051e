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

    def get_user(self, user_id):
        """The signed-in account of a session (``AuthenticationMiddleware``, every request),
        with the JSM customer it stands for (``user.jsm_customer``, jsm.Customer) read in the
        same query: every portal page asks whether JSM still grants that customer the portal
        (``portal.visibility.access_revoked``, ``customer_of``), which cost a second query per
        page. None for an unknown or inactive account, as ``ModelBackend.get_user``."""
        User = get_user_model()
        try:
            user = User._default_manager.select_related("jsm_customer").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    async def aget_user(self, user_id):
        """``get_user`` for async code (``request.auser()``), with the customer too."""
        User = get_user_model()
        try:
            user = await User._default_manager.select_related("jsm_customer").aget(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
