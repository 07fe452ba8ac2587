// Who is signed in: a bearer token plus the claims the UI needs (role, borough, name).
import { useSyncExternalStore } from "react";

export type Role = "smg_admin" | "borough_officer" | "committee_secretary" | "committee_member" | "resident";

export interface Session {
  token: string;
  role: Role;
  sgg_code: string | null;
  name: string | null;
  sub: string;
  expires_at: number;
}

const KEY = "cg.session";
const listeners = new Set<() => void>();
let cached: Session | null | undefined;

function read(): Session | null {
  if (cached !== undefined) return cached;
  try {
    const raw = sessionStorage.getItem(KEY);
    const parsed = raw ? (JSON.parse(raw) as Session) : null;
    cached = parsed && parsed.expires_at * 1000 > Date.now() ? parsed : null;
  } catch {
    cached = null;
  }
  return cached;
}

export function currentSession(): Session | null {
  return read();
}

export function setSession(session: Session | null): void {
  cached = session;
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
  listeners.forEach((l) => l());
}

export function useSession(): Session | null {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    read,
    () => null,
  );
}

/** The claims of a JWT (no verification: the services verify; the UI only reads role and borough). */
export function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split(".")[1] ?? "";
  const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

export function sessionFromToken(token: string, roleClaim = "role"): Session {
  const c = claimsOf(token);
  return {
    token,
    role: String(c[roleClaim] ?? "resident") as Role,
    sgg_code: (c.sgg_code as string | undefined) ?? null,
    name: (c.name as string | undefined) ?? null,
    sub: String(c.sub ?? ""),
    expires_at: Number(c.exp ?? 0),
  };
}
