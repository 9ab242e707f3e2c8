// Recomputes the fire times of schedules.json with the independent npm package aws-cron-parser.
//
// usage: node nextfires.js <path of the aws-cron-parser package>  < schedules.json
// stdout: {"<schedule name>": ["<RFC 3339 UTC>", ...], ...} for every schedule the package can
// judge: a checked cron() expression in UTC without start or end date (aws-cron-parser knows neither
// time zones nor rate() and at()). The times are the first N strictly after "reference", N being
// how many the file lists.
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
  const file = JSON.parse(input);
  const out = {};
  for (const s of file.schedules) {
    if (s.error || s.timeZone !== 'UTC' || s.startDate || s.endDate) continue;
    const m = /^cron\((.*)\)$/.exec(s.expression);
    if (!m) continue;
    const parsed = parser.parse(m[1]);
    const times = [];
    let t = new Date(file.reference);
    for (let i = 0; i < s.next.length; i++) {
      const next = parser.next(parsed, t);
      if (!next) break;
      times.push(next.toISOString().replace('.000Z', 'Z'));
      t = next;
    }
    out[s.name] = times;
  }
  process.stdout.write(JSON.stringify(out));
});
