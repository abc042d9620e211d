// Which Python runs the language server, and what to tell the user when it can't.
// Pure (no `vscode` import) so node's test runner can check every rule.
import * as path from 'path';

export type InterpreterSource = 'setting' | 'python-extension' | 'default';

export interface Interpreter {
  /** The executable to run (`<python> -m backend_planner lsp`). */
  command: string;
  source: InterpreterSource;
}

export interface InterpreterInputs {
  /** `backendPlanner.python` as the user wrote it (may be empty). */
  setting?: string;
  /** The Python extension's active interpreter, when that extension is installed. */
  pythonExtension?: string;
  /** First workspace folder, for `${workspaceFolder}` and relative paths. */
  workspaceFolder?: string;
  home?: string;
  env?: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
}

/** setting → the Python extension's active interpreter → python3 (python on Windows). */
export function chooseInterpreter(inputs: InterpreterInputs): Interpreter {
  const setting = inputs.setting?.trim();
  if (setting) {
    return { command: expandPath(setting, inputs), source: 'setting' };
  }
  const fromExtension = inputs.pythonExtension?.trim();
  if (fromExtension) {
    return { command: fromExtension, source: 'python-extension' };
  }
  return { command: inputs.platform === 'win32' ? 'python' : 'python3', source: 'default' };
}

/** `${workspaceFolder}`, `${userHome}`, `${env:NAME}`, a leading `~`; a relative path with a
 * separator is taken from the workspace folder (a bare name like `python3.12` is looked up on PATH). */
export function expandPath(value: string, inputs: InterpreterInputs): string {
  const env = inputs.env ?? {};
  let result = value
    .replace(/\$\{workspaceFolder\}/g, inputs.workspaceFolder ?? '')
    .replace(/\$\{userHome\}/g, inputs.home ?? '')
    .replace(/\$\{env:([^}]+)\}/g, (_, name: string) => env[name] ?? '');
  if (inputs.home && (result === '~' || result.startsWith('~/') || result.startsWith('~\\'))) {
    result = path.join(inputs.home, result.slice(1));
  }
  const hasSeparator = result.includes('/') || result.includes('\\');
  if (hasSeparator && !path.isAbsolute(result) && inputs.workspaceFolder) {
    result = path.join(inputs.workspaceFolder, result);
  }
  return result;
}

export const INSTALL_CHECK_SCRIPT =
  'import sys\n' +
  'try:\n' +
  '    import backend_planner\n' +
  'except ImportError as exc:\n' +
  '    print("missing:" + str(exc)); sys.exit(3)\n' +
  'print(backend_planner.__version__ + " " + sys.version.split()[0])\n';

/** What running INSTALL_CHECK_SCRIPT with the interpreter gave. */
export type InstallCheck =
  | { kind: 'ok'; version: string; python: string }
  | { kind: 'no-interpreter'; detail: string }
  | { kind: 'not-installed'; detail: string }
  | { kind: 'failed'; detail: string };

export function readInstallCheck(
  error: { code?: unknown } | null,
  exitCode: number | null,
  stdout: string,
  stderr: string,
): InstallCheck {
  if (error && error.code === 'ENOENT') {
    return { kind: 'no-interpreter', detail: 'not found' };
  }
  if (error && error.code === 'EACCES') {
    return { kind: 'no-interpreter', detail: 'not executable' };
  }
  const out = stdout.trim();
  if (exitCode === 3 && out.startsWith('missing:')) {
    return { kind: 'not-installed', detail: out.slice('missing:'.length).trim() };
  }
  if (exitCode === 0 && out) {
    const [version, python] = out.split(/\s+/);
    return { kind: 'ok', version, python: python ?? '' };
  }
  const detail = (stderr.trim() || out || `exit code ${exitCode}`).split('\n').slice(-3).join(' ');
  return { kind: 'failed', detail };
}

const SOURCE_TEXT: Record<InterpreterSource, string> = {
  setting: 'from the setting backendPlanner.python',
  'python-extension': "the Python extension's active interpreter",
  default: 'the default',
};

/** One clear message with the fix, or undefined when the server can start. */
export function installProblem(interpreter: Interpreter, check: InstallCheck): string | undefined {
  const where = `${interpreter.command} (${SOURCE_TEXT[interpreter.source]})`;
  switch (check.kind) {
    case 'ok':
      return undefined;
    case 'no-interpreter':
      return (
        `Backend Planner: the Python interpreter ${where} was ${check.detail}. ` +
        'Set "backendPlanner.python" to a Python (3.10 or newer) that has backend-planner installed.'
      );
    case 'not-installed':
      return (
        `Backend Planner: backend-planner is not installed for ${where}. ` +
        `Install it with: ${installCommand(interpreter)} — or set "backendPlanner.python" ` +
        'to an interpreter that has it.'
      );
    case 'failed':
      return `Backend Planner: could not run ${where}: ${check.detail}`;
  }
}

export function installCommand(interpreter: Interpreter): string {
  const python = /\s/.test(interpreter.command) ? `"${interpreter.command}"` : interpreter.command;
  return `${python} -m pip install backend-planner`;
}
