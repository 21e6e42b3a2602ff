"""Made-up people for the realistic mailboxes: names from many languages, organisations on
reserved `.example` domains (public infrastructure — list hosts, free-mail providers, well-known
robots — keeps its real name, because detection must recognise exactly those)."""

from __future__ import annotations

import random
import unicodedata

FIRST = [
    "Jonas", "Ingrid", "Mateo", "Aiko", "Farid", "Lucía", "Oskar", "Priya", "Tomasz", "Chiara",
    "Nikolai", "Amara", "Henrik", "Yuki", "Ravi", "Sofia", "Dmitri", "Leila", "Bruno", "Hana",
    "Kwame", "Elif", "Pieter", "Mei", "Arjun", "Greta", "Tariq", "Noor", "Sven", "Paola",
    "Hiroshi", "Zainab", "Lars", "Camille", "Mehmet", "Ana", "Wojciech", "Ines", "Rafael",
    "Siobhan", "Tobias", "Xiu", "Emeka", "Katya", "Matthias", "Renée", "Dario", "Ulrike",
    "Gareth", "Valentina", "Jakub", "Astrid", "Cheng", "Fatima", "Olaf", "Bianca", "Stefan",
    "Ayesha", "Gustavo", "Marta",
]  # fmt: skip
LAST = [
    "Lindqvist", "Haugen", "Álvarez", "Tanaka", "Rahimi", "Moreau", "Brandt", "Raman",
    "Wróbel", "Ferrari", "Sokolov", "Okafor", "Dahl", "Nakamura", "Iyer", "Costa", "Petrov",
    "Haddad", "Lopes", "Novak", "Mensah", "Yılmaz", "de Vries", "Chen", "Kapoor", "Fischer",
    "Aziz", "Karimi", "Berg", "Ricci", "Sato", "Bello", "Nilsson", "Dubois", "Demir", "Silva",
    "Kowalski", "Ramos", "Pereira", "O'Brien", "Keller", "Wang", "Eze", "Volkova", "Hoffmann",
    "Girard", "Conti", "Vogel", "Price", "Greco", "Dvořák", "Holm", "Zhou", "Malik", "Lund",
    "Marino", "Weber", "Siddiqui", "Rocha", "Nowak",
]  # fmt: skip


def ascii_fold(text: str) -> str:
    """`Wróbel` → `wrobel`, `O'Brien` → `obrien`: how people spell themselves in addresses."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum() or c in ".-")


class Cast:
    """Unique made-up people, reproducible from a seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used: set[str] = set()

    def name(self) -> str:
        for attempt in range(20_000):
            middle = "" if attempt < 200 else f" {self.rng.choice('ABCDEFGHJKLMNPRSTW')}."
            name = f"{self.rng.choice(FIRST)}{middle} {self.rng.choice(LAST)}"
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("out of names")

    def person(self, domain: str, style: str = "first.last") -> tuple[str, str]:
        """(display name, address) at `domain`; `style` is how that organisation spells locals."""
        name = self.name()
        first, last = name.split(" ", 1)
        initial = last[0].lower() if last[1:2] == "." else ""  # `Jonas K. Berg`: jonas.k.berg
        last = last.split(". ", 1)[1] if initial else last
        f, lst = ascii_fold(first), ascii_fold(last.replace(" ", ""))
        f = f"{f}.{initial}" if initial and style == "first.last" else f
        local = {
            "first.last": f"{f}.{lst}",
            "first": f,
            "flast": f"{f[0]}{lst}",
            "last": lst,
            "firstl": f"{f}{lst[0]}",
        }[style]
        return name, f"{local}@{domain}"
