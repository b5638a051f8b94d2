"""``fintrack profiles`` and the import options around them: save a mapping made by hand as a
bank profile, export it, load it into another installation, list where each profile comes
from; and the import's warnings, per-row accounts and stdin input."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from fintrack_cli.main import app
from fintrack_core.imports import service

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "statements"
FINNISH = FIXTURES / "quirks" / "finnish_compact_dates.csv"
BY_HAND = "date=Kirjauspäivä,payee=Saaja/Maksaja,currency=Valuutta"
runner = CliRunner()


def cli(*args: str | Path, stdin: bytes | None = None) -> Result:
    return runner.invoke(app, [str(a) for a in args], input=stdin)


def ok(*args: str | Path, stdin: bytes | None = None) -> Result:
    result = cli(*args, stdin=stdin)
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result


def make_installation(folder: Path) -> Path:
    """A database made through the CLI: alice with a EUR, a USD and a GBP account."""
    folder.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINTRACK_DATABASE_URL", f"sqlite:///{folder / 'fintrack.db'}")
        assert cli("user", "add", "alice", "--name", "Alice", "--password-stdin",
                   stdin=b"wonderland-42\n").exit_code == 0
        for name, currency in (("Giro", "EUR"), ("Chase", "USD"), ("Barclays", "GBP")):
            ok("account", "add", name, "--type", "checking", "--currency", currency,
               "--opened-on", "2024-03-01")
    return folder / "fintrack.db"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_installation(tmp_path_factory.mktemp("cli-profiles") / "t")


@pytest.fixture
def here(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "here.db"
    shutil.copyfile(template, target)
    monkeypatch.setenv("FINTRACK_DATABASE_URL", f"sqlite:///{target}")
    return target


def use(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINTRACK_DATABASE_URL", f"sqlite:///{db_file}")


def test_a_mapping_given_by_hand_is_saved_exported_and_loaded_elsewhere(
        here: Path, template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    saved = ok("import", FINNISH, "-a", "Giro", "--map", BY_HAND, "--date-format", "%d%m%Y",
               "--save-profile", "nordea_fi")
    assert "Saved the mapping as bank profile 'nordea_fi'" in saved.stderr
    exported = tmp_path / "nordea_fi.toml"
    ok("profiles", "export", "nordea_fi", "-o", exported)

    elsewhere = tmp_path / "elsewhere.db"
    shutil.copyfile(template, elsewhere)
    use(elsewhere, monkeypatch)
    loaded = ok("profiles", "import", exported)
    result = json.loads(ok("import", FINNISH, "-a", "Giro", "--json").stdout)

    assert "Loaded profile 'nordea_fi'" in loaded.stdout
    assert (result["profile"], result["imported"], result["totals"]) == (
        "nordea_fi", 3, {"EUR": "2361.85"})


def test_export_without_a_file_prints_the_toml(here: Path) -> None:
    text = ok("profiles", "export", "dkb_giro").stdout
    assert text.startswith('name = "dkb_giro"\nlabel = "DKB (Girokonto, DE)"\n\n[match]\n')


def test_list_names_each_profile_and_where_it_comes_from(here: Path, tmp_path: Path) -> None:
    ok("import", FINNISH, "-a", "Giro", "--map", BY_HAND, "--date-format", "%d%m%Y",
       "--dry-run", "--save-profile", "nordea_fi")

    listed = json.loads(ok("profiles", "list", "--json").stdout)

    assert listed[0] == {"name": "nordea_fi", "label": "nordea_fi", "source": "book",
                         "origin": "this book", "header": ["Kirjauspäivä", "Saaja/Maksaja",
                                                           "Viesti", "Summa", "Valuutta"]}
    assert {"name": "monzo", "source": "built-in",
            "origin": "built-in (fintrack_core/imports/banks/monzo.toml)"}.items() \
        <= next(p for p in listed if p["name"] == "monzo").items()
    assert "this book" in ok("profiles", "list").stdout


@pytest.mark.parametrize(("text", "message"), [
    ('name = "x"\nlabel = "X"\nsecret = 1\n[match]\nheader = ["D", "A"]\n'
     '[mapping]\ndate = "D"\namount = "A"\n', "bad.toml: secret: unknown key"),
    ('name = "x"\n[match]\nheader = ["D", "A"]\n[mapping]\namount = "A"\n',
     "bad.toml: mapping.date: missing"),
    ('name = "x"\n[match]\nwidth = 2\ncells = { 1 = "(" }\n[mapping]\ndate = "1"\n'
     'amount = "2"\n', "bad.toml: match.cells.1: not a valid regular expression"),
])
def test_a_broken_profile_file_is_refused_naming_file_and_key(
        here: Path, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")

    result = cli("profiles", "import", path)

    assert result.exit_code == 1
    assert message in result.stderr


def test_a_name_clash_asks_for_replace_and_delete_removes(here: Path, tmp_path: Path) -> None:
    path = tmp_path / "cu.toml"
    path.write_text('name = "cu"\n[match]\nheader = ["D", "A"]\n[mapping]\ndate = "D"\n'
                    'amount = "A"\n', encoding="utf-8")
    ok("profiles", "import", path)

    clash = cli("profiles", "import", path)
    assert clash.exit_code == 1
    assert "already has a profile called 'cu'; replace it (--replace)" in clash.stderr
    ok("profiles", "import", path, "--replace")
    ok("profiles", "delete", "cu")
    assert cli("profiles", "export", "cu").exit_code == 1


def test_a_failed_save_keeps_the_import_and_says_why(here: Path) -> None:
    result = cli("import", FINNISH, "-a", "Giro", "--map", BY_HAND, "--date-format", "%d%m%Y",
                 "--save-profile", "dkb_giro")

    assert result.exit_code == 1
    assert "Imported 3 of 3 rows" in result.stderr
    assert "the profile was not saved: 'dkb_giro' is a built-in profile" in result.stderr


# --- warnings, accounts per row, stdin ---------------------------------------------------------


def test_warnings_are_printed_and_in_the_json(here: Path, tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_text("Date,Description,Amount\n2024-02-27,Old shop,-5.00\n", encoding="utf-8")

    result = ok("import", path, "-a", "Giro", "--json")

    warning = ("1 row(s) are dated before 'Giro' was opened (2024-03-01), the earliest "
               "2024-02-27")
    assert json.loads(result.stdout)["warnings"] == [warning]
    assert f"warning: {warning}" in result.stderr


def test_a_multi_currency_file_says_which_account_each_row_goes_to(here: Path) -> None:
    result = ok("import", FIXTURES / "quirks" / "multi_currency.csv", "-a", "Giro", "-a",
                "Chase", "-a", "Barclays", "--dry-run", "--json", "--verbose")

    data = json.loads(result.stdout)
    assert data["accounts"] == {"Giro": 3, "Chase": 2, "Barclays": 2}
    assert [(t["line"], t["account"], t["amount"]) for t in data["transactions"]][:3] == [
        (2, "Giro", "3000.00"), (3, "Chase", "-412.50"), (4, "Barclays", "-28.40")]
    assert "line 3: 2024-10-03 -412.50 USD → Chase · Hotel New York" in result.stderr


def test_a_statement_on_stdin_is_imported(here: Path) -> None:
    data = b"Date,Description,Amount\n2024-03-02,Kiosk,-1.20\n"

    result = json.loads(ok("import", "-", "-a", "Giro", "--json", stdin=data).stdout)

    assert (result["file"], result["imported"]) == ("stdin", 1)


def test_stdin_is_read_only_up_to_the_limit_and_one_byte(
        here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "MAX_BYTES", 40)
    reads: list[int] = []

    class Endless(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buf) -> int:  # type: ignore[no-untyped-def]
            reads.append(len(buf))
            buf[:] = b"x" * len(buf)
            return len(buf)

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(Endless())))
    from fintrack_cli import imports as cli_imports

    with pytest.raises(Exception, match="stdin is larger than the 3.8147e-05 MB limit "
                                        r"\(more than 40 bytes\)"):
        cli_imports._read(Path("-"))
    assert sum(reads) <= 8192 + 41  # one buffer, not an endless stream
