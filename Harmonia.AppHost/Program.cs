using Harmonia.AppHost;
using Harmonia.AppHost.Infrastructure;
using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

// Infrastructure: containers, local processes or existing servers (Harmonia:Infrastructure:Mode).
var infrastructure = builder.AddHarmoniaInfrastructure();
var redis = infrastructure.Redis;
var database = infrastructure.Database;
var mail = infrastructure.Mail;

// Telemetry for Azure Monitor when deployed, where the alert rules read it (infra/alerts.bicep); none in run mode.
var azureMonitor = builder.AddAzureMonitorConnection();

// Secrets: generated on first run and kept in the AppHost's user secrets; azd generates its own.
var jwtSigningKey = builder.AddParameter("jwt-signing-key", new GenerateParameterDefault { MinLength = 64, Special = false }, secret: true, persist: true);

// Where the links in account mails point (the app's front end, which posts their tokens back), and whom
// account mail comes from (an address the SMTP provider lets Harmonia send as). azd asks for both.
var publicUrl = builder.AddParameter("public-url", "http://localhost:5280");
var mailFrom = builder.AddParameter("mail-from", "Harmonia <no-reply@harmonia.local>");

// Services: two API replicas by default, so cross-replica behaviour (cache coherence, revocation, rate
// limits) is what every developer runs, not only what production does.
var apiReplicas = builder.Configuration.GetValue("Harmonia:Api:Replicas", 2);

// Services read their stores' connection strings only, so a store's other details (host, port, password) are never
// copied into their environments, and both published Redis variants give them the same one variable.
var api = builder.AddProject<Projects.Harmonia_Api>("api")
    .WithReplicas(apiReplicas)
    .WithReferenceEnvironment(ReferenceEnvironmentInjectionFlags.ConnectionString)
    .WithReference(redis).WaitFor(redis)
    .WithReference(database).WaitFor(database)
    .WithEnvironment("Harmonia__Auth__SigningKey", jwtSigningKey)
    .WithEnvironment("Harmonia__Accounts__PublicUrl", publicUrl)
    .WithAzureMonitor(azureMonitor)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints()
    .WithApiReference()
    .WithCacheCommands();

// The worker sends the mail the API queues (see Harmonia.Worker/Mail), so only it holds the SMTP secret.
builder.AddProject<Projects.Harmonia_Worker>("worker")
    .WithReferenceEnvironment(ReferenceEnvironmentInjectionFlags.ConnectionString)
    .WithReference(redis).WaitFor(redis)
    .WithReference(database).WaitFor(database)
    .WithReference(mail).WaitFor(mail)
    .WithEnvironment("Harmonia__Mail__From", mailFrom)
    .WithAzureMonitor(azureMonitor)
    .WithHttpHealthCheck("/health")
    .WithQueueCommands(api);

builder.Build().Run();
