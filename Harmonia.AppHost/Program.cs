using Harmonia.AppHost.Infrastructure;

var builder = DistributedApplication.CreateBuilder(args);

// Infrastructure: containers, local processes or existing servers (Harmonia:Infrastructure:Mode).
var infrastructure = builder.AddHarmoniaInfrastructure();
var redis = infrastructure.Redis;
var database = infrastructure.Database;

// Services
builder.AddProject<Projects.Harmonia_Api>("api")
    .WithReference(redis).WaitFor(redis)
    .WithReference(database).WaitFor(database)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints();

builder.AddProject<Projects.Harmonia_Worker>("worker")
    .WithReference(redis).WaitFor(redis)
    .WithReference(database).WaitFor(database)
    .WithHttpHealthCheck("/health");

builder.Build().Run();
