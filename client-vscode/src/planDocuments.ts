// `backend-plan:` documents (plans, task trees, stack analyses) are the server's: their text
// comes from `workspace/textDocumentContent` and they change when the server sends
// `workspace/textDocumentContent/refresh`. They open as markdown, in the preview if preferred.
import * as vscode from 'vscode';
import type { OpenPlansAs } from './settings';

export const SCHEME = 'backend-plan';

type ContentRequester = (uri: string) => Promise<string>;

export class PlanDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private requester: ContentRequester | undefined;

  /** Set by the client once the server runs; until then documents say so. */
  connect(requester: ContentRequester | undefined): void {
    this.requester = requester;
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.scheme === SCHEME) {
        this.changed.fire(doc.uri);
      }
    }
  }

  refresh(uri: string): void {
    this.changed.fire(vscode.Uri.parse(uri));
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    if (!this.requester) {
      return 'The Backend Planner server is not running (see "Backend Planner: Show server log").\n';
    }
    try {
      return await this.requester(uri.toString());
    } catch (error) {
      return `Could not read ${uri.toString()} from the Backend Planner server: ${String(error)}\n`;
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The plan id of a plan document — `backend-plan:/<id>/<title>.md|.json|.tree.md` or
 * `backend-plan:/<id>.md` — and undefined for other documents (the stack's). */
export function planIdOf(uri: vscode.Uri | undefined): string | undefined {
  if (!uri || uri.scheme !== SCHEME) {
    return undefined;
  }
  const [first, ...rest] = uri.path.replace(/^\/+/, '').split('/');
  const id = rest.length ? first : first.split('.')[0];
  return /^[0-9a-f]{16}$/.test(id) ? id : undefined;
}

export async function openDocument(uri: vscode.Uri, how: OpenPlansAs): Promise<boolean> {
  const doc = await vscode.workspace.openTextDocument(uri);
  if (doc.languageId !== 'markdown' && uri.path.endsWith('.md')) {
    await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
  }
  if (how === 'preview') {
    await vscode.commands.executeCommand('markdown.showPreview', uri);
    return true;
  }
  await vscode.window.showTextDocument(doc, { preview: false });
  if (how === 'editorAndPreview') {
    await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
  }
  return true;
}
