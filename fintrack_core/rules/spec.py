"""Import rules as values: conditions, actions, specs, validated on construction.

Validation lives in the values themselves so that a rule that exists is a usable one, whoever
built it (the Rules page, a suggestion, JSON loaded from the database): each error is a
``ValidationError`` naming the part that is wrong (``field``, ``op``, ``value``, ``value2``,
``category``, ``payee``, ``tags``, ``name``, ``match``, ``conditions``, ``actions``).

Regular expressions are compiled by the engine that will run them (RE2 inside pyarrow), so a
pattern that could not run, or could run for ever, is refused here, not at import time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import pyarrow as pa
import pyarrow.compute as pc

from fintrack_core.errors import ValidationError
from fintrack_core.ledger.transactions import normalise_tags, split_tags
from fintrack_core.money import amount_bound
from fintrack_core.text import MAX_NAME, MAX_PAYEE, clean_text

TEXT_OPS = ("contains", "equals", "starts_with", "regex")
FIELD_OPS: dict[str, tuple[str, ...]] = {
    "payee": TEXT_OPS,
    "description": TEXT_OPS,
    "amount": ("equals", "between", "greater_than", "less_than"),
    "account": ("in",),
    "date": ("on", "before", "after", "between"),
}
OP_LABELS = {"contains": "contains", "equals": "equals", "starts_with": "starts with",
             "regex": "matches regex", "between": "is between", "greater_than": "is more than",
             "less_than": "is less than", "in": "is one of", "on": "is on",
             "before": "is before", "after": "is after"}
ACTION_KINDS = ("set_category", "rename_payee", "add_tags")
MATCHES = ("all", "any")
MODES = ("first", "all")
MAX_PATTERN = 500
MAX_CONDITIONS = 20

Value = str | Decimal | dt.date | tuple[int, ...]


def _text_value(op: str, value: object, name: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(name, f"{value!r} is not text")
    # Surrounding blanks are almost always a copy-paste slip; inside a regex they may matter.
    text = value if op == "regex" else value.strip()
    if not text.strip():
        raise ValidationError(name, "is empty; give the text to look for")
    if len(text) > MAX_PATTERN:
        raise ValidationError(name, f"is {len(text)} characters long; the limit is {MAX_PATTERN}")
    if op == "regex":
        check_regex(text, name)
    return text


def check_regex(pattern: str, name: str = "value") -> None:
    """Compile ``pattern`` with the engine that will run it (RE2 inside pyarrow).

    Python's ``re`` would accept patterns RE2 refuses (backreferences, look-around) and would
    happily run catastrophic ones, so it is deliberately not used here.
    """
    try:
        pc.match_substring_regex(pa.array([""], pa.large_string()), pattern=pattern,
                                 ignore_case=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        reason = str(exc).removeprefix("Invalid regular expression: ")
        raise ValidationError(name, f"{pattern!r} is not a usable regular expression "
                                    f"({reason}); RE2 syntax, without backreferences or "
                                    "look-around") from None


def _decimal(value: object, name: str) -> Decimal:
    """A rule's amount, read by the one amount rule of every interface (``money``): ASCII
    digits and a '.' point, finite, below the amount bound; never a float."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(name, "is empty; give an amount such as -12.50")
    if not isinstance(value, Decimal | int | str) or isinstance(value, bool):
        raise ValidationError(name, "amounts must be decimals (text or Decimal), not "
                                    f"{type(value).__name__}")
    amount = amount_bound(value, name)
    assert amount is not None  # only None gives None, refused above
    return amount


def _date(value: object, name: str) -> dt.date:
    if _blank(value):
        raise ValidationError(name, "is empty; choose a date")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(name, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _account_ids(value: object, name: str) -> tuple[int, ...]:
    # Anything else is taken as a list; one that is not iterable raises TypeError below.
    items = [value] if isinstance(value, int | str) else cast(Iterable[object], value or ())
    try:
        ids = {int(str(v)) for v in items}
    except (TypeError, ValueError):
        raise ValidationError(name, f"{value!r} is not a list of account ids") from None
    if not ids:
        raise ValidationError(name, "choose at least one account")
    return tuple(sorted(ids))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass(frozen=True, slots=True)
class Condition:
    """One test on a row, e.g. ``Condition("payee", "contains", "rewe")``.

    Validated and normalised on construction, so a ``Condition`` that exists is a usable one:
    text is case-insensitive, amounts are signed decimals in the row's currency (negative =
    money out), ``between`` is inclusive at both ends, ``before``/``after``/``greater_than``/
    ``less_than`` are strict, ``account`` takes ids (``in``: is one of).
    """

    field: str
    op: str
    value: Value
    value2: Value | None = None

    def __post_init__(self) -> None:
        field = str(self.field or "").strip().lower()
        if field not in FIELD_OPS:
            raise ValidationError("field", f"{self.field!r} is not a rule field; choose one of "
                                           f"{', '.join(FIELD_OPS)}")
        op = str(self.op or "").strip().lower().replace(" ", "_")
        if op not in FIELD_OPS[field]:
            raise ValidationError("op", f"{self.op!r} does not apply to {field}; choose one of "
                                        f"{', '.join(FIELD_OPS[field])}")
        value2: Value | None = None
        if op != "between" and not _blank(self.value2):
            raise ValidationError("value2", f"only 'between' takes a second value, not {op!r}")
        value: Value
        if field in ("payee", "description"):
            value = _text_value(op, self.value, "value")
        elif field == "account":
            value = _account_ids(self.value, "value")
        elif field == "amount":
            value = _decimal(self.value, "value")
            if op == "between":
                value2 = _decimal(self.value2, "value2")
        else:
            value = _date(self.value, "value")
            if op == "between":
                value2 = _date(self.value2, "value2")
        if value2 is not None and value2 < value:  # type: ignore[operator]
            raise ValidationError("value2", f"{value2} is before {value}; give the range "
                                            "low to high")
        for name, norm in (("field", field), ("op", op), ("value", value), ("value2", value2)):
            object.__setattr__(self, name, norm)

    def to_json(self) -> dict[str, Any]:
        def plain(v: Value | None) -> Any:
            return list(v) if isinstance(v, tuple) else None if v is None else (
                v if isinstance(v, str) else str(v))
        out = {"field": self.field, "op": self.op, "value": plain(self.value)}
        if self.value2 is not None:
            out["value2"] = plain(self.value2)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Condition:
        # Values from JSON are unchecked here: __post_init__ validates and normalises them.
        return cls(data.get("field", ""), data.get("op", ""), cast(Value, data.get("value")),
                   data.get("value2"))


@dataclass(frozen=True, slots=True)
class Action:
    """What a matching rule does: ``set_category`` (id), ``rename_payee`` (text) or
    ``add_tags`` (tags; normalised like a transaction's)."""

    kind: str
    value: int | str | tuple[str, ...]

    def __post_init__(self) -> None:
        kind = str(self.kind or "").strip().lower()
        value: int | str | tuple[str, ...]
        if kind == "set_category":
            try:
                value = int(str(self.value))
            except (TypeError, ValueError):
                raise ValidationError("category", f"{self.value!r} is not a category id") from None
        elif kind == "rename_payee":
            value = clean_text(self.value, "payee", MAX_PAYEE)
            if not value:
                raise ValidationError("payee", "is empty; give the new payee name")
        elif kind == "add_tags":
            if not isinstance(self.value, str | list | tuple) and self.value is not None:
                raise ValidationError("tags", f"{self.value!r} is not a list of tags")
            raw = self.value if isinstance(self.value, str) else list(self.value or ())
            value = tuple(split_tags(normalise_tags(raw)))
            if not value:
                raise ValidationError("tags", "give at least one tag to add")
        else:
            raise ValidationError("action", f"{self.kind!r} is not an action; choose one of "
                                            f"{', '.join(ACTION_KINDS)}")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "value", value)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind,
                "value": list(self.value) if isinstance(self.value, tuple) else self.value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Action:
        # __post_init__ validates the value (a missing one included).
        return cls(data.get("kind", ""), cast("int | str | tuple[str, ...]", data.get("value")))


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A rule as a person writes it (no id, no priority). May be an incomplete draft, e.g. a
    suggestion without a category yet; ``check()`` is what saving and previewing require."""

    name: str
    conditions: tuple[Condition, ...] = ()
    actions: tuple[Action, ...] = ()
    match: str = "all"
    enabled: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", str(self.name or "").strip())
        object.__setattr__(self, "conditions", tuple(self.conditions))
        object.__setattr__(self, "actions", tuple(self.actions))
        match = str(self.match or "").strip().lower()
        if match not in MATCHES:
            raise ValidationError("match", f"{self.match!r}: choose 'all' (every condition) "
                                           "or 'any' (at least one)")
        object.__setattr__(self, "match", match)

    def check(self) -> RuleSpec:
        if not self.name:
            raise ValidationError("name", "a rule needs a name")
        clean_text(self.name, "name", MAX_NAME, strip=False)
        if not self.conditions:
            raise ValidationError("conditions", "a rule needs at least one condition")
        if len(self.conditions) > MAX_CONDITIONS:
            raise ValidationError("conditions", f"at most {MAX_CONDITIONS} conditions")
        if not self.actions:
            raise ValidationError("actions", "a rule needs at least one action")
        kinds = [a.kind for a in self.actions]
        if len(set(kinds)) != len(kinds):
            raise ValidationError("actions", "each kind of action may appear only once")
        return self


@dataclass(frozen=True, slots=True)
class RuleView:
    """A stored rule. ``category_kind`` is the kind of the ``set_category`` target, resolved on
    load: ``"income"`` is never put on money-out rows (see ``apply_rules_frame``)."""

    id: int
    name: str
    priority: int
    match: str
    conditions: tuple[Condition, ...]
    actions: tuple[Action, ...]
    enabled: bool = True
    category_kind: str | None = None
    problems: tuple[str, ...] = ()  # e.g. its category was deleted since

    @property
    def spec(self) -> RuleSpec:
        return RuleSpec(self.name, self.conditions, self.actions, self.match, self.enabled)


def suggest_payee_condition(payee: str) -> Condition:
    """``payee contains <stem>`` when the payee ends in reference-like tokens (digits, as in
    "REWE SAGT DANKE 1234" or "AMZN Mktp DE*2K4"), else ``payee equals <payee>``."""
    tokens = payee.split()
    while len(tokens) > 1 and any(ch.isdigit() for ch in tokens[-1]):
        tokens.pop()
    stem = " ".join(tokens)
    if stem and stem != " ".join(payee.split()):
        return Condition("payee", "contains", stem)
    return Condition("payee", "equals", payee)


def describe_condition(cond: Condition, account_names: dict[int, str] | None = None) -> str:
    names = account_names or {}
    if cond.field == "account":
        ids = cast(tuple[int, ...], cond.value)  # an account condition holds ids
        value = ", ".join(names.get(i, f"#{i}") for i in ids)
    elif isinstance(cond.value, str):
        value = f"“{cond.value}”"
    else:
        value = str(cond.value)
    text = f"{cond.field} {OP_LABELS[cond.op]} {value}"
    return f"{text} and {cond.value2}" if cond.value2 is not None else text


def describe_action(action: Action, category_paths: dict[int, str] | None = None) -> str:
    if action.kind == "set_category":
        path = (category_paths or {}).get(int(action.value), f"#{action.value}")  # type: ignore[arg-type]
        return f"category → {path}"
    if action.kind == "rename_payee":
        return f"payee → “{action.value}”"
    return "add tags " + ", ".join(action.value)  # type: ignore[arg-type]


def describe_rule(rule: RuleView | RuleSpec, account_names: dict[int, str] | None = None,
                  category_paths: dict[int, str] | None = None) -> tuple[str, str]:
    """(conditions, actions) as short text for tables."""
    joiner = " and " if rule.match == "all" else " or "
    return (joiner.join(describe_condition(c, account_names) for c in rule.conditions),
            "; ".join(describe_action(a, category_paths) for a in rule.actions))
