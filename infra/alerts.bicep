// Azure Monitor alert rules on what docs/operations.md's troubleshooting table names. Each rule is a log search
// alert over the Application Insights tables of the Log Analytics workspace: AppRequests (the API's requests, from
// its traces; the worker's only requests are health probes, which are not traced) and AppMetrics (the harmonia.* instruments the services emit). A metric name in a rule is a metric
// the code emits: tests/Harmonia.IntegrationTests/Observability/AlertRuleTests.cs compares them with the meters.
// Thresholds are starting points; docs/operations.md says what each one means and what to do when it fires.

@description('The location used for all deployed resources')
param location string = resourceGroup().location

@description('Tags that will be applied to all resources')
param tags object = {}

@description('The Log Analytics workspace the Application Insights component keeps its data in.')
param logAnalyticsWorkspaceId string

@description('The key vault the services read their connection strings from; the Application Insights one goes there too.')
param keyVaultName string

@description('Resource id of the action group alerts go to (email, SMS, a webhook, an on-call tool). Empty: the rules fire but notify no one.')
param actionGroupId string

var resourceToken = uniqueString(resourceGroup().id)

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${resourceToken}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalyticsWorkspaceId
  }
  tags: tags
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// The services export to Application Insights when ConnectionStrings__appinsights is set (Harmonia.ServiceDefaults);
// the container app templates read it from this secret, as they read Redis's.
resource connectionString 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'connectionstrings--appinsights'
  properties: {
    value: applicationInsights.properties.ConnectionString
  }
}

// severity: 0 critical … 4 verbose. window: the period each evaluation looks at (evaluated every 5 minutes).
// A rule fires when its query's Value is above threshold.
var rules = [
  {
    name: 'api-5xx-rate'
    description: 'More than 1 % of the API\'s requests answered 5xx over 5 minutes.'
    severity: 1
    window: 'PT5M'
    threshold: 1
    query: 'AppRequests | summarize total = count(), failed = countif(toint(ResultCode) >= 500) | extend Value = iff(total == 0, 0.0, 100.0 * failed / total)'
  }
  {
    name: 'api-p99-latency'
    description: 'The API\'s p99 latency above 1 s over 5 minutes (event streams, which stay open by design, excluded).'
    severity: 2
    window: 'PT5M'
    threshold: 1000
    query: 'AppRequests | where Url !has "/events" | summarize Value = percentile(DurationMs, 99)'
  }
  {
    name: 'redis-memory-high'
    description: 'Redis uses more than 80 % of its maxmemory: evictions are next.'
    severity: 2
    window: 'PT5M'
    threshold: 80
    query: 'AppMetrics | where Name in ("harmonia.redis.memory.used", "harmonia.redis.memory.limit") | summarize used = maxif(Max, Name == "harmonia.redis.memory.used"), limit = maxif(Max, Name == "harmonia.redis.memory.limit") | extend Value = iff(limit <= 0, 0.0, 100.0 * used / limit)'
  }
  {
    name: 'redis-evictions'
    description: 'Redis evicted keys: it is full, and sessions and rate-limit windows go with the cache entries.'
    severity: 2
    window: 'PT5M'
    threshold: 0
    query: 'AppMetrics | where Name == "harmonia.redis.keys.evicted" | summarize Value = sum(Sum)'
  }
  {
    name: 'job-failures'
    description: 'More than 5 jobs failed for good in 15 minutes.'
    severity: 2
    window: 'PT15M'
    threshold: 5
    query: 'AppMetrics | where Name == "harmonia.jobs.failed" | summarize Value = sum(Sum)'
  }
  {
    name: 'job-queue-growing'
    description: 'Jobs waiting for a worker grew in each of the last three 5-minute intervals: workers fall behind.'
    severity: 2
    window: 'PT20M'
    threshold: 2
    query: 'AppMetrics | where Name == "harmonia.jobs.queue.depth" and tostring(Properties["state"]) == "waiting" | summarize depth = max(Max) by bin(TimeGenerated, 5m) | order by TimeGenerated asc | extend growth = depth - prev(depth) | summarize Value = countif(growth > 0)'
  }
  {
    name: 'ratelimit-local-fallback'
    description: 'Rate limits were decided per replica (Redis unreachable): quotas are looser by the replica count.'
    severity: 2
    window: 'PT5M'
    threshold: 0
    query: 'AppMetrics | where Name == "harmonia.ratelimit.decisions" and tostring(Properties["harmonia.ratelimit.scope"]) == "local" | summarize Value = sum(Sum)'
  }
  {
    name: 'mail-send-failures'
    description: 'Account mail was given up on (rejected, expired or out of retries).'
    severity: 2
    window: 'PT15M'
    threshold: 0
    query: 'AppMetrics | where Name == "harmonia.mail.failed" | summarize Value = sum(Sum)'
  }
]

resource alerts 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for rule in rules: {
  name: 'alert-${rule.name}-${resourceToken}'
  location: location
  properties: {
    displayName: 'Harmonia: ${rule.name}'
    description: rule.description
    severity: rule.severity
    enabled: true
    scopes: [
      logAnalyticsWorkspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: rule.window
    criteria: {
      allOf: [
        {
          query: rule.query
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'Value'
          operator: 'GreaterThan'
          threshold: rule.threshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: empty(actionGroupId) ? [] : [
        actionGroupId
      ]
    }
  }
  tags: tags
}]

@description('The URL of the connection string secret, without a version.')
output connectionStringSecretUri string = connectionString.properties.secretUri
