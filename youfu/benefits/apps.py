from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "youfu.benefits"
    label = "benefits"
