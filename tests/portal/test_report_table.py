"""The report table's rows, built in one pass (portal/report_table.py): escaped as the
template engine escapes, linking each request to its worklog lines."""

from __future__ import annotations

from django.urls import reverse

from portal.periods import preset_period
from portal.report_table import rows_html
from portal.reports import RequestRow

from .conftest import TODAY

URL = "/portal/ITSD/worklog-report/"


def test_every_value_is_escaped():
    row = RequestRow(7, "ITSD-7", "<img src=x onerror=\"alert(1)\"> & 'more'", "<b>", "new", 5400)
    html = rows_html([row], "ITSD", preset_period("this_month", TODAY), "decimal")
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#x27;more&#x27;" in html
    assert "&lt;b&gt;" in html and "1.50 h" in html


def test_a_rows_link_is_its_worklog_page_over_the_period(world, as_user):
    period = preset_period("this_month", TODAY)
    page = as_user("alice").get(URL).content.decode()
    lines = reverse("portal:request_worklogs", args=["ITSD", "ITSD-1"])
    expected = f"{lines}?from={period.start:%Y-%m-%d}&amp;to={period.end:%Y-%m-%d}"
    assert f'href="{expected}" data-expand="lines-{world.requests["ITSD-1"].pk}"' in page
    assert f'id="lines-{world.requests["ITSD-1"].pk}" hidden' in page
    assert as_user("alice").get(expected.replace("&amp;", "&")).status_code == 200
