"""The website's forms: who the customer is, the meeting options, the chosen time, details."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from booking import catalog
from booking.models import ANSWER_MAX_LENGTH, DESCRIPTION_MAX_LENGTH, Customer
from booking.validators import validate_single_line
from config_data.models import (
    CustomerCategory,
    Employee,
    InformationQuestion,
    Location,
    MeetingTopic,
    MeetingType,
    RoomFeature,
)
from config_data.profile_text import FIELD_MAX_LENGTH, ProfileField

ANY_EMPLOYEE = "any"


class CategoryForm(forms.Form):
    """The landing's `?category=` link: the switch's links are its only choices."""

    category = forms.ModelChoiceField(
        queryset=CustomerCategory.objects.all(),
        label=_("I am a"),
        empty_label=_("Choose…"),
        error_messages={
            "required": _("Please choose one of the listed options."),
            "invalid_choice": _("Please choose one of the listed options."),
        },
    )


def topic_employees(topic: MeetingTopic) -> list[Employee]:
    """The bookable employees who hold the topic, with their locations (one query)."""
    return list(topic.employees.bookable().select_related("location").order_by("name", "pk"))


def offered_types(topic: MeetingTopic, employees: list[Employee]) -> list[str]:
    """Meeting types the topic allows and at least one of its employees offers."""
    offered = set().union(*(e.meeting_types for e in employees)) if employees else set()
    return [t for t in MeetingType.values if t in topic.meeting_types and t in offered]


class RoomFeaturesField(forms.MultipleChoiceField):
    """Checkboxes send `features=1&features=2`; the picker's links carry `features=1,2`."""

    def to_python(self, value: Any) -> list[str]:
        parts = (part.strip() for item in super().to_python(value) for part in item.split(","))
        return [part for part in parts if part]


def requestable_features(topic: MeetingTopic) -> list[RoomFeature]:
    """What a customer may ask a room for: the features staff offer, less the topic's own.
    From the kept configuration (booking/catalog.py): no query."""
    config = catalog.current()
    own = config.required_room_features(topic)
    offered = [f for pk, f in config.features.items() if f.customer_requestable and pk not in own]
    return sorted(offered, key=lambda f: (str(f).casefold(), f.pk))


class OptionsForm(forms.Form):
    """Meeting type, branch (in person only) and employee ("any available" by default).

    The choices are the topic's; the form rejects combinations nobody offers, such as
    an employee who does not meet online or works at another branch.
    """

    type = forms.ChoiceField(label=_("How would you like to meet?"), widget=forms.RadioSelect)
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(),
        required=False,
        label=_("Branch"),
        help_text=_("Only for meetings in person."),
        empty_label=None,
    )
    employee = forms.ChoiceField(label=_("With whom?"))
    features = RoomFeaturesField(
        required=False,
        label=_("The room should have"),
        help_text=_("Only for meetings in person."),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Please choose one of the listed options.")},
    )

    def __init__(self, *args, topic: MeetingTopic, employees: list[Employee], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.topic = topic
        self.employees = {e.pk: e for e in employees}
        types = offered_types(topic, employees)
        self.type_field.choices = [(t, MeetingType(t).label) for t in types]
        if types and "type" not in self.initial:
            self.initial["type"] = types[0]
        physical_locations = {e.location_id for e in employees if e.physical}
        self.location_field.queryset = Location.objects.filter(pk__in=physical_locations)
        if MeetingType.PHYSICAL not in types:
            del self.fields["location"]
        features = requestable_features(topic) if topic.needs_room_for_physical else []
        self.requestable = {str(f.pk): f for f in features}
        if MeetingType.PHYSICAL in types and features:
            self.features_field.choices = [(str(f.pk), str(f)) for f in features]
        else:
            del self.fields["features"]
        employee_field = cast(forms.ChoiceField, self.fields["employee"])
        employee_field.choices = [(ANY_EMPLOYEE, _("Any available employee"))] + [
            (str(e.pk), self._employee_label(e, many_locations=len(physical_locations) > 1))
            for e in employees
        ]
        self.initial.setdefault("employee", ANY_EMPLOYEE)

    # self.fields holds copies of the declared fields, typed only as Field.
    @property
    def type_field(self) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields["type"])

    @property
    def location_field(self) -> forms.ModelChoiceField:
        """Only while the topic allows in-person meetings (KeyError otherwise)."""
        return cast(forms.ModelChoiceField, self.fields["location"])

    @property
    def features_field(self) -> RoomFeaturesField:
        """Only while customers may ask an in-person meeting's room for features."""
        return cast(RoomFeaturesField, self.fields["features"])

    @property
    def branches(self) -> QuerySet[Location]:
        """The branches offered for an in-person meeting, in the order the select shows."""
        branches = self.location_field.queryset
        assert branches is not None  # always set in __init__
        return branches

    @staticmethod
    def _employee_label(employee: Employee, *, many_locations: bool) -> str:
        parts = [employee.name]
        if employee.title:
            parts.append(employee.title)
        if many_locations:
            parts.append(employee.location.name)
        return ", ".join(parts)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        meeting_type = data.get("type")
        if meeting_type is None:
            return data
        location = data.get("location")
        # The features asked of the room, as objects; they matter only in person.
        chosen = (data.get("features") or []) if meeting_type == MeetingType.PHYSICAL else []
        data["features"] = [self.requestable[pk] for pk in chosen if pk in self.requestable]
        if meeting_type != MeetingType.PHYSICAL:
            data["location"] = location = None
        elif location is None:
            choices = list(self.branches)
            if len(choices) == 1:
                data["location"] = location = choices[0]
            else:
                self.add_error("location", _("Please choose a branch."))
        choice = data.get("employee")
        employee = None
        if choice and choice != ANY_EMPLOYEE:
            employee = self.employees.get(int(choice))
            if employee is None:  # a stale choice from an old link
                self.add_error("employee", _("Please choose one of the listed options."))
            elif meeting_type not in employee.meeting_types:
                self.add_error(
                    "employee",
                    _("%(name)s does not offer this kind of meeting.") % {"name": employee.name},
                )
            elif location is not None and employee.location_id != location.pk:
                self.add_error(
                    "employee",
                    _("%(name)s works at the %(branch)s branch.")
                    % {"name": employee.name, "branch": employee.location.name},
                )
        data["employee_obj"] = employee
        return data


class HoldForm(forms.Form):
    """The time the customer pressed: a UTC instant from the picker's button."""

    start = forms.CharField(max_length=40)

    def clean_start(self) -> datetime:
        try:
            start = datetime.fromisoformat(self.cleaned_data["start"])
        except ValueError:
            raise forms.ValidationError(_("Please choose one of the times shown.")) from None
        # No time in the calendar's first or last year is ever offered, and moving one
        # to another zone (or searching around it) would overflow.
        if start.tzinfo is None or not datetime.min.year < start.year < datetime.max.year:
            raise forms.ValidationError(_("Please choose one of the times shown."))
        return start.astimezone(UTC)


# The model bounds the reason; the form says so before the database would.
CANCEL_REASON_MAX_LENGTH = 1000


class CancelForm(forms.Form):
    """The customer's optional reason for cancelling: shown to staff, never required."""

    reason = forms.CharField(
        label=_("Reason for cancelling (optional)"),
        required=False,
        max_length=CANCEL_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only our staff see this."),
    )


def answer_field_name(question: InformationQuestion) -> str:
    return f"answer_{question.pk}"


def profile_field_name(variable: str) -> str:
    return f"field_{variable}"


class DetailsForm(forms.Form):
    """Who is coming and what it is about, plus the topic's information questions."""

    # Django's CharField already refuses NUL; the name also goes into email headers.
    name = forms.CharField(
        label=_("Your name"),
        max_length=Customer._meta.get_field("name").max_length,
        validators=[validate_single_line],
    )
    email = forms.EmailField(
        label=_("Email"),
        # The form's own check allows up to 320 characters; the customer record holds fewer.
        max_length=Customer._meta.get_field("email").max_length,
        help_text=_("We send the confirmation and the calendar invitation here."),
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=Customer._meta.get_field("phone").max_length,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    description = forms.CharField(
        label=_("What would you like to talk about? (optional)"),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(
        self,
        *args,
        questions: list[InformationQuestion],
        profile_fields: list[ProfileField] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        # A booking profile's {{variables}} (config_data/profile_text.py): one text field each.
        self.profile_fields = profile_fields or []
        for variable in self.profile_fields:
            self.fields[profile_field_name(variable.name)] = forms.CharField(
                label=variable.label,
                required=variable.required,
                max_length=FIELD_MAX_LENGTH,
                error_messages={"required": _("Please fill in this field.")},
            )
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.questions = questions
        for question in questions:
            self.fields[answer_field_name(question)] = forms.CharField(
                label=question.text,
                help_text=question.help_text,
                required=question.required,
                max_length=ANSWER_MAX_LENGTH,
                validators=[MaxLengthValidator(ANSWER_MAX_LENGTH)],
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={"required": _("Please answer this question.")},
            )

    def answers(self) -> dict[int, str]:
        return {
            q.pk: self.cleaned_data.get(answer_field_name(q), "")
            for q in self.questions
            if self.cleaned_data.get(answer_field_name(q))
        }

    def answer_fields(self) -> list[forms.BoundField]:
        return [self[answer_field_name(q)] for q in self.questions]

    def profile_values(self) -> dict[str, str]:
        """The profile's fields as the service takes them: variable name -> value."""
        return {
            v.name: self.cleaned_data.get(profile_field_name(v.name), "")
            for v in self.profile_fields
        }

    def profile_bound_fields(self) -> list[forms.BoundField]:
        return [self[profile_field_name(v.name)] for v in self.profile_fields]

    def draft(self) -> dict[str, str]:
        """The entered values of this form's fields (nothing else that was posted), to offer
        them again after choosing another time."""
        return {name: self.data[name] for name in self.fields if name in self.data}
