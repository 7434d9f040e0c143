from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "youfu.audit"
    label = "audit"
