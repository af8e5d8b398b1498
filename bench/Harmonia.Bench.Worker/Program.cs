using Harmonia.Bench.Worker;
using Harmonia.Caching;
using Harmonia.DataStores;
using Harmonia.Worker.Jobs;
using Harmonia.Worker.Jobs.Generation;

// Harmonia.Worker's Program.cs with a generator that returns an empty clip at once, so the jobs benchmark
// measures the queue, the leases and the stores rather than synthesis.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddHarmoniaDataStores();
builder.AddHarmoniaCache();
builder.AddJobProcessing();
builder.Services.AddSingleton<ISongGenerator, NoOpSongGenerator>();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
