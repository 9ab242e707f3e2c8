// Computes fire times with the independent npm package aws-cron-parser.
//
// usage: node awscronparser.js <path of the aws-cron-parser package>  < cases.json
// stdin:  [{"expr": "0 10 * * ? *", "from": <ms since epoch>, "n": 5}, ...]   (cron fields only)
// stdout: [{"times": [<ms since epoch>, ...], "error": "..."}, ...]   in the same order
//
// aws-cron-parser mixes UTC and local-time Date methods, so it is only right when the process
// runs in UTC: force it before any Date is made.
process.env.TZ = 'UTC';
'use strict';

const parser = require(process.argv[2]);

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const cases = JSON.parse(input);
  const out = cases.map(({ expr, from, n }) => {
    try {
      const parsed = parser.parse(expr);
      const times = [];
      let t = new Date(from);
      for (let i = 0; i < n; i++) {
        const next = parser.next(parsed, t);
        if (!next) break;
        if (Number.isNaN(next.getTime())) throw new Error('invalid date');
        times.push(next.getTime());
        t = next;
      }
      return { times };
    } catch (e) {
      return { times: [], error: String(e && e.message ? e.message : e) };
    }
  });
  process.stdout.write(JSON.stringify(out));
});
