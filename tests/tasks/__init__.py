"""Tests of the MCP task backend (library level; end-to-end tests live in tests/e2e)."""
