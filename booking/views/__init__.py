"""The customer website: one module per group of pages.

- flow: landing, options, slot picker and hold
- details: details form and confirm, releasing a hold
- manage: confirmation, manage link, invite download, cancel, reschedule
- accounts: "My meetings" and an employee's "My schedule"
"""

from __future__ import annotations
