from django.apps import AppConfig


class PetitionsConfig(AppConfig):
    name = "youfu.petitions"
    label = "petitions"
