"""Loopback fakes of the providers, shared by the tests and the benchmarks (not shipped).

`fakes.google` serves Gmail and Calendar, `fakes.graph` Microsoft Graph, both in the shapes and
with the documented behaviour of the real services (each behaviour names its source);
`fakes.google_sync` and `fakes.graph_sync` drive the real connectors against them and count.
"""
