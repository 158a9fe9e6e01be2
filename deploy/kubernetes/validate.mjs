// Validates rendered manifests offline against the Kubernetes schemas (npm's kubernetes-models),
// and checks what the design needs of them: an Indexed Job that runs every shard at once and
// never restarts one, sharing a volume with the merge.
//   node validate.mjs DIR NODE_MODULES   (a node_modules holding kubernetes-models and js-yaml)
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [dir, modules] = process.argv.slice(2);
const yaml = createRequire(path.join(modules, "x.js"))("js-yaml");
const load = async (file, name) => (await import(pathToFileURL(path.join(modules, "kubernetes-models", file)).href))[name];
const models = {
  "batch/v1/Job": await load("batch/v1/Job.js", "Job"),
  "v1/PersistentVolumeClaim": await load("v1/PersistentVolumeClaim.js", "PersistentVolumeClaim"),
  "apps/v1/Deployment": await load("apps/v1/Deployment.js", "Deployment"),
  "v1/Service": await load("v1/Service.js", "Service"),
};

let failures = 0;
const fail = (file, msg) => {
  console.error(`${file}: ${msg}`);
  failures++;
};
const docs = {};
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
  for (const doc of yaml.loadAll(fs.readFileSync(path.join(dir, file), "utf8"))) {
    if (!doc) continue;
    const Model = models[`${doc.apiVersion}/${doc.kind}`];
    if (!Model) {
      fail(file, `no schema known for ${doc.apiVersion} ${doc.kind}`);
      continue;
    }
    try {
      new Model(doc).validate();
    } catch (e) {
      fail(file, `does not validate: ${e.message}`);
    }
    docs[doc.kind === "Deployment" || doc.kind === "Service" ? `${file}#${doc.kind}` : file] = doc;
  }
}
const shards = docs["shards-job.yaml"], merge = docs["merge-job.yaml"], pvc = docs["pvc.yaml"];
if (!shards || !merge || !pvc) fail(dir, "expected pvc.yaml, shards-job.yaml and merge-job.yaml");
else {
  const s = shards.spec;
  if (s.completionMode !== "Indexed") fail("shards-job.yaml", "completionMode must be Indexed");
  if (s.parallelism !== s.completions) fail("shards-job.yaml", "parallelism must equal completions (all shards at once)");
  if (s.backoffLimitPerIndex !== 0) fail("shards-job.yaml", "backoffLimitPerIndex must be 0 (a restarted shard overlaps)");
  if (s.template.spec.restartPolicy !== "Never") fail("shards-job.yaml", "restartPolicy must be Never");
  const c = s.template.spec.containers[0];
  const args = c.args || [];
  const at = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  if (Number(at("--shard-count")) !== s.completions) fail("shards-job.yaml", "--shard-count must equal completions");
  if (!at("--start-at")) fail("shards-job.yaml", "every shard needs --start-at");
  if (!/\$\(JOB_COMPLETION_INDEX\)/.test(at("--json") || "")) fail("shards-job.yaml", "each shard writes its own file");
  if (!(c.env || []).some((e) => e.name === "JOB_COMPLETION_INDEX")) fail("shards-job.yaml", "JOB_COMPLETION_INDEX env");
  const claim = (job) => job.spec.template.spec.volumes.find((v) => v.persistentVolumeClaim).persistentVolumeClaim.claimName;
  if (claim(shards) !== pvc.metadata.name || claim(merge) !== pvc.metadata.name)
    fail(dir, "the shards and the merge must share the results volume");
  if (!pvc.spec.accessModes.includes("ReadWriteMany")) fail("pvc.yaml", "shards on several nodes need ReadWriteMany");
  // Pushing to Prometheus (--prometheus URL, --with-prometheus): every shard has one remote-write
  // output; a Prometheus deployed beside them takes remote writes, and its Service reaches its pod.
  const out = at("--out");
  if (out !== undefined && !/^prometheus=http:\/\/[^,]+\/api\/v1\/write/.test(out))
    fail("shards-job.yaml", `--out ${out}: not a remote-write URL`);
  const dep = docs["prometheus.yaml#Deployment"], svc = docs["prometheus.yaml#Service"];
  if (dep || svc) {
    if (!dep || !svc) fail("prometheus.yaml", "a Deployment and its Service");
    else {
      const pod = dep.spec.template.metadata.labels;
      if (!Object.entries(svc.spec.selector).every(([k, v]) => pod[k] === v)) fail("prometheus.yaml", "the Service selects no pod");
      if (!dep.spec.template.spec.containers[0].args.includes("--web.enable-remote-write-receiver"))
        fail("prometheus.yaml", "Prometheus must take remote writes (--web.enable-remote-write-receiver)");
      const host = `http://${svc.metadata.name}:${svc.spec.ports[0].port}/`;
      if (!out || !out.startsWith(`prometheus=${host}`)) fail("shards-job.yaml", `the shards must push to ${host}`);
    }
  }
}
if (failures) process.exit(1);
console.log(`validate: ${Object.keys(docs).length} manifests valid (${dir})`);
