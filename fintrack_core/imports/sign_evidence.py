"""Signs that fit the account type: in a credit card or loan account, charges are money out.

Card exports disagree on signs: some write charges negative (the holder's view, what FinTrack
stores), others positive (the bank's view: what you owe grows). The file alone rarely says
which; the rows that are payments to the card do. A payment ("Payment - Thank You", "Zahlung
erhalten", "Paiement reçu", "Pago") is money in for the holder, so when most charges are
positive and the payment-like rows negative, every sign is inverted and we flip them, saying
why. When most rows are positive and no payment-like row confirms it, the signs could be
either (a month of refunds, or an export without payments), so the user is asked instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

LIABILITY_TYPES = {"credit_card": "credit card", "loan": "loan"}
PAYMENT_WORDS = (r"(?i)\b(payment|thank you|autopay|repayment|zahlung|paiement|pago"
                 r"|remboursement|tilgung)\b")
FLIP_SHARE = 0.8  # at least this share of payment-like rows must be negative to flip


@dataclass(frozen=True)
class SignVerdict:
    """``flip``: True flip every sign, None ask the user; ``reason`` says what was seen."""

    flip: bool | None
    reason: str


def row_labels(payee: pd.Series, description: pd.Series) -> list[str]:
    """Payee and description of each row, as a person would name the row."""
    return [" · ".join(t for t in (str(p).strip(), str(d).strip()) if t and t != "nan")
            for p, d in zip(payee.fillna(""), description.fillna(""), strict=True)]


def payment_like(labels: list[str]) -> np.ndarray:
    text = pa.array(labels, type=pa.string())
    return np.asarray(pc.match_substring_regex(text, PAYMENT_WORDS).to_numpy(
        zero_copy_only=False), dtype=bool)


def card_signs(amounts: np.ndarray, payment: np.ndarray, labels: list[str],
               account_type: str) -> SignVerdict | None:
    """What the rows say about the signs of a liability account's file; None when the file
    already writes charges as money out (most non-payment rows negative)."""
    label = LIABILITY_TYPES[account_type]
    others = ~payment & (amounts != 0)
    n_other = int(others.sum())
    positive = int((others & (amounts > 0)).sum())
    if n_other == 0 or positive * 2 <= n_other:
        return None
    pay_negative = payment & (amounts < 0)
    n_pay = int((payment & (amounts != 0)).sum())
    if n_pay and int(pay_negative.sum()) >= FLIP_SHARE * n_pay:
        example = labels[int(np.flatnonzero(pay_negative)[0])]
        return SignVerdict(True, f"in a {label} account charges are money out, but "
                                 f"{positive} of {n_other} charges in the file are positive "
                                 f"and {int(pay_negative.sum())} of {n_pay} payment-like "
                                 f"row(s) (e.g. {example!r}) negative")
    seen = (f"{n_pay} payment-like row(s) do not agree on a sign" if n_pay
            else "no payment-like row (payment, thank you, Zahlung, paiement, pago) says "
                 "which way they go")
    return SignVerdict(None, f"{positive} of {n_other} rows are positive and {seen}. In a "
                             f"{label} account charges are money out: flip the signs so "
                             "charges are negative, or keep the file's signs?")


__all__ = ["LIABILITY_TYPES", "PAYMENT_WORDS", "SignVerdict", "card_signs", "payment_like",
           "row_labels"]
