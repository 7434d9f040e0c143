from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "youfu.core"
    label = "core"
