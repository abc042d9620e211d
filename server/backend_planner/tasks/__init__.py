"""The MCP task backend: skills registry, tasks with dependencies and sub-tasks, storage.

The library (models, validation, store, skills, tree) is usable without MCP; `server.py` is
the thin MCP face over it.
"""
