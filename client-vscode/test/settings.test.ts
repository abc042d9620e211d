import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { changeEffect, openPlansAs, serverSettings } from '../src/settings';

const reader = (values: Record<string, unknown>) => (key: string) => values[key];

test('VS Code settings become the server settings object', () => {
  const settings = serverSettings(
    reader({
      python: '/venv/bin/python',
      todoMarkers: ['TODO', 'HACK'],
      'backend.command': [],
      'backend.url': ' http://127.0.0.1:8765/mcp ',
      projectId: 'shop',
      skillFolders: ['skills', 'acme/skills=vendor/skills'],
      debounceMs: 150,
      statusCacheSeconds: 5,
      maxFileBytes: 1000,
      openPlansAs: 'preview',
    }),
    'secret-token',
  );
  assert.deepEqual(settings, {
    todoMarkers: ['TODO', 'HACK'],
    backend: { url: 'http://127.0.0.1:8765/mcp', token: 'secret-token' },
    projectId: 'shop',
    skillFolders: ['skills', 'acme/skills=vendor/skills'],
    debounceMs: 150,
    statusCacheSeconds: 5,
    maxFileBytes: 1000,
  });
});

test('empty values are left out so the server defaults apply', () => {
  const settings = serverSettings(
    reader({ todoMarkers: [], 'backend.command': [], 'backend.url': '', projectId: '  ', skillFolders: [] }),
    undefined,
  );
  assert.deepEqual(settings, {});
});

test('a stdio backend command is passed as words; the token only goes with a URL', () => {
  const settings = serverSettings(
    reader({ 'backend.command': 'backend-planner tasks serve --db /tmp/t.db' }),
    'secret-token',
  );
  assert.deepEqual(settings, {
    backend: { command: ['backend-planner', 'tasks', 'serve', '--db', '/tmp/t.db'] },
  });
});

test('a value of the wrong type reaches the server, which names the bad key', () => {
  const settings = serverSettings(reader({ debounceMs: 'soon', todoMarkers: 'TODO' }));
  assert.deepEqual(settings, { debounceMs: 'soon', todoMarkers: 'TODO' });
});

test('changing the interpreter restarts the server; server settings are sent; client ones are not', () => {
  const affects = (...changed: string[]) => (key: string) =>
    changed.some((c) => c === key || c.startsWith(`${key}.`));
  assert.equal(changeEffect(affects('backendPlanner.python')), 'restart');
  assert.equal(changeEffect(affects('backendPlanner.todoMarkers')), 'update');
  assert.equal(changeEffect(affects('backendPlanner.backend.url')), 'update');
  assert.equal(changeEffect(affects('backendPlanner.openPlansAs')), 'none');
  assert.equal(changeEffect(affects('backendPlanner.trace.server')), 'none');
  assert.equal(changeEffect(affects('editor.fontSize')), 'none');
});

test('openPlansAs falls back to the editor', () => {
  assert.equal(openPlansAs('preview'), 'preview');
  assert.equal(openPlansAs('editorAndPreview'), 'editorAndPreview');
  assert.equal(openPlansAs('sideways'), 'editor');
  assert.equal(openPlansAs(undefined), 'editor');
});
