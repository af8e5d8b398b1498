using Harmonia.Api.Auth;
using Harmonia.Api.Http;
using Harmonia.Api.Jobs;
using Harmonia.Api.Profiles;
using Harmonia.Api.Songs;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddHarmoniaDataStores();
builder.AddHarmoniaCache();
builder.AddApiDefaults();
builder.AddAuth();
builder.AddProfiles();
builder.AddJobs();

var app = builder.Build();

app.UseApiDefaults();
app.MapDefaultEndpoints();
app.MapAuthApi();
app.MapProfilesApi();
app.MapJobsApi();
app.MapSongAudioApi();

app.Run();
