// Reads a JSON array of simulations on stdin, runs each through @cloud-copilot/iam-simulate and
// prints a JSON array of {"result": "...", "errors": ...} in the same order.
'use strict';
const { runSimulation } = require('@cloud-copilot/iam-simulate');

async function main() {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const sims = JSON.parse(input);
  const out = [];
  for (const sim of sims) {
    const res = await runSimulation(sim, {});
    if (res.resultType === 'error') {
      out.push({ result: 'Error', errors: res.errors });
    } else {
      out.push({ result: res.overallResult });
    }
  }
  process.stdout.write(JSON.stringify(out));
}
main().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
