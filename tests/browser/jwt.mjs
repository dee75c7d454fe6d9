// jsonwebtoken (the library NodeBird uses) as a command, for
// tests/integration/jwt_interop_test.py:
//
//   node jwt.mjs sign SECRET KID CLAIMS_JSON   → a token jsonwebtoken signed (HS256)
//   node jwt.mjs verify SECRET TOKEN           → its claims as JSON, or exit 1 with why
import jwt from 'jsonwebtoken';

const [mode, secret, a, b] = process.argv.slice(2);
if (mode === 'sign') {
  const claims = JSON.parse(b);
  process.stdout.write(jwt.sign(claims, secret, { algorithm: 'HS256', keyid: a, noTimestamp: 'iat' in claims }));
} else if (mode === 'verify') {
  try {
    const claims = jwt.verify(a, secret, { algorithms: ['HS256'], issuer: 'tern', complete: true });
    process.stdout.write(JSON.stringify(claims));
  } catch (e) {
    process.stderr.write(`${e.name}: ${e.message}\n`);
    process.exit(1);
  }
} else {
  process.stderr.write('usage: jwt.mjs sign SECRET KID CLAIMS_JSON | verify SECRET TOKEN\n');
  process.exit(2);
}
