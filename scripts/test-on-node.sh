#!/usr/bin/env bash
# The mocha suite on another supported Node.js line (22, 26, ...), whose binary comes from the npm
# registry's `node` package, as the project's own Node 24 does: every test, and every bot process the
# tests start (they use the running Node's own binary), runs on that line. Type-checking and linting do
# not depend on the Node line, so `npm test` does those once.
set -euo pipefail
line=${1:?usage: npm run test:node -- 22|26}
cd "$(dirname "$0")/.."
echo "Running the test suite on Node.js $line (from the npm registry's node@$line package)"
exec npx --yes "node@$line" node_modules/mocha/bin/mocha.js 'test/**/*.test.ts'
