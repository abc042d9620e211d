// Backend Planner for VS Code: starts the language server (which finds TODO comments, offers
// "Plan this backend feature", hovers task trees, pushes plans) and adds the command palette,
// plan documents, a status bar item and the settings.
import * as vscode from 'vscode';
import { PlannerClient } from './client';
import { registerCommands } from './commands';
import { PlanDocuments, SCHEME } from './planDocuments';
import { changeEffect } from './settings';
import { StatusBar } from './statusBar';

let client: PlannerClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const documents = new PlanDocuments();
  client = new PlannerClient(context, documents);
  const planner = client;
  context.subscriptions.push(
    documents,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, documents),
    planner,
    new StatusBar(planner),
    ...registerCommands(planner, context.secrets),
    vscode.workspace.onDidChangeConfiguration((event) => {
      const effect = changeEffect((key) => event.affectsConfiguration(key));
      if (effect === 'restart') {
        void planner.restart('backendPlanner.python changed');
      } else if (effect === 'update') {
        void planner.sendSettings();
      }
    }),
    context.secrets.onDidChange((event) => {
      if (event.key.startsWith('backendPlanner.')) {
        void planner.sendSettings();
      }
    }),
  );
  watchPythonExtension(context, planner);
  await planner.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}

/** When the interpreter comes from the Python extension, follow it when the user switches. */
function watchPythonExtension(context: vscode.ExtensionContext, planner: PlannerClient): void {
  const extension = vscode.extensions.getExtension('ms-python.python');
  if (!extension) {
    return;
  }
  void Promise.resolve(extension.isActive ? extension.exports : extension.activate()).then(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (api: any) => {
      const event = api?.environments?.onDidChangeActiveEnvironmentPath;
      if (typeof event === 'function') {
        context.subscriptions.push(
          event(() => {
            if (planner.interpreter?.source === 'python-extension') {
              void planner.restart("the Python extension's interpreter changed");
            }
          }),
        );
      }
    },
    (error: unknown) => planner.log(`the Python extension did not activate: ${String(error)}`),
  );
}
