from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "youfu.regions"
    label = "regions"
