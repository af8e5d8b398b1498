// The Redis the services use, as a connection string in Key Vault (secret connectionstrings--redis), which the
// api and worker container apps reference with the managed identity; and the same server's address and password as
// separate secrets (redis-address, redis-password), for the worker's KEDA scale rule, which takes them apart:
// - Container: the Redis container app the AppHost publishes, redis:6379 inside the environment.
// - AzureManagedRedis: Azure Managed Redis, provisioned here. The database speaks the OSS cluster API, which
//   StackExchange.Redis follows as it follows the local Redis Cluster (Harmonia keeps every multi-key operation on
//   one hash slot), and goes to the shard that holds a key without a proxy hop. TLS only on port 10000; access
//   keys, because Entra ID tokens need a client library this build does not have (docs/scale-out.md). The
//   eviction policy and persistence follow Harmonia's Redis settings (Harmonia.AppHost/Infrastructure/RedisSettings.cs).

@description('Which Redis the services use; see Harmonia.AppHost/Infrastructure/PublishedRedis.cs.')
@allowed([
  'Container'
  'AzureManagedRedis'
])
param publishedRedis string

@description('The location used for all deployed resources')
param location string = resourceGroup().location

@description('Tags that will be applied to all resources')
param tags object = {}

@description('The key vault the connection string is written to.')
param keyVaultName string

@description('Password of the Redis container app; unused with Azure Managed Redis.')
@secure()
param redisPassword string

@description('The Azure Managed Redis SKU: Balanced_B0 (0.5 GB) fits the container\'s 512 MB limit; larger SKUs add memory and shards.')
param managedRedisSku string = 'Balanced_B0'

var resourceToken = uniqueString(resourceGroup().id)
var managed = publishedRedis == 'AzureManagedRedis'
var managedRedisPort = 10000

resource managedRedis 'Microsoft.Cache/redisEnterprise@2025-07-01' = if (managed) {
  name: 'amr-${resourceToken}'
  location: location
  sku: {
    name: managedRedisSku
  }
  properties: {
    minimumTlsVersion: '1.2'
    // Container Apps reach it over the internet (TLS, access key) unless the environment joins a virtual network.
    publicNetworkAccess: 'Enabled'
  }
  tags: tags
}

resource database 'Microsoft.Cache/redisEnterprise/databases@2025-07-01' = if (managed) {
  parent: managedRedis
  name: 'default'
  properties: {
    clientProtocol: 'Encrypted'
    port: managedRedisPort
    clusteringPolicy: 'OSSCluster'
    accessKeysAuthentication: 'Enabled'
    evictionPolicy: 'VolatileLRU'
    persistence: {
      aofEnabled: false
      rdbEnabled: false
    }
  }
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// One address and one password feed all three secrets, so the scaler always reads the server the services use.
var address = managed ? '${managedRedis!.properties.hostName}:${managedRedisPort}' : 'redis:6379'
var password = managed ? database!.listKeys().primaryKey : redisPassword

resource connectionString 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'connectionstrings--redis'
  properties: {
    value: managed ? '${address},ssl=true,password=${password}' : '${address},password=${password}'
  }
}

resource addressSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'redis-address'
  properties: {
    value: address
  }
}

resource passwordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'redis-password'
  properties: {
    value: password
  }
}

@description('The URL of the secret, without a version, so the container apps pick up a rotated key.')
output connectionStringSecretUri string = connectionString.properties.secretUri

@description('The URL of the Redis address (host:port) secret, for the worker\'s scale rule.')
output addressSecretUri string = addressSecret.properties.secretUri

@description('The URL of the Redis password secret (what AUTH takes), for the worker\'s scale rule.')
output authSecretUri string = passwordSecret.properties.secretUri

// KEDA's redis-cluster scaler follows the OSS cluster API's slot map as StackExchange.Redis does; its redis scaler
// speaks to one node. Azure Managed Redis is TLS only; the container is reached inside the environment in plain TCP.
@description('The KEDA scaler that reads a list on this Redis: redis-cluster for Azure Managed Redis (OSS cluster policy), redis for the container.')
output scalerType string = managed ? 'redis-cluster' : 'redis'

@description('Whether the scaler connects with TLS ("true" or "false", as KEDA reads it).')
output scalerTls string = managed ? 'true' : 'false'
