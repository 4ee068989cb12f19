"""``django.contrib.admin`` whose default site is the portal's (``portal.admin_site``): in INSTALLED_APPS as
``portal.admin_apps.PortalAdminConfig`` instead of ``django.contrib.admin``."""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin_site.PortalAdminSite"
