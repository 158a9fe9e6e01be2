// An independent decoder for loadgen's HdrHistogram output: hdr-histogram-js (npm) reads the
// interval log with its HistogramLogReader and must find, for every line, the counts loadgen's
// result holds; its own percentile distribution of the run must equal loadgen's .hgrm.
//   node check_hdr.js NODE_MODULES RESULT.json RUN.hlog RUN.hgrm
"use strict";
const fs = require("fs");
const path = require("path");
const [modules, resultFile, hlogFile, hgrmFile] = process.argv.slice(2);
const hdr = require(path.join(modules, "hdr-histogram-js"));
const result = JSON.parse(fs.readFileSync(resultFile, "utf8"));
const problems = [];
const check = (ok, what) => { if (!ok) problems.push(what); };

// Our bucket layout is HdrHistogram's (3 digits, lowest 1): bucket index i holds the values whose
// countsArrayIndex is i. A sparse [[index, count]] list as a map.
const sparse = pairs => { const m = new Map(); for (const [i, c] of pairs || []) m.set(i, (m.get(i) || 0) + c); return m; };
const countsOf = h => {
  const m = new Map();
  const it = h.recordedValuesIterator;  // every non-empty bucket
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    m.set(h.countsArrayIndex(v.valueIteratedTo), v.countAtValueIteratedTo);
  }
  return m;
};
const sameCounts = (a, b) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

const reader = new hdr.HistogramLogReader(fs.readFileSync(hlogFile, "utf8"));
const untagged = [], tagged = new Map();
for (let h; (h = reader.nextIntervalHistogram()) !== null;) {
  if (h.tag && h.tag !== "NO TAG") {
    if (!tagged.has(h.tag)) tagged.set(h.tag, []);
    tagged.get(h.tag).push(h);
  } else untagged.push(h);
}
const series = result.series || [];
check(untagged.length === series.length, `untagged lines ${untagged.length}, series seconds ${series.length}`);
const total = hdr.build({numberOfSignificantValueDigits: 3, highestTrackableValue: 60e9});
untagged.forEach((h, k) => {
  const p = series[k];
  if (!p) return;
  check(h.totalCount === p.hist.reduce((s, x) => s + x[1], 0), `second ${p.t}: count ${h.totalCount}`);
  check(sameCounts(countsOf(h), sparse(p.hist)), `second ${p.t}: buckets differ`);
  total.add(h);
});
for (const e of result.endpoints || []) {
  const lines = tagged.get(e.name) || [];
  check(lines.length === series.length, `${e.name}: ${lines.length} tagged lines for ${series.length} seconds`);
  const sum = hdr.build({numberOfSignificantValueDigits: 3, highestTrackableValue: 60e9});
  lines.forEach(h => sum.add(h));
  check(sum.totalCount === e.histogram.count, `${e.name}: ${sum.totalCount} values, the result has ${e.histogram.count}`);
  check(sameCounts(countsOf(sum), sparse(e.histogram.counts)), `${e.name}: buckets differ from the endpoint's`);
}
const run = result.histogram;
check(total.totalCount === run.count, `the log holds ${total.totalCount} values, the result ${run.count}`);
check(sameCounts(countsOf(total), sparse(run.counts)), "the log's buckets differ from the result's histogram");
// p99 to the bucket: the result's p99 lies in the bucket of the decoder's p99.
const p99 = result.summary.percentiles_ms["99"] * 1e6;
const jsP99 = total.getValueAtPercentile(99);
check(total.countsArrayIndex(Math.round(p99)) === total.countsArrayIndex(jsP99), `p99: result ${p99} ns, decoder ${jsP99} ns`);
// The percentile text: the decoder's own rendering equals loadgen's .hgrm.
const ours = fs.readFileSync(hgrmFile, "utf8");
const theirs = total.outputPercentileDistribution(5, 1e6);
check(ours === theirs, "the .hgrm differs from hdr-histogram-js's:\n--- loadgen\n" + ours.slice(0, 1500) + "\n--- hdr-histogram-js\n" + theirs.slice(0, 1500));
if (problems.length) { console.error("check-hdr: " + problems.join("\ncheck-hdr: ")); process.exit(1); }
console.log(`check-hdr: ${untagged.length} seconds, ${tagged.size} names, ${total.totalCount} values decoded by hdr-histogram-js: counts, p99 and the .hgrm agree`);
