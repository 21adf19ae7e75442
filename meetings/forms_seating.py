"""Forms of the seating page: re-arrange with options, move or swap, lock a seat."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms

from meetings.seating.engine import Fill, Options, Precedence, UnitOrder, Viewpoint
from meetings.seating.selectors import SeatingOptions
from rooms.models import RoomLayout


class ArrangeForm(forms.Form):
    """重新排座: the options staff choose on the page (the API takes more)."""

    precedence = forms.ChoiceField(
        label="规则",
        choices=[
            (Precedence.LEFT.value, "以左为上（国内）"),
            (Precedence.RIGHT.value, "以右为上（外事）"),
        ],
        widget=forms.RadioSelect,
        initial=Precedence.LEFT.value,
    )
    unit_order = forms.ChoiceField(
        label="单位排序",
        choices=[(UnitOrder.CUSTOMARY.value, "惯例顺序"), (UnitOrder.STROKES.value, "姓氏笔画")],
        widget=forms.RadioSelect,
        initial=UnitOrder.CUSTOMARY.value,
    )
    fill = forms.ChoiceField(
        label="台下填座",
        choices=[(Fill.ROWS.value, "按行"), (Fill.COLUMNS.value, "按列")],
        widget=forms.RadioSelect,
        initial=Fill.ROWS.value,
    )
    centre_point = forms.BooleanField(label="居中点变体（偶数时 1 号仍居中）", required=False)
    viewpoint = forms.ChoiceField(
        label="座次图视角",
        choices=[(v.value, v.label) for v in Viewpoint],
        initial=Viewpoint.AUDIENCE.value,
    )
    layout = forms.TypedChoiceField(label="座位布局", coerce=int, required=False, empty_value=None)

    def __init__(self, *args: object, layouts: Sequence[RoomLayout] = (), **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["layout"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "保持当前布局"), *[(lay.pk, lay.name) for lay in layouts]]
        self.layouts = {lay.pk: lay for lay in layouts}

    @classmethod
    def initial_from(cls, options: SeatingOptions) -> dict[str, object]:
        e = options.engine
        return {
            "precedence": e.precedence.value,
            "unit_order": e.unit_order.value,
            "fill": e.fill.value,
            "centre_point": e.centre_point,
            "viewpoint": e.viewpoint.value,
        }

    def seating_options(self, current: SeatingOptions) -> SeatingOptions:
        """The stored options with the page's choices applied (the rest kept)."""
        data = self.cleaned_data
        e = current.engine
        engine = Options(
            precedence=Precedence(data["precedence"]),
            centre_point=bool(data["centre_point"]),
            viewpoint=Viewpoint(data["viewpoint"]),
            fill=Fill(data["fill"]),
            start_side=e.start_side,
            unit_order=UnitOrder(data["unit_order"]),
            person_order=e.person_order,
            unit_gap=e.unit_gap,
            unit_new_line=e.unit_new_line,
            guest_on_host_right=e.guest_on_host_right,
        )
        return SeatingOptions(engine, current.zones, current.parties)

    def chosen_layout(self) -> RoomLayout | None:
        pk = self.cleaned_data.get("layout")
        return self.layouts.get(pk) if pk is not None else None


class MoveForm(forms.Form):
    """Move or swap: from a seat (or an unseated attendee) to a seat.

    The drag-and-drop script fills the same fields the no-JS form has, so both paths run
    the same code.
    """

    attendance_id = forms.IntegerField(label="人员", required=False, min_value=1)
    from_seat = forms.CharField(label="原座位", max_length=50, required=False)
    to_seat = forms.CharField(label="目标座位", max_length=50)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("attendance_id") and not data.get("from_seat"):
            raise forms.ValidationError("请选择要移动的人员")
        return data


class LockForm(forms.Form):
    seat_id = forms.CharField(max_length=50)
    locked = forms.BooleanField(required=False)
