// Runtime configuration (/config.json): where the four services are and how people sign in. Served by the
// dev stack (`make run`) from its ports, by a ConfigMap in Kubernetes; not baked into the bundle.
export type ServiceName = "registry" | "committee" | "planning" | "budget";

export interface OidcConfig {
  authority: string;
  client_id: string;
  redirect_uri?: string;
  scope?: string;
  role_claim?: string;
}

export interface AppConfig {
  services: Record<ServiceName, string>;
  auth: { mode: "dev" | "oidc"; oidc?: OidcConfig };
}

let current: AppConfig | null = null;

export async function loadConfig(): Promise<AppConfig> {
  const res = await fetch("/config.json", { cache: "no-store" });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  current = (await res.json()) as AppConfig;
  return current;
}

export function setConfig(config: AppConfig): void {
  current = config;
}

export function config(): AppConfig {
  if (!current) throw new Error("configuration not loaded");
  return current;
}
