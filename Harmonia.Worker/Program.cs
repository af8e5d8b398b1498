using Harmonia.Caching;
using Harmonia.DataStores;
using Harmonia.Worker.Jobs;
using Harmonia.Worker.Mail;

// The worker is a web host only so that it can answer /health and /alive for the dashboard and
// Azure Container Apps probes; its real work runs in hosted services.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddHarmoniaDataStores();
builder.AddHarmoniaCache();
builder.AddJobProcessing();
builder.AddMailDelivery();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
