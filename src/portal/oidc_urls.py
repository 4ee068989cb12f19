"""The provider's endpoints: discovery and JWKS at the site root, the rest under ``/o/``.

Only what Dnevnik uses is routed: no application-management pages, no device flow, no
introspection (the API is its own resource server).
"""

from django.urls import path
from oauth2_provider import views as toolkit

from portal.oidc import PortalAuthorizationView, PortalDiscoveryView

app_name = "oauth2_provider"

urlpatterns = [
    # The issuer is the site root because discovery lives at the root (see OIDC_ISS_ENDPOINT).
    path(".well-known/openid-configuration", PortalDiscoveryView.as_view(), name="oidc-connect-discovery-info"),
    path(".well-known/jwks.json", toolkit.JwksInfoView.as_view(), name="jwks-info"),
    path("o/authorize/", PortalAuthorizationView.as_view(), name="authorize"),
    path("o/token/", toolkit.TokenView.as_view(), name="token"),
    path("o/revoke_token/", toolkit.RevokeTokenView.as_view(), name="revoke-token"),
    path("o/userinfo/", toolkit.UserInfoView.as_view(), name="user-info"),
    path("o/logout/", toolkit.RPInitiatedLogoutView.as_view(), name="rp-initiated-logout"),
]
