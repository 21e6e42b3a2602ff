"""Hypothesis: header parsing and template rendering never let an exception escape, and every
render stops within its work budget (bounded by construction: the budget is counted, no clock).

`deadline=None`: Hypothesis' default per-example deadline is wall-clock time, which a loaded
machine could miss; boundedness is asserted through the sandbox's own work counter instead.
"""

from __future__ import annotations

import contextlib
from email.message import EmailMessage
from email.policy import default

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.files.headers import decode_words, parse_addresses, parse_date
from connectors.files.mailparse import Unusable, parse_header_block
from keepwarm.errors import TemplateError
from keepwarm.mailsafety import bad_character, header_problem, is_address, one_line
from keepwarm.rules import sandbox
from keepwarm.rules.render import render, render_subject

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

#: Characters that matter to header syntax, encodings and line handling, plus anything else.
SPECIAL = list("=?<>\"'@,;:()[]\\ \t\r\n\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\udcff_QBqb")
header_text = st.text(alphabet=st.sampled_from(SPECIAL) | st.characters(), max_size=300)
encoded_word = st.builds(
    lambda charset, kind, payload: f"=?{charset}?{kind}?{payload}?=",
    st.sampled_from(["UTF-8", "utf-8", "iso-8859-1", "gb2312", "x-unknown", "bogus", ""]),
    st.sampled_from(["Q", "B", "q", "b", "X"]),
    st.text(alphabet=st.sampled_from(list("=0D0A3C3E40_abcXYZ+/")), max_size=40),
)
address_value = st.lists(st.one_of(header_text, encoded_word), max_size=6).map(" ".join)


@FUZZ
@given(address_value)
def test_address_parsing_yields_only_valid_addresses(value: str) -> None:
    for name, address in parse_addresses(value):
        assert is_address(address), address
        assert bad_character(name) is None, name


@FUZZ
@given(st.one_of(header_text, address_value))
def test_decoding_never_raises(value: str) -> None:
    assert isinstance(decode_words(value), str)
    with contextlib.suppress(ValueError):  # the one documented failure: quarantine the message
        parse_date(value)


header_line = st.builds(
    lambda name, value: f"{name}: {value}",
    st.sampled_from(["From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To",
                     "References", "List-Id", "Content-Type", "X-Other", "from", ""]),
    address_value,
)  # fmt: skip


@FUZZ
@given(st.lists(header_line, max_size=8), st.binary(max_size=200))
def test_a_header_block_parses_or_is_unusable(lines: list[str], noise: bytes) -> None:
    block = "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n" + noise
    try:
        interaction = parse_header_block(block, "fuzz.mbox#1")
    except Unusable:
        return
    assert all(is_address(p.address) for p in interaction.participants)


@FUZZ
@given(header_text)
def test_what_the_validator_accepts_the_mail_library_accepts(subject: str) -> None:
    if header_problem("Subject", subject) is not None:
        return
    message = EmailMessage(policy=default)
    message["Subject"] = subject
    message.set_content("body")
    assert message.as_bytes()
    one = one_line(subject)
    assert header_problem("Subject", one) is None


# --- templates ---------------------------------------------------------------------------------

number = st.one_of(
    st.integers(-3, 12).map(str),
    st.sampled_from(["10**9", "99999999", "10**10", "n", "0", "-1", "2.5", "1e308"]),
)
literal = st.one_of(
    number,
    st.sampled_from(["'a'", "'abc'", "[1, 2]", "none", "{}", "person.first_name", "'{:>9}'"]),
)


@st.composite
def expression(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 2 or draw(st.booleans()):
        return draw(literal)
    left, right = draw(expression(depth + 1)), draw(expression(depth + 1))
    shape = draw(
        st.sampled_from(
            ["({l} {op} {r})", "range({l}) | list", "lipsum({l})", "{l} | string | center({r})",
             "({l}).format({r})", "{l}[{r}]", "({l} | list | join)", "'x'.ljust({l})"]
        )
    )  # fmt: skip
    op = draw(st.sampled_from(["*", "**", "+", "-", "/", "//", "%", "~"]))
    return shape.format(l=left, r=right, op=op)


@st.composite
def template(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["out", "for", "set", "macro", "text"]))
        e = draw(expression())
        if kind == "out":
            parts.append("{{ " + e + " }}")
        elif kind == "for":
            inner = "{{ " + draw(expression()) + " }}"
            parts.append(f"{{% for i in range({e}) %}}{{% for j in range({e}) %}}{inner}"
                         "{% endfor %}{% endfor %}")  # fmt: skip
        elif kind == "set":
            parts.append(f"{{% set ns = namespace(s={e}) %}}{{% for i in range(40) %}}"
                         "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}")  # fmt: skip
        elif kind == "macro":
            parts.append(f"{{% macro f(x) %}}{{{{ f(x ~ {e}) }}}}{{% endmacro %}}{{{{ f(1) }}}}")
        else:
            parts.append(draw(st.text(alphabet=st.sampled_from(list("{}%# \nab")), max_size=10)))
    return "".join(parts)


@FUZZ
@given(template())
def test_a_template_renders_or_is_a_template_error_within_its_budget(text: str) -> None:
    spent: list[int] = []
    real = sandbox._Budget.spend

    def counting(self: sandbox._Budget, units: int) -> None:
        spent.append(units)
        real(self, units)

    sandbox._Budget.spend = counting  # type: ignore[method-assign]
    try:
        for renderer in (render, render_subject):
            spent.clear()
            try:
                out = renderer(text, {"n": 7, "person": {"first_name": "Ada"}}, where="fuzz.yaml")
            except TemplateError:
                pass
            else:
                assert len(out) <= sandbox.MAX_OUTPUT
            # Every render stopped by the time its budget ran out (one step may overshoot it).
            assert sum(spent[:-1]) <= sandbox.MAX_WORK
    finally:
        sandbox._Budget.spend = real  # type: ignore[method-assign]
