from __future__ import annotations

from tempo_integration.models import TempoIntegration

TOKEN = "Zq3tL9xVb7RkP2mW5yH8cN4dF6gJ1sA0-us"


def stored_integration(user, token: str = TOKEN) -> TempoIntegration:
    return TempoIntegration.store(token, user)
