"""People in the store: stable ids, the address index across merges, and user overrides."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from keepwarm.models import Classification, PersonView
from keepwarm.services import open_workspace
from keepwarm.services.pipeline import detect, policy
from keepwarm.settings import Settings
from keepwarm.store.accounts import ensure_account, remember_owner_addresses
from keepwarm.store.interactions import upsert_interactions
from keepwarm.store.people import (
    add_override,
    find_person,
    load_people,
    overrides,
    people_views,
    save_people,
)
from tests.builders import NOW, OWNER, email


def _workspace(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = Settings(owner={"name": "Ada", "addresses": [OWNER]}, base_dir=tmp_path)
    return open_workspace(settings)


def person(key: str, *addresses: str) -> PersonView:
    return PersonView(
        key=key, name=key, addresses=addresses or (key,), classification=Classification.PEER,
        reasons=("r",), stage=None, first_seen=NOW, last_seen=NOW,
        counts={"sent": 1}, evidence=(3, 1),
    )  # fmt: skip


def test_addresses_follow_merges_and_keep_their_order(tmp_path: Path) -> None:
    """After a merge the absorbed address points to the merged person, preferred spelling first."""
    ws = _workspace(tmp_path)
    with ws.session() as s:
        ids = save_people(s, people=[person("a@x.example"), person("b@y.example")], now=NOW)
    with ws.session() as s:
        merged = person("a@x.example", "B@y.example", "a@x.example")
        again = save_people(s, people=[merged], now=NOW)
        assert again["a@x.example"] == ids["a@x.example"]  # ids are stable
    with ws.session() as s:
        [(_row, addresses)] = load_people(s, peers_only=False)
        assert addresses == ["B@y.example", "a@x.example"]
        found = find_person(s, address="b+tag@Y.example")
        assert found is not None and found.key == "a@x.example"
        [view] = people_views(s)
        assert view.counts == {"sent": 1} and view.evidence == (3, 1)


def test_saving_the_same_people_twice_changes_nothing(tmp_path: Path) -> None:
    """A second pass with the same people leaves one row per person and per address."""
    ws = _workspace(tmp_path)
    people = [person("a@x.example", "A+1@x.example", "a@x.example")]
    for _ in range(2):
        with ws.session() as s:
            save_people(s, people=people, now=NOW)
    with ws.session() as s:
        assert load_people(s, peers_only=False)[0][1] == ["A+1@x.example", "a@x.example"]


def test_overrides_are_stored_once_and_opposites_cancel(tmp_path: Path) -> None:
    """Blocking then allowing the same target leaves only the allow; repeats are not duplicated."""
    ws = _workspace(tmp_path)
    with ws.session() as s:
        assert add_override(s, action="block", target="@Spam.example", now=NOW)
        assert not add_override(s, action="block", target="@spam.example", now=NOW)
        assert add_override(s, action="allow", target="@spam.example", now=NOW)
        assert add_override(s, action="merge", target="a@x.example", other="b@y.example", now=NOW)
    with ws.session() as s:
        found = overrides(s)
    assert found["block"] == [] and found["allow"] == [("@spam.example", None)]
    assert found["merge"] == [("a@x.example", "b@y.example")]


def test_people_gone_from_detection_are_removed(tmp_path: Path) -> None:
    """A person no longer detected (forgotten, merged away) loses their row and addresses."""
    ws = _workspace(tmp_path)
    with ws.session() as s:
        save_people(s, people=[person("a@x.example"), person("b@y.example")], now=NOW)
    with ws.session() as s:
        save_people(s, people=[replace(person("a@x.example"), name="A")], now=NOW)
    with ws.session() as s:
        assert [p.key for p, _ in load_people(s, peers_only=False)] == ["a@x.example"]
        assert find_person(s, address="b@y.example") is None


def test_owner_aliases_discovered_by_connectors_are_self(tmp_path: Path) -> None:
    """An alias a connector reported (Gmail sendAs, Graph proxyAddresses) is the owner, not a peer."""
    ws = _workspace(tmp_path)
    with ws.session() as s:
        account = ensure_account(s, name="demo", kind="files", now=NOW)
        remember_owner_addresses(s, account=account, addresses={"Ada.Alt@Other.example"})
        item = email("ada.alt@other.example", ["grace@navy.example"]).interaction
        upsert_interactions(s, account_id=account.id, items=[item], now=NOW)
    assert "ada.alt@other.example" in policy(ws).owner_addresses
    detect(ws)
    with ws.session() as s:
        alias = find_person(s, address="ada.alt@other.example")
        grace = find_person(s, address="grace@navy.example")
    assert alias is not None and alias.classification == "self"
    assert grace is not None and grace.classification == "peer"
