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
    try {
      sm = new StateMachine(c.definition, c.validation ? { validationOptions: c.validation } : undefined);
    } catch (err) {
      process.stdout.write(JSON.stringify({ invalid: String(err.message || err) }) + '\n');
      continue;
    }
    let line;
    try {
      const opts = c.noSleep ? { overrides: noSleepOverrides(c.definition) } : undefined;
      const out = await sm.run(c.input, opts).result;
      line = { output: out === undefined ? null : out };
    } catch (err) {
      line = describe(err);
    }
    process.stdout.write(JSON.stringify(line) + '\n');
  }
}

main().catch((err) => {
  process.stderr.write(String((err && err.stack) || err) + '\n');
  process.exit(1);
});
