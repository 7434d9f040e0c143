"""``{{ reference|reference }}``: a record another app named ("relief:12"), as a link to it."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from youfu.core.sections import reference_link

register = template.Library()


@register.filter(name="reference")
def reference(value: str) -> SafeString:
    link = reference_link(str(value))
    if link.url is None:
        return format_html("{}", link.label)
    return format_html('<a href="{}">{}</a>', link.url, link.label)
