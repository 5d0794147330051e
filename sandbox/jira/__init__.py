"""The emulated Jira Cloud platform REST API v3 and Jira Service Management REST API.

Mounted at /jira/ (so `JIRA_BASE_URL=http://127.0.0.1:8765/jira`): platform routes under
/jira/rest/api/3/, JSM routes under /jira/rest/servicedeskapi/ (docs/outside-apis.md §3).
"""
