"""The staff workspace: the branch calendar, phone bookings, outcomes, absences, feeds, reports.

Server-rendered with HTMX like the customer site, mounted at /staff/. Who sees which
branch is decided in booking/roles.py; booking/staff/access.py turns that into 404s.
"""
