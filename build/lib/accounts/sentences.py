"""Every sentence sign-in and the portal's "no access" pages show to people, word for word.

Forms, views, templates and tests import them from here, so the wording lives in one place.
"""

# JSM revoked the customer's portal access (Jira answers `active: false`, docs/outside-apis.md
# §6). Said at sign-in (only after the right password, so it tells nobody else who is a
# customer) and on every portal page of a session that was open when the sync revoked it.
ACCESS_REVOKED_TITLE = "Your access has been revoked"
ACCESS_REVOKED = (
    "Your access to this portal has been revoked by your service provider. "
    "Contact them if this is a mistake."
)
