"""Import and export of configuration in the admin (django-import-export).

Rows name what they point at by natural keys (a location's name, an employee's email),
so a file moves between databases. An import is checked row by row like a form
(full_clean, overlapping hours, the branch of each row): one bad row shows its error and
nothing is imported. A branch manager's resource is limited to their branches (locations).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from config_data.models import (
    Employee,
    Location,
    OpeningHours,
    Room,
    RoomFeature,
    WorkingHours,
    overlapping_weekly_intervals,
)


class NamedForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key by a unique name; an unknown name is a clear error, not a traceback."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        try:
            return super().clean(value, row, **kwargs)
        except ObjectDoesNotExist:
            raise ValueError(
                _("No %(model)s %(value)s.")
                % {"model": self.model._meta.verbose_name, "value": repr(value)}
            ) from None


class TranslationWidget(widgets.CharWidget):
    """A name in another language: blank is "none given" (NULL, which the unique names
    allow many of), so the name falls back to English."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        return super().clean(value, row, **kwargs) or None


def _translation(column: str) -> fields.Field:
    return fields.Field(column_name=column, attribute=column, widget=TranslationWidget())


# Names are matched in English, whatever language the admin is shown in: a file's
# "location" and "name" columns mean the same on every desk. The other languages of a
# room's name are columns of their own (config_data/translation.py).
KEY = "name_en"


def _named(model: type[Model], column: str, attribute: str, key: str) -> fields.Field:
    return fields.Field(
        column_name=column,
        attribute=attribute,
        widget=NamedForeignKeyWidget(model, key),
    )


class BranchResource(resources.ModelResource):
    """Rows of a branch: a branch manager reads and writes only their branches' rows."""

    location_attribute = "location"  # the path from a row's object to its location

    def __init__(self, locations: QuerySet[Location] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.locations = None if locations is None else set(locations.values_list("pk", flat=True))

    def location_of(self, instance: Any) -> Location | None:
        obj = instance
        for name in self.location_attribute.split("."):
            obj = getattr(obj, f"{name}_id", None) and getattr(obj, name)
            if obj is None:
                return None
        return obj

    def allowed(self, instance: Any) -> bool:
        location = self.location_of(instance)
        return self.locations is None or (location is not None and location.pk in self.locations)

    def get_instance(self, instance_loader: Any, row: Any) -> Any:
        # An unknown name in a key column: an error on that column, not a traceback.
        errors = {}
        for name in self.get_import_id_fields():
            field = self.fields[name]
            if field.column_name not in row:
                continue
            try:
                field.clean(row)
            except ValueError as error:
                errors[field.attribute] = [str(error)]
        if errors:
            raise ValidationError(errors)
        return super().get_instance(instance_loader, row)

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        if instance.pk is not None and not self.allowed(instance):
            # Another branch's row: refused without saying more about it.
            raise ValidationError({NON_FIELD_ERRORS: [_("This row belongs to another branch.")]})
        super().import_instance(instance, row, **kwargs)
        if not self.allowed(instance):
            raise ValidationError(
                {self.location_attribute.split(".")[0]: [_("Choose one of your own branches.")]}
            )


class RoomResource(BranchResource):
    location = _named(Location, "location", "location", KEY)
    name = fields.Field(column_name="name", attribute=KEY, widget=widgets.CharWidget())
    name_de = _translation("name_de")
    name_da = _translation("name_da")
    features = fields.Field(
        column_name="features",
        attribute="features",
        widget=widgets.ManyToManyWidget(RoomFeature, separator="|", field=KEY),
    )

    class Meta:
        model = Room
        import_id_fields = ["location", "name"]
        fields = [
            "location",
            "name",
            "name_de",
            "name_da",
            "capacity",
            "features",
            "active",
            "timezone",
            "street",
            "postal_code",
            "city",
            "country",
        ]
        clean_model_instances = True
        skip_unchanged = True


class EmployeeResource(BranchResource):
    location = _named(Location, "location", "location", KEY)

    class Meta:
        model = Employee
        import_id_fields = ["email"]
        # The user account is not part of the file: who signs in is the administrators' call.
        fields = [
            "email",
            "name",
            "title",
            "location",
            "active",
            "physical",
            "online",
            "phone",
            "online_meeting_link",
            "timezone",
            "street",
            "postal_code",
            "city",
            "country",
        ]
        clean_model_instances = True
        skip_unchanged = True


class WeeklyIntervalResource(BranchResource):
    """Hours: a row may not overlap another interval of the same owner and weekday."""

    owner_attribute = ""

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        model = type(instance)
        owner_id = getattr(instance, f"{self.owner_attribute}_id")
        others = model.objects.filter(**{f"{self.owner_attribute}_id": owner_id}).exclude(
            pk=instance.pk
        )
        start, end = model.start_field, model.end_field
        intervals = [*others.values_list("weekday", start, end), instance.interval]
        if None not in instance.interval and overlapping_weekly_intervals(intervals) is not None:
            raise ValidationError(
                {start: [_("This overlaps another interval on the same weekday.")]}
            )


class WorkingHoursResource(WeeklyIntervalResource):
    location_attribute = "employee.location"
    owner_attribute = "employee"
    employee = _named(Employee, "employee", "employee", "email")

    class Meta:
        model = WorkingHours
        import_id_fields = ["employee", "weekday", "start"]
        fields = ["employee", "weekday", "start", "end"]
        clean_model_instances = True
        skip_unchanged = True


class OpeningHoursResource(WeeklyIntervalResource):
    owner_attribute = "location"
    location = _named(Location, "location", "location", KEY)

    class Meta:
        model = OpeningHours
        import_id_fields = ["location", "weekday", "opens"]
        fields = ["location", "weekday", "opens", "closes"]
        clean_model_instances = True
        skip_unchanged = True
