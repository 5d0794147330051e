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
REVOKE_QUESTION_OAUTH = (
    "Revoke the Tempo integration? Yes revokes the OAuth 2.0 connection at Tempo and erases "
    "the stored credentials and every synced Tempo worklog. Customers will no longer see "
    "billable hours from Tempo until Tempo is connected again and synced; meanwhile their "
    "reports say the hours are not available."
)
REVOKED = "Tempo integration revoked."


def revoke_question(integration) -> str:
    """The Revoke dialog's question for this integration's method."""
    return REVOKE_QUESTION_OAUTH if integration and integration.is_oauth else REVOKE_QUESTION


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
    caught up with a project yet (Tempo's help: this "can take a while"), and for a project
    whose worklogs the token's user may not view (docs/outside-apis.md §6): a project read
    before can answer it too.
    """
    from worklog_report.sentences import full_stop

    name = f"{project.name} ({project.key})"
    if getattr(exc, "status", None) == 404:
        return (
            f"Tempo cannot read {name} yet: {full_stop(str(exc))} Tempo can take a while to "
            "catch up with a new project's permissions, and does not show a project whose "
            "worklogs the token's user may not view; its last synced worklogs are kept and the "
            "next run tries again."
        )
    return (
        f"Tempo could not be read for {name}: {full_stop(str(exc))} Its last synced worklogs "
        "are kept; the next run tries again."
    )


# Connect with OAuth 2.0 (docs/product.md §4.1; docs/outside-apis.md §2). Success shows ADDED.
ENTER_CLIENT_ID = "Enter the client id of the OAuth 2.0 application you registered in Tempo."
ENTER_CLIENT_SECRET = (
    "Enter the client secret of the OAuth 2.0 application you registered in Tempo."
)
NOT_A_CLIENT_CREDENTIAL = (
    "That does not look like a client id or secret from Tempo: copy them again from the "
    "application's credentials in Tempo."
)
OAUTH_NOT_STARTED = (
    "This answer from Tempo does not belong to a connection started in this browser, or it "
    "was already used, so nothing was connected. Click Connect with OAuth 2.0 to start again."
)
OAUTH_EXPIRED = (
    "The connection was started more than 15 minutes ago, so nothing was connected. "
    "Click Connect with OAuth 2.0 to start again."
)
OAUTH_STATE_MISMATCH = (
    "Tempo's answer did not carry this connection's check value, so nothing was connected "
    "(it may not come from the connection you started). Click Connect with OAuth 2.0 to "
    "start again."
)
OAUTH_DENIED = (
    "Access was not allowed in Tempo, so nothing was connected. To connect, click Connect "
    "with OAuth 2.0 again and choose Allow."
)
OAUTH_INVALID_CLIENT = (
    "Tempo did not accept the client id and secret, so nothing was connected. Copy both "
    "again from the application's credentials in Tempo (they change when a new secret is "
    "generated) and connect again."
)
OAUTH_INVALID_GRANT = (
    "Tempo did not accept the authorization: it expired, was already used, or the redirect "
    "URL registered for the application is not the one shown here. Nothing was connected; "
    "check the redirect URL and connect again."
)
OAUTH_UNREACHABLE = "Tempo could not be reached, so nothing was connected. Please try again."
OAUTH_NO_WORKLOG_ACCESS = (
    "Tempo connected the application, but its user cannot view worklogs, so nothing was "
    "stored. Connect as a Tempo user who can view worklogs."
)
OAUTH_RECONNECT = (
    "Tempo refused to renew the OAuth 2.0 access: the application was deleted or its secret "
    "changed in Tempo, or its user lost access. Connect with OAuth 2.0 again below."
)
ENTER_APPLICATION_NAME = "Enter the application's name as you registered it in Tempo."
APPLICATION_NAME_TOO_LONG = "The application's name can be at most 100 characters."
OAUTH_INSECURE = (
    "Tempo's authorization page must be an https:// address (or this machine's own, for the "
    "sandbox). Check TEMPO_BASE_URL and TEMPO_OAUTH_AUTHORIZE_URL."
)


def oauth_refused(error: str) -> str:
    """Another RFC 6749 error code from Tempo, in a sentence."""
    return f'Tempo refused the connection ("{error}"), so nothing was connected. Please try again.'
