"""Users, books, accounts and the category tree over HTTP."""

from __future__ import annotations

from tests.api.conftest import Api


def test_me_and_my_books(api: Api) -> None:
    me = api.client.get("/api/v1/me", headers=api.jwt(api.book.viewer)).json()
    assert me["username"] == "bob"
    books = api.client.get("/api/v1/books", headers=api.jwt(api.book.viewer)).json()
    assert [(b["name"], b["role"]) for b in books] == [("Alice's book", "viewer"),
                                                       ("Bob's book", "owner")]


def test_an_owner_shares_the_book_and_changes_roles(api: Api) -> None:
    shared = api.client.post(api.path("members"), headers=api.alice,
                             json={"username": "carol", "role": "editor"})
    assert shared.status_code == 204
    members = {m["username"]: m["role"] for m in api.get("members", api.alice).json()}
    assert members == {"alice": "owner", "bob": "viewer", "carol": "editor"}
    nobody = api.client.post(api.path("members"), headers=api.alice,
                             json={"username": "zed", "role": "viewer"})
    assert nobody.status_code == 404
    last_owner = api.client.delete(api.path(f"members/{api.book.owner.user_id}"),
                                   headers=api.alice)
    assert last_owner.status_code == 409


def test_accounts_are_created_changed_and_balanced_as_of_a_day(api: Api) -> None:
    made = api.client.post(api.path("accounts"), headers=api.alice, json={
        "name": "Wallet", "type": "cash", "currency": "EUR", "opening_balance": "40.50",
        "opened_on": "2024-01-01"})
    assert made.status_code == 201
    wallet = made.json()
    assert wallet["opening_balance"] == {"amount": "40.50", "currency": "EUR"}
    renamed = api.client.patch(api.path(f"accounts/{wallet['id']}"), headers=api.alice,
                               json={"name": "Purse"})
    assert renamed.json()["name"] == "Purse"
    balance = api.get(f"accounts/{api.book.checking.id}/balance", api.alice,
                      params={"as_of": "2024-03-03"}).json()
    assert balance["balance"] == {"amount": "3150.00", "currency": "EUR"}  # 1500 + 2500 - 850
    currency = api.client.patch(api.path(f"accounts/{wallet['id']}"), headers=api.alice,
                                json={"currency": "USD"})
    assert currency.status_code == 422
    assert currency.json()["errors"][0]["field"] == "currency"


def test_deleting_an_account_with_transactions_needs_their_count(api: Api) -> None:
    path = api.path(f"accounts/{api.book.card.id}")
    refused = api.client.delete(path, headers=api.alice)
    assert refused.status_code == 409
    done = api.client.delete(path, headers=api.alice, params={"confirm_transactions": 2})
    assert done.json() == {"count": 2}


def test_the_category_tree_can_grow_move_and_merge(api: Api) -> None:
    food = api.book.categories["Food"]
    made = api.client.post(api.path("categories"), headers=api.alice,
                           json={"name": "Bakery", "parent_id": food})
    assert made.status_code == 201
    bakery = made.json()
    assert (bakery["path"], bakery["kind"]) == ("Food → Bakery", "expense")
    moved = api.client.post(api.path(f"categories/{bakery['id']}/move"), headers=api.alice,
                            json={"parent_id": api.book.categories["Groceries"]})
    assert moved.json()["path"] == "Food → Groceries → Bakery"
    cycle = api.client.post(api.path(f"categories/{food}/move"), headers=api.alice,
                            json={"parent_id": bakery["id"]})
    assert cycle.status_code == 422
    merged = api.client.post(api.path(f"categories/{api.book.categories['Fuel']}/merge"),
                             headers=api.alice,
                             json={"into_id": api.book.categories["Groceries"]})
    assert merged.json() == {"count": 2}
    names = {c["name"] for c in api.get("categories", api.alice).json()}
    assert "Fuel" not in names
