from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "youfu.registry"
    label = "registry"
