from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "youfu.demo"
    label = "demo"
