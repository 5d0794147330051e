"""The month summary's statements are planned on each call (worklog_report.month_summary,
``apply_function_sql``): plans cached from an upsert that wrote no row made each later
UPDATE of many worklogs quadratic."""

from django.db import migrations

from worklog_report.month_summary import function_replaced


class Migration(migrations.Migration):
    dependencies = [
        ("tempo_integration", "0012_worklog_request_checked_per_statement_on_postgresql"),
    ]

    operations = [
        function_replaced("tempo_integration_worklogmonth", "billable_seconds", "approved"),
    ]
