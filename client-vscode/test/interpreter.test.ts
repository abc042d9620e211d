import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import * as path from 'path';
import {
  chooseInterpreter,
  expandPath,
  installCommand,
  installProblem,
  readInstallCheck,
} from '../src/interpreter';

const home = path.join(path.sep, 'home', 'ana');
const folder = path.join(path.sep, 'src', 'shop');

test('the setting wins over the Python extension and the default', () => {
  const chosen = chooseInterpreter({
    setting: '/opt/py/bin/python',
    pythonExtension: '/venv/bin/python',
    platform: 'linux',
  });
  assert.deepEqual(chosen, { command: '/opt/py/bin/python', source: 'setting' });
});

test("without a setting the Python extension's active interpreter is used", () => {
  const chosen = chooseInterpreter({ setting: '  ', pythonExtension: '/venv/bin/python' });
  assert.deepEqual(chosen, { command: '/venv/bin/python', source: 'python-extension' });
});

test('without either: python3, or python on Windows', () => {
  assert.deepEqual(chooseInterpreter({ platform: 'linux' }), { command: 'python3', source: 'default' });
  assert.deepEqual(chooseInterpreter({ platform: 'darwin', pythonExtension: '' }), {
    command: 'python3',
    source: 'default',
  });
  assert.equal(chooseInterpreter({ platform: 'win32' }).command, 'python');
});

test('variables, ~ and relative paths in the setting are expanded', () => {
  const inputs = { workspaceFolder: folder, home, env: { PYENV: '/pyenv' } };
  assert.equal(
    expandPath('${workspaceFolder}/.venv/bin/python', inputs),
    path.join(folder, '.venv', 'bin', 'python'),
  );
  assert.equal(expandPath('~/.venvs/bp/bin/python', inputs), path.join(home, '.venvs/bp/bin/python'));
  assert.equal(expandPath('${userHome}/py', inputs), `${home}/py`);
  assert.equal(expandPath('${env:PYENV}/shims/python', inputs), '/pyenv/shims/python');
  assert.equal(expandPath('${env:MISSING}python3', inputs), 'python3');
  assert.equal(expandPath('.venv/bin/python', inputs), path.join(folder, '.venv/bin/python'));
  // A bare command name stays a name: it is looked up on PATH.
  assert.equal(expandPath('python3.12', inputs), 'python3.12');
  assert.equal(chooseInterpreter({ setting: '.venv/bin/python', workspaceFolder: folder }).command,
    path.join(folder, '.venv/bin/python'));
});

test('the install check tells a missing interpreter, a missing package, a failure and success', () => {
  assert.deepEqual(readInstallCheck({ code: 'ENOENT' }, null, '', ''), {
    kind: 'no-interpreter',
    detail: 'not found',
  });
  assert.deepEqual(
    readInstallCheck({ code: 3 }, 3, "missing:No module named 'backend_planner'\n", ''),
    { kind: 'not-installed', detail: "No module named 'backend_planner'" },
  );
  assert.deepEqual(readInstallCheck(null, 0, '0.1.0 3.11.7\n', ''), {
    kind: 'ok',
    version: '0.1.0',
    python: '3.11.7',
  });
  const failed = readInstallCheck({ code: 1 }, 1, '', 'Traceback...\nSyntaxError: bad\n');
  assert.equal(failed.kind, 'failed');
  assert.match(failed.kind === 'failed' ? failed.detail : '', /SyntaxError: bad/);
});

test('the message for a missing package names the interpreter, where it came from, and the fix', () => {
  const interpreter = { command: '/usr/bin/python3', source: 'default' as const };
  const message = installProblem(interpreter, { kind: 'not-installed', detail: 'No module' });
  assert.ok(message);
  assert.match(message, /backend-planner is not installed for \/usr\/bin\/python3 \(the default\)/);
  assert.match(message, /\/usr\/bin\/python3 -m pip install backend-planner/);
  assert.match(message, /backendPlanner\.python/);
  assert.equal(installProblem(interpreter, { kind: 'ok', version: '0.1.0', python: '3.11' }), undefined);
  const missing = installProblem(
    { command: '/nope/python', source: 'setting' },
    { kind: 'no-interpreter', detail: 'not found' },
  );
  assert.match(missing ?? '', /\/nope\/python \(from the setting backendPlanner\.python\) was not found/);
});

test('an interpreter path with spaces is quoted in the install command', () => {
  assert.equal(
    installCommand({ command: 'C:\\Program Files\\Python\\python.exe', source: 'setting' }),
    '"C:\\Program Files\\Python\\python.exe" -m pip install backend-planner',
  );
});
