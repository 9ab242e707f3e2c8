// Runs state machine definitions under aws-local-stepfunctions through its library API.
//
// argv[2]: directory of the aws-local-stepfunctions package.
// stdin:   {"endpoint": "http://127.0.0.1:PORT", "cases": [{"definition": {...}, "input": ...}]}
// stdout:  one JSON line per case, in order: {"output": ...} or {"error": ..., "cause": ...} or
//          {"invalid": "..."} when the library rejects the definition.
//
// Cases run one after another. Before each case the script tells the Go side which case is
// active (POST /_skein/case/<i>), so one Invoke API serves every case's functions.
'use strict';

// asl-validator, which the library runs on every definition, builds and compiles a new Ajv
// instance for each one (about 0.1-0.3 s). Reuse one instance per validation setting so a corpus
// of definitions is validated by the very same schemas without paying the compile each time.
let ajvKey = '';
try {
  const aslDir = require.resolve('asl-validator', { paths: [process.argv[2]] });
  const ajvMod = require(require.resolve('ajv', { paths: [aslDir] }));
  const Orig = ajvMod.default;
  const cache = new Map();
  class CachedAjv extends Orig {
    constructor(opts) {
      const hit = cache.get(ajvKey);
      if (hit) return hit;
      super(opts);
      cache.set(ajvKey, this);
    }
    // ajv-formats adds its keywords to every instance it is given; on a reused one they exist.
    addKeyword(def, ...rest) {
      const kw = typeof def === 'string' ? def : def && def.keyword;
      const kws = Array.isArray(kw) ? kw : [kw];
      if (kws.length > 0 && kws.every((k) => typeof k === 'string' && this.getKeyword(k))) return this;
      return super.addKeyword(def, ...rest);
    }
  }
  ajvMod.default = CachedAjv;
} catch (err) {
  // Without the cache everything still works, only slower.
}

const mod = require(process.argv[2]);
const { StateMachine, ExecutionError, ExecutionTimeoutError } = mod;

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function describe(err) {
  if (err instanceof ExecutionTimeoutError) {
    return { error: 'States.Timeout', cause: err.message };
  }
  if (err instanceof ExecutionError) {
    const c = err.cause || {};
    return { error: String(c.name || 'ExecutionError'), cause: String(c.message || '') };
  }
  return { error: String((err && err.name) || 'Error'), cause: String((err && err.message) || err), internal: true };
}

// noSleepOverrides sets every Retry interval and every Wait state of the definition (branches
// and item processors included) to 0 ms.
function noSleepOverrides(def) {
  const retryIntervalOverrides = {};
  const waitTimeOverrides = {};
  const walk = (m) => {
    if (!m || !m.States) return;
    for (const [name, st] of Object.entries(m.States)) {
      if (st.Retry) retryIntervalOverrides[name] = 0;
      if (st.Type === 'Wait') waitTimeOverrides[name] = 0;
      (st.Branches || []).forEach(walk);
      walk(st.ItemProcessor || st.Iterator);
    }
  };
  walk(def);
  return { retryIntervalOverrides, waitTimeOverrides };
}

async function main() {
  const req = JSON.parse(await readStdin());
  for (let i = 0; i < req.cases.length; i++) {
    const c = req.cases[i];
    const res = await fetch(`${req.endpoint}/_skein/case/${i}`, { method: 'POST' });
    if (!res.ok) throw new Error(`case switch failed: ${res.status}`);
    let sm;
    ajvKey = JSON.stringify(c.validation || {});
    try {
      sm = new StateMachine(c.definition, c.validation ? { validationOptions: c.validation } : undefined);
    } catch (err) {
      process.stdout.write(JSON.stringify({ invalid: String(err.message || err) }) + '\n');
      continue;
    }
    let line;
    const t0 = process.hrtime.bigint();
    try {
      const opts = c.noSleep ? { overrides: noSleepOverrides(c.definition) } : undefined;
      const out = await sm.run(c.input, opts).result;
      line = { output: out === undefined ? null : out };
    } catch (err) {
      line = describe(err);
    }
    line.ns = Number(process.hrtime.bigint() - t0);
    process.stdout.write(JSON.stringify(line) + '\n');
  }
}

// Exit as soon as the last result is written: the SDK's keep-alive sockets and the requests of
// timed-out tasks would otherwise keep the process alive for a while.
main().then(() => process.stdout.write('', () => process.exit(0))).catch((err) => {
  process.stderr.write(String((err && err.stack) || err) + '\n');
  process.exit(1);
});
