"""Which of the chosen accounts each statement row goes to.

A file that names its accounts (OFX ``ACCTID``, CAMT ``IBAN``, MT940 ``:25:``) is routed by
those names, matched against the accounts' ``number``; within the matching accounts, and in
files that name no account (CSV, QIF), by the row's currency. Nothing is guessed: an account
of the file that matches no chosen account, or several of them in one currency, is reported
(``unmatched``) and its rows get no account, with the reason. The only case where an
account without a number takes rows is a file of a single account: the user chose the
account for that file, which is the answer to the question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from fintrack_core.db.models import Account
from fintrack_core.ledger.accounts import number_key

_GERMAN_ACCOUNT = re.compile(r"(\d{8})/(\d{1,10})")  # MT940 :25: "BLZ/Kontonummer"
# MT940 :25: "NL91RABO0123456789 EUR": an IBAN (ending in a digit) and the currency after it.
_IBAN_AND_CURRENCY = re.compile(r"([A-Z]{2}\d{2}[A-Z0-9]*\d)([A-Z]{3})")


@dataclass
class Routing:
    target: np.ndarray                     # account id per row; -1: none
    reasons: dict[int, str] = field(default_factory=dict)  # row position -> why none
    missing_currencies: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)     # file accounts with no account


def ref_keys(ref: str) -> set[str]:
    """The forms an account named in a file can be matched in: its number as written; for a
    German ``BLZ/Kontonummer`` the IBAN's national part (BLZ + 10-digit number); for an IBAN
    followed by its currency (some banks' ``:25:``) the IBAN."""
    keys = {number_key(ref)}
    german = _GERMAN_ACCOUNT.fullmatch(ref.strip())
    if german:
        keys.add(german[1] + german[2].zfill(10))
    with_currency = _IBAN_AND_CURRENCY.fullmatch(number_key(ref))
    if with_currency:
        keys.add(with_currency[1])
    return keys


def account_keys(number: str) -> set[str]:
    key = number_key(number)
    if not key:
        return set()
    if key.startswith("DE") and len(key) == 22:  # a German IBAN: DEkk + BLZ + account
        return {key, key[4:]}
    return {key}


def route(rows: pd.DataFrame, accounts: Sequence[Account], refs: Sequence[str]) -> Routing:
    """Account id per row of ``rows`` (columns ``currency`` and, with refs,
    ``source_account``). ``refs`` lists the accounts the file names (empty: none)."""
    if not refs or "source_account" not in rows:
        return by_currency(rows, accounts)
    target = np.full(len(rows), -1, dtype=np.int64)
    routing = Routing(target)
    source = rows["source_account"].astype("object").to_numpy()
    for ref in refs:
        keys = ref_keys(ref)
        chosen = [a for a in accounts if account_keys(a.number) & keys]
        if not chosen and len(refs) == 1:
            chosen = [a for a in accounts if not a.number]
        mask = source == ref
        problem = _ambiguous(chosen)
        if not chosen or problem:
            routing.unmatched.append(ref)
            reason = f"account {ref} of the file: " + (
                problem or "no chosen account has this number (IBAN)")
            routing.reasons.update(dict.fromkeys(np.flatnonzero(mask).tolist(), reason))
            continue
        part = by_currency(rows[mask].reset_index(drop=True), chosen)
        positions = np.flatnonzero(mask)
        target[positions] = part.target
        routing.reasons.update({int(positions[p]): r for p, r in part.reasons.items()})
        routing.missing_currencies += part.missing_currencies
    routing.missing_currencies = sorted(set(routing.missing_currencies))
    return routing


def _ambiguous(chosen: Sequence[Account]) -> str | None:
    by_ccy: dict[str, list[str]] = {}
    for a in chosen:
        by_ccy.setdefault(a.currency, []).append(a.name)
    for ccy, names in by_ccy.items():
        if len(names) > 1:
            return (f"several chosen accounts in {ccy} could take its rows ("
                    + ", ".join(sorted(names)) + "): give each its number (IBAN)")
    return None


def by_currency(rows: pd.DataFrame, accounts: Sequence[Account]) -> Routing:
    """The chosen account in the row's currency (multi-currency files); rows without a
    currency go to the first chosen account."""
    by_ccy: dict[str, int] = {}
    for a in accounts:
        by_ccy.setdefault(a.currency, a.id)
    ccy = rows["currency"].astype("object").to_numpy()
    routing = Routing(np.full(len(rows), accounts[0].id, dtype=np.int64))
    if len(accounts) == 1 and not any(isinstance(c, str) and c and c != accounts[0].currency
                                      for c in pd.unique(ccy)):
        return routing
    missing: set[str] = set()
    for code in pd.unique(ccy):
        if not isinstance(code, str) or not code:
            continue
        mask = ccy == code
        if code in by_ccy:
            routing.target[mask] = by_ccy[code]
        else:
            routing.target[mask] = -1
            routing.reasons.update(dict.fromkeys(np.flatnonzero(mask).tolist(),
                                                 f"no chosen account in {code}"))
            missing.add(code)
    routing.missing_currencies = sorted(missing)
    return routing
