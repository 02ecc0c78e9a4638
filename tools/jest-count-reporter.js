// CI reads a plain "N passed, N failed" line, not jest's summary: append this run's counts
// to $CLOUDFLOW_TEST_COUNTS (one JSON line per jest run) for tools/test.mjs to sum.
const fs = require('node:fs');

class CountReporter {
  onRunComplete(_contexts, results) {
    const file = process.env.CLOUDFLOW_TEST_COUNTS;
    if (!file) return;
    const failedSuites = results.numRuntimeErrorTestSuites + (results.wasInterrupted ? 1 : 0);
    const line = {
      passed: results.numPassedTests,
      failed: results.numFailedTests + failedSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    fs.appendFileSync(file, JSON.stringify(line) + '\n');
  }
}
module.exports = CountReporter;
