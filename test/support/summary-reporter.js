/**
 * Prints the plain closing line CI reads: "N passed, N failed, N skipped".
 * Skipped tests (e.g. SQL Server tests without MSSQL_URL) are counted as skipped, never as passed.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const passed = results.numPassedTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
