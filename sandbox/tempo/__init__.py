"""The emulated Tempo Cloud: API v4 worklog routes and the API Integration settings page."""
