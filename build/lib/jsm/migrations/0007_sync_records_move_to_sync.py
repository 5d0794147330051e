"""SyncRun and SyncLock now belong to the sync app: state only, the tables stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("jsm", "0006_jiraworklog_internal"),
        ("sync", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="SyncLock"),
                migrations.DeleteModel(name="SyncRun"),
            ],
            database_operations=[],
        ),
    ]
