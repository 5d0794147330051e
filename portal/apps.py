from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Customer portal and project configuration"

    def ready(self) -> None:
        from accounts.signals import sign_in_refused

        from . import receivers
        from .visibility import access_revoked

        def refuse_revoked_customer(sender, user, **kwargs) -> bool:
            return access_revoked(user)

        sign_in_refused.connect(
            refuse_revoked_customer, weak=False, dispatch_uid="portal.sign_in_refused"
        )
        # The data's version, which keys the contract panel's snapshot (portal.usage_cache).
        receivers.connect()
