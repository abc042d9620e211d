// Command palette: what the editor adds around the server's `backendPlanner.*` commands
// (input boxes, pickers, progress). The server does the work and opens the documents.
import * as vscode from 'vscode';
import { PlannerClient, TOKEN_SECRET } from './client';
import { planIdOf } from './planDocuments';

/** One saved plan (`.backend-planner/plans/<slug>.md`) as `backendPlanner.listSavedPlans` returns it. */
interface SavedPlanSummary {
  slug: string;
  request: string;
  folder: string;
  path: string | null;
  line: number | null;
  commit: string | null;
  taskId: string | null;
  drift: string[];
}

/** One plan as `backendPlanner.listPlans` returns it. */
interface PlanSummary {
  planId: string;
  request: string;
  folder: string;
  path: string | null;
  line: number | null;
  pushed: boolean;
  stale: boolean;
  taskId: string | null;
}

export function registerCommands(
  client: PlannerClient,
  secrets: vscode.SecretStorage,
): vscode.Disposable[] {
  const guarded = (title: string, run: () => Promise<unknown>) => async () => {
    try {
      await run();
    } catch (error) {
      client.log(`${title} failed: ${String(error)}`);
      const message = error instanceof Error ? error.message : String(error);
      void vscode.window.showErrorMessage(`Backend Planner: ${title}: ${message}`);
    }
  };
  const register = (id: string, title: string, run: () => Promise<unknown>) =>
    vscode.commands.registerCommand(id, guarded(title, run));

  return [
    register('backend-planner.planFeature', 'Plan a backend feature', () => planFeature(client)),
    register('backend-planner.openPlan', 'Open plan', async () => {
      const plan = await pickPlan(client, 'Open which plan?', () => true);
      if (plan) {
        await client.command('backendPlanner.openPlan', plan.planId);
      }
    }),
    register('backend-planner.openSavedPlan', 'Open saved plan', () => openSavedPlan(client)),
    register('backend-planner.pushPlan', 'Push plan to task backend', async () => {
      const plan = await pickPlan(client, 'Push which plan to the task backend?', () => true);
      if (plan) {
        await progress(`Pushing “${short(plan.request)}” to the task backend…`, () =>
          client.command('backendPlanner.pushPlan', plan.planId),
        );
      }
    }),
    register('backend-planner.showTaskTree', 'Show task tree', async () => {
      const plan = await pickPlan(
        client,
        'Show the task tree of which plan?',
        (p) => p.pushed,
        ' pushed to the task backend',
      );
      if (plan) {
        await progress('Reading the task statuses…', () =>
          client.command('backendPlanner.openTaskTree', plan.planId),
        );
      }
    }),
    register('backend-planner.showStack', 'Show stack analysis', async () => {
      const folder = await pickFolder('Show the stack of which folder?');
      if (folder) {
        await client.command('backendPlanner.showStack', folder.uri.toString());
      }
    }),
    register('backend-planner.showApiMap', 'Show API map', async () => {
      const folder = await pickFolder('Show the API map of which folder?');
      if (folder) {
        await client.command('backendPlanner.showApiMap', folder.uri.toString());
      }
    }),
    register('backend-planner.restartServer', 'Restart server', () =>
      client.restart('asked from the command palette'),
    ),
    register('backend-planner.showLog', 'Show server log', async () => client.output.show()),
    register('backend-planner.setBackendToken', 'Set task backend token', () => setToken(client, secrets)),
  ];
}

async function planFeature(client: PlannerClient): Promise<void> {
  const request = await vscode.window.showInputBox({
    title: 'Backend Planner: Plan a backend feature',
    prompt: 'Describe the feature; the plan follows this workspace’s stack and conventions.',
    placeHolder: 'Build subscription API with Stripe',
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() ? undefined : 'Describe the feature to plan.'),
  });
  if (!request?.trim()) {
    return;
  }
  const folder = await pickFolder('Plan it in which folder?');
  if (!folder) {
    return;
  }
  // The active file tells the server which service of a monorepo the request is for.
  const active = vscode.window.activeTextEditor?.document.uri;
  const origin = active?.scheme === 'file' ? active.toString() : null;
  await progress(`Planning “${short(request)}”…`, () =>
    client.command('backendPlanner.planFeature', request.trim(), folder.uri.toString(), origin),
  );
}

/** The active editor's folder; a picker when there are several and no editor decides. */
async function pickFolder(placeHolder: string): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    throw new Error('open a folder first: plans follow a workspace’s stack');
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  const owner = active ? vscode.workspace.getWorkspaceFolder(active) : undefined;
  if (owner) {
    return owner;
  }
  if (folders.length === 1) {
    return folders[0];
  }
  return vscode.window.showWorkspaceFolderPick({ placeHolder });
}

/** The plan of the active `backend-plan:` document, else one the user picks. */
async function pickPlan(
  client: PlannerClient,
  placeHolder: string,
  eligible: (plan: PlanSummary) => boolean,
  what = '',
): Promise<PlanSummary | undefined> {
  const plans = ((await client.command<PlanSummary[] | null>('backendPlanner.listPlans')) ?? []).filter(
    eligible,
  );
  const activeId = planIdOf(vscode.window.activeTextEditor?.document.uri);
  const active = plans.find((p) => p.planId === activeId);
  if (active) {
    return active;
  }
  if (plans.length === 0) {
    void vscode.window.showInformationMessage(
      `Backend Planner: no plan${what} yet. Use “Plan this backend feature” on a TODO comment, ` +
        'or “Backend Planner: Plan a backend feature…”.',
    );
    return undefined;
  }
  const items = plans.map((plan) => ({
    label: plan.request.replace(/\s+/g, ' ').trim(),
    description: plan.path ? `${plan.path}:${(plan.line ?? 0) + 1}` : 'typed request',
    detail: [plan.pushed ? `pushed (task ${plan.taskId})` : 'not pushed', plan.stale ? 'stale' : '']
      .filter(Boolean)
      .join(' · '),
    plan,
  }));
  const picked = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true });
  return picked?.plan;
}

/** The plans saved in the workspace folders (from disk, any checkout), picked and opened. */
async function openSavedPlan(client: PlannerClient): Promise<void> {
  const plans = (await client.command<SavedPlanSummary[] | null>('backendPlanner.listSavedPlans')) ?? [];
  if (plans.length === 0) {
    void vscode.window.showInformationMessage(
      'Backend Planner: no saved plan in .backend-planner/plans yet. Use “Save plan to workspace” on a planned TODO.',
    );
    return;
  }
  const items = plans.map((plan) => ({
    label: plan.request.replace(/\s+/g, ' ').trim(),
    description: plan.path ? `${plan.path}:${(plan.line ?? 0) + 1}` : plan.slug,
    detail: [
      `.backend-planner/plans/${plan.slug}.md`,
      plan.commit ? `commit ${plan.commit.slice(0, 7)}` : '',
      plan.taskId ? `task ${plan.taskId}` : '',
      plan.drift.length ? `${plan.drift.length} drift` : '',
    ]
      .filter(Boolean)
      .join(' · '),
    plan,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    placeHolder: 'Open which saved plan?',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (picked) {
    await client.command('backendPlanner.openSavedPlan', picked.plan.slug, picked.plan.folder);
  }
}

async function setToken(client: PlannerClient, secrets: vscode.SecretStorage): Promise<void> {
  const token = await vscode.window.showInputBox({
    title: 'Backend Planner: task backend token',
    prompt: 'Bearer token of the task backend at backendPlanner.backend.url (empty: remove it).',
    password: true,
    ignoreFocusOut: true,
  });
  if (token === undefined) {
    return;
  }
  if (token.trim()) {
    await secrets.store(TOKEN_SECRET, token.trim());
  } else {
    await secrets.delete(TOKEN_SECRET);
  }
  await client.sendSettings();
  void vscode.window.showInformationMessage(
    token.trim() ? 'Backend Planner: token saved in the secret storage.' : 'Backend Planner: token removed.',
  );
}

function progress<T>(title: string, work: () => Promise<T>): Thenable<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: false },
    work,
  );
}

function short(text: string, width = 48): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}
