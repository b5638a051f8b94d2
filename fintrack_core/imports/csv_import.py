"""CSV statements: from bytes to a ``ParsedStatement`` using a mapping (profile, saved or guessed).

Everything after reading the records is column-wise (pandas/Arrow), so a million rows cost a
few seconds, not minutes. Rows that are not transactions (pending card holds, opening and
closing balance lines, blank lines, trailers under the data) are dropped, not reported as
errors; rows that should be transactions but cannot be read are reported with their line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fintrack_core.imports.amounts import (
    MAX_WHOLE_DIGITS,
    encode,
    from_scaled,
    parse_amounts,
    to_scaled,
)
from fintrack_core.imports.arrow_cols import text_array
from fintrack_core.imports.balance_proof import read_balances
from fintrack_core.imports.codepage import header_decides_codepage
from fintrack_core.imports.columns import Guess, MappingError, guess_columns
from fintrack_core.imports.date_evidence import DateHints, decide_order
from fintrack_core.imports.dates import (
    DateFormat,
    DateOrderNeeded,
    describe,
    detect_format,
    parse_dates,
)
from fintrack_core.imports.layout import Layout, Records, detect_layout, read_records
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.payment_exports import refine_guess, state_reason
from fintrack_core.imports.plausible import check_plausible
from fintrack_core.imports.profiles import Profile, match_profile
from fintrack_core.imports.skips import line_kinds, skipped_rows
from fintrack_core.imports.sniff import decode, detect_delimiter
from fintrack_core.imports.statement import (
    ParsedStatement,
    RowError,
    SkippedRow,
    StatementError,
)
from fintrack_core.imports.vocabulary import normalise

__all__ = ["MappingError", "apply_mapping", "read_csv_statement", "resolve"]


def resolve(columns: list[str], ref: str | None, role: str) -> str | None:
    """A column by header text (case-insensitive) or 1-based position."""
    if ref is None or ref == "":
        return None
    if ref in columns:
        return ref
    lower = {c.lower(): c for c in columns}
    if ref.lower() in lower:
        return lower[ref.lower()]
    if ref.isdigit() and 1 <= int(ref) <= len(columns):
        return columns[int(ref) - 1]
    raise MappingError(role, f"column {ref!r} is not in the file (columns: "
                             f"{', '.join(columns)})")


def prepare(data: bytes, options: Mapping, profiles: list[Profile]) -> tuple[
        str, str, str, Layout, Profile | None]:
    """Decode, find the delimiter and the table, and recognise a bank profile."""
    text, encoding = decode(data, options.encoding)
    if options.encoding is None:
        text, encoding = header_decides_codepage(data, text, encoding, options)
    delimiter = options.delimiter or detect_delimiter(text)
    layout = detect_layout(text, delimiter, options.skip_rows, options.has_header)
    profile = match_profile(profiles, layout, text, delimiter) if profiles else None
    if profile is not None and (profile.mapping.skip_rows is not None
                                or profile.mapping.has_header is not None):
        layout = detect_layout(text, delimiter,
                               options.skip_rows if options.skip_rows is not None
                               else profile.mapping.skip_rows,
                               options.has_header if options.has_header is not None
                               else profile.mapping.has_header)
    return text, encoding, delimiter, layout, profile


def read_csv_statement(data: bytes, options: Mapping | None = None,
                       profiles: list[Profile] | None = None,
                       saved: Mapping | None = None,
                       hints: DateHints | None = None,
                       account_currency: str | None = None) -> ParsedStatement:
    """Parse a CSV statement.

    Precedence: explicit ``options`` > ``saved`` mapping (from an earlier import into this
    account) > recognised bank profile > guessed from headers and content.
    """
    options = options or Mapping()
    currency_columns: dict[str, str] = {}
    guess: Guess | None = None
    text, encoding, delimiter, layout, profile = prepare(data, options, profiles or [])
    records = read_records(text, delimiter, layout)
    if records.frame.empty and not records.bad_width:
        raise StatementError("the file has a header but no transactions")
    # A saved mapping or a bank profile is complete on its own: guessed roles must not leak
    # into it (N26's "Original Currency" is not the account currency).
    if saved is not None and _fits(saved, layout.columns):
        mapping, source = saved, "saved"
    elif profile is not None:
        mapping, source = profile.mapping, "profile"
    else:
        guess = guess_columns(records.frame, layout.header_line is not None, account_currency)
        mapping, source = refine_guess(guess.mapping, layout.columns), "guessed"
        if guess.currency_columns:
            currency_columns = guess.currency_columns
    mapping = mapping.merged(options)
    mapping = replace(mapping, encoding=encoding, delimiter=delimiter,
                      skip_rows=layout.header_line if layout.header_line is not None
                      else layout.first_data_line,
                      has_header=layout.header_line is not None)
    parsed = apply_mapping(records, layout, mapping, hints, guessed=guess)
    if parsed.detected.get("date_order_reason"):  # remembered for the account's next file
        mapping = replace(mapping, date_order=str(parsed.detected["date_order"]))
    elif parsed.detected.get("date_order_ambiguous"):  # the order came with the mapping
        parsed.detected["date_order_reason"] = (
            "your choice" if options.date_order or options.date_format
            else "the account's earlier imports" if source == "saved"
            else f"the {profile.label} profile" if profile is not None and source == "profile"
            else "your choice")
    parsed.profile = profile.name if profile is not None and source != "guessed" else None
    parsed.detected.update({"encoding": encoding, "delimiter": delimiter,
                            "header_line": None if layout.header_line is None
                            else layout.header_line + 1,
                            "columns": layout.columns, "mapping": mapping,
                            "mapping_source": source})
    if currency_columns:
        parsed.detected["currency_columns"] = currency_columns
    return parsed


def _fits(mapping: Mapping, columns: list[str]) -> bool:
    """Whether every column a saved mapping names is in this file. One that does not fit
    (the account's next file comes from another bank, or as another export) is not used, so
    it cannot stop the file's own bank profile or the guess from reading it."""
    refs = [mapping.date, mapping.amount, mapping.debit, mapping.credit, mapping.direction,
            mapping.payee, mapping.currency, mapping.fee, mapping.state, mapping.balance,
            *mapping.description]
    try:
        for ref in refs:
            resolve(columns, ref, "column")
    except MappingError:
        return False
    return True


def _col(frame: pd.DataFrame, name: str | None) -> pa.Array:
    """A column as an Arrow string array (empty strings when the column is not mapped)."""
    if name is None:
        return pa.array([""] * len(frame), type=pa.string())
    return text_array(frame[name])


def _mask(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def apply_mapping(records: Records, layout: Layout, m: Mapping,
                  hints: DateHints | None = None, *,
                  guessed: Guess | None = None) -> ParsedStatement:
    """Rows as transactions; every non-blank record ends up kept, skipped (with a reason) or
    invalid (with its line)."""
    frame, cols = records.frame, layout.columns
    date_col = resolve(cols, m.date, "date")
    if date_col is None:
        raise MappingError("date", "no date column found; choose which column holds the date")
    amount_col = resolve(cols, m.amount, "amount")
    debit_col, credit_col = resolve(cols, m.debit, "debit"), resolve(cols, m.credit, "credit")
    if amount_col is None and debit_col is None and credit_col is None:
        raise MappingError("amount", "no amount column found; choose the amount column, or "
                                     "the money-out and money-in columns")
    payee = pc.utf8_trim(_col(frame, resolve(cols, m.payee, "payee")), " ")
    desc_cols = [resolve(cols, d, "description") for d in m.description]
    description = _join([_col(frame, c) for c in desc_cols if c], len(frame))
    n = len(frame)
    blank = np.ones(n, dtype=bool)
    for c in cols[: layout.width]:
        blank &= _mask(pc.equal(pc.utf8_trim_whitespace(_col(frame, c)), ""))
    raw_date = pc.utf8_trim_whitespace(_col(frame, date_col))

    # Dates, decided from all rows.
    order_reason: str | None = None
    try:
        fmt = (DateFormat(m.date_format, m.date_order or "", ambiguous=False) if m.date_format
               else detect_format(pd.Series(pc.unique(raw_date.filter(pa.array(~blank)))),
                                  m.date_order))  # it looks at the distinct texts only
    except DateOrderNeeded:
        try:  # every date fits both orders: other evidence may decide (date_evidence)
            fmt, order_reason = decide_order(
                frame, cols, date_col, [c for c in (amount_col, debit_col, credit_col) if c],
                pd.Series(raw_date.filter(pa.array(~blank))), hints)
        except DateOrderNeeded as exc:
            raise MappingError("date_order", str(exc)) from None
    if fmt is None:
        raise MappingError("date", f"column {date_col!r} does not hold dates")
    dates = parse_dates_arrow(raw_date, fmt.fmt)

    # Amounts: signed, debit/credit, or amount + direction; then fee and sign flip.
    amounts = _amounts(frame, cols, m, amount_col, debit_col, credit_col)

    # Why each row that is not a transaction is left out (None: it is a candidate).
    text_for_skip = pc.binary_join_element_wise(payee, description, raw_date, " ")
    reason = line_kinds(text_for_skip)
    for pattern in m.skip_patterns:
        hit = _mask(pc.match_substring_regex(text_for_skip, pattern, ignore_case=True))
        reason[hit & (reason == None)] = f"matches skip pattern {pattern!r}"  # noqa: E711
    if m.state:
        state = pc.utf8_trim_whitespace(_col(frame, resolve(cols, m.state, "state")))
        state_ok = _mask(pc.is_in(pc.utf8_lower(state),
                                  value_set=pa.array([s.lower() for s in m.states_ok])))
        states = np.asarray(state.to_numpy(zero_copy_only=False), dtype=object)
        open_rows = ~state_ok & (reason == None) & ~blank  # noqa: E711
        said = {text: state_reason(str(text)) for text in set(states[open_rows])}
        reason[open_rows] = [said[text] for text in states[open_rows]]
    reason[blank] = None
    skip = blank | (reason != None)  # noqa: E711
    bad_date = np.isnat(dates) & ~skip
    # Trailer: unreadable rows after the last row with a good date are not data.
    good_positions = np.flatnonzero(~bad_date & ~skip)
    last_good = good_positions[-1] if len(good_positions) else -1
    trailer = (np.arange(n) > last_good) & (bad_date | amounts.empty) & ~skip & ~blank
    reason[trailer] = "after the last transaction (trailer)"
    skip |= trailer
    bad_date &= ~skip

    lines = records.lines
    invalid: list[RowError] = []
    skipped = skipped_rows(reason, lines)
    last_data_line = int(lines[last_good]) if last_good >= 0 else 0
    for line, width in records.bad_width:
        if line < last_data_line:
            invalid.append(RowError(line, f"expected {layout.width} fields, found {width}"))
        else:
            skipped.append(SkippedRow(line, "after the last transaction (trailer)"))
    for pos in np.flatnonzero(bad_date):
        invalid.append(RowError(int(lines[pos]), f"date {raw_date[pos].as_py()!r} is not a date "
                                                 f"in the format {describe(fmt.fmt)}"))
    bad_amount = ~amounts.ok & ~skip & ~bad_date
    for pos in np.flatnonzero(bad_amount):
        invalid.append(RowError(int(lines[pos]), _amount_error(frame, int(pos), amounts, m,
                                                               amount_col, debit_col,
                                                               credit_col)))
    keep = ~skip & ~bad_date & ~bad_amount
    if guessed is not None:
        check_plausible(amounts.scaled[keep], amount_col or " / ".join(
            c for c in (debit_col, credit_col) if c), by_content=guessed.amount_by_content)
    keep_arr = pa.array(keep)
    currency = _currencies(frame, cols, m, keep)
    rows = pd.DataFrame({
        "line": lines[keep],
        "date": dates[keep],
        "amount": from_scaled(amounts.scaled[keep]).array,
        "payee": pd.arrays.ArrowExtensionArray(payee.filter(keep_arr)),
        "description": pd.arrays.ArrowExtensionArray(description.filter(keep_arr)),
        "currency": currency,
    })
    invalid.sort(key=lambda e: e.line)
    skipped.sort(key=lambda e: e.line)
    data_rows = int(keep.sum()) + len(invalid) + len(skipped)
    parsed = ParsedStatement(rows, invalid, "csv", None,
                             {"date_format": describe(fmt.fmt), "date_order": fmt.order,
                              "date_order_reason": order_reason,
                              "date_order_ambiguous": fmt.ambiguous},
                             data_rows, skipped=skipped)
    parsed.scaled = amounts.scaled[keep]
    # Evidence for balance_proof / payment_exports: the running balance and the fee as read.
    if m.balance:
        parsed.balances, parsed.balance_known = read_balances(
            _col(frame, resolve(cols, m.balance, "balance")).filter(keep_arr), m.decimal)
    if m.fee:
        parsed.fees = read_balances(_col(frame, resolve(cols, m.fee, "fee")).filter(keep_arr),
                                    m.decimal)[0]
    return parsed


def parse_dates_arrow(values: pa.Array, fmt: str) -> np.ndarray:
    """datetime64[D] per row (NaT where unreadable); each distinct text parsed once."""
    codes, uniques = encode(values)
    parsed = parse_dates(pd.Series(uniques.to_pylist(), dtype="object"), fmt)
    days = parsed.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    return days[codes] if len(codes) else np.array([], dtype="datetime64[D]")


def _join(parts: list[pa.Array], n: int) -> pa.Array:
    if not parts:
        return pa.array([""] * n, type=pa.string())
    # Only spaces are trimmed: a leading tab, '=', '+', '-' or '@' is part of the text.
    out = pc.utf8_trim(parts[0], " ")
    for p in parts[1:]:
        p = pc.utf8_trim(p, " ")
        both = pc.and_(pc.not_equal(out, ""), pc.not_equal(p, ""))
        out = pc.if_else(both, pc.binary_join_element_wise(out, p, " · "),
                         pc.binary_join_element_wise(out, p, ""))
    if not pc.any(pc.match_substring(out, "  ")).as_py():  # the usual case: no regex pass
        return out
    return pc.replace_substring_regex(out, r" {2,}", " ")


@dataclass
class Amounts:
    """Per row: the signed amount (int64 at ``SCALE``) and what is wrong when it is not."""

    scaled: np.ndarray
    ok: np.ndarray          # readable
    empty: np.ndarray       # no amount cell filled at all
    too_large: np.ndarray   # a number, too large to hold
    bad_direction: np.ndarray  # the direction cell says neither money in nor out


def _amounts(frame: pd.DataFrame, cols: list[str], m: Mapping, amount_col: str | None,
             debit_col: str | None, credit_col: str | None) -> Amounts:
    n = len(frame)
    too_large = np.zeros(n, dtype=bool)
    bad_direction = np.zeros(n, dtype=bool)
    if amount_col is not None:
        canonical, status = parse_amounts(_col(frame, amount_col), m.decimal)
        scaled, too_precise = to_scaled(canonical)
        ok = (status == "ok").to_numpy() & ~too_precise
        empty = (status == "empty").to_numpy()
        if not (ok | empty).all():  # only then can a value be too large
            too_large = (status == "too_large").to_numpy().copy()
        if m.direction:
            direction = _normalised(_col(frame, resolve(cols, m.direction, "direction")))
            debit = _mask(pc.is_in(direction, value_set=pa.array(
                [normalise(v) or v for v in m.debit_values])))
            credit = _mask(pc.is_in(direction, value_set=pa.array(
                [normalise(v) or v for v in m.credit_values])))
            bad_direction = ~debit & ~credit & ~empty
            ok &= ~bad_direction
            scaled = np.where(debit, -np.abs(scaled), np.abs(scaled))
    else:
        scaled = np.zeros(n, dtype=np.int64)
        ok = np.ones(n, dtype=bool)
        empty = np.ones(n, dtype=bool)
        for col, sign in ((debit_col, -1), (credit_col, 1)):
            if col is None:
                continue
            canonical, status = parse_amounts(_col(frame, col), m.decimal)
            value, too_precise = to_scaled(canonical)
            scaled = scaled + sign * np.abs(value)
            ok &= (status.isin(["ok", "empty"])).to_numpy() & ~too_precise
            empty &= (status == "empty").to_numpy()
            too_large |= (status == "too_large").to_numpy()
        ok &= ~empty
    if m.fee:
        canonical, status = parse_amounts(_col(frame, resolve(cols, m.fee, "fee")), m.decimal)
        fee, fee_unusable = to_scaled(canonical)
        ok &= (status.isin(["ok", "empty"])).to_numpy() & ~fee_unusable
        too_large |= (status == "too_large").to_numpy()
        scaled = scaled - fee
    if m.negate:
        scaled = -scaled
    return Amounts(scaled, ok, empty, too_large, bad_direction)


def _normalised(values: pa.Array) -> pa.Array:
    """Cells as ``vocabulary.normalise`` writes them ("Débit" -> "debit"; "-" stays): a
    direction column has a handful of distinct values, each normalised once."""
    codes, uniques = encode(values)
    texts = [normalise(u) or u.strip() for u in uniques.to_pylist()]
    return pa.array(np.asarray(texts, dtype=object)[codes] if len(codes) else [],
                    type=pa.string())


def _amount_error(frame: pd.DataFrame, pos: int, amounts: Amounts, m: Mapping,
                  *columns: str | None) -> str:
    shown = ", ".join(f"{c}={frame[c].iloc[pos]!r}" for c in columns if c is not None)
    if amounts.too_large[pos]:
        return (f"amount is too large: {shown} (the limit is {MAX_WHOLE_DIGITS} digits before "
                f"the decimal point, {10 ** MAX_WHOLE_DIGITS - 1:,})")
    if amounts.bad_direction[pos] and m.direction:
        column = resolve([str(c) for c in frame.columns], m.direction, "direction")
        return (f"direction {frame[column].iloc[pos]!r} says neither money in nor money "
                f"out (money out: {', '.join(m.debit_values[:6])}...)")
    if amounts.empty[pos]:
        return f"no amount: {shown} (every amount cell is empty)"
    return "amount is not a number: " + shown


def _currencies(frame: pd.DataFrame, cols: list[str], m: Mapping, keep: np.ndarray) -> np.ndarray:
    if m.currency:
        values = pc.utf8_upper(pc.utf8_trim_whitespace(
            _col(frame, resolve(cols, m.currency, "currency"))))
        values = pc.if_else(pc.equal(values, ""), pa.scalar(m.currency_code, pa.string()),
                            values)
        return np.asarray(values.filter(pa.array(keep)).to_numpy(zero_copy_only=False),
                          dtype=object)
    return np.full(int(keep.sum()), m.currency_code, dtype=object)
