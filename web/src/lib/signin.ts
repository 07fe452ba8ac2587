// Sign-in: the city's OpenID Connect provider (Authorization Code + PKCE) in production; the dev token
// endpoint (POST /v1/dev/token, present only with CG_AUTH_MODE=dev) behind a role-and-borough picker.
import { api, unwrap } from "./api";
import { config } from "./config";
import { sessionFromToken, setSession, type Role } from "./session";

export async function devSignIn(role: Role, sgg_code: string | null, name: string | null, sub?: string) {
  const body = { role, sgg_code, name, ...(sub ? { sub } : {}) };
  const token = unwrap(await api().registry.POST("/v1/dev/token", { body }));
  setSession(sessionFromToken(token.access_token));
}

async function userManager() {
  const oidc = config().auth.oidc;
  if (!oidc) throw new Error("auth.oidc is not configured");
  const { UserManager, WebStorageStateStore } = await import("oidc-client-ts");
  return new UserManager({
    authority: oidc.authority,
    client_id: oidc.client_id,
    redirect_uri: oidc.redirect_uri ?? `${location.origin}/auth/callback`,
    response_type: "code",
    scope: oidc.scope ?? "openid profile",
    userStore: new WebStorageStateStore({ store: sessionStorage }),
  });
}

export async function oidcSignIn(returnTo: string) {
  const manager = await userManager();
  await manager.signinRedirect({ state: returnTo });
}

export async function oidcCallback(): Promise<string> {
  const manager = await userManager();
  const user = await manager.signinRedirectCallback();
  setSession(sessionFromToken(user.access_token, config().auth.oidc?.role_claim));
  return typeof user.state === "string" ? user.state : "/";
}

export function signOut() {
  setSession(null);
}
