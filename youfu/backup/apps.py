from django.apps import AppConfig


class BackupConfig(AppConfig):
    """Backups of a whole installation into one file, and restoring one into an empty database,
    on either engine. No tables of its own: it copies every app's tables through the app
    registry, so it names no app but benefits (whose items are partitioned on PostgreSQL)."""

    name = "youfu.backup"
    label = "backup"
