"""The words a draft is built from: topics, reply subjects, greetings, snippets, placeholders."""

from __future__ import annotations

import pytest

from keepwarm.rules import placeholders
from keepwarm.rules.names import greeting, greeting_name
from keepwarm.rules.render import render_body
from keepwarm.rules.subjects import reply_subject, topic
from keepwarm.snippets import MAX_CHARS, clean, from_provider


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Trajectory data collaboration?", "Trajectory data collaboration?"),
        ("RE: RE: Fwd: Budget 2027", "Budget 2027"),
        ("AW: WG: Angebot", "Angebot"),
        ("Re[2]: Minutes", "Minutes"),
        ("[PATCH v3 06/21] mm: fix the reclaim path", "mm: fix the reclaim path"),
        ("Re: [Python-Dev] [ANN] PEP 999 accepted", "PEP 999 accepted"),
        ("[EXTERNAL] Re: Invoice", "Invoice"),
        ("Notes (fwd)", "Notes"),
        ("Re:", ""),
        ("", ""),
        ("Re: -", ""),
        ("  Compiler\ttooling   chat ", "Compiler tooling chat"),
        ("回复: 会议", "会议"),
    ],
)
def test_topic_strips_reply_markers_and_list_tags(subject: str, expected: str) -> None:
    """What the thread is about, never a raw `Re:` or `[PATCH …]`; "" when nothing is left."""
    assert topic(subject) == expected


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Trajectory data collaboration?", "Re: Trajectory data collaboration?"),
        ("RE: Trajectory data collaboration?", "RE: Trajectory data collaboration?"),
        ("[PATCH v3 06/21] mm: fix", "Re: [PATCH v3 06/21] mm: fix"),
        ("Fwd: Slides", "Re: Fwd: Slides"),
        ("AW: Angebot", "AW: Angebot"),
        ("", "Re:"),
        ("Re:", "Re:"),
        ("Line\r\nbreak", "Re: Line break"),
    ],
)
def test_reply_subject_quotes_theirs_verbatim(subject: str, expected: str) -> None:
    """`Re: ` is added unless their subject already is a reply; nothing else is changed."""
    assert reply_subject(subject) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Grace Hopper", "Grace"),
        ("Dubois, Renée", "Renée"),
        ("Dr. Jane Doe", "Jane"),
        ("J. Robert Oppenheimer", "Robert"),
        ("JOHN SMITH", "John"),
        ("'Katherine Johnson' via Orbital List", "Katherine"),
        ("Ada Lovelace (Analytical)", "Ada"),
        ("张伟", "张伟"),
        ("", ""),
        ("LKML", ""),
        ("kernel", ""),
        ("Linux Kernel Mailing List", ""),
        ("kernel test robot", ""),
        ("The Weekly Engine", ""),
        ("GitHub Notifications", ""),
        ("Support Team", ""),
        ("jdoe@example.org", ""),
        ("Agent 007", ""),
    ],
)
def test_greeting_comes_only_from_a_human_display_name(name: str, expected: str) -> None:
    """No "Hi there", "Hi LKML" or "Hi kernel": without a human first name the greeting is
    "Hello,"."""
    assert greeting_name(name) == expected
    assert greeting(name) == (f"Hi {expected}," if expected else "Hello,")


def test_a_runaway_subject_makes_a_short_topic() -> None:
    """A topic goes into a sentence: a 3,000-character subject is cut at a word with "…"."""
    long = topic("Re: " + "Die heiße Zypernsonne quälte Max " * 100)
    assert len(long) <= 90 and long.endswith("…") and long.startswith("Die heiße")


def test_snippet_is_the_message_not_its_wrapping() -> None:
    """Greeting, quoted history, attribution line, signature and sign-off are dropped."""
    text = (
        "Dear Ada,\n\nShall we plan a call after 23 November?\nI'm in Lyon until then.\n\n"
        "Best regards,\nRenée Dubois\n\n-- \nLumière Labs\n\n"
        "On 9 Nov 2026, Ada Lovelace wrote:\n> It was lovely to meet you.\n"
    )
    assert clean(text) == "Shall we plan a call after 23 November? I'm in Lyon until then."
    assert clean("> quoted only\n") == ""


def test_snippet_of_bottom_posted_replies_and_lotus_notes_history() -> None:
    """Kernel people answer below the quote (their words came out empty); Lotus Notes forwards
    and quotes with a header block (Enron's mail), which leaked into the quoted snippet."""
    bottom = ("On Mon, Mar 09, 2026 at 10:00:00AM +0100, Mira Kowalczyk wrote:\n"
              "> Could you share the docs?\n\nSure, attached are the register docs.\n\nThanks,\nKenji\n")  # fmt: skip
    inline = ("Hi Mira,\n\nOn 3/9/26 10:00, Mira Kowalczyk wrote:\n> +\tspin_lock(&tree->lock);\n\n"
              "This needs the irqsave variant.\n")  # fmt: skip
    forward = ("---------------------- Forwarded by Jeff Dasovich/NA/Enron on 05/14/2001 04:39 PM"
               " ---------------------------\n\nSusan Mara\n05/14/2001 03:00 PM\nTo: Jeff Dasovich"
               "/NA/Enron@Enron\ncc:\nSubject: CPUC\n\nThe CPUC voted today.\n")  # fmt: skip
    notes = ("Sounds good.  I'll call you tomorrow.\n\n\nTim Belden@ECT\n05/14/2001 02:10 PM\n"
             "To: Phillip K Allen/HOU/ECT@ECT\ncc:\nSubject: forecast\n\nHere it is.\n")  # fmt: skip
    assert clean(bottom) == "Sure, attached are the register docs."
    assert clean(inline) == "This needs the irqsave variant."
    assert clean(forward) == ""  # a bare forward holds nobody's own words
    assert clean(notes) == "Sounds good. I'll call you tomorrow."
    # A top-posted answer still ends at the attribution that follows it.
    assert clean("Yes, Tuesday works.\n\nOn Mon, Ada wrote:\n> Tuesday?\n\nmore\n") == "Yes, Tuesday works."


def test_snippet_is_inert_and_bounded() -> None:
    """Control and invisible characters go, placeholders cannot be smuggled in, length is bounded."""
    evil = "Pay\u202eevil\u200b now\x00\x07\r\nBcc: x@y [[fill me]]"
    assert clean(evil) == "Pay evil now Bcc: x@y [ [fill me] ]"
    assert placeholders.find(clean(evil)) == []
    long = clean("word " * 200)
    assert len(long) <= MAX_CHARS and long.endswith("…")


def test_provider_previews_are_unescaped_and_cut_at_the_quote() -> None:
    """Gmail snippets are HTML-escaped one-liners; the quoted reply inside them is cut."""
    assert from_provider("Tom &amp; Jerry &lt;3 On Tue, Oct 8, 2024 at 8:48 AM X wrote: old") == (
        "Tom & Jerry <3"
    )


def test_placeholders_are_found_and_explained() -> None:
    """`[[…]]` only: list tags such as `[PATCH]` are no placeholders; the refusal says what to do."""
    text = "Subject [PATCH v2] x\n[[one line of news]] and [[an article]] and [[one line of news]]"
    assert placeholders.find(text) == ["[[one line of news]]", "[[an article]]"]
    assert placeholders.find("[PATCH v3 06/21] [list] [ok]") == []
    old_copy = "On my side [one line of news]. Here: [add the article, introduction or idea here]."
    assert len(placeholders.find(old_copy)) == 2  # templates shipped before `[[…]]` existed
    message = placeholders.refusal(7, "water-two-weeks", ["[[an article]]"])
    assert "draft 7" in message and "[[an article]]" in message
    assert "water-two-weeks" in message and "keepwarm edit 7" in message


def test_a_signature_with_the_owners_name_replaces_the_signed_name() -> None:
    """Never "Best wishes,\\nAda\\n\\n-- \\nAda Lovelace": the signature signs instead."""
    names = ("Ada", "Ada Lovelace")
    body = render_body(
        "Hello,\n\nThanks.\n\nBest wishes,\nAda",
        {},
        where="r",
        signature="Ada Lovelace\nAnalytical Engines",
        owner_names=names,
    )
    assert body == "Hello,\n\nThanks.\n\nBest wishes,\nAda Lovelace\nAnalytical Engines\n"
    other = render_body("Hi,\n\nBest,\nAda", {}, where="r", signature="+44 20 7946 0000",
                        owner_names=names)  # fmt: skip
    assert other == "Hi,\n\nBest,\nAda\n\n-- \n+44 20 7946 0000\n"
