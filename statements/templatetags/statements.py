"""`{% statements_link project %}` on the Worklog Report page: the way to the project's
Statements, for those who have some to see or will (the portal's pages do not know
statements)."""

from __future__ import annotations

from django import template

from ..models import Statement, statements_visible_to

register = template.Library()


@register.inclusion_tag("statements/_link.html", takes_context=True)
def statements_link(context, project, report_settings) -> dict:
    user = context["request"].user
    shown = (report_settings.monthly_statements and user.is_staff) or (
        statements_visible_to(user, project, report_settings).exists()
    )
    return {"project": project, "shown": shown}


@register.inclusion_tag("statements/_summary.html")
def statements_summary(project) -> dict:
    """Under **Send monthly statements** on the General tab: the newest month drawn up and
    the way to the project's Statements page."""
    newest = (
        Statement.objects.filter(project=project).order_by("-month").values_list("month", flat=True)
    ).first()
    count = Statement.objects.filter(project=project, month=newest).count() if newest else 0
    return {"project": project, "newest": newest, "count": count}
