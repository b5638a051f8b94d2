"""Import rules over HTTP: create, test before saving, re-apply, replace with If-Match,
validation problems naming the part of the rule that is wrong."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api


def shell_rule(api: Api, **change: Any) -> dict[str, Any]:
    body = {"name": "Fuel stations",
            "conditions": [{"field": "payee", "op": "contains", "value": "shell"}],
            "actions": [{"kind": "add_tags", "value": ["fuel-station"]}]}
    body.update(change)
    return body


def test_a_rule_is_tested_then_saved_then_reapplied(api: Api) -> None:
    tried = api.client.post(api.path("rules/test"), headers=api.alice, json=shell_rule(api))
    assert tried.status_code == 200
    assert tried.json()["total"] == 2
    assert tried.json()["changes"][0]["tags_after"][-1] == "fuel-station"
    saved = api.client.post(api.path("rules"), headers=api.alice, json=shell_rule(api))
    assert saved.status_code == 201
    rule = saved.json()
    assert rule["conditions"] == [{"field": "payee", "op": "contains", "value": "shell",
                                   "value2": None}]
    again = api.client.post(api.path(f"rules/{rule['id']}/test"), headers=api.alice)
    assert again.json()["total"] == 2
    done = api.client.post(api.path("rules/reapply"), headers=api.alice,
                           params={"account_id": api.book.card.id})
    assert done.json() == {"count": 2}
    tagged = api.get("transactions", api.alice, params={"tag": "fuel-station"}).json()
    assert len(tagged["items"]) == 2


@pytest.mark.parametrize(("change", "field"), [
    ({"name": ""}, "name"),
    ({"conditions": []}, "conditions"),
    ({"conditions": [{"field": "payee", "op": "between", "value": "a"}]}, "op"),
    ({"conditions": [{"field": "amount", "op": "equals", "value": "lots"}]}, "value"),
    ({"conditions": [{"field": "colour", "op": "is", "value": "red"}]}, "conditions.0.field"),
    ({"actions": [{"kind": "set_category", "value": 999_999}]}, None),
])
def test_a_bad_rule_is_refused_naming_the_part(api: Api, change: dict[str, Any],
                                               field: str | None) -> None:
    answer = api.client.post(api.path("rules"), headers=api.alice, json=shell_rule(api, **change))
    if field is None:  # a category of no book of ours: not found, like any foreign id
        assert answer.status_code == 404
        return
    assert answer.status_code == 422, answer.text
    assert field in [e["field"] for e in answer.json()["errors"]]


def test_replacing_a_rule_changed_meanwhile_is_refused(api: Api) -> None:
    saved = api.client.post(api.path("rules"), headers=api.alice, json=shell_rule(api))
    path, etag = api.path(f"rules/{saved.json()['id']}"), saved.headers["ETag"]
    api.client.put(path, headers=api.alice, json=shell_rule(api, name="Petrol"))
    stale = api.client.put(path, headers={**api.alice, "If-Match": etag},
                           json=shell_rule(api, enabled=False))
    assert stale.status_code == 412
    assert api.client.get(path, headers=api.alice).json()["name"] == "Petrol"
    assert api.client.delete(path, headers=api.alice).status_code == 204
    assert api.client.get(path, headers=api.alice).status_code == 404
