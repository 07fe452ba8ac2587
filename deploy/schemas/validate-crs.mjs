// Validates custom resources against the models published on npm (run by deploy/validate.py, installed
// by deploy/check.sh with `npm ci` from the committed package-lock.json).
//
//   node validate-crs.mjs DOCS.json  ->  JSON on stdout:
//     {"packages": {name: version}, "results": [{"index": i, "errors": [{"path": p, "message": m}]}]}
//
// Two checks per document, both from the same package version:
//   1. the package's generated validator (ajv, compiled from the CRD's openAPIV3Schema): types, required
//      fields, enums, patterns, formats;
//   2. unknown fields, which those validators let through (the API server prunes them, and strict field
//      validation — kubectl's default — rejects them): every key of the document is looked up in the
//      package's TypeScript declaration of the resource, read with the TypeScript compiler. Free-form
//      objects (`{}` or an index signature, i.e. x-kubernetes-preserve-unknown-fields) accept any key.
// A document whose apiVersion/kind no package models gets {"unknown": true}.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const here = path.dirname(fileURLToPath(import.meta.url));

// API group -> the package that models it. Order matters only for groups two packages carry
// (cloudnative-pg re-exports monitoring.coreos.com; the Prometheus Operator's own package wins).
const PACKAGES = {
  "kafka.strimzi.io": "@kubernetes-models/strimzi-kafka-operator",
  "postgresql.cnpg.io": "@kubernetes-models/cloudnative-pg",
  "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "gateway.envoyproxy.io": "@kubernetes-models/envoy-gateway",
};
// Kinds no published package models, declared in ./local-models (built from the packages' own types).
const LOCAL = {
  "barmancloud.cnpg.io/v1/ObjectStore": "./local-models/barmancloud.cnpg.io/v1/ObjectStore.js",
};

function packageVersion(name) {
  const file = path.join(here, "node_modules", name, "package.json");
  return JSON.parse(fs.readFileSync(file, "utf8")).version;
}

function modelLocation(apiVersion, kind) {
  const local = LOCAL[`${apiVersion}/${kind}`];
  if (local) {
    const js = path.join(here, local);
    return { js, dts: js.replace(/\.js$/, ".d.ts") };
  }
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const pkg = PACKAGES[group];
  if (!pkg || !/^v\d+((alpha|beta)\d+)?$/.test(version) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return null;
  const js = path.join(here, "node_modules", pkg, group, version, `${kind}.js`);
  const dts = js.replace(/\.js$/, ".d.ts");
  if (!fs.existsSync(js) || !fs.existsSync(dts)) return null;
  return { js, dts };
}

async function loadModel(loc, apiVersion, kind) {
  const mod = await import(loc.js);
  const Model = mod[kind];
  // Only top-level resources carry their apiVersion/kind; a helper type of the same name does not.
  if (typeof Model !== "function" || Model.apiVersion !== apiVersion || Model.kind !== kind) return null;
  return Model;
}

// ------------------------------------------------------------------------------------ unknown fields

function typeChecker(entries) {
  // One virtual file aliasing each resource's interface, so one Program serves every document.
  const entryFile = path.join(here, "__entry__.ts");
  const lines = entries.map(
    (e, i) => `import type { I${e.kind} as T${i} } from ${JSON.stringify(e.dts.replace(/\.d\.ts$/, ".js"))};\n` +
      `export type A${i} = T${i};`,
  );
  const source = lines.join("\n");
  const options = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (f) => f === entryFile || fileExists(f);
  host.readFile = (f) => (f === entryFile ? source : readFile(f));
  host.getSourceFile = (f, lang, ...rest) =>
    f === entryFile ? ts.createSourceFile(f, source, lang) : getSourceFile(f, lang, ...rest);
  const program = ts.createProgram([entryFile], options, host);
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(entryFile);
  const types = [];
  for (const stmt of sf.statements) {
    if (ts.isTypeAliasDeclaration(stmt)) types.push(checker.getTypeAtLocation(stmt.name));
  }
  return { checker, types };
}

// ------------------------------------------------------------------------------------------- main

async function main() {
  const docs = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const results = [];
  const typed = []; // {index, entry}
  const entries = new Map(); // dts -> {kind, dts, slot}

  for (const [index, doc] of docs.entries()) {
    const loc = modelLocation(doc.apiVersion, doc.kind);
    const Model = loc && (await loadModel(loc, doc.apiVersion, doc.kind));
    if (!Model) {
      results.push({ index, unknown: true, errors: [] });
      continue;
    }
    const errors = [];
    try {
      new Model(doc).validate();
    } catch (err) {
      for (const e of err.errors ?? [{ instancePath: "", message: err.message }]) {
        const p = (e.instancePath || "").split("/").filter(Boolean).join(".");
        const extra = e.params?.missingProperty ? ` (${e.params.missingProperty})` : "";
        errors.push({ path: p || "<root>", message: `${e.message}${extra}` });
      }
    }
    results.push({ index, errors });
    if (!entries.has(loc.dts)) entries.set(loc.dts, { kind: doc.kind, dts: loc.dts, slot: entries.size });
    typed.push({ index, entry: entries.get(loc.dts) });
  }

  if (typed.length > 0) {
    const list = [...entries.values()];
    const { checker, types } = typeChecker(list);
    for (const { index, entry } of typed) {
      const found = unknownFieldsOf(checker, types[entry.slot], docs[index]);
      results[index].errors.push(...found);
    }
  }

  const packages = {};
  for (const name of [...new Set(Object.values(PACKAGES))].sort()) packages[name] = packageVersion(name);
  process.stdout.write(JSON.stringify({ packages, results }));
}

// Unknown-field walk over the declared type; pseudo-unions ({__members}) stand for "any of these types".
function unknownFieldsOf(checker, rootType, value) {
  const F = ts.TypeFlags;
  const errors = [];
  const members = (type) => {
    if (type.__members) return type.__members.flatMap(members);
    const t = checker.getNonNullableType(type);
    return t.isUnion() ? t.types : [t];
  };
  const isArray = (t) => checker.isArrayType(t) || checker.isTupleType(t);
  const isFree = (t) =>
    (t.flags & (F.Any | F.Unknown)) !== 0 ||
    ((t.flags & F.Object) !== 0 &&
      !isArray(t) &&
      checker.getPropertiesOfType(t).length === 0 &&
      checker.getIndexInfosOfType(t).length === 0);
  const propType = (sym) => {
    const decl = sym.valueDeclaration ?? sym.declarations?.[0];
    return decl ? checker.getTypeOfSymbolAtLocation(sym, decl) : checker.getAnyType();
  };
  const anyOf = (list) => (list.length === 1 ? list[0] : { __members: list });

  const walk = (type, v, where) => {
    if (v === null || typeof v !== "object") return;
    const ms = members(type);
    if (ms.some(isFree)) return;
    if (Array.isArray(v)) {
      const elems = ms.filter(isArray).flatMap((t) => checker.getTypeArguments(t));
      if (elems.length > 0) v.forEach((item, i) => walk(anyOf(elems), item, `${where}[${i}]`));
      return; // not an array type: a type error the generated validator reports
    }
    const objects = ms.filter((t) => (t.flags & F.Object) !== 0 && !isArray(t));
    if (objects.length === 0) return;
    for (const [key, child] of Object.entries(v)) {
      const childPath = where ? `${where}.${key}` : key;
      const props = objects.map((t) => checker.getPropertyOfType(t, key)).filter(Boolean);
      if (props.length > 0) {
        walk(anyOf(props.map(propType)), child, childPath);
        continue;
      }
      const indexed = objects.flatMap((t) => checker.getIndexInfosOfType(t)).map((info) => info.type);
      if (indexed.length > 0) {
        walk(anyOf(indexed), child, childPath);
        continue;
      }
      errors.push({ path: childPath, message: `unknown field ${JSON.stringify(key)}` });
    }
  };
  walk(rootType, value, "");
  return errors;
}

await main();
