// Allure 3 configuration: `make compliance` renders reports/allure-results with it (see docs/report.md).
// A plain object, not defineConfig(): importing "allure" here would break `allure` run from a global install.
//
// The categories mirror src/rolecheck/report/categories.json (read by Allure 2 and the classic report); tests/report checks
// that both name the same categories in the same order. The first matching category wins, so the specific ones
// come before "Suite defect", which takes every other broken result.
export default {
  name: "rolecheck: temporary least-privilege access through an IAM role",
  output: "reports/allure-report",
  historyPath: "reports/history.jsonl",
  // Where the run happened, not what it proved: kept in the results, hidden from the auditor's view.
  hideLabels: ["host", "thread", "framework", "language"],
  categories: {
    rules: [
      {
        // Before the verdicts: a scenario whose reads went unanswered reached none (src/rolecheck/errors.py).
        name: "Could not be established",
        matchers: { statuses: ["broken", "failed"], trace: "Could not be established:" },
        expand: true,
        groupByMessage: false,
      },
      {
        name: "Compliance violation",
        matchers: { statuses: ["failed"], message: "Compliance violation:" },
        expand: true,
        // Messages name the run's generated resources, so no two are alike: list the checks, not messages.
        groupByMessage: false,
      },
      {
        name: "Engine drift",
        matchers: { statuses: ["failed"], message: "Engine drift:" },
        expand: true,
        groupByMessage: false,
      },
      {
        name: "Target or credentials problem",
        matchers: {
          statuses: ["broken", "failed"],
          trace:
            "TargetError|NoCredentialsError|EndpointConnectionError|InvalidClientTokenId|ExpiredToken|UnrecognizedClientException",
        },
      },
      {
        name: "Suite defect",
        matchers: { statuses: ["broken"] },
      },
    ],
  },
  plugins: {
    awesome: {
      options: {
        singleFile: true,
        reportLanguage: "en",
        // The tree an auditor reads: concern (epic), then Gherkin feature, then scenario (story).
        groupBy: ["epic", "feature", "story"],
      },
    },
  },
};
