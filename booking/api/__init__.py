"""The Public API: OAuth2 client credentials, JSON over HTTP, documented at /api/docs.

The NinjaAPI instance lives in booking.api.site (imported by the URLconf only, so
that loading this app never imports the views).
"""
