"""Activity exports of payment services (PayPal-, Wise-, Revolut-like files).

They differ from a bank statement in three ways, each handled here:

- a status column: pending, denied/declined and reversed rows moved no money (yet); they are
  left out, each with its reason, so every row of the file is accounted for;
- gross, fee and net columns: which of them the balance moved by is not assumed. The gross
  column is read as the amount and the fee column as the fee; ``balance_proof`` then decides
  from the running balance whether the fee is inside the amount, to be subtracted or added;
- a currency conversion is two rows (-100.00 EUR, +108.50 USD "General Currency Conversion").
  Routed to the account of each currency they are one movement between the account's
  currency balances, so the pair is stored as a transfer (both legs share a ``transfer_id``,
  as ``ledger.transactions.transfer`` writes them).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fintrack_core.imports.mapping import Mapping, norm
from fintrack_core.imports.statement import SkippedRow

_STATE_REASONS = (
    (re.compile(r"pending|in progress|processing|authori[sz]ed|hold|vorgemerkt|ausstehend"),
     "pending: not completed yet (it comes with a later export once it is)"),
    (re.compile(r"denied|declined|failed|rejected|cancell?ed|abgelehnt|storniert"),
     "declined: no money moved"),
    (re.compile(r"revers|reverted|refunded|returned|rückbuchung"),
     "reversed: the money went back"),
)
CONVERSION_WORDS = (r"(?i)currency conversion|\bconver(ted|sion)\b|\bexchange(d)?\b"
                    r"|währungs(umrechnung|wechsel)|change de devises?|cambio de divisa")


def state_reason(state: str) -> str:
    """Why a row with this status is not a transaction."""
    lowered = state.strip().lower()
    for pattern, reason in _STATE_REASONS:
        if pattern.search(lowered):
            return f"status {state.strip()!r} — {reason}"
    return f"status {state.strip()!r} is not a completed transaction"


def skipped_by_state(states: pa.Array, mask: np.ndarray, lines: np.ndarray) -> list[SkippedRow]:
    """One ``SkippedRow`` per masked row; each distinct status is described once."""
    positions = np.flatnonzero(mask)
    if not len(positions):
        return []
    texts = states.take(pa.array(positions)).to_pylist()
    reasons = {t: state_reason(str(t or "")) for t in set(texts)}
    return [SkippedRow(int(lines[p]), reasons[t]) for p, t in zip(positions, texts,
                                                                   strict=True)]


def refine_guess(mapping: Mapping, columns: list[str]) -> Mapping:
    """A guessed mapping of a gross/fee/net export: the gross column is the amount and the fee
    the fee (the running balance later says how they combine); the transaction type joins
    the description, so a conversion row says it is one."""
    named = {norm(c): c for c in columns}
    gross, fee, net = (named.get(k) for k in ("gross", "fee", "net"))
    if not (gross and fee and net):
        return mapping
    description = tuple(mapping.description)
    for extra in ("type", "item title", "subject", "note"):
        col = named.get(extra)
        if col and col not in description and col != mapping.payee:
            description += (col,)
    return replace(mapping, amount=gross, debit=None, credit=None, fee=fee,
                   description=description)


def link_conversions(frame: pd.DataFrame) -> np.ndarray:
    """``transfer_id`` per row (None outside a conversion pair).

    A pair is two neighbouring rows of the file with the same date, opposite signs, different
    accounts (one per currency) and conversion words in the payee or description."""
    n = len(frame)
    ids = np.full(n, None, dtype=object)
    if n < 2 or frame["account_id"].nunique() < 2:
        return ids
    order = np.argsort(frame["line"].to_numpy(), kind="stable")
    text = (frame["payee"].astype(str) + " " + frame["description"].astype(str)).to_numpy()[order]
    words = np.asarray(pc.match_substring_regex(pa.array(text, type=pa.string()),
                                                CONVERSION_WORDS).to_numpy(
        zero_copy_only=False), dtype=bool)
    account = frame["account_id"].to_numpy()[order]
    amount = frame["amount_minor"].to_numpy()[order]
    date = frame["date"].to_numpy()[order]
    pair = (words[:-1] & words[1:] & (account[:-1] != account[1:])
            & (np.sign(amount[:-1]) == -np.sign(amount[1:])) & (amount[:-1] != 0)
            & (date[:-1] == date[1:]))
    taken = np.zeros(n, dtype=bool)
    for k in np.flatnonzero(pair):
        if taken[k] or taken[k + 1]:
            continue
        taken[k] = taken[k + 1] = True
        ids[order[k]] = ids[order[k + 1]] = uuid.uuid4().hex
    return ids


__all__ = ["CONVERSION_WORDS", "link_conversions", "refine_guess", "skipped_by_state",
           "state_reason"]
