"""Connectors: one package per provider, each implementing `keepwarm.ports.Connector`."""
