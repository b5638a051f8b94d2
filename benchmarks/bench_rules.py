"""How fast ``apply_rules_frame`` applies 20 rules to 1,000,000 imported rows.

Two data shapes: realistic (payees repeat, as on real statements: 5,000 distinct payees with
reference suffixes) and worst case (every payee and description distinct), each in "first"
and "all" mode. Prints seconds and rows/s; the import budget is well under ~2 s per 1M rows.

    python benchmarks/bench_rules.py [rows]
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from fintrack_core.rules.service import Action, Condition, RuleView, apply_rules_frame

MERCHANTS = ["REWE SAGT DANKE", "AMZN Mktp DE*", "Netflix.com", "Shell", "Lidl Dienstl.",
             "DB Vertrieb GmbH", "PayPal *Spotify", "Edeka Center", "Aral Station", "dm-drogerie",
             "Rossmann", "IKEA Berlin", "Apotheke am Markt", "Stadtwerke", "Vodafone GmbH",
             "Allianz Versicherung", "BVG Ticket", "Uber BV", "Lieferando", "Zalando SE"]


def rules() -> list[RuleView]:
    """20 rules of the kinds people write: most on the payee, some on amount/description."""
    out = []
    for i, merchant in enumerate(MERCHANTS):
        word = merchant.split()[0].rstrip("*")
        conds: tuple[Condition, ...]
        if i % 5 == 0:
            conds = (Condition("payee", "regex", rf"^{word}\b.*\d"),)
        elif i % 5 == 1:
            conds = (Condition("payee", "starts_with", word),
                     Condition("amount", "between", "-500", "-0.01"))
        elif i % 5 == 2:
            conds = (Condition("payee", "equals", merchant),)
        elif i % 5 == 3:
            conds = (Condition("description", "contains", word),
                     Condition("date", "after", "2023-12-31"))
        else:
            conds = (Condition("payee", "contains", word),)
        acts: tuple[Action, ...] = (Action("set_category", 100 + i),)
        if i % 4 == 0:
            acts += (Action("add_tags", "auto"),)
        if i % 7 == 0:
            acts += (Action("rename_payee", merchant.title()),)
        out.append(RuleView(i + 1, f"rule {i}", i + 1, "all", conds, acts, True, "expense"))
    return out


def frame(rows: int, distinct: bool, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = np.array(MERCHANTS + [f"Shop {i}" for i in range(200)], dtype=object)
    pick = names[rng.integers(0, len(names), rows)]
    suffix = np.arange(rows) if distinct else rng.integers(0, 25, rows)
    payee = pd.Series(pick + " " + suffix.astype(str).astype(object))
    desc = "SEPA Lastschrift " + pd.Series(pick) + (
        " Ref " + pd.Series(np.arange(rows).astype(str)) if distinct else "")
    start = np.datetime64("2023-06-01")
    days = start + rng.integers(0, 365, rows).astype("timedelta64[D]")
    return pd.DataFrame({
        "payee": payee,
        "description": desc,
        "amount_minor": rng.integers(-50_000, 20_000, rows).astype(np.int64),
        "currency": np.where(rng.random(rows) < 0.9, "EUR", "USD"),
        "account_id": rng.integers(1, 4, rows).astype(np.int64),
        "date": pd.Series(days).dt.date,
        "category_id": pd.array([None] * rows, dtype="Int64"),
        "tags": "",
    })


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rs = rules()
    for distinct in (False, True):
        data = frame(rows, distinct)
        for mode in ("first", "all"):
            start = time.perf_counter()
            out = apply_rules_frame(rs, data, mode)
            took = time.perf_counter() - start
            matched = int(out["rule_id"].notna().sum())
            shape = "all distinct" if distinct else "realistic"
            print(f"{rows:,} rows x {len(rs)} rules, {shape:12}, mode {mode:5}: "
                  f"{took:.2f} s = {rows / took:,.0f} rows/s ({matched:,} rows changed)")


if __name__ == "__main__":
    main()
