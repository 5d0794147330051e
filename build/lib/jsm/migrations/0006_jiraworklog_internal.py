# Written by hand (Django 5.2): the flag for Jira worklogs restricted to a group or role.

from django.db import migrations, models


def forget_comments_until_reread(apps, schema_editor):
    """Comments stored before this migration may be restricted ones: blank them all and make
    the next Jira sync a full read, which stores each comment again (restricted ones empty)
    and files every worklog under its worker's day."""
    apps.get_model("jsm", "JiraWorklog").objects.exclude(description="").update(description="")
    apps.get_model("jsm", "JiraWorklogCursor").objects.update(last_full_sync_at=None)


class Migration(migrations.Migration):

    dependencies = [
        ("jsm", "0005_request_missing_project_sync_problem"),
    ]

    operations = [
        migrations.AddField(
            model_name="jiraworklog",
            name="internal",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(forget_comments_until_reread, migrations.RunPython.noop),
    ]
