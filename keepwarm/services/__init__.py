"""Use cases: sync an account, detect people, draft follow-ups, run the queue, deliver.

Services wire the store, the connectors and the pure domain. The CLI, the web page and the
Prefect tasks call them; they never import Prefect or a surface.
"""

from keepwarm.services.workspace import Workspace, open_workspace

__all__ = ["Workspace", "open_workspace"]
