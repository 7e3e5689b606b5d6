"""The customer website: one module per group of pages.

- flow: landing, options, slot picker and hold
- details: details form and confirm, releasing a hold
- manage: confirmation, manage link, invite download, cancel, reschedule
- accounts: "My meetings" and an employee's "My schedule"

Not views: picker (a week of free times) and holds (holding a pressed time, and holding
it again after the hold ran out), shared by the flow and the manage pages.
"""

from __future__ import annotations
