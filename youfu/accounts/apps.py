from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "youfu.accounts"
    label = "accounts"
