// Validates the state machine definition on stdin with asl-validator (required by path, argv[2]).
// Prints {"isValid":bool,"errors":"..."}; exits 0 either way so the Go test reports the errors.
const validator = require(process.argv[2]);
const fn = validator.default || validator;
let input = '';
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const { isValid, errorsText } = fn(JSON.parse(input), { checkPaths: true, checkArn: true });
  process.stdout.write(JSON.stringify({ isValid, errors: isValid ? '' : errorsText('\n') }));
});
