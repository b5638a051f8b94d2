"""``display.guarded``: the one error boundary around every page run (issue 7, item 7).

A bug shows a short message with a random id (and the traceback goes to the log under that
id); a ``FinTrackError`` shows its own words; ``st.stop``/``st.rerun`` pass through.
"""

from __future__ import annotations

import logging
import re

import pytest
from streamlit.testing.v1 import AppTest

ID = re.compile(r"error id \*\*([0-9a-f]{8})\*\*")


def _bug_page() -> None:
    import streamlit as st

    from fintrack_ui.display import guarded

    def page() -> None:
        st.title("Before the bug")
        raise RuntimeError("secret detail: /srv/fintrack/data/fintrack.db")

    guarded(page)
    st.caption("after the page")


def _domain_error_page() -> None:
    import streamlit as st

    from fintrack_core.errors import ValidationError
    from fintrack_ui.display import guarded

    def page() -> None:
        raise ValidationError("amount_min", "'NaN' is not a finite number")

    guarded(page)
    st.caption("after the page")


def _control_flow_page() -> None:
    import streamlit as st

    from fintrack_ui.display import guarded

    def page() -> None:
        st.session_state["runs"] = st.session_state.get("runs", 0) + 1
        if st.session_state["runs"] == 1:
            st.rerun()  # must rerun, not be reported as an error
        st.title(f"run {st.session_state['runs']}")
        st.stop()  # must stop the script, not be reported either

    guarded(page)
    st.caption("never shown: st.stop ended the run")


def test_a_bug_shows_an_id_and_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="fintrack.ui"):
        at = AppTest.from_function(_bug_page).run()
    assert not at.exception
    assert at.title[0].value == "Before the bug"
    [shown] = [e.value for e in at.error]
    assert shown.startswith("Something went wrong on this page (error id ")
    assert "secret detail" not in shown
    assert "Traceback" not in shown
    assert "RuntimeError" not in shown
    incident = ID.search(shown).group(1)  # type: ignore[union-attr]
    [record] = [r for r in caplog.records if incident in r.getMessage()]
    assert record.exc_info is not None
    assert "secret detail" in str(record.exc_info[1])
    assert at.caption[0].value == "after the page"


def test_two_bugs_get_two_ids() -> None:
    first = ID.search(AppTest.from_function(_bug_page).run().error[0].value)
    second = ID.search(AppTest.from_function(_bug_page).run().error[0].value)
    assert first
    assert second
    assert first.group(1) != second.group(1)


def test_a_domain_error_shows_its_own_message() -> None:
    at = AppTest.from_function(_domain_error_page).run()
    assert not at.exception
    assert [e.value for e in at.error] == [r"amount\_min\: \'NaN\' is not a finite number"]


def test_st_rerun_and_st_stop_pass_through() -> None:
    at = AppTest.from_function(_control_flow_page).run()
    assert not at.exception
    assert not at.error
    assert at.title[0].value == "run 2"
    assert not at.caption


def test_the_app_config_hides_error_details() -> None:
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit"
                           / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
