"""Weighing what a parsed statement proves about itself, before anything is stored.

Design rule 9: no value without a reason. The readers stop at what the file says; this module
checks it against the account it goes into and against the file's own evidence (the running
balance, payment-like rows, how dates were decided) and returns

- ``notes``: what was confirmed or changed and why ("✓ agrees with the bank's running balance
  on all 33 rows", "signs flipped: ..."), shown in every preview;
- ``questions``: what the evidence cannot settle. An import with an open question writes
  nothing until the caller answers it (``signs="flip"`` or ``"keep"``).

It may change the parsed amounts (flip every sign, put back a fee the amount already holds);
it never drops or adds a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd

from fintrack_core.errors import ValidationError
from fintrack_core.imports.amounts import from_scaled
from fintrack_core.imports.balance_proof import (
    FEE_ADDED,
    FEE_INCLUDED,
    FEE_SHIFT,
    FEE_SUBTRACTED,
    BalanceProof,
    describe,
    prove,
)
from fintrack_core.imports.date_evidence import ORDER_NAMES
from fintrack_core.imports.sign_evidence import (
    LIABILITY_TYPES,
    card_signs,
    payment_like,
    row_labels,
)
from fintrack_core.imports.statement import ParsedStatement, canonical_amount

SIGN_ANSWERS = ("flip", "keep")
UNPROVEN_FEE = ("the fee column is subtracted from the amount as the mapping says; no running "
                "balance in the file confirms it (check one row against your account)")
_FEE_NOTES = {
    FEE_INCLUDED: "the amount already includes the fee: the running balance moves by the "
                  "amount alone, so the fee column is not subtracted again",
    FEE_ADDED: "the fee is added to the amount (the fee column is written negative): the "
               "running balance moves by amount plus fee",
}


@dataclass(frozen=True)
class Question:
    """Something only the user can settle; ``choices`` are (answer, label) pairs."""

    key: str
    text: str
    choices: tuple[tuple[str, str], ...]


@dataclass
class Evidence:
    notes: list[str] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    proof: BalanceProof | None = None
    flipped: bool = False


SIGN_QUESTION_CHOICES = (("flip", "Flip the signs (charges negative)"),
                         ("keep", "Keep the file's signs"))


def weigh(parsed: ParsedStatement, account_types: list[str], signs: str | None = None,
          negate_given: bool = False) -> Evidence:
    """Check ``parsed`` against its evidence and the account type; may flip its signs or put
    back an included fee in place. ``signs`` is the user's answer; ``negate_given`` says the
    user set the sign flip by hand (then the file's signs are theirs to decide)."""
    if signs is not None and signs not in SIGN_ANSWERS:
        raise ValidationError("signs", f"answer one of {', '.join(SIGN_ANSWERS)}")
    ev = Evidence()
    reason = parsed.detected.get("date_order_reason")
    if reason:
        order = str(parsed.detected.get("date_order"))
        ev.notes.append(f"dates read {ORDER_NAMES.get(order, order)} ({order}), decided by "
                        f"{reason}")
    liability = next((t for t in account_types if t in LIABILITY_TYPES), None)
    if liability is not None and len(set(account_types)) > 1:
        liability = None  # accounts of different kinds: no single convention applies
    flip_reason = _prove_balance(parsed, ev)
    if negate_given and flip_reason:  # the user flipped by hand: say it, do not undo it
        ev.notes.append(f"after your sign flip {flip_reason}: untick the flip if that is wrong")
        flip_reason = None
    verdict = None
    if flip_reason is None and liability is not None and not negate_given:
        labels = row_labels(parsed.rows["payee"], parsed.rows["description"])
        verdict = card_signs(_amounts(parsed), payment_like(labels), labels, liability)
        if verdict is not None and verdict.flip:
            flip_reason = verdict.reason
        elif verdict is not None and _owed_balance(parsed, ev.proof):
            flip_reason = (f"in a {LIABILITY_TYPES[liability]} account charges are money out, "
                           "but the file's running balance is positive and grows with the "
                           "positive rows: it is what is owed, and the positive rows are "
                           "charges")
    if signs == "keep":
        if flip_reason or verdict is not None:
            ev.notes.append("signs kept as written in the file, as you chose")
        return ev
    if signs == "flip":
        _flip(parsed)
        ev.flipped = True
        ev.notes.append("signs flipped, as you chose" + (f": {flip_reason}" if flip_reason
                                                          else ""))
        return ev
    if flip_reason and ev.proof is not None and ev.proof.inverted and not ev.proof.agrees:
        # most balance changes say "inverted", but not all: the file may be broken, not
        # inverted, so the user decides
        ev.questions.append(Question(
            "signs", f"{ev.proof.rows - ev.proof.mismatches:,} of {ev.proof.rows:,} rows move "
                     "the bank's running balance the opposite way to their amount, the others "
                     "do not fit either way: flip the signs, or keep the file's signs?",
            SIGN_QUESTION_CHOICES))
    elif flip_reason:
        _flip(parsed)
        ev.flipped = True
        ev.notes.append(f"signs flipped: {flip_reason}")
    elif verdict is not None:
        ev.questions.append(Question("signs", verdict.reason, SIGN_QUESTION_CHOICES))
    return ev


def _prove_balance(parsed: ParsedStatement, ev: Evidence) -> str | None:
    """Run the balance proof; put back an included fee; return why the signs should flip
    (every amount is the opposite of its balance change), or None."""
    if not isinstance(parsed.balances, np.ndarray) or not isinstance(parsed.scaled, np.ndarray):
        if isinstance(parsed.fees, np.ndarray) and parsed.fees.any():
            ev.notes.append(UNPROVEN_FEE)
        return None
    balances, known = parsed.balances, np.asarray(parsed.balance_known, dtype=bool)
    fees = parsed.fees if isinstance(parsed.fees, np.ndarray) else None
    mapping = parsed.detected.get("mapping")
    # One balance per currency only when a column gives each row's currency.
    currency = (parsed.rows["currency"].to_numpy(dtype=object)
                if getattr(mapping, "currency", None) else None)
    proof = prove(parsed.scaled, balances, known, parsed.rows["line"].to_numpy(), currency,
                  fees)
    if proof is None:
        return None
    ev.proof = proof
    parsed.detected["row_order"] = "newest first" if proof.newest_first else "oldest first"
    if proof.fee is not None and proof.fee != FEE_SUBTRACTED and fees is not None:
        fixed = parsed.scaled + FEE_SHIFT[proof.fee] * fees
        parsed.scaled = fixed
        parsed.rows["amount"] = from_scaled(fixed).array
        ev.notes.append(_FEE_NOTES[proof.fee])
    parsed.detected["fee"] = proof.fee
    if fees is not None and not proof.fee_proven:
        ev.notes.append(UNPROVEN_FEE)
    ev.notes.append(describe(proof) + (f" (rows {parsed.detected['row_order']})"))
    if proof.newest_first:
        _oldest_first(parsed)
    if proof.inverted and proof.mismatches * 2 < proof.rows:
        return "every amount is the opposite of the bank's running balance change"
    return None


def _oldest_first(parsed: ParsedStatement) -> None:
    """Put a newest-first file's rows in time order, so rows of the same day are stored (and
    listed) in the order they happened, as the balance showed."""
    parsed.rows = parsed.rows.iloc[::-1].reset_index(drop=True)
    for name in ("scaled", "balances", "balance_known", "fees"):
        values = getattr(parsed, name)
        if isinstance(values, np.ndarray):
            setattr(parsed, name, values[::-1].copy())


def _owed_balance(parsed: ParsedStatement, proof: BalanceProof | None) -> bool:
    """Whether a liability file's balance column is what is owed: the proof holds with the
    signs as written, and the balance is mostly positive."""
    if proof is None or proof.inverted or proof.mismatches * 2 >= proof.rows:
        return False
    balances = np.asarray(parsed.balances)[np.asarray(parsed.balance_known, dtype=bool)]
    return bool(np.count_nonzero(balances > 0) * 2 > len(balances))


def _amounts(parsed: ParsedStatement) -> np.ndarray:
    if isinstance(parsed.scaled, np.ndarray):
        return parsed.scaled
    return np.array([Decimal(str(a)).compare(Decimal(0)) for a in parsed.rows["amount"]],
                    dtype=np.int64)


def _flip(parsed: ParsedStatement) -> None:
    if isinstance(parsed.scaled, np.ndarray):
        parsed.scaled = -parsed.scaled
        parsed.rows["amount"] = from_scaled(parsed.scaled).array
    else:  # OFX/QIF: canonical strings
        parsed.rows["amount"] = pd.Series([canonical_amount(-Decimal(str(a)))
                                           for a in parsed.rows["amount"]],
                                          index=parsed.rows.index, dtype=object)
    parsed.detected["signs_flipped"] = True


__all__ = ["SIGN_ANSWERS", "SIGN_QUESTION_CHOICES", "Evidence", "Question", "weigh"]
