"""A parsing worker: `python -m connectors.files.parseworker`, fed by `connectors.files.parallel`.

Reads length-prefixed pickled (function name, batch) requests on stdin and answers each with a
length-prefixed pickled result on stdout, in order, until stdin closes. Only the parent process
writes to it, so unpickling its requests is safe.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Callable
from typing import Any

from connectors.files import batches
from connectors.files.frames import read_frame, write_frame

FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "parse_blocks": batches.parse_blocks,
    "read_and_parse": batches.read_and_parse,
}


def main() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while (frame := read_frame(stdin)) is not None:
        name, batch = pickle.loads(frame)
        try:
            answer: tuple[bool, Any] = (True, batches.pack(FUNCTIONS[name](batch)))
        except Exception as exc:  # reported to the parent, which parses that batch itself
            answer = (False, f"{type(exc).__name__}: {exc}")
        write_frame(stdout, pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    main()
