// The Barman Cloud plugin's ObjectStore (barmancloud.cnpg.io/v1), which no npm package models. Written from
// the plugin's Go API (plugin-barman-cloud api/v1 ObjectStoreSpec, release 0.9); the object-store
// configuration itself is the cloudnative-pg package's BarmanObjectStoreConfiguration, so only the thin
// wrapper below is ours.
import { IObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
import { IBarmanObjectStoreConfiguration } from "@kubernetes-models/cloudnative-pg/github.com/cloudnative-pg/barman-cloud/pkg/api/BarmanObjectStoreConfiguration";
export interface IObjectStore {
    "apiVersion": "barmancloud.cnpg.io/v1";
    "kind": "ObjectStore";
    "metadata"?: IObjectMeta;
    "spec": {
        "configuration": IBarmanObjectStoreConfiguration;
        "retentionPolicy"?: string;
        "instanceSidecarConfiguration"?: {
            "env"?: Array<{ "name": string; "value"?: string; "valueFrom"?: {} }>;
            "retentionPolicyIntervalSeconds"?: number;
            "resources"?: { "limits"?: { [key: string]: string }; "requests"?: { [key: string]: string } };
            "additionalContainerArgs"?: Array<string>;
            "logLevel"?: "error" | "warning" | "info" | "debug" | "trace";
        };
    };
    "status"?: {};
}
export declare class ObjectStore {
    static apiVersion: IObjectStore["apiVersion"];
    static kind: IObjectStore["kind"];
    constructor(data?: Partial<IObjectStore>);
    validate(): void;
}
