// Lets third parties judge the definitions the cost tests use.
//
// argv[2]: directory of asl-validator; argv[3]: directory of aws-local-stepfunctions.
// stdin:   {"validate": [{"name", "definition"}], "run": [{"name", "definition", "input"}]}
// stdout:  {"validate": [{"name", "isValid", "errors"}], "run": [{"name", "stateEntered"}]}
//
// "run" executes each definition with aws-local-stepfunctions, every Task answering its input
// unchanged and every Wait lasting 0 ms, and counts the StateEntered events of the execution:
// the transitions Step Functions bills a Standard workflow for.
'use strict';

const validator = require(process.argv[2]);
const { StateMachine } = require(process.argv[3]);

function statesOfType(machine, type, out) {
  for (const [name, s] of Object.entries(machine.States || {})) {
    if (s.Type === type) out.push(name);
    for (const b of s.Branches || []) statesOfType(b, type, out);
    const p = s.ItemProcessor || s.Iterator;
    if (p) statesOfType(p, type, out);
  }
  return out;
}

const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const req = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const validate = (req.validate || []).map((c) => {
    const { isValid, errors } = validator(c.definition, { checkPaths: true, checkArn: true });
    return { name: c.name, isValid, errors: (errors || []).map((e) => e.Message || e.message || JSON.stringify(e)) };
  });
  const run = [];
  for (const c of req.run || []) {
    const handlers = {};
    for (const name of statesOfType(c.definition, 'Task', [])) handlers[name] = async (input) => input;
    const waits = {};
    for (const name of statesOfType(c.definition, 'Wait', [])) waits[name] = 0;
    const sm = new StateMachine(c.definition);
    const ex = sm.run(c.input, { overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits } });
    let entered = 0;
    for await (const e of ex.eventLogs) {
      if (e.type === 'StateEntered') entered++;
    }
    run.push({ name: c.name, stateEntered: entered });
  }
  process.stdout.write(JSON.stringify({ validate, run }));
});
