// VS Code settings (`backendPlanner.*`) → the language server's settings object, sent as
// `initializationOptions` and with `workspace/didChangeConfiguration`.
// Pure (no `vscode` import) so node's test runner can check the mapping.

export const SECTION = 'backendPlanner';

/** Settings that change how the server process starts: changing one restarts the server. */
export const RESTART_SETTINGS = ['python'];
/** Settings only the extension reads; the server never sees them. */
export const CLIENT_SETTINGS = ['python', 'openPlansAs', 'trace'];

export interface ServerSettings {
  todoMarkers?: string[];
  backend?: { command?: string[]; url?: string; token?: string };
  projectId?: string;
  skillFolders?: string[];
  debounceMs?: number;
  statusCacheSeconds?: number;
  maxFileBytes?: number;
}

/** Reads one setting under `backendPlanner.` (like `WorkspaceConfiguration.get`). */
export type SettingReader = (key: string) => unknown;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

function words(value: unknown): string[] | undefined {
  if (typeof value === 'string') {
    // A hand-written string in settings.json: shell-like words (no quoting rules beyond spaces).
    const split = value.trim().split(/\s+/).filter(Boolean);
    return split.length ? split : undefined;
  }
  if (Array.isArray(value)) {
    const items = value.filter((v): v is string => typeof v === 'string' && v.trim() !== '');
    return items.length ? items.map((v) => v.trim()) : undefined;
  }
  return undefined;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * The server's settings object. Empty values are left out (the server's default applies);
 * values of the wrong type are passed through so the server names the bad key in its message.
 */
export function serverSettings(read: SettingReader, token?: string): ServerSettings {
  const settings: ServerSettings = {};
  const markers = read('todoMarkers');
  const emptyList = Array.isArray(markers) && markers.length === 0;
  if (markers !== undefined && markers !== null && !emptyList) {
    settings.todoMarkers = markers as string[];
  }
  const backend: NonNullable<ServerSettings['backend']> = {};
  const command = words(read('backend.command'));
  if (command) {
    backend.command = command;
  }
  const url = text(read('backend.url'));
  if (url) {
    backend.url = url;
  }
  const secret = text(token);
  if (secret && url) {
    backend.token = secret;
  }
  if (Object.keys(backend).length) {
    settings.backend = backend;
  }
  const projectId = text(read('projectId'));
  if (projectId) {
    settings.projectId = projectId;
  }
  const skillFolders = words(read('skillFolders'));
  if (skillFolders) {
    settings.skillFolders = skillFolders;
  }
  for (const key of ['debounceMs', 'statusCacheSeconds', 'maxFileBytes'] as const) {
    const raw = read(key);
    const value = numberOf(raw);
    if (value !== undefined) {
      settings[key] = value;
    } else if (raw !== undefined && raw !== null) {
      (settings as Record<string, unknown>)[key] = raw;
    }
  }
  return settings;
}

/** What a configuration change asks for: restart the server, send it the settings, or nothing. */
export function changeEffect(affects: (setting: string) => boolean): 'restart' | 'update' | 'none' {
  if (RESTART_SETTINGS.some((key) => affects(`${SECTION}.${key}`))) {
    return 'restart';
  }
  if (!affects(SECTION)) {
    return 'none';
  }
  const onlyClient = CLIENT_SETTINGS.some((key) => affects(`${SECTION}.${key}`));
  const serverKeys = [
    'todoMarkers',
    'backend',
    'projectId',
    'skillFolders',
    'debounceMs',
    'statusCacheSeconds',
    'maxFileBytes',
  ];
  if (serverKeys.some((key) => affects(`${SECTION}.${key}`))) {
    return 'update';
  }
  return onlyClient ? 'none' : 'update';
}

export type OpenPlansAs = 'editor' | 'preview' | 'editorAndPreview';

export function openPlansAs(value: unknown): OpenPlansAs {
  return value === 'preview' || value === 'editorAndPreview' ? value : 'editor';
}
