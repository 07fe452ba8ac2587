// Typed clients over the four services, generated from their OpenAPI documents (src/api/*.ts).
import createClient, { type Middleware } from "openapi-fetch";
import type { paths as RegistryPaths } from "../api/registry";
import type { paths as CommitteePaths } from "../api/committee";
import type { paths as PlanningPaths } from "../api/planning";
import type { paths as BudgetPaths } from "../api/budget";
import type { components as RegistryComponents } from "../api/registry";
import { config } from "./config";
import { currentSession } from "./session";

export type ProblemDetail = RegistryComponents["schemas"]["ProblemDetail"] & Record<string, unknown>;

const auth: Middleware = {
  onRequest({ request }) {
    const session = currentSession();
    if (session && !request.headers.has("Authorization")) {
      request.headers.set("Authorization", `Bearer ${session.token}`);
    }
    // Every POST is safe to retry: the services replay the first answer for a repeated key.
    if (request.method === "POST" && !request.headers.has("Idempotency-Key")) {
      request.headers.set("Idempotency-Key", crypto.randomUUID());
    }
    return request;
  },
};

function make<P extends {}>(base: string) {
  const client = createClient<P>({ baseUrl: base });
  client.use(auth);
  return client;
}

type Clients = {
  registry: ReturnType<typeof createClient<RegistryPaths>>;
  committee: ReturnType<typeof createClient<CommitteePaths>>;
  planning: ReturnType<typeof createClient<PlanningPaths>>;
  budget: ReturnType<typeof createClient<BudgetPaths>>;
};

let clients: Clients | null = null;

export function api(): Clients {
  if (!clients) {
    const s = config().services;
    clients = {
      registry: make<RegistryPaths>(s.registry),
      committee: make<CommitteePaths>(s.committee),
      planning: make<PlanningPaths>(s.planning),
      budget: make<BudgetPaths>(s.budget),
    };
  }
  return clients;
}

export function resetClients(): void {
  clients = null;
}

/** The message for ``field`` (e.g. "body.title_ko") in a problem+json answer, if it names that field. */
export function fieldError(problem: ProblemDetail | null | undefined, field: string): string | undefined {
  const errors = problem?.errors ?? [];
  const hit = errors.find((e) => e.field === field || e.field.startsWith(`${field}.`));
  return hit?.message;
}

/** Unwrap an openapi-fetch result: data, or throw the problem document. */
export class ProblemError extends Error {
  constructor(public problem: ProblemDetail) {
    super(problem.detail ?? problem.title);
  }
}

export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) {
    const err = (result.error ?? {}) as ProblemDetail;
    throw new ProblemError({
      ...err,
      type: err.type ?? "about:blank",
      title: err.title ?? `HTTP ${result.response.status}`,
      status: err.status ?? result.response.status,
      detail: err.detail ?? null,
      errors: err.errors ?? null,
    });
  }
  return result.data;
}

/** A caught error as a problem document (a network failure becomes one too, so forms show something). */
export function asProblem(err: unknown): ProblemDetail {
  return err instanceof ProblemError ? err.problem : { type: "about:blank", title: String(err), status: 0, detail: String(err) };
}

/** The If-Match value for a resource read at ``version`` (the services' weak ETags). */
export function ifMatch(version: number): string {
  return `W/"${version}"`;
}

/** A Seoul wall-clock ``YYYY-MM-DDTHH:mm`` (an <input type="datetime-local">) as an instant; Seoul has no DST. */
export function seoulInstant(local: string): string {
  return local.length === 16 ? `${local}:00+09:00` : `${local}+09:00`;
}

/** Today's date in Seoul as ``YYYY-MM-DD`` (for date inputs' defaults). */
export function seoulToday(offsetDays = 0): string {
  return new Date(Date.now() + 9 * 3600_000 + offsetDays * 86400_000).toISOString().slice(0, 10);
}
