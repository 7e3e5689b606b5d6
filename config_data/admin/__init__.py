"""Django admin for everything staff configure.

Branch managers run their own branch here: every list, change page, choice and import
is limited to the branches `branch_scope` returns for the user (None: all); see scope.
The pages: locations (with rooms and hours), employees (with hours and absences),
topics and booking profiles (with teams), on the classes in base and the widgets in
widgets. Importing this package registers them all; the names other apps' admins
build on are importable from here.
"""

from __future__ import annotations

from config_data.admin import employees, locations, profiles, topics
from config_data.admin.base import (
    OWN_ADDRESS,
    AdministratorFieldsAdmin,
    BranchScopedAdmin,
    LocalInline,
    SimpleHistoryAdmin,
    WeeklyIntervalAdmin,
    WeeklyIntervalFormSet,
    ZoneAwareAdmin,
)
from config_data.admin.scope import (
    BranchScope,
    branch_scope,
    is_unrestricted,
    scoped_choices,
    set_branch_scope,
)
from config_data.admin.widgets import (
    DATE_INPUT,
    LOCAL_WIDGETS,
    TIME_INPUT,
    local_time,
    render_now,
    timezone_select,
    zone_help,
)

__all__ = [
    "DATE_INPUT",
    "LOCAL_WIDGETS",
    "OWN_ADDRESS",
    "TIME_INPUT",
    "AdministratorFieldsAdmin",
    "BranchScope",
    "BranchScopedAdmin",
    "LocalInline",
    "SimpleHistoryAdmin",
    "WeeklyIntervalAdmin",
    "WeeklyIntervalFormSet",
    "ZoneAwareAdmin",
    "branch_scope",
    "employees",
    "is_unrestricted",
    "local_time",
    "locations",
    "profiles",
    "render_now",
    "scoped_choices",
    "set_branch_scope",
    "timezone_select",
    "topics",
    "zone_help",
]
