// The shape `azd infra generate` gives an Aspire AppHost whose manifest holds only container.v0, project.v0
// and parameter.v0 resources ("fullAzd" mode): one resource group, the shared Container Apps plumbing in
// resources.bicep, and one parameter per AppHost parameter. Added to that shape: redis.bicep, which puts the
// services' Redis connection string in Key Vault and provisions Azure Managed Redis when it is the published
// Redis. The container apps themselves are not here; `azd deploy` creates them from
// Harmonia.AppHost/infra/<resource>.tmpl.yaml.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment that can be used as part of naming resource convention, the name of the resource group for your application will use this name, prefixed with rg-')
param environmentName string

@minLength(1)
@description('The location used for all deployed resources')
param location string

// azd asks for (or generates) the AppHost parameters below during provisioning, stores them with the environment,
// and fills the container app templates' `securedParameter` placeholders from that store when it deploys. Only the
// Redis password is also used here: it is part of the Redis connection string written to Key Vault.

@description('MongoDB connection string for the harmonia database (Azure Cosmos DB for MongoDB vCore, MongoDB Atlas, ...). azd prompts for it.')
@secure()
#disable-next-line no-unused-params
param harmonia string

@description('SMTP connection string the worker sends account mail through: Endpoint=smtp://host:587;Username=...;Password=... (Azure Communication Services\' SMTP endpoint, or any provider). azd prompts for it.')
@secure()
#disable-next-line no-unused-params
param mail string

@description('The From of account mail, e.g. "Harmonia <DoNotReply@your-domain>"; the SMTP provider must let Harmonia send as it. azd prompts for it.')
#disable-next-line no-unused-params
param mail_from string

@description('Public URL of the app\'s front end; links in account mails point at its /verify-email and /reset-password pages. azd prompts for it.')
#disable-next-line no-unused-params
param public_url string

@metadata({azd: {
  type: 'generate'
  config: {length:64,noSpecial:true}
  }
})
@description('Key the API signs its JWTs with. azd generates it once per environment.')
@secure()
#disable-next-line no-unused-params
param jwt_signing_key string

@metadata({azd: {
  type: 'generate'
  config: {length:32,noSpecial:true}
  }
})
@description('Password of the Redis container. azd generates it once per environment.')
@secure()
param redis_password string

// Not an AppHost parameter: the AppHost reads the same setting (Harmonia:Infrastructure:PublishedRedis) to decide
// whether to publish the Redis container, and main.parameters.json takes it from the same environment variable.
@description('The Redis the services use: Container (the Redis container app) or AzureManagedRedis.')
@allowed([
  'Container'
  'AzureManagedRedis'
])
param publishedRedis string = 'Container'

// Not AppHost parameters either: the worker's scale rule (Harmonia.AppHost/infra/worker.tmpl.yaml) reads them
// through the outputs below. At least one worker always runs: the reconciler, due retries and expired leases need one
// even when no job waits, and the rule only counts waiting users.
@description('Fewest worker replicas; more are added while users wait for a slot.')
@minValue(1)
@maxValue(1000)
param workerMinReplicas int = 1

@description('Most worker replicas the scale rule adds; each runs Harmonia:Jobs:Concurrency jobs. Must not be below workerMinReplicas.')
@minValue(1)
@maxValue(1000)
param workerMaxReplicas int = 10

// Not an AppHost parameter either: where the alert rules of alerts.bicep send their notifications.
@description('Resource id of an existing action group the alert rules notify (/subscriptions/.../actionGroups/name). Empty: the rules fire but notify no one.')
param alertActionGroupId string = ''

var tags = {
  'azd-env-name': environmentName
}

resource rg 'Microsoft.Resources/resourceGroups@2022-09-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module resources 'resources.bicep' = {
  scope: rg
  name: 'resources'
  params: {
    location: location
    tags: tags
  }
}

module redis 'redis.bicep' = {
  scope: rg
  name: 'redis'
  params: {
    publishedRedis: publishedRedis
    location: location
    tags: tags
    keyVaultName: resources.outputs.AZURE_KEY_VAULT_NAME
    redisPassword: redis_password
  }
}

module alerts 'alerts.bicep' = {
  scope: rg
  name: 'alerts'
  params: {
    location: location
    tags: tags
    logAnalyticsWorkspaceId: resources.outputs.AZURE_LOG_ANALYTICS_WORKSPACE_ID
    keyVaultName: resources.outputs.AZURE_KEY_VAULT_NAME
    actionGroupId: alertActionGroupId
  }
}

output MANAGED_IDENTITY_CLIENT_ID string = resources.outputs.MANAGED_IDENTITY_CLIENT_ID
output MANAGED_IDENTITY_NAME string = resources.outputs.MANAGED_IDENTITY_NAME
output AZURE_LOG_ANALYTICS_WORKSPACE_NAME string = resources.outputs.AZURE_LOG_ANALYTICS_WORKSPACE_NAME
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = resources.outputs.AZURE_CONTAINER_REGISTRY_ENDPOINT
output AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID string = resources.outputs.AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID
output AZURE_CONTAINER_REGISTRY_NAME string = resources.outputs.AZURE_CONTAINER_REGISTRY_NAME
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = resources.outputs.AZURE_CONTAINER_APPS_ENVIRONMENT_NAME
output AZURE_CONTAINER_APPS_ENVIRONMENT_ID string = resources.outputs.AZURE_CONTAINER_APPS_ENVIRONMENT_ID
output AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN string = resources.outputs.AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN
output AZURE_KEY_VAULT_NAME string = resources.outputs.AZURE_KEY_VAULT_NAME
output AZURE_REDIS_CONNECTION_STRING_URI string = redis.outputs.connectionStringSecretUri
output AZURE_REDIS_ADDRESS_URI string = redis.outputs.addressSecretUri
output AZURE_REDIS_AUTH_URI string = redis.outputs.authSecretUri
output AZURE_REDIS_SCALER_TYPE string = redis.outputs.scalerType
output AZURE_REDIS_SCALER_TLS string = redis.outputs.scalerTls
output HARMONIA_WORKER_MIN_REPLICAS int = workerMinReplicas
output HARMONIA_WORKER_MAX_REPLICAS int = workerMaxReplicas

output AZURE_APPINSIGHTS_CONNECTION_STRING_URI string = alerts.outputs.connectionStringSecretUri
