// Runtime check of the Barman Cloud plugin's ObjectStore (see ObjectStore.d.ts): the wrapper fields here,
// spec.configuration with the cloudnative-pg package's generated BarmanObjectStoreConfiguration validator.
import { BarmanObjectStoreConfiguration } from "@kubernetes-models/cloudnative-pg/github.com/cloudnative-pg/barman-cloud/pkg/api/BarmanObjectStoreConfiguration";

const RETENTION = /^[1-9][0-9]*[dwm]$/;
const LOG_LEVELS = ["error", "warning", "info", "debug", "trace"];

export class ObjectStore {
  static apiVersion = "barmancloud.cnpg.io/v1";
  static kind = "ObjectStore";

  constructor(data) {
    Object.assign(this, data);
  }

  validate() {
    const errors = [];
    const fail = (instancePath, message) => errors.push({ instancePath, message });
    const spec = this.spec;
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
      fail("/spec", "must be object");
    } else {
      if (spec.configuration === undefined) {
        fail("/spec", "must have required property 'configuration'");
      } else {
        try {
          new BarmanObjectStoreConfiguration(spec.configuration).validate();
        } catch (err) {
          for (const e of err.errors ?? [{ instancePath: "", message: err.message }]) {
            fail(`/spec/configuration${e.instancePath ?? ""}`, e.message);
          }
        }
      }
      if (spec.retentionPolicy !== undefined && !RETENTION.test(String(spec.retentionPolicy))) {
        fail("/spec/retentionPolicy", `must match pattern "${RETENTION.source}"`);
      }
      const sidecar = spec.instanceSidecarConfiguration ?? {};
      if (sidecar.logLevel !== undefined && !LOG_LEVELS.includes(sidecar.logLevel)) {
        fail("/spec/instanceSidecarConfiguration/logLevel", `must be one of ${LOG_LEVELS.join(", ")}`);
      }
      const interval = sidecar.retentionPolicyIntervalSeconds;
      if (interval !== undefined && !Number.isInteger(interval)) {
        fail("/spec/instanceSidecarConfiguration/retentionPolicyIntervalSeconds", "must be integer");
      }
    }
    if (errors.length > 0) {
      const err = new Error(errors.map((e) => `data${e.instancePath} ${e.message}`).join(", "));
      err.errors = errors;
      throw err;
    }
  }
}
