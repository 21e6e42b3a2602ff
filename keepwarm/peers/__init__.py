"""Peer detection: pure, explainable functions over interactions (DESIGN.md §5).

`detect` folds every interaction into per-mailbox evidence (`evidence`), labels each address
(`classify`), merges the mailboxes of one human (`identity`) and stages the peers (`stages`).
No clock, no I/O: `now` and every list (free-mail domains, block list, aliases) arrive in the
`DetectionPolicy`.
"""

from keepwarm.peers.addresses import domain_of, normalise
from keepwarm.peers.classify import AUTOMATED_LOCAL, Labeller, classify
from keepwarm.peers.detection import detect
from keepwarm.peers.policy import ROLE_LOCAL_PARTS, DetectionPolicy
from keepwarm.peers.signals import automated_signals

__all__ = [
    "AUTOMATED_LOCAL",
    "ROLE_LOCAL_PARTS",
    "DetectionPolicy",
    "Labeller",
    "automated_signals",
    "classify",
    "detect",
    "domain_of",
    "normalise",
]
