"""The rule-file YAML loader: positions for everything, and no mistake accepted silently."""

from __future__ import annotations

import codecs

import pytest

from keepwarm.rules.yamlload import MAX_DEPTH, MarkedList, MarkedMap, YamlError, decode, load


def test_every_key_value_and_item_has_its_position() -> None:
    data = load("rules:\n  - name: a\n    days: [mon, tue]\n").data
    assert isinstance(data, MarkedMap) and data.marks["rules"] == (1, 1)
    rule = data["rules"][0]
    assert isinstance(rule, MarkedMap) and rule.at == (2, 5)
    assert (rule.vmarks["name"].line, rule.vmarks["name"].col) == (2, 11)
    days = rule["days"]
    assert isinstance(days, MarkedList) and days == ["mon", "tue"]
    assert [(m.line, m.col) for m in days.marks] == [(3, 12), (3, 17)]


def test_anchors_and_merge_keys_share_without_counting_as_duplicates() -> None:
    loaded = load("x-base: &base {subject: s, body: b}\ndraft:\n  <<: *base\n  subject: mine\n")
    assert loaded.issues == []
    assert dict(loaded.data["draft"]) == {"subject": "mine", "body": "b"}
    again = load("a: 1\nb: 2\na: 3\n")
    [issue] = again.issues
    assert (issue.line, issue.col) == (3, 1) and "first on line 1" in issue.message


def test_nesting_far_deeper_than_python_recursion_is_a_positioned_error() -> None:
    """100,000 levels (PyYAML's own composer raises RecursionError): the bracket that opens
    level MAX_DEPTH + 1 (the root mapping is level 1) is reported."""
    lists = "a: " + "[" * 100_000 + "]" * 100_000
    maps = "a: " + "{b: " * 100_000 + "1" + "}" * 100_000
    for text, width in ((lists, 1), (maps, 4)):
        with pytest.raises(YamlError) as info:
            load(text)
        issue = info.value.issue
        assert (issue.line, issue.col) == (1, 4 + (MAX_DEPTH - 1) * width)
        assert f"more than {MAX_DEPTH} levels" in issue.message


def test_base_60_numbers_are_reported_and_kept_as_written() -> None:
    loaded = load('start: 9:00\nend: "17:30"\nat: 09:00\n')
    [issue] = loaded.issues
    assert "number 540" in issue.message and '"09:00"' in issue.hint
    assert loaded.data["start"] == "9:00" and loaded.data["at"] == "09:00"


def test_an_unquoted_template_becomes_its_text_with_an_issue() -> None:
    loaded = load("subject: {{ person.first_name }}\n")
    assert loaded.data["subject"] == "{{ person.first_name }}"
    [issue] = loaded.issues
    assert (issue.line, issue.col) == (1, 10)
    assert issue.hint == 'put the whole value in quotes: subject: "{{ person.first_name }}"'


def test_decoding_accepts_utf8_with_or_without_bom_and_locates_anything_else() -> None:
    assert decode(codecs.BOM_UTF8 + "é: 1".encode()) == "é: 1"
    with pytest.raises(YamlError) as info:
        decode("a: 1\nbé: caf".encode() + b"\xe9\n")
    assert (info.value.issue.line, info.value.issue.col) == (2, 8)
    assert "0xE9" in info.value.issue.message and "'é'" in info.value.issue.message
    with pytest.raises(YamlError, match="UTF-16"):
        decode("a: 1".encode("utf-16"))
    with pytest.raises(YamlError, match="NUL"):
        decode(b"a: 1\nb: \x00\n")


def test_alias_expansion_is_bounded() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"] + [
        f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 6)
    ]
    with pytest.raises(YamlError, match="expands to more than"):
        load("\n".join(levels) + "\n")
