// Validates state machine definitions with asl-validator (JSON schema, paths, transitions,
// terminal states, duplicate names).
//
// argv[2]: directory of the asl-validator package.
// stdin:   [{"name": "...", "definition": {...}}, ...]
// stdout:  [{"name": "...", "isValid": true|false, "errors": [...]}, ...] in the same order.
'use strict';

const validator = require(process.argv[2]);

const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const out = cases.map((c) => {
    const { isValid, errors } = validator(c.definition, { checkPaths: true, checkArn: true });
    return {
      name: c.name,
      isValid,
      errors: (errors || []).map((e) => ({ code: e['Error code'] || e.code || '', message: e.Message || e.message || JSON.stringify(e) })),
    };
  });
  process.stdout.write(JSON.stringify(out));
});
