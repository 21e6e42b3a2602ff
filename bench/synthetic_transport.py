"""The transport part of a synthetic message: dates, envelope lines, Message-IDs and the
Received / authentication headers that make real mail 1-3 KB of headers (for the benchmarks).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from bench_settings import OWNER, OWNER_DOMAIN
from synthetic_world import _World

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _rfc5322_date(at: datetime, zone: str) -> str:
    sign = 1 if zone[0] == "+" else -1
    local = at + sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
    return (
        f"{_WEEKDAYS[local.weekday()]}, {local.day:02d} {_MONTHS[local.month - 1]} {local.year} "
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d} {zone}"
    )


def _from_line(address: str, at: datetime) -> str:
    return (
        f"From {address} {_WEEKDAYS[at.weekday()]} {_MONTHS[at.month - 1]} {at.day:2d} "
        f"{at.hour:02d}:{at.minute:02d}:{at.second:02d} {at.year}\n"
    )


def _noise(world: _World, length: int) -> str:
    start = world.rng.randrange(len(world.noise) - length)
    return world.noise[start : start + length]


def _folded(value: str, width: int = 72) -> str:
    return "\n\t".join(value[i : i + width] for i in range(0, len(value), width))


def _message_id(world: _World, domain: str) -> str:
    return f"<{_noise(world, 12)}.{world.rng.randrange(16**8):08x}@{domain}>".replace(
        "/", "_"
    ).replace("+", "-")


def _ip(rng: random.Random) -> str:
    return f"{rng.choice((198, 203, 192))}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def _transport_headers(world: _World, domain: str, at: datetime, *, inbound: bool) -> list[str]:
    """Received / authentication noise, sized like real mail (1-3 KB)."""
    if world.plain:
        return []
    rng = world.rng
    stamp = _rfc5322_date(at, "+0000")
    out: list[str] = []
    if inbound:
        out.append(f"Delivered-To: {OWNER}")
        out.append(
            f"Received: by 2002:a05:7208:{rng.randrange(65536):x}:b0:{rng.randrange(65536):x} with SMTP id "
            f"{_noise(world, 10)};\n        {stamp} (PST)"
        )
        out.append(
            f"X-Received: by 2002:a17:90a:{rng.randrange(65536):x} with SMTP id {_noise(world, 12)}.{rng.randrange(99)}."
            f"{rng.randrange(10**12)};\n        {stamp} (PST)"
        )
        if rng.random() < 0.6:
            out.append(
                f"ARC-Seal: i=1; a=rsa-sha256; t={int(at.timestamp())}; cv=none;\n        d=google.com; s=arc-20240605;\n        b={_folded(_noise(world, 340), 70)}"
            )
            out.append(
                "ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=google.com; s=arc-20240605;\n"
                "        h=to:subject:message-id:date:from:mime-version:dkim-signature;\n"
                f"        bh={_noise(world, 43)}=;\n        b={_folded(_noise(world, 340), 70)}"
            )
            out.append(
                f"ARC-Authentication-Results: i=1; mx.google.com;\n       dkim=pass header.i=@{domain};\n"
                f"       spf=pass (google.com: domain of sender@{domain} designates {_ip(rng)} as permitted sender)"
                f" smtp.mailfrom=sender@{domain};\n       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from={domain}"
            )
        for hop in range(rng.randint(1, 3)):
            out.append(
                f"Received: from mail{hop}.{domain} (mail{hop}.{domain}. [{_ip(rng)}])\n"
                f"        by mx.google.com with ESMTPS id {_noise(world, 20)}\n"
                f"        for <{OWNER}>\n        (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256);\n"
                f"        {stamp}"
            )
        out.append(
            f"Received-SPF: pass (google.com: domain of sender@{domain} designates {_ip(rng)} as permitted"
            f" sender) client-ip={_ip(rng)};"
        )
    else:
        out.append(
            f"Received: from [192.168.1.{rng.randrange(2, 250)}] ({_ip(rng)})\n"
            f"        by smtp.{OWNER_DOMAIN} with ESMTPSA id {_noise(world, 16)}\n"
            f"        for <multiple recipients>; {stamp}"
        )
    out.append(
        f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\n        d={domain}; s=s{rng.randrange(2020, 2027)};"
        f" t={int(at.timestamp())};\n        h=mime-version:from:date:message-id:subject:to:cc;\n"
        f"        bh={_noise(world, 43)}=;\n        b={_folded(_noise(world, 344), 70)}"
    )
    return out
