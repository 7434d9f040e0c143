from youfu.backup.tests.targets import new_target, templates

__all__ = ["new_target", "templates"]
