import type { HttpBindings } from '@hono/node-server';
import type { PlanRunOptions } from './plan-run.js';
import type { RunState } from './run-state.js';
import type { Workspace } from './runs.js';
import type { Security } from './security.js';

/** What the request handlers share: the workspace, the one live send, the secrets, the CAKE connection. */
export interface WebContext {
  workspace: Workspace;
  state: RunState;
  security: Security;
  /** The CAKE host, as pages name it (never the key). */
  host: string;
  cake: PlanRunOptions;
  maxUploadBytes: number;
  /** The server's own output, for run-level problems (scrubbed). */
  log: (line: string) => void;
}

/** hono's environment under @hono/node-server: the Node request, for streaming the upload. */
export type AppEnv = { Bindings: HttpBindings };
