"""The month summary's statements are planned on each call (worklog_report.month_summary,
``apply_function_sql``): plans cached from an upsert that wrote no row made each later
UPDATE of many worklogs quadratic."""

from django.db import migrations

from worklog_report.month_summary import function_replaced


class Migration(migrations.Migration):
    dependencies = [
        ("jsm", "0009_worklog_request_index_in_covering"),
    ]

    operations = [
        function_replaced("jsm_jiraworklogmonth", "time_spent_seconds"),
    ]
