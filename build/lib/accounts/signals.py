"""What sign-in asks the apps above accounts, without importing them (docs/architecture.md:
a lower layer reaches a higher one through a signal, not an import)."""

from django.dispatch import Signal

# Sent by the sign-in form once the password is right, with ``user=``. A receiver answers
# True to refuse the sign-in with ``accounts.sentences.ACCESS_REVOKED``: the portal does for a
# customer whose portal access JSM revoked (``portal.visibility.access_revoked``).
sign_in_refused = Signal()
