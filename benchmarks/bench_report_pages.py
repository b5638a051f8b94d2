"""Report page speed as a person feels it: first render (cold caches) and a filter change.

Runs the real app.py in Streamlit's AppTest against a demo database of N transactions
(reused from --cache-dir), logged in as the demo user. Prints the cold start (log in and the
Overview in a new process, which reads the report copy an earlier run saved, or builds it
with --no-saved-copy or on the first run), then milliseconds per report page
for its first render (empty st.cache_data) and for a filter change (text filter "rewe").
Run: python benchmarks/bench_report_pages.py [--transactions 1000000] [--cache-dir DIR]
     [--pages pages/budgets.py,pages/subscriptions.py,pages/forecast.py]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

PAGES = ["pages/report_monthly.py", "pages/report_trends.py", "pages/report_categories.py",
         "pages/report_cashflow.py", "pages/report_networth.py", "pages/report_explore.py"]
ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--cache-dir", default=tempfile.gettempdir())
    parser.add_argument("--pages", default=",".join(PAGES),
                        help="comma-separated page files (e.g. pages/budgets.py)")
    parser.add_argument("--no-saved-copy", action="store_true",
                        help="build the report copy as a first start does "
                             "(FINTRACK_COPY_DIR=off)")
    args = parser.parse_args()
    if args.no_saved_copy:
        os.environ["FINTRACK_COPY_DIR"] = "off"
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    db_path = Path(args.cache_dir) / f"pages_demo_{args.transactions}.db"
    os.environ["FINTRACK_DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("FINTRACK_COOKIE_KEY", "benchmark-cookie-key-0123456789abcdef")
    os.chdir(ROOT)
    from streamlit.runtime import pages_manager
    from streamlit.testing.v1 import AppTest

    from fintrack_core.db.engine import Database
    from fintrack_core.db.schema import upgrade
    from fintrack_core.demo import DEMO_PASSWORD, DEMO_USERNAME, create_demo

    if not db_path.exists():
        db = Database(os.environ["FINTRACK_DATABASE_URL"])
        upgrade(db)
        t0 = time.perf_counter()
        create_demo(db, transactions=args.transactions)
        print(f"generated {args.transactions:,} demo transactions in "
              f"{time.perf_counter() - t0:.0f} s")
        db.dispose()
    original = pages_manager.PagesManager.__init__

    def init(self, *a, **k):  # type: ignore[no-untyped-def]
        original(self, *a, **k)
        pages_manager.PagesManager.uses_pages_directory = False  # as a live server does

    pages_manager.PagesManager.__init__ = init  # type: ignore[method-assign]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    inputs = {t.label: t for t in at.text_input}
    inputs["Username"].input(DEMO_USERNAME)
    inputs["Password"].input(DEMO_PASSWORD)
    t0 = time.perf_counter()
    at.button[0].click().run()
    took = (time.perf_counter() - t0) * 1000
    from fintrack_core.reports.store import report_store
    store = report_store(Database(os.environ["FINTRACK_DATABASE_URL"]))
    how = ("read back the saved report copy" if store.restores else "built the report copy")
    print(f"log in + Overview, cold ({how}): {took:,.0f} ms")
    print(f"{'page':28} {'first render ms':>16} {'filter change ms':>17}")
    for page in pages:
        t0 = time.perf_counter()
        at.switch_page(page).run()
        first = (time.perf_counter() - t0) * 1000
        assert not at.exception, at.exception
        boxes = [t for t in at.sidebar.text_input if t.key == "rf_text"]
        if not boxes:  # a page without the shared filters (net worth)
            print(f"{page:28} {first:16.0f} {'—':>17}")
            continue
        t0 = time.perf_counter()
        boxes[0].input("rewe").run()
        change = (time.perf_counter() - t0) * 1000
        at.sidebar.text_input(key="rf_text").input("").run()
        print(f"{page:28} {first:16.0f} {change:17.0f}")


if __name__ == "__main__":
    main()
