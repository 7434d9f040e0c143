from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "youfu.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from youfu.core.roles import Capability
        from youfu.core.sections import register_nav

        register_nav(
            "users",
            _("Users"),
            "accounts:users",
            Capability.MANAGE_USERS,
            _("Accounts, roles, regions, lock-outs"),
            order=80,
        )
