"""SyncRun and SyncLock move here from jsm: state only, the tables stay as they are."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("jsm", "0006_jiraworklog_internal"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SyncLock",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=20, unique=True)),
                        ("owner", models.CharField(blank=True, max_length=64)),
                        ("expires_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={"db_table": "jsm_synclock"},
                ),
                migrations.CreateModel(
                    name="SyncRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("jira", "Jira"), ("tempo", "Tempo")], max_length=10
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("running", "Running"),
                                    ("succeeded", "Succeeded"),
                                    ("failed", "Failed"),
                                    ("partly", "Partly succeeded"),
                                ],
                                default="running",
                                max_length=10,
                            ),
                        ),
                        ("started_at", models.DateTimeField(auto_now_add=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("counts", models.JSONField(blank=True, default=dict)),
                        (
                            "error",
                            models.TextField(
                                blank=True, help_text="What went wrong, as a sentence for people."
                            ),
                        ),
                        ("requests_made", models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        "db_table": "jsm_syncrun",
                        "ordering": ["-started_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["kind", "-started_at"], name="jsm_syncrun_kind_25dbb9_idx"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
