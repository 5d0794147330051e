"""Mail for "First time here? Set your password", sent by the task worker.

The page queues the same task whatever the address, and answers at once: how long the page
takes never tells whether the address belongs to a customer (sending mail takes time).
"""

from __future__ import annotations

from django_tasks import task

from .forms import SetPasswordRequestForm


@task()
def send_set_password_link(email: str, domain: str, use_https: bool) -> None:
    """Mail a one-time set-password link to the active accounts with this address, if any."""
    form = SetPasswordRequestForm({"email": email})
    if form.is_valid():
        form.save(
            domain_override=domain,
            use_https=use_https,
            subject_template_name="registration/set_password_subject.txt",
            email_template_name="registration/set_password_email.txt",
        )
