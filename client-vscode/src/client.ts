// Starts `<python> -m backend_planner lsp` with the right interpreter, keeps it in step with the
// settings, and is the one way the rest of the extension talks to the server.
import * as cp from 'child_process';
import * as os from 'os';
import * as vscode from 'vscode';
import {
  ClientCapabilities,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  StaticFeature,
  TransportKind,
} from 'vscode-languageclient/node';
import {
  chooseInterpreter,
  installCommand,
  installProblem,
  INSTALL_CHECK_SCRIPT,
  Interpreter,
  readInstallCheck,
  InstallCheck,
} from './interpreter';
import { openDocument, PlanDocuments, SCHEME } from './planDocuments';
import { openPlansAs, SECTION, serverSettings, ServerSettings } from './settings';

export const TOKEN_SECRET = 'backendPlanner.backend.token';
const INSTALL_CHECK_TIMEOUT_MS = 30_000;

/** `backendPlanner/analysis`: one workspace folder's analysis, sent by the server. */
export interface AnalysisEvent {
  folder: string;
  state: 'running' | 'done' | 'failed';
  summary?: string;
  services?: { path: string; kind: string; summary: string; endpoints?: number; entities?: number }[];
  error?: string;
}

export type ServerState =
  | { kind: 'starting' }
  | { kind: 'running'; version: string }
  | { kind: 'stopped' }
  | { kind: 'failed'; message: string };

/** Declares LSP 3.18 `workspace.textDocumentContent`, which this languageclient doesn't know:
 * our provider answers it (see PlanDocuments), so the server sends refreshes. */
class TextDocumentContentCapability implements StaticFeature {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    const workspace = (capabilities.workspace ??= {}) as Record<string, unknown>;
    workspace.textDocumentContent = { dynamicRegistration: false };
  }
  initialize(): void {}
  getState(): { kind: 'static' } {
    return { kind: 'static' };
  }
  clear(): void {}
}

export class PlannerClient implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Backend Planner');
  private client: LanguageClient | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly analysis = new vscode.EventEmitter<AnalysisEvent>();
  readonly onAnalysis = this.analysis.event;
  private readonly states = new vscode.EventEmitter<ServerState>();
  readonly onState = this.states.event;
  state: ServerState = { kind: 'stopped' };
  interpreter: Interpreter | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly documents: PlanDocuments,
  ) {}

  /** Start, stop and restart run one after another, never interleaved. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  start(): Promise<void> {
    return this.serial(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.serial(() => this.doStop());
  }

  restart(reason: string): Promise<void> {
    return this.serial(async () => {
      this.log(`restarting the server: ${reason}`);
      await this.doStop();
      await this.doStart();
    });
  }

  private setState(state: ServerState): void {
    this.state = state;
    this.states.fire(state);
  }

  log(message: string): void {
    this.output.appendLine(`[client ${new Date().toISOString()}] ${message}`);
  }

  private async doStart(): Promise<void> {
    if (this.client) {
      return;
    }
    this.setState({ kind: 'starting' });
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const interpreter = chooseInterpreter({
      setting: vscode.workspace.getConfiguration(SECTION, folder).get<string>('python'),
      pythonExtension: await pythonExtensionInterpreter(folder, (m) => this.log(m)),
      workspaceFolder: folder?.fsPath,
      home: os.homedir(),
      env: process.env,
      platform: process.platform,
    });
    this.interpreter = interpreter;
    this.log(`Python interpreter: ${interpreter.command} (${interpreter.source})`);
    const check = await checkInstall(interpreter.command);
    const problem = installProblem(interpreter, check);
    if (problem) {
      this.log(problem);
      this.setState({ kind: 'failed', message: problem });
      void this.offerFix(problem, interpreter, check);
      return;
    }
    const version = check.kind === 'ok' ? check.version : '?';
    this.log(`backend-planner ${version} found; starting the language server`);

    const serverOptions: ServerOptions = {
      command: interpreter.command,
      args: ['-m', 'backend_planner', 'lsp'],
      transport: TransportKind.stdio,
      options: { cwd: folder?.fsPath, env: { ...process.env } },
    };
    const clientOptions: LanguageClientOptions = {
      // Every language: the server finds TODOs in any file (a line-based fallback for unknown ones).
      documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
      outputChannel: this.output,
      initializationOptions: await this.serverSettings(),
      middleware: {
        window: {
          showDocument: async (params, next) => {
            if (!params.uri.startsWith(`${SCHEME}:`)) {
              const result = await next(params, new vscode.CancellationTokenSource().token);
              return 'success' in result ? result : { success: false };
            }
            const how = openPlansAs(vscode.workspace.getConfiguration(SECTION).get('openPlansAs'));
            return { success: await openDocument(vscode.Uri.parse(params.uri), how) };
          },
        },
      },
    };
    const client = new LanguageClient(SECTION, 'Backend Planner', serverOptions, clientOptions);
    client.registerFeature(new TextDocumentContentCapability());
    client.onNotification('backendPlanner/analysis', (event: AnalysisEvent) =>
      this.analysis.fire(event),
    );
    client.onRequest('workspace/textDocumentContent/refresh', (params: { uri: string }) => {
      this.documents.refresh(params.uri);
      return null;
    });
    client.onDidChangeState((event) => {
      if (this.client !== client) {
        return;
      }
      if (event.newState === State.Stopped) {
        this.setState({ kind: 'stopped' });
      } else if (event.newState === State.Running && this.state.kind === 'stopped') {
        // The language client restarted a crashed server by itself.
        this.setState({ kind: 'running', version });
      }
    });
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.client = undefined;
      const message = `Backend Planner: the language server did not start: ${String(error)}`;
      this.log(message);
      this.setState({ kind: 'failed', message });
      void vscode.window.showErrorMessage(message, 'Show log').then((choice) => {
        if (choice) {
          this.output.show();
        }
      });
      return;
    }
    this.documents.connect(async (uri) => {
      const result = await client.sendRequest<{ text: string }>('workspace/textDocumentContent', {
        uri,
      });
      return result?.text ?? '';
    });
    this.setState({ kind: 'running', version });
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.documents.connect(undefined);
    if (client) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.log(`the server did not stop cleanly: ${String(error)}`);
      }
    }
    this.setState({ kind: 'stopped' });
  }

  private async offerFix(problem: string, interpreter: Interpreter, check: InstallCheck) {
    const actions = ['Open Settings', 'Show log'];
    if (check.kind === 'not-installed') {
      actions.unshift('Copy install command');
    }
    const choice = await vscode.window.showErrorMessage(problem, ...actions);
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.python`);
    } else if (choice === 'Copy install command') {
      await vscode.env.clipboard.writeText(installCommand(interpreter));
    } else if (choice === 'Show log') {
      this.output.show();
    }
  }

  async serverSettings(): Promise<ServerSettings> {
    const config = vscode.workspace.getConfiguration(SECTION);
    const token = await this.context.secrets.get(TOKEN_SECRET);
    return serverSettings((key) => config.get(key), token);
  }

  /** Send the current settings to a running server (it applies them without a restart). */
  async sendSettings(): Promise<void> {
    if (this.client?.isRunning()) {
      await this.client.sendNotification('workspace/didChangeConfiguration', {
        settings: await this.serverSettings(),
      });
    }
  }

  /** Run one of the server's `backendPlanner.*` commands, starting the server if needed. */
  async command<T>(command: string, ...args: unknown[]): Promise<T> {
    if (!this.client?.isRunning()) {
      await this.start();
    }
    const client = this.client;
    if (!client?.isRunning()) {
      const reason = this.state.kind === 'failed' ? this.state.message : 'it is not running';
      throw new Error(`the Backend Planner server can't run the command: ${reason}`);
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }) as Promise<T>;
  }

  dispose(): void {
    void this.stop();
    this.analysis.dispose();
    this.states.dispose();
    this.output.dispose();
  }
}

/** The Python extension's active interpreter for `resource`, when that extension is installed. */
export async function pythonExtensionInterpreter(
  resource: vscode.Uri | undefined,
  log: (message: string) => void,
): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension('ms-python.python');
  if (!extension) {
    return undefined;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const api: any = extension.isActive ? extension.exports : await extension.activate();
    const environments = api?.environments;
    if (environments?.getActiveEnvironmentPath) {
      const active = environments.getActiveEnvironmentPath(resource);
      const resolved = await environments.resolveEnvironment?.(active);
      return resolved?.executable?.uri?.fsPath ?? active?.path;
    }
    return api?.settings?.getExecutionDetails?.(resource)?.execCommand?.[0];
  } catch (error) {
    log(`the Python extension did not give its interpreter: ${String(error)}`);
    return undefined;
  }
}

/** Run the interpreter once to see that backend-planner imports there. */
export function checkInstall(python: string): Promise<InstallCheck> {
  return new Promise((resolve) => {
    cp.execFile(
      python,
      ['-c', INSTALL_CHECK_SCRIPT],
      { timeout: INSTALL_CHECK_TIMEOUT_MS, env: process.env },
      (error, stdout, stderr) => {
        const code = error ? (error as NodeJS.ErrnoException & { code?: unknown }).code : 0;
        resolve(
          readInstallCheck(
            error ? { code } : null,
            typeof code === 'number' ? code : error ? null : 0,
            String(stdout),
            String(stderr),
          ),
        );
      },
    );
  });
}
