"""What the Tempo backup tab, its command and its logs say (docs/product.md §4.5)."""

from __future__ import annotations

QUEUED = "Backup started. Its progress shows below; the archive is listed here when it is verified."
ALREADY_RUNNING = "A backup is already queued or running. Its progress shows below."
NO_CONNECTION = (
    "No working Tempo connection: add a Tempo API Token (or connect with OAuth 2.0) on the "
    "Manage Tempo integration tab, then back up."
)
OTHER_RUNNING = "Another backup was running, so this one did not start. Older archives are kept."
KEPT = "No archive was written; older archives are kept."
REJECTED = (
    "Tempo rejected the stored credentials (401) during the backup: add a new token (or "
    "connect again) on the Manage Tempo integration tab. " + KEPT
)
UNREADABLE = "The stored Tempo credentials cannot be decrypted (check ENCRYPTION_KEYS). " + KEPT
STOPPED = "The backup was stopped before it ended. " + KEPT
INTERRUPTED = "The backup was interrupted before it ended (its process stopped). " + KEPT
DISK_FULL = "The disk holding the backups is full ({directory}). " + KEPT
NOT_WRITABLE = "The archive could not be written to {directory}: {reason}. " + KEPT
UNAVAILABLE = "Tempo could not be read: {reason} " + KEPT
NOT_VERIFIED = "The archive failed its check after writing: {problems} " + KEPT
SCHEDULE_SAVED_OFF = "Scheduled backups are off."
SCHEDULE_SAVED = "A backup now runs every day at {hour:02d}:00 ({zone})."
SCHEDULE_INVALID = "Choose an hour from 00 to 23, or Off."
DELETED = "The archive {name} was deleted."
NOT_DELETED = "The archive {name} could not be deleted: {reason}. It is still listed."
NOT_FOUND = "This archive is no longer on the server."
SCOPES_RECHECKED = "What the stored credentials can read was checked again just now."
