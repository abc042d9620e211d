"""The language server (`backend-planner lsp`): plans from TODO comments, plan documents,
task-tree hovers and pushes through MCP. One module per feature, each with `register(server)`."""
