"""Every sentence the emulated Tempo settings page shows, so views, forms and tests share them."""

from __future__ import annotations

from sandbox.scopes import MAX_EXPIRY_DAYS, MIN_EXPIRY_DAYS

NAME_REQUIRED = "Enter a name for the token."
EXPIRY_REQUIRED = "Enter the number of days until the token expires."
EXPIRY_NOT_A_NUMBER = "Enter the expiry as a whole number of days."
EXPIRY_OUT_OF_RANGE = f"Expiry must be between {MIN_EXPIRY_DAYS} and {MAX_EXPIRY_DAYS} days."
NO_SCOPE_CHOSEN = "Choose View or Manage for at least one scope, or choose Full access."
REGENERATE_EXPIRED = "An expired token cannot be regenerated. Create a new token."

TOKEN_CREATED = "Token “{name}” created."
TOKEN_RENAMED = "Token renamed to “{name}”."
TOKEN_REGENERATED = "Token “{name}” regenerated. The previous value no longer works."
TOKEN_DELETED = "Token “{name}” deleted. Integrations using it no longer have access."
VALUE_GONE = "A token value is shown only once. If you did not copy it, regenerate the token."
SHOWN_ONCE_WARNING = (
    "Copy this token now. For your security it is shown only once: "
    "after you leave this page it cannot be displayed again."
)

# Settings › OAuth 2.0 Applications.
APP_NAME_REQUIRED = "Enter a name for the application."
REDIRECT_URLS_REQUIRED = "Enter at least one redirect URL."
REDIRECT_URL_INVALID = (
    "“{url}” is not a valid redirect URL. Enter absolute http or https URLs, one per line."
)
CLIENT_TYPE_REQUIRED = "Choose the client type: confidential or public."
APP_CREATED = "Application “{name}” created. Its client id and secret are below."
APP_UPDATED = "Application “{name}” saved."
APP_SECRET_RENEWED = (
    "Application “{name}” saved with a new client secret. The previous secret no longer works."
)
APP_DELETED = "Application “{name}” deleted. Its access and refresh tokens no longer work."
