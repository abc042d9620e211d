-- Drive `backend-planner lsp` with Neovim's built-in LSP client (headless).
-- Usage: nvim --headless -u NONE -l lsp_client.lua PYTHON WORKSPACE FILE TODO_LINE
-- Prints one JSON line (what the server answered) and exits 0; on failure prints a message
-- to stderr and exits 1.
local python, root, file, todo_line = arg[1], arg[2], arg[3], tonumber(arg[4])
local TIMEOUT = 60000

local function fail(message)
  io.stderr:write('nvim client: ' .. message .. '\n')
  vim.cmd('cquit 1')
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  vim.bo.filetype = 'go'
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start({
    name = 'backend-planner',
    cmd = { python, '-m', 'backend_planner', 'lsp' },
    root_dir = root,
    init_options = { todoMarkers = { 'TODO', 'FIXME' } },
  }, { bufnr = bufnr })
  if not client_id then return fail('vim.lsp.start returned nil') end
  if not vim.wait(TIMEOUT, function()
    local c = vim.lsp.get_client_by_id(client_id)
    return c ~= nil and c.initialized and vim.lsp.buf_is_attached(bufnr, client_id)
  end, 50) then
    return fail('the server did not initialize')
  end
  local client = vim.lsp.get_client_by_id(client_id)
  local caps = client.server_capabilities
  if not (caps.workspace and caps.workspace.textDocumentContent) then
    return fail('no workspace.textDocumentContent capability: ' .. vim.inspect(caps.workspace))
  end

  local function request(method, params)
    local response, request_err = client:request_sync(method, params, TIMEOUT, bufnr)
    if not response then fail(method .. ': no response (' .. tostring(request_err) .. ')') end
    if response.err then fail(method .. ': ' .. vim.inspect(response.err)) end
    return response.result
  end

  local uri = vim.uri_from_bufnr(bufnr)
  local actions = request('textDocument/codeAction', {
    textDocument = { uri = uri },
    range = { start = { line = todo_line, character = 0 }, ['end'] = { line = todo_line, character = 0 } },
    context = { diagnostics = {} },
  }) or {}
  local plan_action
  for _, action in ipairs(actions) do
    if action.title == 'Plan this backend feature' then plan_action = action end
  end
  if not plan_action then return fail('no "Plan this backend feature" in ' .. vim.inspect(actions)) end

  local planned = request('workspace/executeCommand', {
    command = plan_action.command.command,
    arguments = plan_action.command.arguments,
  })
  if type(planned) ~= 'table' or not planned.uri then
    return fail('the plan command answered ' .. vim.inspect(planned))
  end
  local markdown = request('workspace/textDocumentContent', { uri = planned.uri })
  local payload = request('workspace/textDocumentContent', { uri = planned.jsonUri })
  local hover = request('textDocument/hover', {
    textDocument = { uri = uri },
    position = { line = todo_line, character = 5 },
  })
  local after = request('textDocument/codeAction', {
    textDocument = { uri = uri },
    range = { start = { line = todo_line, character = 0 }, ['end'] = { line = todo_line, character = 0 } },
    context = { diagnostics = {} },
  }) or {}
  local titles = {}
  for _, action in ipairs(after) do table.insert(titles, action.title) end
  -- The server asked Neovim to show the plan document (window/showDocument).
  local shown = vim.fn.bufnr(planned.uri) ~= -1
  io.stdout:write(vim.json.encode({
    titles = titles,
    planned = planned,
    shown = shown,
    markdown = markdown.text,
    payload = vim.json.decode(payload.text),
    hover = hover and hover.contents.value or vim.NIL,
  }) .. '\n')
  client:stop()
  vim.wait(5000, function() return client:is_stopped() end, 50)
end)
if not ok then fail(tostring(err)) end
vim.cmd('qall!')
