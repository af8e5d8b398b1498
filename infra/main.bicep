// The shape `azd infra generate` gives an Aspire AppHost whose manifest holds only container.v0, project.v0
// and parameter.v0 resources ("fullAzd" mode): one resource group, the shared Container Apps plumbing in
// resources.bicep, and one parameter per AppHost parameter. The container apps themselves are not here;
// `azd deploy` creates them from Harmonia.AppHost/infra/<resource>.tmpl.yaml.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment that can be used as part of naming resource convention, the name of the resource group for your application will use this name, prefixed with rg-')
param environmentName string

@minLength(1)
@description('The location used for all deployed resources')
param location string

// The AppHost parameters below are not used by any resource in this deployment. azd asks for (or generates)
// their values during provisioning, stores them with the environment, and fills the container app templates'
// `securedParameter` placeholders from that store when it deploys.

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
  config: {length:22,noSpecial:true}
  }
})
@description('Password of the Redis container. azd generates it once per environment.')
@secure()
#disable-next-line no-unused-params
param redis_password string

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

output MANAGED_IDENTITY_CLIENT_ID string = resources.outputs.MANAGED_IDENTITY_CLIENT_ID
output MANAGED_IDENTITY_NAME string = resources.outputs.MANAGED_IDENTITY_NAME
output AZURE_LOG_ANALYTICS_WORKSPACE_NAME string = resources.outputs.AZURE_LOG_ANALYTICS_WORKSPACE_NAME
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = resources.outputs.AZURE_CONTAINER_REGISTRY_ENDPOINT
output AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID string = resources.outputs.AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID
output AZURE_CONTAINER_REGISTRY_NAME string = resources.outputs.AZURE_CONTAINER_REGISTRY_NAME
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = resources.outputs.AZURE_CONTAINER_APPS_ENVIRONMENT_NAME
output AZURE_CONTAINER_APPS_ENVIRONMENT_ID string = resources.outputs.AZURE_CONTAINER_APPS_ENVIRONMENT_ID
output AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN string = resources.outputs.AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN
