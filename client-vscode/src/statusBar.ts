// The status bar item: the server's state, analysis progress, then the detected stack of the
// active editor's workspace folder. Clicking it shows the stack analysis.
import * as vscode from 'vscode';
import type { AnalysisEvent, PlannerClient, ServerState } from './client';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'backendPlanner.status',
    vscode.StatusBarAlignment.Left,
    10,
  );
  private readonly folders = new Map<string, AnalysisEvent>();
  private server: ServerState = { kind: 'stopped' };
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(client: PlannerClient) {
    this.item.name = 'Backend Planner';
    this.subscriptions.push(
      client.onState((state) => {
        this.server = state;
        if (state.kind !== 'running') {
          this.folders.clear();
        }
        this.render();
      }),
      client.onAnalysis((event) => {
        this.folders.set(normalise(event.folder), event);
        this.render();
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
    );
    this.render();
    this.item.show();
  }

  /** The analysis to show: the active editor's folder, else any folder still running, else the first. */
  private current(): AnalysisEvent | undefined {
    const active = vscode.window.activeTextEditor?.document.uri;
    const folder = active ? vscode.workspace.getWorkspaceFolder(active) : undefined;
    if (folder) {
      const event = this.folders.get(normalise(folder.uri.toString()));
      if (event) {
        return event;
      }
    }
    const all = [...this.folders.values()];
    return all.find((e) => e.state === 'running') ?? all[0];
  }

  private render(): void {
    const item = this.item;
    item.command = 'backend-planner.showStack';
    item.backgroundColor = undefined;
    switch (this.server.kind) {
      case 'starting':
        item.text = '$(loading~spin) Backend Planner';
        item.tooltip = 'Backend Planner: starting the language server…';
        return;
      case 'stopped':
        item.text = '$(circle-slash) Backend Planner';
        item.tooltip = 'Backend Planner: the server is stopped. Click to restart.';
        item.command = 'backend-planner.restartServer';
        return;
      case 'failed':
        item.text = '$(error) Backend Planner';
        item.tooltip = this.server.message;
        item.command = 'backend-planner.showLog';
        item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        return;
      case 'running':
        break;
    }
    const event = this.current();
    const folderName = event ? vscode.Uri.parse(event.folder).path.split('/').pop() : undefined;
    if (!event) {
      const folders = vscode.workspace.workspaceFolders?.length ?? 0;
      item.text = '$(server-process) Backend Planner';
      item.tooltip = folders
        ? `Backend Planner ${this.server.version}: waiting for the workspace analysis`
        : `Backend Planner ${this.server.version}: open a folder to analyse its stack`;
    } else if (event.state === 'running') {
      item.text = `$(loading~spin) Analysing ${folderName}…`;
      item.tooltip = `Backend Planner: analysing the stack of ${folderName}`;
    } else if (event.state === 'failed') {
      item.text = '$(warning) Backend Planner';
      item.tooltip = `Backend Planner: the analysis of ${folderName} failed: ${event.error ?? ''}`;
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else {
      item.text = `$(server-process) ${event.summary ?? folderName}`;
      const services = (event.services ?? [])
        .map((s) => `- ${s.kind} \`${s.path}\`: ${s.summary}${codeMap(s)}`)
        .join('\n');
      item.tooltip = new vscode.MarkdownString(
        `**Backend Planner** — stack of \`${folderName}\`\n\n${services}\n\nClick to show the stack analysis.`,
      );
    }
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.item.dispose();
  }
}

/** Folder URIs from the server and from VS Code may differ in escaping (`%3A`, trailing `/`). */
function normalise(uri: string): string {
  return vscode.Uri.parse(uri).toString().replace(/\/$/, '');
}

/** ` — 12 endpoints, 2 entities` for a backend with a code map. */
function codeMap(service: { kind: string; endpoints?: number; entities?: number }): string {
  if (service.kind !== 'backend' || service.endpoints === undefined) {
    return '';
  }
  const endpoints = service.endpoints === 1 ? '1 endpoint' : `${service.endpoints} endpoints`;
  const n = service.entities ?? 0;
  return ` — ${endpoints}, ${n === 1 ? '1 entity' : `${n} entities`}`;
}
