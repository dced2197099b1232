"""Every rule's bad example in docs/lint.md raises it, and every good example raises nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sqlspec.lint import RULES

from .conftest import Lint, rules

PAGE = Path(__file__).parent.parent.parent / "docs" / "lint.md"
_EXAMPLE = re.compile(
    r"<!-- lint: (?P<kind>bad|good) (?P<rule>[\w-]+)(?: (?P<dialect>\w+))? -->\n"
    r"```(?P<language>sql|python)\n(?P<body>.*?)```",
    re.DOTALL,
)
EXAMPLES = list(_EXAMPLE.finditer(PAGE.read_text()))


def _id(example: re.Match[str]) -> str:
    line = PAGE.read_text().count("\n", 0, example.start()) + 1
    return f"{example['kind']}-{example['rule']}-line{line}"


def _text(example: re.Match[str]) -> str:
    body = example["body"]
    if example["language"] == "python" or "-- downgrade --" in body or example["rule"] == "no-downgrade":
        return body
    return f"{body}\n-- downgrade --\nSELECT 1;\n"


@pytest.mark.parametrize("example", EXAMPLES, ids=_id)
def test_example(example: re.Match[str], lint: Lint) -> None:
    rule = RULES[example["rule"]]
    dialect = example["dialect"] or rule.dialects[0]
    assert dialect in rule.dialects
    found = lint(dialect, _text(example))
    if example["kind"] == "bad":
        assert rule.id in rules(found), found
    else:
        assert found == [], found


def test_every_rule_has_a_section_and_both_examples() -> None:
    text = PAGE.read_text()
    for rule in RULES.values():
        assert f"\n### {rule.id}\n" in text, rule.id
        kinds = {example["kind"] for example in EXAMPLES if example["rule"] == rule.id}
        assert kinds == {"bad", "good"}, rule.id


def test_examples_name_real_rules() -> None:
    assert {example["rule"] for example in EXAMPLES} <= set(RULES)
