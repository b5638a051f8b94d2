"""A book's own bank profiles: saved from an import, exported as TOML, loaded from a file.

They are stored in ``import_profiles`` beside the mappings remembered per account: a row with
no account is a profile, its ``mapping`` column holds the profile's document as JSON (the
header signature and the mapping, exactly what the TOML file holds). Detection tries them
before the built-in ones, so a user's correction of a bank's format wins.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from fintrack_core.access import READ, WRITE, Scope, require
from fintrack_core.audit import record_for
from fintrack_core.db.models import ImportProfile
from fintrack_core.errors import Conflict, NotFound, ValidationError
from fintrack_core.imports.dates import FORMATS, describe
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.profile_files import (
    Profile,
    check_name,
    parse_profile,
    profile_from_data,
    profile_to_data,
    profile_to_toml,
)
from fintrack_core.imports.profiles import builtin_profiles

BUILT_IN, BOOK = "built-in", "book"
# Formats a person may pick by hand (the import page, --map date_format=...), on top of those
# detection tries: all-digit dates are only read when someone says so, since detection would
# take account numbers for them.
HAND_FORMATS: tuple[tuple[str, str], ...] = (
    ("%d%m%Y", "dmy"), ("%m%d%Y", "mdy"), ("%d%m%y", "dmy"), ("%y%m%d", "ymd"))
_STRFTIME_OF = {describe(f): f for f, _ in (*FORMATS, *HAND_FORMATS)}


@dataclass(frozen=True)
class ProfileView:
    name: str
    label: str
    source: str          # built-in | book
    origin: str          # where it comes from, for people: a file in banks/, or this book
    columns: tuple[str, ...]  # the header it matches (empty for files without one)
    updated_at: dt.datetime | None = None

    @property
    def is_own(self) -> bool:
        return self.source == BOOK


def _view(p: Profile, updated_at: dt.datetime | None = None) -> ProfileView:
    origin = (f"built-in (fintrack_core/imports/banks/{p.name}.toml)" if p.source == BUILT_IN
              else "this book")
    return ProfileView(p.name, p.label, p.source, origin, p.header, updated_at)


def load_book_profiles(s: Session, book_id: int) -> tuple[Profile, ...]:
    """The book's profiles for detection (the caller has checked the role)."""
    rows = s.scalars(select(ImportProfile).where(ImportProfile.book_id == book_id,
                                                 ImportProfile.account_id.is_(None))
                     .order_by(ImportProfile.name)).all()
    return tuple(_from_row(r) for r in rows)


def _from_row(row: ImportProfile) -> Profile:
    return profile_from_data(dict(json.loads(row.mapping), name=row.name),
                             f"profile {row.name!r}", source=BOOK)


def _row(s: Session, book_id: int, name: str) -> ImportProfile | None:
    return s.scalar(select(ImportProfile).where(ImportProfile.book_id == book_id,
                                                ImportProfile.account_id.is_(None),
                                                ImportProfile.name == name))


def list_profiles(scope: Scope) -> list[ProfileView]:
    """The book's own profiles, then the built-in ones, each saying where it comes from."""
    with scope.db.read() as s:
        require(s, scope, READ)
        rows = s.scalars(select(ImportProfile).where(
            ImportProfile.book_id == scope.book_id, ImportProfile.account_id.is_(None))
            .order_by(ImportProfile.name)).all()
        own = [_view(_from_row(r), r.updated_at) for r in rows]
    return own + [_view(p) for p in builtin_profiles()]


def export_profile(scope: Scope, name: str) -> str:
    """One profile (the book's own or a built-in one) as a TOML file's text."""
    with scope.db.read() as s:
        require(s, scope, READ)
        row = _row(s, scope.book_id, name)
        if row is not None:
            return profile_to_toml(_from_row(row))
    builtin = next((p for p in builtin_profiles() if p.name == name), None)
    if builtin is None:
        raise NotFound("profile", name)
    return profile_to_toml(builtin)


def import_profile(scope: Scope, text: str, filename: str, *, replace: bool = False
                   ) -> ProfileView:
    """Load a profile file (from another installation, or edited by hand) into the book."""
    return _store(scope, parse_profile(text, filename), replace, "import.profile_loaded")


def save_profile(scope: Scope, name: str, detected: dict[str, object], *,
                 label: str | None = None, options: Mapping | None = None,
                 replace: bool = False) -> ProfileView:
    """Save the mapping a preview or an import used (``ImportResult.detected``) as a profile
    that recognises the same kind of file from its header."""
    profile = profile_from_detected(check_name(name), label, detected, options or Mapping())
    return _store(scope, profile, replace, "import.profile_saved")


def delete_profile(scope: Scope, name: str) -> None:
    with scope.db.write() as s:
        require(s, scope, WRITE, rewrites=False)  # no transaction changes
        row = _row(s, scope.book_id, name)
        if row is None:
            raise NotFound("profile", name)
        s.delete(row)
        record_for(s, scope, "import.profile_deleted", profile=name)


def _store(scope: Scope, profile: Profile, replace_existing: bool, action: str) -> ProfileView:
    if any(p.name == profile.name for p in builtin_profiles()):
        raise Conflict(f"{profile.name!r} is a built-in profile; give yours another name")
    document = profile_to_data(profile)
    del document["name"]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with scope.db.write() as s:
        require(s, scope, WRITE, rewrites=False)  # no transaction changes
        row = _row(s, scope.book_id, profile.name)
        if row is not None and not replace_existing:
            raise Conflict(f"this book already has a profile called {profile.name!r}; "
                           "replace it (--replace) or choose another name")
        if row is None:
            row = ImportProfile(book_id=scope.book_id, account_id=None, name=profile.name,
                                mapping="{}")
            s.add(row)
        row.mapping = json.dumps(document, ensure_ascii=False, sort_keys=True)
        row.updated_at = now
        record_for(s, scope, action, profile=profile.name)
    return _view(replace(profile, source=BOOK), now)


def profile_from_detected(name: str, label: str | None, detected: dict[str, object],
                          options: Mapping) -> Profile:
    """A profile from what reading a CSV found: its header (or width) and its mapping.

    The layout settings a person gave (lines before the header, no header, delimiter) are
    kept; detected ones are left to detection, so next month's file with a longer preamble
    still reads. The date format found is written out, as built-in profiles do."""
    mapping = detected.get("mapping")
    if detected.get("format", "csv") != "csv" or not isinstance(mapping, Mapping):
        raise ValidationError("profile", "only a CSV file's mapping can be saved as a profile")
    columns = [str(c) for c in detected.get("columns") or []]  # type: ignore[attr-defined]
    has_header = detected.get("header_line") is not None
    date_format = mapping.date_format or _STRFTIME_OF.get(str(detected.get("date_format")))
    mapping = replace(mapping, encoding=None, delimiter=options.delimiter,
                      skip_rows=options.skip_rows, has_header=None if has_header else False,
                      date_format=date_format,
                      date_order=None if date_format else mapping.date_order)
    header = tuple(c for c in columns if not c.startswith("_extra")) if has_header else ()
    width = None if has_header else len(columns)
    cells: tuple[tuple[int, str], ...] = ()
    if not has_header and mapping.date and mapping.date.isdigit() and date_format:
        cells = ((int(mapping.date), _date_regex(date_format)),)
    data = profile_to_data(Profile(name, label or name, mapping, header, width, cells, BOOK))
    return profile_from_data(data, f"profile {name!r}", BOOK)  # the checks a file gets


def _date_regex(fmt: str) -> str:
    """A regular expression for the cells a strftime format writes (files without a header
    are recognised by their date column)."""
    parts = {"%d": r"\d{1,2}", "%m": r"\d{1,2}", "%Y": r"\d{4}", "%y": r"\d{2}",
             "%b": r"[^\W\d_]{3,4}\.?", "%B": r"[^\W\d_]+"}
    if fmt in ("%d%m%Y", "%m%d%Y", "%Y%m%d"):
        return r"\d{8}"
    if fmt in ("%d%m%y", "%y%m%d"):
        return r"\d{6}"
    out, i = [], 0
    while i < len(fmt):
        token = fmt[i:i + 2]
        if token in parts:
            out.append(parts[token])
            i += 2
        else:
            out.append(re.escape(fmt[i]))
            i += 1
    return r"\s*" + "".join(out) + r"(?:[ T].*)?\s*"


__all__ = ["HAND_FORMATS", "ProfileView", "delete_profile", "export_profile",
           "import_profile", "list_profiles", "load_book_profiles", "profile_from_detected",
           "save_profile"]
