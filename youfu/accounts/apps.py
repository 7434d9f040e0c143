from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "youfu.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from youfu.accounts.sections import roles_to_approve_work
        from youfu.core.roles import Capability
        from youfu.core.sections import register_nav, register_work_source

        register_nav(
            "users",
            _("Users"),
            "accounts:users",
            Capability.MANAGE_USERS,
            _("Accounts, roles, regions, lock-outs"),
            order=80,
        )
        register_nav(
            "role_approvals",
            _("Roles to approve"),
            "accounts:approvals",
            Capability.APPROVE,
            _("Roles that read the people's records, asked by the system admin"),
            order=81,
        )
        register_work_source("role_approvals", _("Accounts"), roles_to_approve_work, order=90)
