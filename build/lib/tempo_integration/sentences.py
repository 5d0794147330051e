"""Every sentence the Tempo integration shows to people (docs/product.md §4.1), word for word.

Views, forms, templates and tests all import them from here, so the wording lives in one place.
"""

ENTER_TOKEN = "Enter a Tempo API Token."
NOT_A_TOKEN = "That does not look like a Tempo API Token."
ADDED = "Tempo API Token integrated successfully!"
INVALID_TOKEN = "Invalid API Token! Please check for expired or missing API Token!"
NO_WORKLOG_SCOPE = (
    'This token cannot view worklogs. Create a token with the Worklogs scope "View worklogs".'
)
UNREACHABLE = "Tempo could not be reached, so the token was not saved. Please try again."
# What Yes really does (TempoIntegration.revoke): the token and every synced Tempo worklog
# are erased, and the reports say the hours are unavailable until a new token has synced.
REVOKE_QUESTION = (
    "Revoke the Tempo integration? Yes erases the stored token and every synced Tempo "
    "worklog. Customers will no longer see billable hours from Tempo until a new token is "
    "added and synced; meanwhile their reports say the hours are not available."
)
REVOKED = "Tempo integration revoked."

# Cases docs/product.md leaves open, worded in the same voice.
NOTHING_TO_REVOKE = "There is no Tempo integration to revoke."
EXPIRY_SAVED = "Expiry date saved."
EXPIRY_CLEARED = "Expiry date removed."
EXPIRY_IN_PAST = "The expiry date cannot be in the past."
NO_INTEGRATION_FOR_EXPIRY = "Add a Tempo API Token before recording its expiry date."
UNREADABLE_TOKEN = (
    "The stored Tempo API Token cannot be decrypted with the configured ENCRYPTION_KEYS. "
    "Restore the old key, or revoke the integration and add the token again."
)


def expiry_warning(days_left: int, expires_on: str) -> str:
    if days_left < 0:
        return (
            f"The Tempo API Token expired on {expires_on}. "
            "Create a new token in Tempo, revoke this integration and add the new token."
        )
    when = {0: "today", 1: "tomorrow"}.get(days_left, f"in {days_left} days")
    return (
        f"The Tempo API Token expires {when} ({expires_on}). "
        "Create a new token in Tempo and add it here before then."
    )


def project_unreadable(project, exc: Exception) -> str:
    """Why one project's worklogs could not be read, for the Sync tab and its page.

    Tempo answers 404 "Project cannot be found in the system" while its permissions have not
    caught up with a project yet (Tempo's help: this "can take a while"; docs/outside-apis.md §6).
    """
    from worklog_report.sentences import full_stop

    name = f"{project.name} ({project.key})"
    if getattr(exc, "status", None) == 404:
        return (
            f"Tempo cannot read {name} yet: {full_stop(str(exc))} Tempo can take a while to "
            "catch up with a new project's permissions; its last synced worklogs are kept and "
            "the next run tries again."
        )
    return (
        f"Tempo could not be read for {name}: {full_stop(str(exc))} Its last synced worklogs "
        "are kept; the next run tries again."
    )
