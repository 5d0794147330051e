"""Webhooks as Tempo and Jira send them: registration routes, deliveries, the sender.

- `tempo_api.py`: Tempo's `/4/webhooks/subscriptions` routes (Tempo's v4 OpenAPI, "Using
  Tempo Webhooks", "Subscription verification").
- `jira_api.py`: Jira's admin webhooks, `/rest/webhooks/1.0/webhook` (Atlassian's
  "Webhooks" page: "Registering a webhook using the REST API (for admins)").
- `urls.py`: those two sets of routes, mounted by the root routes under the Tempo and Jira
  prefixes (this app sits above sandbox.tempo and sandbox.jira, which do not import it).
- `events.py`: what a data change sends; called where the sandbox's data changes (drift,
  and the Tempo API's DELETE through `sandbox.tempo.signals.worklogs_deleting`, whose
  receiver apps.py connects), never by the bulk seeding.
- `sender.py`: the one background thread that posts the deliveries, with retries.
- `control.py`: `/_sandbox/webhooks`, the tests' handle (SandboxClient's `webhook_*`).
"""
